"""The reference meaning of an :class:`~fengqiao_core.ports.AggregateQuery`, in plain Python.

Storage backends compute aggregates in their store (SQL, …); the in-memory backend uses this
module, and the contract tests require every backend to give exactly these numbers.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable
from typing import Any

from fengqiao_core.metrics.facts import (
    hours_between,
    is_criminal,
    over_ceiling,
    sla_elapsed,
    with_stewards,
    yes_no,
)
from fengqiao_core.model import LadderLevel, Matter
from fengqiao_core.ports import AggregateQuery, AggregateRow, Dimension, MatterFilter, Measure

__all__ = ["dimension_value", "evaluate", "matches", "period_of"]


def _value(enum: Any) -> str | None:
    return None if enum is None else str(enum.value)


_DIMENSIONS: dict[Dimension, Callable[[Matter], str | None]] = {
    Dimension.KIND: lambda m: m.kind.value,
    Dimension.CATEGORY: lambda m: m.category,
    Dimension.SEVERITY: lambda m: m.severity.value,
    Dimension.SOURCE: lambda m: m.source.value,
    Dimension.STATE: lambda m: _value(m.state),
    Dimension.LEVEL: lambda m: _value(m.level),
    Dimension.MONTH: lambda m: m.reported_at.strftime("%Y-%m"),
    Dimension.CELL: lambda m: m.cell,
    Dimension.POLICE_GRID: lambda m: m.police_grid,
    Dimension.COMMUNITY: lambda m: m.community,
    Dimension.OUTCOME: lambda m: m.outcome,
    Dimension.PATH: lambda m: m.path,
    Dimension.STEWARDS: lambda m: yes_no(with_stewards(m)),
    Dimension.CRIMINAL: lambda m: yes_no(is_criminal(m)),
    Dimension.PERIOD: lambda m: None,
}


def dimension_value(matter: Matter, dimension: Dimension) -> str | None:
    """The group key of one matter along one dimension (``MONTH`` is ``YYYY-MM``).

    ``PERIOD`` depends on the query: see :func:`period_of`.
    """
    return _DIMENSIONS[dimension](matter)


def period_of(periods: tuple[tuple[dt.datetime, dt.datetime], ...], matter: Matter) -> str | None:
    """The index of the first half-open period holding ``reported_at``, as text, or ``None``."""
    for index, (since, until) in enumerate(periods):
        if since <= matter.reported_at < until:
            return str(index)
    return None


def matches(where: MatterFilter, matter: Matter) -> bool:
    """Whether a matter passes a filter (empty tuples mean "any"; the period is half-open)."""
    checks = (
        (where.kinds, matter.kind.value),
        (where.categories, matter.category),
        (where.outcomes, matter.outcome),
        (where.paths, matter.path),
        (where.states, _value(matter.state)),
        (where.levels, _value(matter.level)),
        (where.cells, matter.cell),
        (where.police_grids, matter.police_grid),
        (where.communities, matter.community),
    )
    if any(wanted and value not in wanted for wanted, value in checks):
        return False
    if where.stewards is not None and with_stewards(matter) is not where.stewards:
        return False
    if where.criminal is not None and is_criminal(matter) is not where.criminal:
        return False
    if where.since is not None and matter.reported_at < where.since:
        return False
    return where.until is None or matter.reported_at < where.until


def _median(hours: list[float | None]) -> float | None:
    found = [h for h in hours if h is not None]
    return float(statistics.median(found)) if found else None


def _count(test: Callable[[Matter], bool]) -> Callable[[list[Matter]], float]:
    return lambda group: float(sum(1 for m in group if test(m)))


def _on_time(matter: Matter) -> bool:
    return (
        matter.resolved_at is not None
        and matter.due is not None
        and (matter.resolved_at <= matter.due)
    )


def _sla(query: AggregateQuery, red: bool) -> Callable[[Matter], bool]:
    def test(matter: Matter) -> bool:
        found = sla_elapsed(matter, query.as_of)
        if found is None:
            return False
        elapsed, allowed = found
        if elapsed >= query.red_at * allowed:
            return red
        return not red and elapsed >= query.yellow_at * allowed

    return test


def _measures(query: AggregateQuery) -> dict[Measure, Callable[[list[Matter]], float | None]]:
    return {
        Measure.COUNT: lambda group: float(len(group)),
        Measure.CLOSED: _count(lambda m: m.closed_at is not None),
        Measure.MEDIAN_HOURS_TO_CLOSE: lambda group: _median(
            [hours_between(m.reported_at, m.closed_at) for m in group]
        ),
        Measure.DISTINCT_OWNERS: lambda group: float(len({m.owner for m in group if m.owner})),
        Measure.RESOLVED: _count(lambda m: m.resolved_at is not None),
        Measure.MEDIAN_HOURS_TO_RESOLVE: lambda group: _median(
            [hours_between(m.reported_at, m.resolved_at) for m in group]
        ),
        Measure.CONTAINED: _count(lambda m: m.closed_at is not None and not over_ceiling(m)),
        Measure.ESCALATED_OUT: _count(lambda m: m.level is LadderLevel.BEYOND),
        Measure.ON_TIME: _count(_on_time),
        Measure.SLA_YELLOW: _count(_sla(query, red=False)),
        Measure.SLA_RED: _count(_sla(query, red=True)),
        Measure.FOLLOWED_UP: _count(lambda m: m.followed_up),
        Measure.WITH_STEWARDS: _count(with_stewards),
        Measure.FEEDBACKS: _count(lambda m: m.feedback_score is not None),
        Measure.FEEDBACK_SUM: lambda group: float(sum(m.feedback_score or 0 for m in group)),
        Measure.COMMENDATIONS: lambda group: float(sum(m.commendations for m in group)),
        Measure.CRIMINAL: _count(is_criminal),
    }


def _sort_key(key: tuple[str | None, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((part is not None, part or "") for part in key)


def evaluate(query: AggregateQuery, matters: Iterable[Matter]) -> list[AggregateRow]:
    """Evaluate ``query`` over ``matters`` (which need not be pre-filtered).

    Returns:
        One row per group, sorted by key with ``None`` first. With no ``group_by`` there is
        exactly one row (key ``()``), even over no matters.
    """
    groups: dict[tuple[str | None, ...], list[Matter]] = {}
    for matter in matters:
        if not matches(query.where, matter):
            continue
        period = period_of(query.periods, matter)
        if query.periods and period is None:
            continue
        key = tuple(
            period if d is Dimension.PERIOD else _DIMENSIONS[d](matter) for d in query.group_by
        )
        groups.setdefault(key, []).append(matter)
    if not query.group_by:
        groups.setdefault((), [])
    measures = _measures(query)
    return [
        AggregateRow(key, tuple(measures[measure](groups[key]) for measure in query.measures))
        for key in sorted(groups, key=_sort_key)
    ]
