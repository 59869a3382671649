"""The storage contract, aggregates for the figures 指标聚合: what a KPI report asks of a store.

Period over period, SLA warnings judged as of a time, outcome and steward filters, banners and
feedback — each compared with :func:`fengqiao_core.metrics.aggregate.evaluate` over histories
that include red stewards, banners, feedback, escalations and outcomes; and a whole KPI report
equal to the one the reference gives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fengqiao_core import model as m
from fengqiao_core.metrics.aggregate import evaluate
from fengqiao_core.metrics.kpis import BUILTIN_KPIS
from fengqiao_core.metrics.report import compute_report
from fengqiao_core.metrics.scope import Period
from fengqiao_core.ports import AggregateQuery, AggregateRow, Dimension, MatterFilter, Measure
from fengqiao_core.testing.contracts._base import run_settings
from fengqiao_core.testing.contracts._storage_base import BackendFactory, StorageFixtures
from fengqiao_core.testing.histories import matter_filters, matter_histories

__all__ = ["StorageAggregates", "figure_batches", "figure_queries"]

_Z = dt.timezone(dt.timedelta(hours=8))
_STEWARD = m.Participant("s1", "steward", m.Linkage.JOINT_GOVERNANCE, "L8")
_OUTCOMES = ("performed", "failed", "referred", "case_opened", "resolved", "withdrawn")
_SPLIT = dt.datetime(2026, 7, 1, tzinfo=_Z)
_EDGES = st.sampled_from(
    [dt.datetime(2026, month, 1, tzinfo=_Z) for month in (1, 4, 7, 10)]
    + [dt.datetime(2027, 1, 1, tzinfo=dt.UTC)]
)


@st.composite
def _figure_history(
    draw: Callable[[st.SearchStrategy[Any]], Any], matter_id: str
) -> list[m.MatterEvent]:
    events: list[m.MatterEvent] = draw(matter_histories(matter_id=matter_id))
    extra = draw(st.lists(st.sampled_from(("steward", "banner", "score", "outcome")), max_size=3))
    for step in extra:
        last = events[-1]
        head: dict[str, Any] = {
            "matter_id": matter_id,
            "version": last.version + 1,
            "at": last.at + dt.timedelta(hours=draw(st.integers(0, 400))),
            "actor": last.actor,
        }
        if step == "steward":
            events.append(m.ParticipantAdded(**head, participant=_STEWARD))
        elif step == "banner":
            events.append(m.Commended(**head, recipient="o1"))
        elif step == "score":
            events.append(m.FeedbackRecorded(**head, score=draw(st.integers(1, 5))))
        else:
            kind = getattr(events[0], "kind", m.MatterKind.TIP)
            states = {s.value for s in m.MATTER_TYPES[kind].states}
            state = draw(st.sampled_from(sorted(states & {*_OUTCOMES, "closed", "reopened"})))
            events.append(m.StateChanged(**head, action="x", state=state))
    return events


def figure_batches(max_size: int = 10) -> st.SearchStrategy[list[list[m.MatterEvent]]]:
    """Histories of several matters with stewards, banners, feedback and outcomes."""
    return st.lists(
        st.integers(0, 10_000).flatmap(lambda n: _figure_history(f"m{n}")),
        max_size=max_size,
        unique_by=(
            lambda h: h[0].matter_id,
            lambda h: getattr(h[0], "reference", None) or h[0].matter_id,
        ),
    )


def _periods(
    draw: Callable[[st.SearchStrategy[Any]], Any],
) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    found = []
    for _ in range(draw(st.integers(0, 2))):
        a, b = sorted((draw(_EDGES), draw(_EDGES)))
        found.append((a, b))
    return tuple(found)


@st.composite
def figure_queries(draw: Callable[[st.SearchStrategy[Any]], Any]) -> AggregateQuery:
    """Queries using periods, ``as_of``, the figures filters, dimensions and measures."""
    base: MatterFilter = draw(st.just(MatterFilter()) | matter_filters)
    where = MatterFilter(
        kinds=base.kinds,
        cells=base.cells,
        since=base.since,
        outcomes=draw(st.just(()) | st.lists(st.sampled_from(_OUTCOMES), max_size=2).map(tuple)),
        stewards=draw(st.none() | st.booleans()),
        criminal=draw(st.none() | st.booleans()),
        categories=draw(st.just(()) | st.just(("incident:burglary", "dispute:labour"))),
    )
    yellow = draw(st.sampled_from((0.5, 0.7)))
    return AggregateQuery(
        measures=tuple(
            draw(st.lists(st.sampled_from(Measure), min_size=1, max_size=6, unique=True))
        ),
        group_by=tuple(draw(st.lists(st.sampled_from(Dimension), max_size=3, unique=True))),
        where=where,
        periods=_periods(draw),
        as_of=draw(st.none() | _EDGES),
        yellow_at=yellow,
        red_at=draw(st.sampled_from((1.0, 1.5))),
    )


def _same(got: list[AggregateRow], want: list[AggregateRow]) -> bool:
    from fengqiao_core.testing.contracts.storage_data import same_rows

    return same_rows(got, want)


class StorageAggregates(StorageFixtures):
    """The figures' aggregates equal the reference; a KPI report equals the reference's."""

    def test_figure_aggregates_equal_the_reference(self, make_backend: BackendFactory) -> None:
        """Periods, as-of SLA warnings and the figures filters/measures equal the reference."""

        @run_settings()
        @given(figure_batches(), figure_queries())
        def check(batch: list[list[m.MatterEvent]], query: AggregateQuery) -> None:
            backend = make_backend()
            try:
                with backend.unit_of_work() as uow:
                    states = [uow.matters.append(h, 0) for h in batch]
                    uow.commit()
                with backend.unit_of_work() as uow:
                    got = uow.matters.aggregate(query)
                want = evaluate(query, states)
                assert _same(got, want), f"{query}:\n got {got}\n want {want}"
            finally:
                backend.close()

        check()

    def test_kpi_report_equals_the_reference(self, make_backend: BackendFactory) -> None:
        """Every built-in KPI of a report over a store equals the one over the reference."""

        @run_settings()
        @given(figure_batches())
        def check(batch: list[list[m.MatterEvent]]) -> None:
            backend = make_backend()
            try:
                with backend.unit_of_work() as uow:
                    states = [uow.matters.append(h, 0) for h in batch]
                    uow.commit()
                period = Period(dt.datetime(2026, 1, 1, tzinfo=_Z), _SPLIT)
                with backend.unit_of_work() as uow:
                    got = compute_report(uow.matters.aggregate, period).as_dict()
                want = compute_report(lambda q: evaluate(q, states), period).as_dict()
                assert set(got) == {k.id for k in BUILTIN_KPIS}
                for key, value in want.items():
                    assert got[key] == value or abs((got[key] or 0) - (value or 0)) < 1e-9, key
            finally:
                backend.close()

        check()
