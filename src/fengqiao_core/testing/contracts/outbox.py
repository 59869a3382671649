"""The storage contract, outbox part 发件箱: leases, dead letters, re-queueing.

:class:`~fengqiao_core.testing.contracts.StorageContract` includes it; subclass that one.
"""

from __future__ import annotations

import datetime as dt
import threading

import attrs
import pytest

from fengqiao_core.errors import NotFound, ValidationError
from fengqiao_core.ports import Capability, StorageBackend, UnitOfWork
from fengqiao_core.testing.contracts import _data as d
from fengqiao_core.testing.contracts._base import require
from fengqiao_core.testing.contracts._storage_base import StorageFixtures, attempt

__all__ = ["StorageOutbox"]

_MINUTE = dt.timedelta(minutes=1)


def _add(backend: StorageBackend, *ids: str) -> None:
    def write(uow: UnitOfWork) -> None:
        for message_id in ids:
            uow.outbox.add(d.message(message_id))

    attempt(backend, write)


def _claim(backend: StorageBackend, owner: str, at: dt.datetime, limit: int = 100) -> list[str]:
    with backend.unit_of_work() as uow:
        return [m.id for m in uow.outbox.claim(owner, at, at + _MINUTE, limit)]


class StorageOutbox(StorageFixtures):
    """The outbox: one dispatcher per message while its lease runs; dead letters re-queued."""

    def test_a_claimed_message_is_not_claimed_again_while_leased(
        self, backend: StorageBackend
    ) -> None:
        """``claim`` leases due messages oldest first; a second claim gets none until it ends."""
        _add(backend, "msg1", "msg2", "msg3")
        assert _claim(backend, "a", d.AT, limit=2) == ["msg1", "msg2"]
        assert _claim(backend, "b", d.AT) == ["msg3"]
        assert _claim(backend, "b", d.AT + _MINUTE / 2) == []
        assert _claim(backend, "b", d.AT + _MINUTE) == ["msg1", "msg2", "msg3"]

    def test_recording_an_outcome_ends_the_lease(self, backend: StorageBackend) -> None:
        """A recorded failure is claimed at its next attempt; a delivered message never again."""
        _add(backend, "msg1", "msg2")
        with backend.unit_of_work() as uow:
            first, second = uow.outbox.claim("a", d.AT, d.AT + dt.timedelta(hours=1))
            uow.outbox.record(attrs.evolve(first, attempts=1, delivered_at=d.AT))
            later = d.AT + _MINUTE / 4
            uow.outbox.record(attrs.evolve(second, attempts=1, next_attempt_at=later))
            uow.commit()
        assert _claim(backend, "b", d.AT) == []
        assert _claim(backend, "b", later) == ["msg2"]

    def test_a_message_given_up_is_a_dead_letter_until_retried(
        self, backend: StorageBackend
    ) -> None:
        """``failed`` lists given-up messages; ``retry`` makes one due again, attempts from 0."""
        _add(backend, "msg1", "msg2")
        with backend.unit_of_work() as uow:
            claimed = uow.outbox.claim("a", d.AT, d.AT + _MINUTE)
            dead = attrs.evolve(claimed[0], attempts=3, given_up=True, last_error="refused")
            uow.outbox.record(dead)
            uow.commit()
        with backend.unit_of_work() as uow:
            assert [m.id for m in uow.outbox.failed()] == ["msg1"]
            assert [m.id for m in uow.outbox.pending(d.AT + _MINUTE)] == ["msg2"]
        assert _claim(backend, "b", d.AT + _MINUTE) == ["msg2"]
        with backend.unit_of_work() as uow:
            again = uow.outbox.retry("msg1")
            assert (again.given_up, again.attempts, again.next_attempt_at) == (False, 0, None)
            uow.commit()
        with backend.unit_of_work() as uow:
            assert uow.outbox.failed() == []
        assert _claim(backend, "b", d.AT + _MINUTE) == ["msg1"]

    def test_only_a_dead_letter_is_retried(self, backend: StorageBackend) -> None:
        """``retry`` refuses an unknown id and a message that was not given up."""
        _add(backend, "msg1")
        with backend.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.outbox.retry("nope")
            with pytest.raises(ValidationError):
                uow.outbox.retry("msg1")

    def test_concurrent_claims_never_share_a_message(self, backend: StorageBackend) -> None:
        """Threads claiming at once each get different messages, and together all of them."""
        require(backend.capabilities, Capability.CONCURRENT_WRITERS)
        ids = [f"msg{i:03d}" for i in range(60)]
        _add(backend, *ids)
        workers = 4
        barrier = threading.Barrier(workers)
        got: list[list[str]] = [[] for _ in range(workers)]

        def work(n: int) -> None:
            barrier.wait()
            for _ in range(len(ids)):  # bounded: a backend handing out leased messages again
                claimed = _claim(backend, f"w{n}", d.AT, limit=3)  # would loop forever
                if not claimed:
                    break
                got[n].extend(claimed)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        every = [message_id for claimed in got for message_id in claimed]
        assert sorted(every) == ids
