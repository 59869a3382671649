"""Deliberately broken storage backends: each must fail the storage contract somewhere.

Each wraps the memory backend and breaks one promise; ``BROKEN`` maps a fault class to the
backend class and to the contract tests expected to catch it (any one failing is enough, and
a backend that passes the whole contract fails the kit's own tests). ``PagedStorage`` is the
correct control: the memory backend streaming in real pages of ``batch_size``.
"""

import itertools

from fengqiao_core.builtin.memory import MemoryStorage, MemoryUnitOfWork, _Matters
from fengqiao_core.metrics.aggregate import matches
from fengqiao_core.ports import AggregateRow, MatterFilter, Measure

LIMIT = 65_536
CAP = 500
EVERY = 1000


def _storage(uow_class):
    class Storage(MemoryStorage):
        def unit_of_work(self):
            return uow_class(self._state)

    Storage.__name__ = Storage.__qualname__ = uow_class.__name__.replace("UnitOfWork", "Storage")
    Storage.__doc__ = uow_class.__doc__
    return Storage


def _with_matters(matters_class, doc):
    class UnitOfWork(MemoryUnitOfWork):
        def __init__(self, state):
            super().__init__(state)
            self.matters = matters_class(self)

    UnitOfWork.__doc__ = doc
    UnitOfWork.__name__ = matters_class.__name__.strip("_") + "UnitOfWork"
    return UnitOfWork


# --- a correct control: real pages ---------------------------------------------------------


class _PagedMatters(_Matters):
    def _sorted(self, where):
        chosen = [m for m in self._all() if matches(where or MatterFilter(), m)]
        return sorted(chosen, key=lambda m: (m.reported_at, m.id))

    def _pages(self, rows, size):
        return [rows[i : i + size] for i in range(0, len(rows), size)]

    def stream(self, where=None, *, batch_size=1000):
        for page in self._pages(self._sorted(where), batch_size):
            yield from page


PagedStorage = _storage(_with_matters(_PagedMatters, "Streams in pages of batch_size."))


class _SkipsNth(_PagedMatters):
    def _pages(self, rows, size):
        kept = [row for n, row in enumerate(rows) if n % EVERY != EVERY - 1]
        return super()._pages(kept, size)


class _DropsLastPage(_PagedMatters):
    def _pages(self, rows, size):
        pages = super()._pages(rows, size)
        return pages[:-1] if len(pages) > 1 else pages


class _RepeatsAcrossPages(_PagedMatters):
    def _pages(self, rows, size):
        pages = super()._pages(rows, size)
        if not pages:
            return pages
        return [pages[0], *([prev[-1], *page] for prev, page in itertools.pairwise(pages))]


class _WallClockOrder(_PagedMatters):
    def _sorted(self, where):
        return [m for m in self._all() if matches(where or MatterFilter(), m)]


class _ShortStream(_Matters):
    def stream(self, where=None, *, batch_size=1000):
        rows = list(super().stream(where, batch_size=batch_size))
        yield from rows[:-1]


# --- writes ----------------------------------------------------------------------------------


class _LosesLastEvent(_Matters):
    def append(self, events, expected_version):
        kept = list(events)[:-1] if len(events) > 1 else events
        return super().append(kept, expected_version)


class _BlindMatters(_Matters):
    def append(self, events, expected_version):
        current = self._current(events[0].matter_id)
        return super().append(events, current.version if current else 0)


class _TruncatingMatters(_Matters):
    def append(self, events, expected_version):
        state = super().append(events, expected_version)
        stored = self._uow._matters[state.id]
        stored.description = type(stored.description)(stored.description.reveal()[:LIMIT])
        return self.get(state.id)


class _WriteThrough(_Matters):
    def append(self, events, expected_version):
        state = super().append(events, expected_version)
        with self._uow._state.lock:
            self._uow._state.matters[state.id] = self._uow._matters[state.id]
            self._uow._state.events[state.id] = self.history(state.id)
        return state


# --- aggregates ------------------------------------------------------------------------------


class _OffByOneInOneGroup(_Matters):
    def aggregate(self, query):
        rows = super().aggregate(query)
        if len(rows) < 2 or Measure.COUNT not in query.measures:
            return rows
        at = query.measures.index(Measure.COUNT)
        last = rows[-1]
        values = (*last.values[:at], last.values[at] + 1, *last.values[at + 1 :])
        return [*rows[:-1], AggregateRow(last.key, values)]


class _DropsNoneGroup(_Matters):
    def aggregate(self, query):
        return [row for row in super().aggregate(query) if None not in row.key]


# --- units of work ---------------------------------------------------------------------------


class _NewMattersMixin:
    def _new_matters(self):
        return [i for i in self._matters if i not in self._state.matters]

    def _forget(self, matter_ids):
        for matter_id in matter_ids:
            state = self._matters.pop(matter_id)
            self._events.pop(matter_id, None)
            self._expect.pop(("matters", matter_id), None)
            if state.reference is not None:
                self._references.pop(state.reference, None)


