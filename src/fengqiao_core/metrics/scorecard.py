"""The Fengqiao scorecard 枫桥式评价: a KPI report's evidence under the station's goals.

Four goals — 发案少 few cases, 秩序好 good order, 社会稳定 stability, 群众满意 satisfaction — and
three slogans — 矛盾不上交 disputes not passed up, 平安不出事 safety, 服务不缺位 service never
absent. Each line is a KPI with its value, its change year on year and its source. There are no
thresholds: no national norm is stated anywhere, so none is invented; the scorecard shows the
evidence and its direction.
"""

from __future__ import annotations

from attrs import frozen

from fengqiao_core.metrics.report import KpiReport, KpiValue

__all__ = ["HEADINGS", "Heading", "Scorecard", "scorecard"]


@frozen
class Heading:
    """A goal or slogan 目标/口号 of the scorecard and the KPIs that are its evidence."""

    id: str
    label_zh: str
    label_en: str
    kind: str
    kpis: tuple[str, ...]


HEADINGS: tuple[Heading, ...] = (
    Heading("few_cases", "发案少", "few cases", "goal",
            ("incidents", "incidents_burglary", "incidents_telecom_fraud", "incidents_theft")),
    Heading("good_order", "秩序好", "good order", "goal",
            ("criminal_detentions", "incidents_fight", "sla_red", "on_time_rate")),
    Heading("stability", "社会稳定", "social stability", "goal",
            ("escalated_out", "containment_rate", "mediation_success_rate", "disputes_resolved")),
    Heading("satisfaction", "群众满意", "residents satisfied", "goal",
            ("mean_feedback", "commendations", "follow_up_rate")),
    Heading("disputes_not_passed_up", "矛盾不上交", "disputes not passed up", "slogan",
            ("escalated_out", "containment_rate", "mediation_success_rate", "resolution_rate")),
    Heading("safety", "平安不出事", "safety, nothing goes wrong", "slogan",
            ("incidents", "criminal_detentions", "incidents_burglary", "incidents_telecom_fraud")),
    Heading("service", "服务不缺位", "service never absent", "slogan",
            ("help_requests", "on_time_rate", "median_hours_to_resolve", "sla_yellow",
             "grid_coverage", "steward_density")),
)  # fmt: skip
"""The scorecard's goals and slogans, each with the KPIs that are its evidence."""


@frozen
class Scorecard:
    """A scorecard 评价表: each heading with its evidence lines, from one KPI report."""

    report: KpiReport
    sections: tuple[tuple[Heading, tuple[KpiValue, ...]], ...]


def scorecard(report: KpiReport, headings: tuple[Heading, ...] = HEADINGS) -> Scorecard:
    """Group a report's lines under the goals and slogans (KPIs it lacks are left out)."""
    present = {line.kpi.id: line for line in report.values}
    sections = tuple(
        (heading, tuple(present[k] for k in heading.kpis if k in present)) for heading in headings
    )
    return Scorecard(report, sections)
