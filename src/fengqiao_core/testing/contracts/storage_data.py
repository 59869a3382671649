"""The storage contract, part 2: what goes in comes out — entities, streams, aggregates, text.

Aggregates are compared with :func:`fengqiao_core.metrics.aggregate.evaluate`, the reference
meaning of an :class:`~fengqiao_core.ports.AggregateQuery`, over the same matters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao_core import model as m
from fengqiao_core.metrics.aggregate import evaluate, matches
from fengqiao_core.model import Matter
from fengqiao_core.model.personal import Address, FreeText, PersonName
from fengqiao_core.ports import (
    AggregateQuery,
    AggregateRow,
    Dimension,
    MatterFilter,
    Measure,
    StorageBackend,
)
from fengqiao_core.testing.contracts import _data as d
from fengqiao_core.testing.contracts._base import run_settings, snapshot
from fengqiao_core.testing.contracts._storage_base import (
    ENTITY_TYPES,
    BackendFactory,
    StorageFixtures,
)
from fengqiao_core.testing.histories import (
    HOSTILE_STRINGS,
    aggregate_queries,
    matter_batches,
    matter_filters,
)
from fengqiao_core.testing.strategies import strategy_for

__all__ = ["StorageData", "same_rows"]


def same_rows(actual: Sequence[AggregateRow], expected: Sequence[AggregateRow]) -> bool:
    """Equal keys in the same order and equal measures (floats to 1e-9 relative)."""
    if [r.key for r in actual] != [r.key for r in expected]:
        return False
    return all(
        len(a.values) == len(e.values)
        and all(
            x == y or (x is not None and y is not None and x == pytest.approx(y))
            for x, y in zip(a.values, e.values, strict=True)
        )
        for a, e in zip(actual, expected, strict=True)
    )


def _commit(backend: StorageBackend, batch: Sequence[Sequence[m.MatterEvent]]) -> list[Matter]:
    with backend.unit_of_work() as uow:
        states = d.store(uow, batch)
        uow.commit()
    return states


def _hostile_matter(matter_id: str, text: str) -> list[m.MatterEvent]:
    party = m.Party(id="party1", name=PersonName(text), address=Address(text))
    reported = attrs.evolve(
        d.report(matter_id, description=text, reference=text, category=text, reason=text),
        parties=(party,),
    )
    session = m.SessionRecorded(
        matter_id=matter_id, version=2, at=d.AT, actor=d.ACTOR, reason=text, summary=FreeText(text)
    )
    return [reported, session]


class StorageData(StorageFixtures):
    """Round trips, streaming, aggregates equal to the reference, hostile strings verbatim."""

    @pytest.mark.parametrize(
        ("repository", "cls"), ENTITY_TYPES, ids=lambda x: getattr(x, "__name__", x)
    )
    def test_round_trips_every_entity_type(
        self, make_backend: BackendFactory, repository: str, cls: type[m.Entity]
    ) -> None:
        """Every person type, places and teams come back field for field, version 1 then 2.

        A third of the profile's examples per type: nine types share one check.
        """

        @run_settings(max_examples=max(5, settings().max_examples // 3))
        @given(st.lists(strategy_for(cls), max_size=4, unique_by=lambda e: e.id))
        def check(entities: list[m.Entity]) -> None:
            backend = make_backend()
            try:
                with backend.unit_of_work() as uow:
                    repo = getattr(uow, repository)
                    stored = [repo.add(e) for e in entities]
                    uow.commit()
                expected = [snapshot(attrs.evolve(e, version=1)) for e in entities]
                assert [snapshot(s) for s in stored] == expected
                with backend.unit_of_work() as uow:
                    repo = getattr(uow, repository)
                    assert [snapshot(repo.get(e.id)) for e in entities] == expected
                    assert [e.id for e in repo.stream()] == sorted(e.id for e in entities)
                    assert [repo.update(e).version for e in stored] == [2] * len(stored)
                    uow.commit()
                with backend.unit_of_work() as uow:
                    assert {e.version for e in getattr(uow, repository).stream()} <= {2}
            finally:
                backend.close()

        check()

    def test_matters_and_histories_round_trip(self, make_backend: BackendFactory) -> None:
        """Lawful histories come back event for event; the state is their fold."""

        @run_settings()
        @given(matter_batches(max_size=6))
        def check(batch: list[list[m.MatterEvent]]) -> None:
            backend = make_backend()
            try:
                _commit(backend, batch)
                with backend.unit_of_work() as uow:
                    for events in batch:
                        matter_id = events[0].matter_id
                        assert snapshot(uow.matters.history(matter_id)) == snapshot(events)
                        assert snapshot(uow.matters.get(matter_id)) == snapshot(m.replay(events))
            finally:
                backend.close()

        check()

    def test_stream_is_an_iterator_in_report_order(self, backend: StorageBackend) -> None:
        """``stream()`` is lazy (an iterator, not a list) and ordered by ``(reported_at, id)``."""
        times = [d.AT + dt.timedelta(hours=h % 5) for h in range(23)]
        _commit(backend, [[d.report(f"m{i:02d}", at=t)] for i, t in enumerate(times)])
        with backend.unit_of_work() as uow:
            stream = uow.matters.stream(batch_size=4)
            assert isinstance(stream, Iterator)
            assert not isinstance(stream, list | tuple)
            got = [(x.reported_at, x.id) for x in stream]
        assert got == sorted((t, f"m{i:02d}") for i, t in enumerate(times))

    def test_an_open_stream_does_not_block_writers(self, backend: StorageBackend) -> None:
        """Reading part of a stream, committing elsewhere, then reading on works.

        With ``batch_size`` smaller than the data, the stream is left open mid-way while
        another unit of work commits: a backend that materialised nothing still has to hold
        a cursor or page, and neither may block the writer nor break the reader. Every matter
        committed before the stream began is read exactly once.
        """
        _commit(backend, [[d.report(f"m{i:02d}")] for i in range(10)])
        with backend.unit_of_work() as reader:
            stream = reader.matters.stream(batch_size=3)
            first = [next(stream).id, next(stream).id]
            with backend.unit_of_work() as writer:
                writer.matters.append([d.report("m99")], 0)
                writer.commit()
            rest = [x.id for x in stream]
        seen = [*first, *rest]
        assert sorted(set(seen) - {"m99"}) == [f"m{i:02d}" for i in range(10)]
        assert len(seen) == len(set(seen))

    def test_stream_filters_equal_the_reference(self, make_backend: BackendFactory) -> None:
        """``stream(where)`` yields exactly the matters the filter matches, in order."""

        @run_settings()
        @given(matter_batches(), matter_filters, st.integers(1, 5))
        def check(batch: list[list[m.MatterEvent]], where: MatterFilter, size: int) -> None:
            backend = make_backend()
            try:
                states = _commit(backend, batch)
                wanted = sorted(
                    (x for x in states if matches(where, x)), key=lambda x: (x.reported_at, x.id)
                )
                with backend.unit_of_work() as uow:
                    got = list(uow.matters.stream(where, batch_size=size))
                assert [snapshot(x) for x in got] == [snapshot(x) for x in wanted]
            finally:
                backend.close()

        check()

    @pytest.mark.parametrize("dimension", list(Dimension), ids=lambda x: x.value)
    def test_aggregate_by_each_dimension_equals_the_reference(
        self, make_backend: BackendFactory, dimension: Dimension
    ) -> None:
        """Grouped by each dimension, every measure equals the reference over the same matters.

        An eighth of the profile's examples per dimension: the volume test groups 700 matters
        by every dimension and every pair, and the random queries mix them further.
        """
        query = AggregateQuery(measures=tuple(Measure), group_by=(dimension,))
        budget = max(2, settings().max_examples // 8)
        self._check_aggregates(make_backend, st.just(query), max_examples=budget)

    def test_random_aggregate_queries_equal_the_reference(
        self, make_backend: BackendFactory
    ) -> None:
        """Any filter, grouping (up to 3 dimensions) and measures equals the reference."""
        self._check_aggregates(make_backend, aggregate_queries())

    def _check_aggregates(
        self,
        make_backend: BackendFactory,
        queries: st.SearchStrategy[AggregateQuery],
        **overrides: int,
    ) -> None:
        @run_settings(**overrides)
        @given(matter_batches(), queries)
        def check(batch: list[list[m.MatterEvent]], query: AggregateQuery) -> None:
            backend = make_backend()
            try:
                states = _commit(backend, batch)
                with backend.unit_of_work() as uow:
                    got = uow.matters.aggregate(query)
                expected = evaluate(query, states)
                assert same_rows(got, expected), f"{query}:\n got {got}\n want {expected}"
            finally:
                backend.close()

        check()

    @pytest.mark.parametrize("name", sorted(HOSTILE_STRINGS))
    def test_hostile_strings_are_stored_verbatim(self, backend: StorageBackend, name: str) -> None:
        """SQL, control characters, RTL marks and 1 MB text come back unchanged (R9).

        The string goes into every text field: description, category, reference, reasons,
        a party's name and address, a session summary, a person's and a place's name, and the
        text and error of an outbox message. (Audit entries and message targets hold validated
        ids only: their records refuse such strings when built.)
        """
        text = HOSTILE_STRINGS[name]
        events = _hostile_matter("m1", text)
        place = m.Place(id="pl1", name=text, kind=m.PlaceKind.ENTERPRISE, cell="c1")
        entry = d.audit_entry(1)
        message = attrs.evolve(d.message("msg1", text=text), last_error=text)
        with backend.unit_of_work() as uow:
            uow.matters.append(events, 0)
            uow.people.add(d.person("p1", text))
            uow.places.add(place)
            uow.audit.append(entry)
            uow.outbox.add(message)
            uow.commit()
        with backend.unit_of_work() as uow:
            assert snapshot(uow.matters.history("m1")) == snapshot(events)
            assert snapshot(uow.matters.get("m1")) == snapshot(m.replay(events))
            found = uow.matters.find_by_reference(text)
            assert found is not None
            assert found.id == "m1"
            assert [snapshot(x) for x in uow.matters.stream()] == [snapshot(m.replay(events))]
            by_category = AggregateQuery(group_by=(Dimension.CATEGORY,))
            assert [r.key for r in uow.matters.aggregate(by_category)] == [(text,)]
            assert uow.people.get("p1").name.reveal() == text
            assert uow.places.get("pl1").name == text
            assert snapshot(uow.audit.last()) == snapshot(entry)
            assert [snapshot(x) for x in uow.outbox.pending(d.AT)] == [snapshot(message)]
