"""The KPIs 关键指标 of DOMAIN.md §5, each with its formula, computed from one aggregate.

Every KPI reads a :class:`Tally`: the rows of one aggregate query over the period and the same
period a year earlier, grouped by period, kind, category, outcome and steward involvement (a few
hundred groups at most, whatever the number of matters), plus the medians and the station's
declared structure. Nothing here loads a matter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from attrs import field, frozen

from fengqiao_core.model.matters import DEFAULT_CATEGORIES
from fengqiao_core.model.values import code
from fengqiao_core.ports import AggregateRow, Dimension, Measure

__all__ = [
    "ACCEPTED_OUT",
    "BUILTIN_KPIS",
    "GROUPS",
    "INCIDENT_CATEGORIES",
    "MEASURES",
    "MEDIATION_ENDED",
    "MEDIATION_SUCCESS",
    "Kpi",
    "Tally",
    "Unit",
]

Unit = Literal["count", "rate", "hours", "score", "ratio"]
GROUPS = (
    Dimension.PERIOD,
    Dimension.KIND,
    Dimension.CATEGORY,
    Dimension.OUTCOME,
    Dimension.STEWARDS,
)
"""The grouping of the tally's query."""
MEASURES = (
    Measure.COUNT,
    Measure.RESOLVED,
    Measure.CLOSED,
    Measure.CONTAINED,
    Measure.ESCALATED_OUT,
    Measure.ON_TIME,
    Measure.SLA_YELLOW,
    Measure.SLA_RED,
    Measure.FOLLOWED_UP,
    Measure.FEEDBACKS,
    Measure.FEEDBACK_SUM,
    Measure.COMMENDATIONS,
    Measure.CRIMINAL,
)
"""The measures of the tally's query."""
ACCEPTED_OUT = ("rejected", "withdrawn")
"""Outcomes of matters never accepted for handling (not in the resolution rate's base)."""
MEDIATION_SUCCESS = ("agreed", "effective", "performed", "not_performed")
"""Dispute outcomes where mediation reached an agreement 调解成功."""
MEDIATION_ENDED = (*MEDIATION_SUCCESS, "failed", "terminated", "referred")
"""Dispute outcomes where mediation ended, successfully or not."""
INCIDENT_CATEGORIES = ("burglary", "telecom_fraud", "fight", "theft", "other")
"""The default incident categories, each with its own year-on-year line."""


@frozen
class Tally:
    """The aggregate a KPI report is computed from 汇总.

    Attributes:
        rows: Rows grouped by :data:`GROUPS` with :data:`MEASURES`.
        medians: Median hours to resolve per period index (``"0"`` now, ``"1"`` a year before).
        structure: Declared figures of the scope (``cells``, ``police_grids``,
            ``covered_cells``, ``stewards``), not from matters.
    """

    rows: Sequence[AggregateRow]
    medians: Mapping[str, float | None] = field(factory=dict)
    structure: Mapping[str, float] = field(factory=dict)

    def total(
        self,
        measure: Measure,
        period: int = 0,
        *,
        kind: str | None = None,
        categories: Sequence[str] = (),
        outcomes: Sequence[str] = (),
        stewards: bool | None = None,
    ) -> float:
        """The sum of ``measure`` over the groups that match (empty sequences: any)."""
        column = MEASURES.index(measure)
        wanted_steward = None if stewards is None else ("yes" if stewards else "no")
        found = 0.0
        for row in self.rows:
            at, kind_, category, outcome, steward = row.key
            if at != str(period) or (kind is not None and kind_ != kind):
                continue
            if categories and category not in categories:
                continue
            if outcomes and outcome not in outcomes:
                continue
            if wanted_steward is not None and steward != wanted_steward:
                continue
            found += row.values[column] or 0.0
        return found


Compute = Callable[[Tally, int], float | None]


@frozen
class Kpi:
    """A KPI 指标: its id, labels, unit, formula and how it is computed from a :class:`Tally`.

    ``compute(tally, period)`` returns the value for period index ``period`` (0 the reported
    period, 1 the same period a year earlier), or ``None`` when undefined (a rate over
    nothing). ``yearly`` says whether a year-on-year change is meaningful.
    """

    id: str = field(validator=code)
    label_en: str
    label_zh: str
    unit: Unit
    formula: str
    compute: Compute = field(eq=False, repr=False)
    yearly: bool = True


def _ratio(top: float, bottom: float) -> float | None:
    return None if bottom == 0 else top / bottom


def _count(measure: Measure, **where: object) -> Compute:
    return lambda t, p: t.total(measure, p, **where)  # type: ignore[arg-type]


def _rate(top: Compute, bottom: Compute) -> Compute:
    def compute(t: Tally, p: int) -> float | None:
        below = bottom(t, p) or 0.0
        return _ratio(top(t, p) or 0.0, below)

    return compute


def _resolved(t: Tally, p: int) -> float:
    return t.total(Measure.RESOLVED, p) - t.total(Measure.RESOLVED, p, outcomes=("rejected",))


def _accepted(t: Tally, p: int) -> float:
    return t.total(Measure.COUNT, p) - t.total(Measure.COUNT, p, outcomes=ACCEPTED_OUT)


def _structure(name: str, over: str | None = None) -> Compute:
    def compute(t: Tally, _: int) -> float | None:
        value = t.structure.get(name, 0.0)
        return value if over is None else _ratio(value, t.structure.get(over, 0.0))

    return compute


