"""A KPI report 指标报告: every KPI over a period and scope, with its change year on year.

:func:`compute_report` asks the store three aggregate queries — the tally (both years at once,
period over period), the medians and nothing else — so a report costs the same over a thousand
matters or a million. Year on year is ``(Nₜ − Nₜ₋₁) ÷ Nₜ₋₁``; over a zero base it is "new".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from attrs import frozen

from fengqiao_core.errors import FengqiaoError, PluginError
from fengqiao_core.metrics.kpis import BUILTIN_KPIS, GROUPS, MEASURES, Kpi, Tally
from fengqiao_core.metrics.scope import Period, Scope, scope_filter
from fengqiao_core.model import StationData
from fengqiao_core.ports import AggregateQuery, AggregateRow, Dimension, Measure

__all__ = ["Change", "KpiReport", "KpiValue", "compute_report", "year_on_year"]

Aggregate = Callable[[AggregateQuery], list[AggregateRow]]


@frozen
class Change:
    """A change year on year 同比: a percentage, "new" over a zero base, or nothing.

    For rates the change is the difference in percentage points (``points``).
    """

    percent: float | None = None
    new: bool = False
    points: bool = False

    def text(self) -> str:
        """``+14.0%``, ``-3.2 pt``, ``new`` or ``—``."""
        if self.new:
            return "new"
        if self.percent is None:
            return "—"
        return f"{self.percent:+.1f}{' pt' if self.points else '%'}"


def year_on_year(current: float | None, previous: float | None, *, points: bool = False) -> Change:
    """``(current − previous) ÷ previous`` in percent (``points``: the difference × 100).

    A zero base with a non-zero current value is :attr:`Change.new`; zero against zero is no
    change (``0.0``); a missing value on either side gives no percent (``None``).
    """
    if current is None or previous is None:
        return Change()
    if points:
        return Change(round((current - previous) * 100, 6), points=True)
    if previous == 0:
        return Change(0.0) if current == 0 else Change(new=True)
    return Change(round((current - previous) / previous * 100, 6))


@frozen
class KpiValue:
    """One KPI's line: value now, value a year earlier, the change and where it comes from."""

    kpi: Kpi
    value: float | None
    previous: float | None
    change: Change
    source: str


@frozen
class KpiReport:
    """Every KPI over a period and scope 指标报告 (``values`` in KPI order)."""

    period: Period
    scopes: tuple[Scope, ...]
    values: tuple[KpiValue, ...]

    def get(self, kpi_id: str) -> KpiValue:
        """The line of one KPI by id.

        Raises:
            KeyError: No such KPI in the report.
        """
        for line in self.values:
            if line.kpi.id == kpi_id:
                return line
        raise KeyError(kpi_id)

    def as_dict(self) -> dict[str, float | None]:
        """``kpi id -> value``."""
        return {line.kpi.id: line.value for line in self.values}


def _structure(station: StationData, scopes: Sequence[Scope]) -> dict[str, float]:
    wanted = {kind: {s.code for s in scopes if s.kind == kind} for kind in ("cell", "community")}
    grids = {s.code for s in scopes if s.kind == "police_grid"}
    cells = [
        c
        for c in station.cells
        if (not wanted["cell"] or c.id in wanted["cell"])
        and (not wanted["community"] or c.community in wanted["community"])
        and (not grids or c.police_grid in grids)
    ]
    ids = {c.id for c in cells}
    covered = {cell for w in station.grid_workers for cell in w.cells} & ids
    communities = {c.community for c in cells}
    stewards = [s for s in station.red_stewards if s.community in communities]
    return {
        "cells": float(len(cells)),
        "police_grids": float(len({c.police_grid for c in cells})),
        "covered_cells": float(len(covered)),
        "stewards": float(len(stewards)),
    }


def _tally(
    aggregate: Aggregate, period: Period, scopes: Sequence[Scope], as_of: dt.datetime | None
) -> tuple[Tally, int]:
    earlier = period.previous_year()
    periods = ((period.since, period.until), (earlier.since, earlier.until))
    where = scope_filter(scopes)
    rows = aggregate(
        AggregateQuery(
            measures=MEASURES, group_by=GROUPS, where=where, periods=periods, as_of=as_of
        )
    )
    medians = aggregate(
        AggregateQuery(
            measures=(Measure.MEDIAN_HOURS_TO_RESOLVE,),
            group_by=(Dimension.PERIOD,),
            where=where,
            periods=periods,
        )
    )
    now = sum(r.values[0] or 0 for r in rows if r.key[0] == "0")
    return Tally(rows, {str(r.key[0]): r.values[0] for r in medians}), int(now)


def compute_report(
    aggregate: Aggregate,
    period: Period,
    scopes: Iterable[Scope] = (),
    *,
    station: StationData | None = None,
    kpis: Sequence[tuple[str, Kpi]] = (),
    as_of: dt.datetime | None = None,
) -> KpiReport:
    """Compute every KPI (built-in, then ``kpis`` from plugins) over ``period`` and ``scopes``.

    Args:
        aggregate: The store's aggregate query (``uow.matters.aggregate``).
        period: The reported period; the comparison is the same period a year earlier.
        scopes: Police grids, cells, communities, categories (none: the whole station).
        station: The declared structure, for grid coverage, fan-out and steward density.
        kpis: ``(plugin name, Kpi)`` pairs added by plugins.
        as_of: When unresolved matters are judged for SLA warnings (default: the period's end).

    Raises:
        PluginError: A plugin's KPI failed; names the plugin.
    """
    scopes = tuple(scopes)
    tally, count = _tally(aggregate, period, scopes, as_of or period.until)
    if station is not None:
        tally = Tally(tally.rows, tally.medians, _structure(station, scopes))
    where = ", ".join(s.label() for s in scopes) or "station"
    lines = []
    for owner, kpi in [("fengqiao_core", k) for k in BUILTIN_KPIS] + list(kpis):
        try:
            value = kpi.compute(tally, 0)
            previous = kpi.compute(tally, 1) if kpi.yearly else None
        except Exception as exc:
            if owner == "fengqiao_core":
                raise
            detail = str(exc) if isinstance(exc, FengqiaoError) else type(exc).__name__
            raise PluginError(owner, owner, f"KPI {kpi.id} failed: {detail}") from exc
        source = (
            "declared station structure"
            if not kpi.yearly
            else f"{count} stored matters reported {period.label()} in {where} ({kpi.formula})"
        )
        change = year_on_year(value, previous, points=kpi.unit == "rate")
        lines.append(KpiValue(kpi, value, previous, change, source))
    return KpiReport(period, scopes, tuple(lines))
