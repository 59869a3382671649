"""The ``log`` channel 日志通道: records every message and logs it (masked); never fails."""

from __future__ import annotations

import threading

from fengqiao_core.hookspecs import hookimpl
from fengqiao_core.ports import BackendContext, BackendSpec, DeliveryResult, OutboxMessage
from fengqiao_core.security.logs import get_logger

__all__ = ["LogChannel"]

FENGQIAO_PLUGIN_API = 1
_log = get_logger(__name__)


class LogChannel:
    """A channel that delivers by recording: ``sent`` holds every message it accepted, once.

    A message sent again with an id it already accepted (a retry) is answered delivered and not
    recorded again: ``message.id`` is the idempotency key.
    """

    def __init__(self) -> None:
        self.sent: list[OutboxMessage] = []
        self._accepted: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def from_context(cls, context: BackendContext) -> LogChannel:
        """Factory for the ``log`` channel (the context is not needed)."""
        return cls()

    def send(self, message: OutboxMessage) -> DeliveryResult:
        """Record and log the message (once per id); always delivered."""
        with self._lock:
            if message.id in self._accepted:
                return DeliveryResult(True, "already logged")
            self._accepted.add(message.id)
            self.sent.append(message)
        _log.info("message %s to %s: %s", message.id, message.target, message.text)
        return DeliveryResult(True, "logged")


@hookimpl
def fengqiao_register_backends() -> list[BackendSpec]:
    """Register the ``log`` channel."""
    return [BackendSpec("channel", "log", LogChannel.from_context, "records and logs messages")]
