"""Deliberately broken storage backends: each must fail the storage contract somewhere.

Each wraps the memory backend and breaks one promise; ``BROKEN`` maps a name to the backend
class and to the contract test that must catch it.
"""

from fengqiao_core.builtin.memory import MemoryStorage, MemoryUnitOfWork, _Matters
from fengqiao_core.ports import AggregateRow, Measure

LIMIT = 65_536


class AutoCommitUnitOfWork(MemoryUnitOfWork):
    """Rollback does nothing: leaving the unit of work keeps (commits) its changes."""

    def __exit__(self, kind, error, trace):
        self.commit()


class NoRollbackStorage(MemoryStorage):
    def unit_of_work(self):
        return AutoCommitUnitOfWork(self._state)


class _BlindMatters(_Matters):
    def append(self, events, expected_version):
        current = self._current(events[0].matter_id)
        return super().append(events, current.version if current else 0)


class BlindUnitOfWork(MemoryUnitOfWork):
    """Ignores ``expected_version``: appends after whatever version is stored."""

    def __init__(self, state):
        super().__init__(state)
        self.matters = _BlindMatters(self)

    def commit(self):
        self._expect.clear()
        super().commit()


class IgnoresVersionStorage(MemoryStorage):
    def unit_of_work(self):
        return BlindUnitOfWork(self._state)


class _TruncatingMatters(_Matters):
    def append(self, events, expected_version):
        state = super().append(events, expected_version)
        stored = self._uow._matters[state.id]
        stored.description = type(stored.description)(stored.description.reveal()[:LIMIT])
        return self.get(state.id)


class TruncatingUnitOfWork(MemoryUnitOfWork):
    """Cuts descriptions to 64 Ki characters, like a VARCHAR column would."""

    def __init__(self, state):
        super().__init__(state)
        self.matters = _TruncatingMatters(self)


class TruncatingStorage(MemoryStorage):
    def unit_of_work(self):
        return TruncatingUnitOfWork(self._state)


class _ShortStreamMatters(_Matters):
    def stream(self, where=None, *, batch_size=1000):
        rows = list(super().stream(where, batch_size=batch_size))
        yield from rows[:-1]


class ShortStreamUnitOfWork(MemoryUnitOfWork):
    """Drops the last row of every stream (an off-by-one in paging)."""

    def __init__(self, state):
        super().__init__(state)
        self.matters = _ShortStreamMatters(self)


class DropsLastRowStorage(MemoryStorage):
    def unit_of_work(self):
        return ShortStreamUnitOfWork(self._state)


class _OffByOneMatters(_Matters):
    def aggregate(self, query):
        rows = super().aggregate(query)
        bump = [m is Measure.COUNT for m in query.measures]
        return [
            AggregateRow(
                r.key, tuple(v + 1 if b and v else v for v, b in zip(r.values, bump, strict=True))
            )
            for r in rows
        ]


class OffByOneUnitOfWork(MemoryUnitOfWork):
    """Counts one matter too many in every non-empty group."""

    def __init__(self, state):
        super().__init__(state)
        self.matters = _OffByOneMatters(self)


class OffByOneAggregateStorage(MemoryStorage):
    def unit_of_work(self):
        return OffByOneUnitOfWork(self._state)


class HalfCommitUnitOfWork(MemoryUnitOfWork):
    """Not atomic: stores the matters first, then checks the rest and may fail half-way."""

    def commit(self):
        with self._state.lock:
            self._state.matters.update(self._matters)
            for matter_id, events in self._events.items():
                self._state.events.setdefault(matter_id, []).extend(events)
        super().commit()


class HalfCommitStorage(MemoryStorage):
    def unit_of_work(self):
        return HalfCommitUnitOfWork(self._state)


BROKEN = {
    "no_rollback": (NoRollbackStorage, "test_uncommitted_work_is_rolled_back_by_default"),
    "ignores_expected_version": (
        IgnoresVersionStorage,
        "test_a_stale_expected_version_is_a_conflict",
    ),
    "truncates_long_text": (TruncatingStorage, "test_hostile_strings_are_stored_verbatim"),
    "drops_last_streamed_row": (DropsLastRowStorage, "test_stream_is_an_iterator_in_report_order"),
    "aggregate_off_by_one": (
        OffByOneAggregateStorage,
        "test_random_aggregate_queries_equal_the_reference",
    ),
    "half_commit": (
        HalfCommitStorage,
        "test_events_audit_and_outbox_commit_together_or_not_at_all",
    ),
}
