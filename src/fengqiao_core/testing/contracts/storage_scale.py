"""The storage contract, part 3: volume — faults that only show past a page or a few hundred.

Small property examples cannot see a stream that skips every 1,000th row, a commit that keeps
only the first 500 new matters or a group counted once too often among dozens. These tests use
deterministic data (:func:`~fengqiao_core.testing.contracts._data.varied_histories`): thousands
of matters with tied report times, given in neither id nor stream order, some never triaged.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from typing import ClassVar

from fengqiao_core import model as m
from fengqiao_core.metrics.aggregate import evaluate, matches
from fengqiao_core.ports import AggregateQuery, Dimension, MatterFilter, Measure, StorageBackend
from fengqiao_core.testing.contracts import _data as d
from fengqiao_core.testing.contracts._base import snapshot
from fengqiao_core.testing.contracts._storage_base import StorageFixtures
from fengqiao_core.testing.contracts.storage_data import same_rows

__all__ = ["StorageAtScale", "stream_problems"]


def stream_problems(got: Sequence[str], want: Sequence[str]) -> list[str]:
    """What is wrong with a streamed id list: missing, repeated, unknown or misordered rows."""
    problems: list[str] = []
    seen = set(got)
    missing = [i for i in want if i not in seen]
    repeated = sorted(i for i, n in collections.Counter(got).items() if n > 1)
    unknown = sorted(seen - set(want))
    if missing:
        positions = [want.index(i) for i in missing[:5]]
        problems.append(f"{len(missing)} rows missing (first at stream positions {positions})")
    if repeated:
        problems.append(f"{len(repeated)} rows repeated (e.g. {repeated[:3]})")
    if unknown:
        problems.append(f"{len(unknown)} rows that should not be there (e.g. {unknown[:3]})")
    if not problems and list(got) != list(want):
        first = next(n for n, (a, b) in enumerate(zip(got, want, strict=True)) if a != b)
        problems.append(f"out of (reported_at, id) order from position {first}")
    return problems


def _commit_in_units(backend: StorageBackend, histories: Sequence[Sequence[m.MatterEvent]]) -> None:
    """Commit ``histories`` in a few units of work of unequal size."""
    bounds = [0, len(histories) // 2, len(histories) * 5 // 6, len(histories)]
    for start, stop in itertools.pairwise(bounds):
        with backend.unit_of_work() as uow:
            d.store(uow, histories[start:stop])
            uow.commit()


def _promised_order(states: Iterable[m.Matter], where: MatterFilter | None = None) -> list[str]:
    chosen = [x for x in states if where is None or matches(where, x)]
    return [x.id for x in sorted(chosen, key=lambda x: (x.reported_at, x.id))]


class StorageAtScale(StorageFixtures):
    """Units of work of hundreds of matters, streams of many pages, aggregates over many groups.

    Attributes:
        new_matters: New matters written in one unit of work (several hundred).
        streamed_matters: Matters behind the stream tests (more than two default pages).
        stream_batch_sizes: The ``batch_size`` values each stream is read with.
    """

    new_matters: ClassVar[int] = 700
    streamed_matters: ClassVar[int] = 2_500
    stream_batch_sizes: ClassVar[tuple[int, ...]] = (1000, 1, 7, 2_500)

    def test_a_unit_of_work_of_hundreds_of_new_matters_keeps_every_one(
        self, backend: StorageBackend
    ) -> None:
        """One commit of several hundred new matters keeps every matter and every event."""
        histories = d.varied_histories(self.new_matters, seed=1)
        with backend.unit_of_work() as uow:
            written = d.store(uow, histories)
            uow.commit()
        with backend.unit_of_work() as uow:
            stored = {x.id for x in uow.matters.stream()}
            lost = [x.id for x in written if x.id not in stored]
            assert not lost, f"{len(lost)} of {len(written)} new matters lost, e.g. {lost[:3]}"
            for events, state in zip(histories, written, strict=True):
                assert snapshot(uow.matters.history(state.id)) == snapshot(events)
                assert snapshot(uow.matters.get(state.id)) == snapshot(state)
                if state.reference is not None:
                    found = uow.matters.find_by_reference(state.reference)
                    assert found is not None
                    assert found.id == state.id

    def test_long_streams_yield_every_matter_once_in_the_promised_order(
        self, backend: StorageBackend
    ) -> None:
        """Streams over many pages: every matter once, in ``(reported_at, id)`` order, ties too.

        Read with every size in :attr:`stream_batch_sizes` (the default of 1,000 included), and
        filtered to one community, to a period and to never-triaged matters.
        """
        histories = d.varied_histories(self.streamed_matters, seed=2)
        _commit_in_units(backend, histories)
        states = [m.replay(events) for events in histories]
        wheres: list[MatterFilter | None] = [
            None,
            MatterFilter(communities=("C1",)),
            MatterFilter(since=d.AT, until=d.AT + dt.timedelta(days=3)),
            MatterFilter(states=("closed",)),
        ]
        with backend.unit_of_work() as uow:
            for where in wheres:
                want = _promised_order(states, where)
                sizes = self.stream_batch_sizes if where is None else (1000,)
                for size in sizes:
                    got = [x.id for x in uow.matters.stream(where, batch_size=size)]
                    problems = stream_problems(got, want)
                    assert not problems, f"stream({where}, batch_size={size}): {problems}"
            assert [x.id for x in uow.matters.stream()] == _promised_order(states)

    def test_aggregates_over_hundreds_of_matters_equal_the_reference(
        self, backend: StorageBackend
    ) -> None:
        """Every dimension and every pair of them, all measures, over many groups with ``None``."""
        histories = d.varied_histories(self.new_matters, seed=3)
        _commit_in_units(backend, histories)
        states = [m.replay(events) for events in histories]
        groupings: list[tuple[Dimension, ...]] = [
            (),
            *((dim,) for dim in Dimension),
            *itertools.combinations(Dimension, 2),
        ]
        none_cell = evaluate(AggregateQuery(group_by=(Dimension.CELL,)), states)[0].key
        assert none_cell == (None,), "the kit's data must hold never-triaged matters"
        with backend.unit_of_work() as uow:
            for group_by in groupings:
                for where in (MatterFilter(), MatterFilter(communities=("C1",))):
                    query = AggregateQuery(measures=tuple(Measure), group_by=group_by, where=where)
                    got = uow.matters.aggregate(query)
                    want = evaluate(query, states)
                    assert same_rows(got, want), _difference(query, got, want)


def _difference(query: AggregateQuery, got: Sequence[object], want: Sequence[object]) -> str:
    extra = [row for row in got if row not in want][:3]
    lacking = [row for row in want if row not in got][:3]
    return f"{query}: {len(got)} rows, want {len(want)}; wrong {extra}; expected {lacking}"
