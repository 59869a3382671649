"""Example plugin: a JSON-lines file channel 文件通道 and the 微巡防 micro pillar."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from fengqiao_core import hookimpl
from fengqiao_core.errors import ConfigurationError
from fengqiao_core.model import MicroPillar
from fengqiao_core.ports import BackendContext, BackendSpec, DeliveryResult, OutboxMessage

__all__ = ["JsonLinesChannel"]

FENGQIAO_PLUGIN_API = 1


class JsonLinesChannel:
    """Appends each message, masked, as one JSON line to a file; each message id once.

    ``message.id`` is the idempotency key: a message already in the file (a retry, or a resend
    after a restart) is answered delivered and not appended again.

    Args:
        path: The file to append to (its folder must exist).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._written: set[str] | None = None  # the ids in the file, read at the first send

    def _ids_in_file(self) -> set[str]:
        """The ids already in the file, read once (``OSError`` if it cannot be read)."""
        if self._written is None:
            found: set[str] = set()
            if self.path.is_file():
                with self.path.open(encoding="utf-8", errors="replace") as handle:
                    for line in handle:
                        try:
                            found.add(str(json.loads(line)["id"]))
                        except (ValueError, KeyError, TypeError, RecursionError):
                            continue  # a line we did not write: not ours to judge
            self._written = found  # only once the whole file was read
        return self._written

    @classmethod
    def from_context(cls, context: BackendContext) -> JsonLinesChannel:
        """Factory for ``jsonl:///abs/file.jsonl`` or ``jsonl://file.jsonl``.

        A relative path is relative to the station file's folder (``context.path``).
        """
        path = context.path(context.url.removeprefix("jsonl://"))
        if not path.parent.is_dir():
            raise ConfigurationError(f"jsonl channel: folder {path.parent} does not exist")
        return cls(path)

    def send(self, message: OutboxMessage) -> DeliveryResult:
        """Append the message; an unwritable file is a failed delivery, not an exception."""
        line = json.dumps(
            {"id": message.id, "target": message.target, "text": str(message.text)},
            ensure_ascii=False,
        )
        try:
            with self._lock:
                written = self._ids_in_file()
                if message.id in written:
                    return DeliveryResult(True, "already appended")
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(line + "\n")
                written.add(message.id)
        except OSError as exc:
            return DeliveryResult(False, f"cannot write: {type(exc).__name__}", retry=True)
        return DeliveryResult(True, "appended")


@hookimpl
def fengqiao_register_backends() -> list[BackendSpec]:
    """Register the ``jsonl`` channel."""
    return [
        BackendSpec(
            "channel",
            "jsonl",
            JsonLinesChannel.from_context,
            "appends masked messages to a JSON-lines file",
            ("jsonl",),
        )
    ]


@hookimpl
def fengqiao_register_micro_pillars() -> list[MicroPillar]:
    """Add 微巡防 (micro-patrol) to the open set of micro pillars."""
    return [MicroPillar("micro_patrol", "micro-patrol", "微巡防", "patrols by stewards and police")]