class LosesLastMatterUnitOfWork(_NewMattersMixin, MemoryUnitOfWork):
    """Commit loses the last new matter of a unit of work that has several."""

    def commit(self):
        new = self._new_matters()
        if len(new) > 1:
            self._forget(new[-1:])
        super().commit()


class CapsNewMattersUnitOfWork(_NewMattersMixin, MemoryUnitOfWork):
    """Commit keeps only the first ``CAP`` new matters of a unit of work."""

    def commit(self):
        self._forget(self._new_matters()[CAP:])
        super().commit()


class BlindUnitOfWork(MemoryUnitOfWork):
    """Ignores ``expected_version``: appends after whatever version is stored."""

    def __init__(self, state):
        super().__init__(state)
        self.matters = _BlindMatters(self)

    def commit(self):
        self._expect.clear()
        super().commit()


class NoopRollbackUnitOfWork(MemoryUnitOfWork):
    """``rollback()`` does nothing: a later commit stores what was to be discarded."""

    def __init__(self, state):
        super().__init__(state)
        MemoryUnitOfWork.rollback(self)

    def rollback(self):
        pass

    def commit(self):
        super().commit()
        MemoryUnitOfWork.rollback(self)


class AutoCommitUnitOfWork(MemoryUnitOfWork):
    """Leaving the unit of work keeps (commits) its changes."""

    def __exit__(self, kind, error, trace):
        self.commit()


class HalfCommitUnitOfWork(MemoryUnitOfWork):
    """Not atomic: stores the matters first, then checks the rest and may fail half-way."""

    def commit(self):
        with self._state.lock:
            self._state.matters.update(self._matters)
            for matter_id, events in self._events.items():
                self._state.events.setdefault(matter_id, []).extend(events)
        super().commit()


def _matters_doc(cls, doc):
    return _storage(_with_matters(cls, doc))


SCALE = "test_a_unit_of_work_of_hundreds_of_new_matters_keeps_every_one"
LONG_STREAM = "test_long_streams_yield_every_matter_once_in_the_promised_order"
BIG_AGGREGATE = "test_aggregates_over_hundreds_of_matters_equal_the_reference"

BROKEN = {
    # the twelve fault classes of issue 16
    "lost_last_event_of_a_batch": (
        _matters_doc(_LosesLastEvent, "Drops the last event of every append of several."),
        "test_committed_work_is_visible_in_a_new_unit_of_work",
    ),
    "lost_last_matter_of_a_batch": (_storage(LosesLastMatterUnitOfWork), SCALE),
    "capped_new_matters_per_commit": (_storage(CapsNewMattersUnitOfWork), SCALE),
    "ignored_expected_version": (
        _storage(BlindUnitOfWork),
        "test_a_stale_expected_version_is_a_conflict",
    ),
    "aggregate_off_by_one_in_one_group": (
        _matters_doc(_OffByOneInOneGroup, "Counts one too many in the last group."),
        BIG_AGGREGATE,
    ),
    "aggregate_drops_the_none_group": (
        _matters_doc(_DropsNoneGroup, "Leaves out groups whose key holds None."),
        BIG_AGGREGATE,
    ),
    "noop_rollback": (_storage(NoopRollbackUnitOfWork), "test_explicit_rollback_discards_changes"),
    "writes_visible_before_commit": (
        _matters_doc(_WriteThrough, "Appends reach the committed store at once."),
        "test_a_unit_of_work_reads_its_own_writes_and_no_one_elses",
    ),
    "stream_skips_every_nth_row": (
        _matters_doc(_SkipsNth, f"Every {EVERY}th streamed row is skipped."),
        LONG_STREAM,
    ),
    "stream_drops_the_last_page": (
        _matters_doc(_DropsLastPage, "A stream of several pages loses its last."),
        LONG_STREAM,
    ),
    "stream_out_of_the_promised_order": (
        _matters_doc(_WallClockOrder, "Streams in the order matters were stored."),
        LONG_STREAM,
    ),
    "stream_repeats_rows_across_pages": (
        _matters_doc(_RepeatsAcrossPages, "Each page starts with the previous page's last row."),
        LONG_STREAM,
    ),
    # more faults the kit catches
    "leaving_without_commit_commits": (
        _storage(AutoCommitUnitOfWork),
        "test_uncommitted_work_is_rolled_back_by_default",
    ),
    "truncates_long_text": (
        _matters_doc(_TruncatingMatters, "Cuts descriptions to 64 Ki characters."),
        "test_hostile_strings_are_stored_verbatim",
    ),
    "drops_last_streamed_row": (
        _matters_doc(_ShortStream, "Drops the last row of every stream."),
        "test_stream_is_an_iterator_in_report_order",
    ),
    "half_commit": (
        _storage(HalfCommitUnitOfWork),
        "test_events_audit_and_outbox_commit_together_or_not_at_all",
    ),
}
"""Fault class → (backend class, the contract test expected to catch it)."""

CORRECT = {"paged_memory": PagedStorage}
"""Controls: backends that must pass every contract test."""
