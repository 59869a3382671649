"""The storage contract, part 1: units of work, rollback, conflicts, atomicity, concurrency.

:class:`~fengqiao_core.testing.contracts.StorageContract` joins it with
:mod:`.storage_data` and :mod:`.state_machine`; subclass that one.
"""

from __future__ import annotations

import functools
import multiprocessing
import threading
from collections.abc import Callable

import attrs
import pytest

from fengqiao_core import model as m
from fengqiao_core.errors import ConflictError, NotFound
from fengqiao_core.ports import Capability, StorageBackend, UnitOfWork
from fengqiao_core.testing.contracts import _data as d
from fengqiao_core.testing.contracts._base import require, snapshot
from fengqiao_core.testing.contracts._storage_base import (
    BackendFactory,
    StorageFixtures,
    attempt,
    is_empty,
    write_everything,
)
from fengqiao_core.testing.contracts._workers import record_sessions, run_in_process

__all__ = ["StorageTransactions"]


def _write_then_fail(uow: UnitOfWork) -> None:
    write_everything(uow)
    raise KeyError("boom")


def _close(uow: UnitOfWork, expected: int) -> None:
    uow.matters.append([d.state_changed("m1", expected + 1, "closed")], expected)


def _update_then_commit(uow: UnitOfWork, entity: m.Person) -> None:
    uow.people.update(entity)
    uow.commit()


