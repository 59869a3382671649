"""Model checking 模型检验 (TARGETS.md R5): random operations on a backend and on the reference.

:class:`StorageMachine` runs the same random units of work — new matters (some with taken ids
or references), follow-up events with right and stale versions, interleaved writers, entity
adds and updates, audit entries, outbox messages, commits and rollbacks — against the backend
under test and a :class:`~fengqiao_core.builtin.memory.MemoryStorage`. Every step must end the
same way in both (same result, or the same error type) and, after every step, both stores must
show the same matters, histories, references, aggregates, people, audit log and outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from fengqiao_core import model as m
from fengqiao_core.builtin.memory import MemoryStorage
from fengqiao_core.errors import FengqiaoError
from fengqiao_core.model.personal import FreeText, PersonName
from fengqiao_core.ports import AggregateQuery, Dimension, Measure, StorageBackend, UnitOfWork
from fengqiao_core.testing.contracts import _data as d
from fengqiao_core.testing.contracts._base import run_settings, snapshot
from fengqiao_core.testing.contracts._storage_base import BackendFactory, StorageFixtures
from fengqiao_core.testing.contracts.storage_data import same_rows
from fengqiao_core.testing.histories import OWNERS, matter_histories
from fengqiao_core.testing.profiles import budget

__all__ = ["StorageMachine", "StorageModelCheck", "storage_machine"]

MATTERS_TABLE = [f"m{i}" for i in range(5)]
_PEOPLE = [f"p{i}" for i in range(3)]
_MESSAGES = [f"msg{i}" for i in range(3)]
_QUERIES = [AggregateQuery(measures=tuple(Measure), group_by=(dim,)) for dim in Dimension]
_LATER = d.AT + dt.timedelta(days=365 * 50)
Write = Callable[[UnitOfWork], Any]


def _outcome(backend: StorageBackend, write: Write, commit: bool) -> tuple[str, Any]:
    try:
        with backend.unit_of_work() as uow:
            result = write(uow)
            if commit:
                uow.commit()
    except FengqiaoError as exc:
        return ("error", type(exc).__name__)
    return ("ok", snapshot(result))


def _interleaved(backend: StorageBackend, first: Write, second: Write) -> list[tuple[str, Any]]:
    results: list[tuple[str, Any]] = []
    with backend.unit_of_work() as one, backend.unit_of_work() as two:
        for uow, write in ((one, first), (two, second)):
            try:
                write(uow)
                results.append(("written", None))
            except FengqiaoError as exc:
                results.append(("error", type(exc).__name__))
        for uow in (one, two):
            try:
                uow.commit()
                results.append(("committed", None))
            except FengqiaoError as exc:
                results.append(("error", type(exc).__name__))
    return results


def _follow_up(matter_id: str, version: int, step: str, owner: str) -> m.MatterEvent:
    head: dict[str, Any] = {
        "matter_id": matter_id,
        "version": version,
        "at": d.AT + dt.timedelta(hours=version),
        "actor": d.ACTOR,
    }
    if step == "session":
        return m.SessionRecorded(**head, summary=FreeText(f"session {version}"))
    if step == "assign":
        return m.MatterAssigned(**head, owner=owner, level=m.LadderLevel.COMMUNITY)
    if step == "triage":
        return d.triage(matter_id, version, owner=owner, at=head["at"])
    return m.StateChanged(**head, action=step, state=step)


class StorageMachine(RuleBasedStateMachine):
    """The backend under test against the memory reference; :attr:`factory` opens the former."""

    factory: Callable[[], StorageBackend]

    def __init__(self) -> None:
        super().__init__()
        self.tested = type(self).factory()
        self.reference = MemoryStorage()

    def teardown(self) -> None:
        """Close both stores."""
        self.tested.close()
        self.reference.close()

    def _version(self, matter_id: str) -> int:
        with self.reference.unit_of_work() as uow:
            found = [x.version for x in uow.matters.stream() if x.id == matter_id]
        return found[0] if found else 0

    def _both(self, write: Write, commit: bool = True) -> None:
        tested = _outcome(self.tested, write, commit)
        assert tested == _outcome(self.reference, write, commit)

    @rule(
        history=st.sampled_from(MATTERS_TABLE).flatmap(lambda i: matter_histories(i, max_events=3)),
        commit=st.booleans(),
    )
    def report(self, history: list[m.MatterEvent], commit: bool) -> None:
        """Report a matter (its id or reference may be taken), then commit or not."""
        self._both(lambda uow: uow.matters.append(history, 0), commit)

    @rule(
        matter_id=st.sampled_from(MATTERS_TABLE),
        offset=st.sampled_from([0, 0, 0, -1, 1]),
        step=st.sampled_from(["session", "assign", "triage", "closed", "reopened"]),
        owner=st.sampled_from(OWNERS),
    )
    def follow_up(self, matter_id: str, offset: int, step: str, owner: str) -> None:
        """Append one event after the right version, or a stale or future one."""
        expected = max(self._version(matter_id) + offset, 0)
        event = _follow_up(matter_id, expected + 1, step, owner)
        self._both(lambda uow: uow.matters.append([event], expected))

    @rule(
        matter_id=st.sampled_from(MATTERS_TABLE),
        owners=st.lists(st.sampled_from(OWNERS), min_size=2, max_size=2),
    )
    def race(self, matter_id: str, owners: list[str]) -> None:
        """Two open units of work append to one matter; the second to commit must conflict."""
        expected = self._version(matter_id)
        first, second = (
            (
                lambda uow, o=o: uow.matters.append(
                    [_follow_up(matter_id, expected + 1, "assign", o)], expected
                )
            )
            for o in owners
        )
        assert _interleaved(self.tested, first, second) == _interleaved(
            self.reference, first, second
        )

    @rule(
        person_id=st.sampled_from(_PEOPLE), name=st.text(min_size=1, max_size=8).filter(str.strip)
    )
    def add_person(self, person_id: str, name: str) -> None:
        """Add a person (the id may be taken)."""
        self._both(lambda uow: uow.people.add(d.person(person_id, name)))

    @rule(person_id=st.sampled_from(_PEOPLE), stale=st.booleans(), commit=st.booleans())
    def update_person(self, person_id: str, stale: bool, commit: bool) -> None:
        """Update a person at the stored version, or at a stale one."""

        def write(uow: UnitOfWork) -> m.Person:
            current = uow.people.get(person_id)
            current.name = PersonName(f"{current.name.reveal()}+")
            current.version -= int(stale and current.version > 0)
            return uow.people.update(current)

        self._both(write, commit)

    @rule(skip=st.sampled_from([0, 0, 1, -1]), action=st.sampled_from(["report", "assign"]))
    def audit(self, skip: int, action: str) -> None:
        """Append an audit entry with the next ``seq``, or a wrong one."""

        def write(uow: UnitOfWork) -> None:
            last = uow.audit.last()
            uow.audit.append(d.audit_entry((last.seq if last else 0) + 1 + skip, action=action))

        self._both(write)

    @rule(message_id=st.sampled_from(_MESSAGES), delivered=st.booleans(), add=st.booleans())
    def outbox(self, message_id: str, delivered: bool, add: bool) -> None:
        """Add a message (the id may be taken) or record a delivery attempt."""
        message = d.message(message_id)
        if add:
            self._both(lambda uow: uow.outbox.add(message))
            return
        attempt = message.__class__(
            id=message.id,
            target=message.target,
            text=message.text,
            created_at=message.created_at,
            attempts=1,
            delivered_at=d.AT if delivered else None,
            next_attempt_at=None if delivered else d.AT + dt.timedelta(minutes=5),
            last_error=None if delivered else "timeout",
        )
        self._both(lambda uow: uow.outbox.record(attempt))

    @invariant()
    def same_state(self) -> None:
        """Both stores show the same matters, histories, aggregates, people, audit and outbox."""
        tested, reference = self._view(self.tested), self._view(self.reference)
        assert tested[:-1] == reference[:-1]
        for got, want in zip(tested[-1], reference[-1], strict=True):
            assert same_rows(got, want), f"aggregate differs:\n got {got}\n want {want}"

    @staticmethod
    def _view(backend: StorageBackend) -> tuple[Any, ...]:
        with backend.unit_of_work() as uow:
            matters = list(uow.matters.stream(batch_size=2))
            references = sorted(x.reference for x in matters if x.reference)
            return (
                [snapshot(x) for x in matters],
                [snapshot(uow.matters.history(x.id)) for x in matters],
                [snapshot(uow.matters.find_by_reference(r)) for r in references],
                [snapshot(x) for x in uow.people.stream()],
                [snapshot(x) for x in uow.audit.stream()],
                [snapshot(x) for x in uow.outbox.pending(_LATER, limit=1000)],
                [snapshot(x) for x in uow.outbox.pending(d.AT)],
                [uow.matters.aggregate(q) for q in _QUERIES],
            )


def storage_machine(factory: Callable[[], StorageBackend]) -> type[StorageMachine]:
    """A :class:`StorageMachine` subclass whose tested store comes from ``factory``."""
    return type("StorageMachineFor", (StorageMachine,), {"factory": staticmethod(factory)})


class StorageModelCheck(StorageFixtures):
    """The state machine as a contract test."""

    def test_agrees_with_the_memory_reference_under_random_operations(
        self, make_backend: BackendFactory
    ) -> None:
        """Random units of work end identically in the backend and in the memory reference.

        Runs and steps come from the loaded profile's kit budget
        (:func:`fengqiao_core.testing.profiles.budget`): few every day, many in ``thorough``.
        """
        spent = budget()
        run_state_machine_as_test(
            storage_machine(make_backend),
            settings=run_settings(
                max_examples=spent.machine_examples, stateful_step_count=spent.machine_steps
            ),
        )
