"""The reference meaning of an :class:`~fengqiao_core.ports.AggregateQuery`, in plain Python.

Storage backends compute aggregates in their store (SQL, …); the in-memory backend uses this
module, and the contract tests require every backend to give exactly these numbers.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from typing import Any

from fengqiao_core.model import Matter
from fengqiao_core.ports import AggregateQuery, AggregateRow, Dimension, MatterFilter, Measure

__all__ = ["dimension_value", "evaluate", "matches"]


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
}


def dimension_value(matter: Matter, dimension: Dimension) -> str | None:
    """The group key of one matter along one dimension (``MONTH`` is ``YYYY-MM``)."""
    return _DIMENSIONS[dimension](matter)


def matches(where: MatterFilter, matter: Matter) -> bool:
    """Whether a matter passes a filter (empty tuples mean "any"; the period is half-open)."""
    checks = (
        (where.kinds, matter.kind.value),
        (where.states, _value(matter.state)),
        (where.levels, _value(matter.level)),
        (where.cells, matter.cell),
        (where.police_grids, matter.police_grid),
        (where.communities, matter.community),
    )
    if any(wanted and value not in wanted for wanted, value in checks):
        return False
    if where.since is not None and matter.reported_at < where.since:
        return False
    return where.until is None or matter.reported_at < where.until


def _hours_to_close(group: list[Matter]) -> float | None:
    hours = [(m.closed_at - m.reported_at).total_seconds() / 3600 for m in group if m.closed_at]
    return float(statistics.median(hours)) if hours else None


_MEASURES: dict[Measure, Callable[[list[Matter]], float | None]] = {
    Measure.COUNT: lambda group: float(len(group)),
    Measure.CLOSED: lambda group: float(sum(1 for m in group if m.closed_at is not None)),
    Measure.MEDIAN_HOURS_TO_CLOSE: _hours_to_close,
    Measure.DISTINCT_OWNERS: lambda group: float(len({m.owner for m in group if m.owner})),
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
        if matches(query.where, matter):
            key = tuple(_DIMENSIONS[d](matter) for d in query.group_by)
            groups.setdefault(key, []).append(matter)
    if not query.group_by:
        groups.setdefault((), [])
    return [
        AggregateRow(key, tuple(_MEASURES[measure](groups[key]) for measure in query.measures))
        for key in sorted(groups, key=_sort_key)
    ]
