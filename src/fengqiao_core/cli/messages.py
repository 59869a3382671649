"""The messages the demo delivers, where a person can read them 已发消息.

The ``log`` channel keeps what it accepted (and logs it, but the command line switches no logger
on): the demo writes those messages to ``messages.jsonl`` in its output folder — id, target,
time written, attempts, last error and the text masked as everywhere else — and prints how
many, through the one safe output path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fengqiao_core.cli.lang import say_in
from fengqiao_core.cli.outbox import message_row
from fengqiao_core.cli.output import say, write_json_lines
from fengqiao_core.ports import OutboxMessage

__all__ = ["MESSAGES_FILE", "message_record", "write_messages"]

MESSAGES_FILE = "messages.jsonl"
"""The file in the demo's output folder that holds the delivered messages."""


def message_record(message: OutboxMessage) -> dict[str, Any]:
    """One message as a JSON object; the text masked (free text is personal data, S2)."""
    return {**message_row(message), "text": message.text.mask()}


def write_messages(channel: Any, delivered: int, name: str, out_dir: Path, lang: str) -> Path:
    """Write what ``channel`` accepted to ``out_dir/messages.jsonl`` and print the count line.

    A channel that keeps no record (only the ``log`` channel keeps ``sent``) gives an empty
    file; the line says so.

    Returns:
        The file written.
    """
    sent: list[OutboxMessage] = list(getattr(channel, "sent", []))
    path = out_dir / MESSAGES_FILE
    out_dir.mkdir(parents=True, exist_ok=True)
    written = write_json_lines(path, (message_record(m) for m in sent))
    say(
        say_in(
            lang,
            f"经 {name!r} 通道发送消息 {delivered} 条；已写入 {path}（{written} 条，内容已遮蔽）",
            f"{delivered} messages delivered through the {name!r} channel; written to {path} "
            f"({written}, text masked)",
        )
    )
    return path