class StorageTransactions(StorageFixtures):
    """Units of work: visibility, rollback, optimistic conflicts, atomicity, concurrency."""

    def test_declares_its_capabilities(self, backend: StorageBackend) -> None:
        """``capabilities`` is a frozenset of :class:`Capability`."""
        assert isinstance(backend.capabilities, frozenset)
        assert all(isinstance(c, Capability) for c in backend.capabilities)

    def test_a_new_store_is_empty(self, backend: StorageBackend) -> None:
        """A new store holds no matters, people, audit entries or messages."""
        with backend.unit_of_work() as uow:
            assert is_empty(uow)

    def test_committed_work_is_visible_in_a_new_unit_of_work(self, backend: StorageBackend) -> None:
        """After commit, a new unit of work reads the matter, its history and its reference."""
        events = [d.report("m1", reference="r1"), d.triage("m1", 2)]
        with backend.unit_of_work() as uow:
            written = uow.matters.append(events, 0)
            uow.commit()
        with backend.unit_of_work() as uow:
            assert (
                snapshot(uow.matters.get("m1")) == snapshot(written) == snapshot(m.replay(events))
            )
            assert snapshot(uow.matters.history("m1")) == snapshot(events)
            found = uow.matters.find_by_reference("r1")
            assert found is not None
            assert found.id == "m1"
            assert uow.matters.find_by_reference("r2") is None

    def test_a_unit_of_work_reads_its_own_writes_and_no_one_elses(
        self, backend: StorageBackend
    ) -> None:
        """Uncommitted writes are visible inside their unit of work only."""
        with backend.unit_of_work() as writer, backend.unit_of_work() as reader:
            write_everything(writer)
            assert writer.matters.get("m1").version == 2
            assert writer.people.get("p1").version == 1
            assert [msg.id for msg in writer.outbox.pending(d.AT)] == ["msg1"]
            assert is_empty(reader)
            with pytest.raises(NotFound):
                reader.matters.get("m1")

    def test_uncommitted_work_is_rolled_back_by_default(self, backend: StorageBackend) -> None:
        """Leaving a unit of work without commit discards everything it wrote."""
        with backend.unit_of_work() as uow:
            write_everything(uow)
        with backend.unit_of_work() as uow:
            assert is_empty(uow)
            assert uow.matters.find_by_reference("r1") is None
            with pytest.raises(NotFound):
                uow.matters.history("m1")

    def test_explicit_rollback_discards_changes(self, backend: StorageBackend) -> None:
        """``rollback()`` discards the writes, so a later ``commit()`` stores nothing."""
        with backend.unit_of_work() as uow:
            write_everything(uow)
            uow.rollback()
            uow.commit()
        with backend.unit_of_work() as uow:
            assert is_empty(uow)

    def test_an_error_inside_a_unit_of_work_rolls_back_and_propagates(
        self, backend: StorageBackend
    ) -> None:
        """An exception in the ``with`` block rolls back and is not swallowed."""
        with pytest.raises(KeyError, match="boom"):
            attempt(backend, _write_then_fail)
        with backend.unit_of_work() as uow:
            assert is_empty(uow)

    def test_a_unit_of_work_can_commit_twice(self, backend: StorageBackend) -> None:
        """A unit of work stays usable after a commit."""
        with backend.unit_of_work() as uow:
            write_everything(uow, "1")
            uow.commit()
            write_everything(uow, "2")
            uow.commit()
        with backend.unit_of_work() as uow:
            assert [x.id for x in uow.matters.stream()] == ["m1", "m2"]
            assert [e.seq for e in uow.audit.stream()] == [1, 2]

    def test_a_stale_expected_version_is_a_conflict(self, backend: StorageBackend) -> None:
        """Appending after a wrong ``expected_version`` raises ``ConflictError``, stores nothing."""
        with backend.unit_of_work() as uow:
            uow.matters.append([d.report("m1"), d.triage("m1", 2)], 0)
            uow.commit()
        for expected in (0, 1, 3):
            with pytest.raises(ConflictError):
                attempt(backend, functools.partial(_close, expected=expected))
        with backend.unit_of_work() as uow:
            assert uow.matters.get("m1").version == 2
            assert len(uow.matters.history("m1")) == 2

    def test_concurrent_appends_to_one_matter_conflict(self, backend: StorageBackend) -> None:
        """Of two units appending to one matter, the second to commit gets ``ConflictError``."""
        with backend.unit_of_work() as uow:
            uow.matters.append([d.report("m1")], 0)
            uow.commit()
        with backend.unit_of_work() as first, backend.unit_of_work() as second:
            first.matters.append([d.triage("m1", 2, owner="o1")], 1)
            second.matters.append([d.triage("m1", 2, owner="o2")], 1)
            first.commit()
            with pytest.raises(ConflictError):
                second.commit()
        with backend.unit_of_work() as uow:
            assert uow.matters.get("m1").owner == "o1"
            assert [e.version for e in uow.matters.history("m1")] == [1, 2]

    def test_a_reported_reference_cannot_be_reported_again(self, backend: StorageBackend) -> None:
        """A second matter with a taken idempotency reference is a conflict."""
        with backend.unit_of_work() as uow:
            uow.matters.append([d.report("m1", reference="r1")], 0)
            uow.commit()
        with pytest.raises(ConflictError):
            attempt(backend, lambda uow: uow.matters.append([d.report("m2", reference="r1")], 0))
        with backend.unit_of_work() as uow:
            assert [x.id for x in uow.matters.stream()] == ["m1"]

    def test_entity_conflicts(self, backend: StorageBackend) -> None:
        """Duplicate ids and stale or concurrent updates of an entity are conflicts."""
        with backend.unit_of_work() as uow:
            uow.people.add(d.person("p1"))
            uow.commit()
        with pytest.raises(ConflictError):
            attempt(backend, lambda uow: uow.people.add(d.person("p1", "李四")))
        with backend.unit_of_work() as first, backend.unit_of_work() as second:
            one, two = first.people.get("p1"), second.people.get("p1")
            assert first.people.update(attrs.evolve(one, name=one.name)).version == 2
            first.commit()
            with pytest.raises(ConflictError):
                _update_then_commit(second, two)
        with pytest.raises(NotFound):
            attempt(backend, lambda uow: uow.people.update(d.person("nobody")))
        with backend.unit_of_work() as uow:
            assert uow.people.get("p1").version == 2

    def test_audit_sequence_numbers_follow_one_another(self, backend: StorageBackend) -> None:
        """Audit ``seq`` must follow the last one, also across concurrent units."""
        with backend.unit_of_work() as uow:
            uow.audit.append(d.audit_entry(1))
            with pytest.raises(ConflictError):
                uow.audit.append(d.audit_entry(3))
            uow.commit()
        with backend.unit_of_work() as first, backend.unit_of_work() as second:
            first.audit.append(d.audit_entry(2, action="first"))
            second.audit.append(d.audit_entry(2, action="second"))
            first.commit()
            with pytest.raises(ConflictError):
                second.commit()
        with backend.unit_of_work() as uow:
            assert [(e.seq, e.action) for e in uow.audit.stream()] == [(1, "report"), (2, "first")]
            assert list(uow.audit.stream())[1] == d.audit_entry(2, action="first")  # every field

    def test_events_audit_and_outbox_commit_together_or_not_at_all(
        self, backend: StorageBackend
    ) -> None:
        """A failed commit stores none of the unit's events, entities, audit entries or messages."""
        with backend.unit_of_work() as late, backend.unit_of_work() as early:
            write_everything(late, "1")
            early.audit.append(d.audit_entry(1, object_id="other"))
            early.commit()
            with pytest.raises(ConflictError):
                late.commit()
        with backend.unit_of_work() as uow:
            assert [e.object_id for e in uow.audit.stream()] == ["other"]
            assert list(uow.matters.stream()) == []
            assert list(uow.people.stream()) == []
            assert uow.outbox.pending(d.AT) == []
            write_everything(uow, "2")
            uow.commit()
        with backend.unit_of_work() as uow:
            assert [x.id for x in uow.matters.stream()] == ["m2"]
            assert [msg.id for msg in uow.outbox.pending(d.AT)] == ["msg2"]
            assert [e.seq for e in uow.audit.stream()] == [1, 2]

    def test_concurrent_writers_in_threads_lose_no_update(self, backend: StorageBackend) -> None:
        """Threads retrying on conflicts lose no append (needs ``CONCURRENT_WRITERS``)."""
        require(backend.capabilities, Capability.CONCURRENT_WRITERS)
        with backend.unit_of_work() as uow:
            uow.matters.append([d.report("m1")], 0)
            uow.commit()
        threads, each = 4, 5
        barrier = threading.Barrier(threads)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                barrier.wait()
                record_sessions(backend, "m1", each)
            except BaseException as exc:  # reported to the test thread below
                errors.append(exc)

        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert errors == []
        with backend.unit_of_work() as uow:
            assert uow.matters.get("m1").sessions == threads * each
            assert [e.version for e in uow.matters.history("m1")] == list(
                range(1, threads * each + 2)
            )

    def test_concurrent_writers_in_processes_lose_no_update(
        self, backend: StorageBackend, share_backend: Callable[[StorageBackend], BackendFactory]
    ) -> None:
        """Processes retrying on conflicts lose no append (needs ``SHARED_BETWEEN_PROCESSES``)."""
        require(backend.capabilities, Capability.SHARED_BETWEEN_PROCESSES)
        opener = share_backend(backend)
        with backend.unit_of_work() as uow:
            uow.matters.append([d.report("m1")], 0)
            uow.commit()
        context = multiprocessing.get_context("spawn")
        processes, each = 3, 4
        barrier = context.Barrier(processes)
        children = [
            context.Process(target=run_in_process, args=(opener, barrier, "m1", each))
            for _ in range(processes)
        ]
        for child in children:
            child.start()
        for child in children:
            child.join(timeout=120)
        assert [child.exitcode for child in children] == [0] * processes
        with backend.unit_of_work() as uow:
            assert uow.matters.get("m1").sessions == processes * each