_HELP, _DISPUTE, _INCIDENT = "help_request", "dispute", "incident"


def _incidents(category: str) -> Kpi:
    known = {c.key: c for c in DEFAULT_CATEGORIES}.get(f"incident:{category}")
    return Kpi(
        f"incidents_{category}",
        f"incidents: {known.label_en if known else category.replace('_', ' ')}",
        f"警情：{known.label_zh if known else category}",
        "count",
        f"Σ incidents of category incident:{category} reported in the period",
        _count(Measure.COUNT, kind=_INCIDENT, categories=(f"incident:{category}",)),
    )


BUILTIN_KPIS: tuple[Kpi, ...] = (
    Kpi("matters_reported", "matters reported", "受理事项", "count",
        "Σ matters reported in the period (every kind)", _count(Measure.COUNT)),
    Kpi("help_requests", "help requests with red stewards", "红色管家参与求助", "count",
        "Σ help requests in which a red steward took part", _count(
            Measure.COUNT, kind=_HELP, stewards=True)),
    Kpi("disputes_resolved", "disputes resolved with red stewards", "红色管家参与化解纠纷", "count",
        "Σ disputes resolved (resolved_at set, not rejected) in which a red steward took part",
        lambda t, p: t.total(Measure.RESOLVED, p, kind=_DISPUTE, stewards=True)
        - t.total(Measure.RESOLVED, p, kind=_DISPUTE, stewards=True, outcomes=("rejected",))),
    Kpi("commendations", "banners received", "锦旗", "count",
        "Σ banners recorded on matters reported in the period", _count(Measure.COMMENDATIONS)),
    Kpi("resolution_rate", "resolution rate", "化解率", "rate",
        "resolved ÷ accepted; accepted = reported − rejected − withdrawn",
        _rate(_resolved, _accepted)),
    Kpi("mediation_success_rate", "mediation success rate", "调解成功率", "rate",
        "disputes with an agreement (agreed, effective, performed, not performed) ÷ disputes "
        "whose mediation ended (those + failed, terminated, referred)",
        _rate(_count(Measure.COUNT, kind=_DISPUTE, outcomes=MEDIATION_SUCCESS),
              _count(Measure.COUNT, kind=_DISPUTE, outcomes=MEDIATION_ENDED))),
    Kpi("on_time_rate", "on-time rate", "按时化解率", "rate",
        "matters resolved by their due time (rule D1) ÷ matters resolved",
        _rate(_count(Measure.ON_TIME), _count(Measure.RESOLVED))),
    Kpi("containment_rate", "containment rate", "就地化解率", "rate",
        "closed matters at or below their ceiling (rule L2: 小事不出社区，大事不出园区) ÷ closed",
        _rate(_count(Measure.CONTAINED), _count(Measure.CLOSED))),
    Kpi("escalated_out", "escalated out", "上交", "count",
        "Σ matters at the BEYOND rung (counts against 矛盾不上交)", _count(Measure.ESCALATED_OUT)),
    Kpi("sla_yellow", "yellow warnings", "黄色预警", "count",
        "Σ matters whose elapsed time (to resolution, else the period's end) reached the yellow "
        "share but not the red share of their time limit (rule D2)", _count(Measure.SLA_YELLOW)),
    Kpi("sla_red", "red warnings (overdue)", "红色预警", "count",
        "Σ matters whose elapsed time reached the red share of their time limit (rule D2)",
        _count(Measure.SLA_RED)),
    Kpi("follow_up_rate", "follow-up rate", "回访率", "rate",
        "matters followed up (回访 or feedback) ÷ matters resolved",
        _rate(_count(Measure.FOLLOWED_UP), _count(Measure.RESOLVED))),
    Kpi("median_hours_to_resolve", "median time to resolve (hours)", "化解用时中位数(小时)",
        "hours", "median over resolved matters of (resolved_at − reported_at) in hours",
        lambda t, p: t.medians.get(str(p))),
    Kpi("incidents", "incidents", "警情", "count", "Σ incidents reported in the period",
        _count(Measure.COUNT, kind=_INCIDENT)),
    *(_incidents(category) for category in INCIDENT_CATEGORIES),
    Kpi("criminal_detentions", "criminal detentions", "刑事拘留", "count",
        "Σ incidents with criminal signs whose case was opened (outcome case_opened)",
        _count(Measure.CRIMINAL, kind=_INCIDENT, outcomes=("case_opened",))),
    Kpi("mean_feedback", "mean feedback score", "平均满意度", "score",
        "Σ feedback scores ÷ matters with feedback (1-5)",
        _rate(_count(Measure.FEEDBACK_SUM), _count(Measure.FEEDBACKS))),
    Kpi("grid_coverage", "grid coverage", "网格覆盖率", "rate",
        "grid cells with at least one grid worker ÷ grid cells (declared)",
        _structure("covered_cells", "cells"), yearly=False),
    Kpi("fan_out", "fan-out (cells per police grid)", "一警多格", "ratio",
        "grid cells ÷ police grids (declared)", _structure("cells", "police_grids"),
        yearly=False),
    Kpi("steward_density", "red stewards per cell", "红色管家密度", "ratio",
        "red stewards ÷ grid cells (declared)", _structure("stewards", "cells"), yearly=False),
)  # fmt: skip
"""The built-in KPIs (DOMAIN.md §5); plugins add theirs with ``fengqiao_register_kpis``."""
