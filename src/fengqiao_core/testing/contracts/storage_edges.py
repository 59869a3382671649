"""The storage contract, edges: copies, streams past a page, racing writers, order, whole keys.

What a backend gets wrong when each happy path works: handing out the object it keeps, stopping
a stream at a page size, letting the second of two open units overwrite the first, ordering by
the wrong column, matching a reference by its prefix, sorting versions as text.
:class:`~fengqiao_core.testing.contracts.StorageContract` includes it; subclass that one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs
import pytest

from fengqiao_core.errors import ConflictError
from fengqiao_core.model.personal import PersonName
from fengqiao_core.ports import StorageBackend, UnitOfWork
from fengqiao_core.testing.contracts import _data as d
from fengqiao_core.testing.contracts._storage_base import StorageFixtures, attempt, write_everything
from fengqiao_core.testing.contracts._workers import record_sessions
from fengqiao_core.testing.contracts.keys import key

__all__ = ["StorageEdges"]

LONG = 250
"""Rows in the long-stream tests: past any page size of 100 or 200."""


def _second_loses(first: UnitOfWork, second: UnitOfWork, write: Callable[[], object]) -> None:
    """``second`` writes what ``first`` wrote too; ``first`` commits; ``second`` must conflict.

    A backend may refuse at the write already, or at the latest at ``second``'s commit.
    """
    try:
        write()
    except ConflictError:
        first.commit()
        return
    first.commit()
    with pytest.raises(ConflictError):
        second.commit()


class StorageEdges(StorageFixtures):
    """Returned copies, long streams, two open writers, oldest first, whole references."""

    def test_a_returned_object_is_the_caller_s_own(self, backend: StorageBackend) -> None:
        """Changing what ``get`` returned (even through ``object.__setattr__``) stores nothing."""
        attempt(backend, write_everything)
        with backend.unit_of_work() as uow:
            matter, person = uow.matters.get("m1"), uow.people.get("p1")
            object.__setattr__(matter, "owner", "someone-else")
            object.__setattr__(person, "name", PersonName("改掉的名字"))
            uow.matters.history("m1").clear()
        with backend.unit_of_work() as uow:
            assert uow.matters.get("m1").owner != "someone-else"
            assert uow.people.get("p1").name.reveal() != "改掉的名字"
            assert len(uow.matters.history("m1")) == 2

    def test_long_audit_and_entity_streams_yield_every_row_in_order(
        self, backend: StorageBackend
    ) -> None:
        """``audit.stream`` and ``people.stream`` go past any page: every row, in order."""
        with backend.unit_of_work() as uow:
            for seq in range(1, LONG + 1):
                uow.audit.append(d.audit_entry(seq, object_id=f"m{seq}"))
                uow.people.add(d.person(f"p{seq:04d}"))
            uow.commit()
        with backend.unit_of_work() as uow:
            seqs = [entry.seq for entry in uow.audit.stream()]
            ids = [person.id for person in uow.people.stream()]
        assert seqs == list(range(1, LONG + 1)), f"{len(seqs)} of {LONG} audit entries"
        assert ids == [f"p{n:04d}" for n in range(1, LONG + 1)], f"{len(ids)} of {LONG} people"

    def test_two_open_units_updating_one_entity_do_not_both_win(
        self, backend: StorageBackend
    ) -> None:
        """Both read version 1 and update; the first commit wins, the second is a conflict."""
        attempt(backend, lambda uow: uow.people.add(d.person("p1")))
        with backend.unit_of_work() as first, backend.unit_of_work() as second:
            one, two = first.people.get("p1"), second.people.get("p1")
            first.people.update(attrs.evolve(one, name=PersonName("第一")))
            _second_loses(
                first,
                second,
                lambda: second.people.update(attrs.evolve(two, name=PersonName("第二"))),
            )
        with backend.unit_of_work() as uow:
            stored = uow.people.get("p1")
        assert stored.version == 2
        assert stored.name.reveal() == "第一"

    def test_two_open_units_adding_one_message_id_do_not_both_win(
        self, backend: StorageBackend
    ) -> None:
        """A message id added by two open units is stored once; the second commit conflicts."""
        with backend.unit_of_work() as first, backend.unit_of_work() as second:
            first.outbox.add(d.message("msg1", text="第一条"))
            _second_loses(
                first, second, lambda: second.outbox.add(d.message("msg1", text="第二条"))
            )
        with backend.unit_of_work() as uow:
            pending = uow.outbox.pending(d.AT)
        assert [(m.id, m.text.reveal()) for m in pending] == [("msg1", "第一条")]

    def test_pending_and_claim_give_the_oldest_message_first(self, backend: StorageBackend) -> None:
        """Oldest by ``created_at`` (then id), not by id alone."""
        later = attrs.evolve(d.message("msg-a"), created_at=d.AT + dt.timedelta(hours=1))
        earlier = attrs.evolve(d.message("msg-b"), created_at=d.AT)
        with backend.unit_of_work() as uow:
            uow.outbox.add(later)
            uow.outbox.add(earlier)
            uow.commit()
        now = d.AT + dt.timedelta(hours=2)
        with backend.unit_of_work() as uow:
            assert [m.id for m in uow.outbox.pending(now)] == ["msg-b", "msg-a"]
            claimed = uow.outbox.claim("w1", now, now + dt.timedelta(minutes=5), limit=1)
        assert [m.id for m in claimed] == ["msg-b"]

    def test_a_reference_is_found_whole_never_by_its_prefix(self, backend: StorageBackend) -> None:
        """``find_by_reference("r1")`` is not the matter reported as ``r10``."""
        attempt(backend, lambda uow: uow.matters.append([d.report("m10", reference="r10")], 0))
        with backend.unit_of_work() as uow:
            assert uow.matters.find_by_reference("r1") is None
            assert uow.matters.find_by_reference("r") is None
            found = uow.matters.find_by_reference("r10")
        assert found is not None
        assert found.id == "m10"
        attempt(backend, lambda uow: uow.matters.append([d.report("m1", reference="r1")], 0))

    def test_a_long_history_is_in_version_order(self, backend: StorageBackend) -> None:
        """Twelve events come back 1, 2, …, 12 (not 1, 10, 11, 12, 2, … as text sorts them)."""
        attempt(backend, lambda uow: uow.matters.append([d.report("m1")], 0))
        record_sessions(backend, "m1", 11)
        with backend.unit_of_work() as uow:
            assert [e.version for e in uow.matters.history("m1")] == list(range(1, 13))
            assert uow.matters.get("m1").version == 12

    def test_the_key_ring_streams_every_key_by_id(self, backend: StorageBackend) -> None:
        """Keys come back by id whatever order they were added in, destroyed ones too."""
        ids = ["k3", "k1", "k20", "k2"]
        with backend.unit_of_work() as uow:
            for n, key_id in enumerate(ids):
                uow.keys.add(key(key_id, f"matter:m{n}", minutes=n))
            uow.commit()
        with backend.unit_of_work() as uow:
            uow.keys.destroy("k2", d.AT)
            uow.commit()
        with backend.unit_of_work() as uow:
            assert [k.id for k in uow.keys.stream()] == sorted(ids)
