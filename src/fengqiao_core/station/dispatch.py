"""The outbox dispatcher 消息投递: delivers committed messages through the channel, later.

Use cases only write messages into the outbox, in the same unit of work as their events; they
never call a channel, so a slow or failing channel never slows or fails them. The dispatcher
claims what is due (a lease: while it runs no other dispatcher, in this process or another
sharing the store, gets those messages), sends each, records each result (ending the lease),
and retries failures with exponential backoff. After :attr:`RetryPolicy.max_attempts` failed
attempts, or a failure the channel says is final, a message is given up: a dead letter 死信 that
``fengqiao outbox list`` shows and ``fengqiao outbox retry`` queues again. It runs in a
background thread (woken after each commit) or on demand with :meth:`Dispatcher.deliver_due`;
undelivered messages are picked up after a restart. Delivery is at least once: a crash between
sending and recording sends that message again once its lease has ended, with the same
``message.id`` — the channel's idempotency key.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import threading
from collections.abc import Callable, Sequence

import attrs
from attrs import frozen

from fengqiao_core.errors import scrub
from fengqiao_core.model import FreeText, GroupCategory, Matter, ResidentGroup
from fengqiao_core.ports import Channel, DeliveryResult, OutboxMessage, StorageBackend
from fengqiao_core.security.logs import get_logger
from fengqiao_core.station.values import new_id

__all__ = ["DeliveryReport", "Dispatcher", "RetryPolicy", "messages_for"]

_log = get_logger(__name__)


@frozen(kw_only=True)
class RetryPolicy:
    """Backoff for failed deliveries: ``first`` doubled per attempt, at most ``longest``.

    Attributes:
        first: The wait after the first failure.
        longest: The longest wait.
        max_attempts: Give up (a dead letter) after this many failed attempts.
        lease: How long a claimed message is reserved for one dispatcher; it must outlast the
            slowest channel's send.
    """

    first: dt.timedelta = dt.timedelta(seconds=30)
    longest: dt.timedelta = dt.timedelta(hours=1)
    max_attempts: int = 12
    lease: dt.timedelta = dt.timedelta(minutes=5)

    def delay(self, attempts: int) -> dt.timedelta:
        """The wait before attempt ``attempts + 1``."""
        wait: dt.timedelta = self.first * (2 ** max(attempts - 1, 0))
        return min(wait, self.longest)


@frozen
class DeliveryReport:
    """What one delivery round did: messages delivered and failed (to be retried or given up)."""

    delivered: int
    failed: int


class Dispatcher:
    """Delivers outbox messages through a channel.

    Args:
        storage: The store holding the outbox.
        channel: Where messages go.
        clock: The station's clock.
        policy: Backoff for failures.
    """

    def __init__(
        self,
        storage: StorageBackend,
        channel: Channel,
        clock: Callable[[], dt.datetime],
        policy: RetryPolicy | None = None,
    ) -> None:
        self._storage = storage
        self._channel = channel
        self._clock = clock
        self._policy = policy or RetryPolicy()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        """This dispatcher's name on the leases it holds."""

    def deliver_due(self, limit: int = 100) -> DeliveryReport:
        """Claim and send every message due now (at most ``limit``), recording each outcome."""
        with self._lock:
            now = self._clock()
            with self._storage.unit_of_work() as uow:
                due = uow.outbox.claim(self.owner, now, now + self._policy.lease, limit)
            delivered = failed = 0
            for message in due:
                result = self._send(message)
                attempts = message.attempts + 1
                if result.delivered:
                    update = attrs.evolve(message, attempts=attempts, delivered_at=now)
                    delivered += 1
                else:
                    final = not result.retry or attempts >= self._policy.max_attempts
                    update = attrs.evolve(
                        message,
                        attempts=attempts,
                        last_error=scrub(result.detail)[:200],
                        next_attempt_at=None if final else now + self._policy.delay(attempts),
                        given_up=final,
                    )
                    failed += 1
                    if final:
                        _log.warning("message %s given up after %d attempts", message.id, attempts)
                with self._storage.unit_of_work() as uow:
                    uow.outbox.record(update)
                    uow.commit()
            return DeliveryReport(delivered, failed)

    def _send(self, message: OutboxMessage) -> DeliveryResult:
        try:
            return self._channel.send(message)
        except Exception as exc:  # a channel must report failures; a raising one is contained
            _log.warning("channel raised %s for message %s", type(exc).__name__, message.id)
            return DeliveryResult(False, f"channel raised {type(exc).__name__}", retry=True)

    def start(self, interval: float = 5.0) -> None:
        """Deliver in a background thread: after each :meth:`wake` and every ``interval`` s."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(interval,), name="fengqiao-dispatcher", daemon=True
        )
        self._thread.start()

    def wake(self) -> None:
        """Tell the background thread that new messages were committed."""
        self._wake.set()

    def stop(self) -> None:
        """Stop the background thread (pending messages stay in the outbox)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            try:
                self.deliver_due()
            except Exception as exc:  # keep the thread alive; the store may come back
                _log.error("delivery round failed: %s", type(exc).__name__)
            self._wake.wait(interval)
            self._wake.clear()


def messages_for(
    matter: Matter, text: str, groups: Sequence[ResidentGroup], at: dt.datetime
) -> list[OutboxMessage]:
    """Messages for a change 消息: to the owner, and to the volunteer group when stewards joined.

    The volunteer group is the first declared ``VOLUNTEER`` resident group of the matter's cell.
    """
    targets = [matter.owner] if matter.owner else []
    if any(p.role == "steward" for p in matter.participants) and matter.cell:
        targets += [
            g.id for g in groups if g.category is GroupCategory.VOLUNTEER and matter.cell in g.cells
        ][:1]
    return [
        OutboxMessage(id=new_id(), target=t, text=FreeText(text), created_at=at) for t in targets
    ]
