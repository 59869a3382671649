"""The figures as PNG charts 图表 (matplotlib, the optional ``charts`` extra).

Four charts: incidents year on year by category, closed matters on the ladder (contained or
above their ceiling), matters per month by kind, and SLA warnings per month. Labels are Chinese
when a CJK font is installed, else English (with a notice on stderr). The data come from the
station's audited aggregate reads, never from matters loaded one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fengqiao_core.errors import ConfigurationError
from fengqiao_core.metrics.report import KpiReport
from fengqiao_core.model import Actor, LadderLevel, MatterKind
from fengqiao_core.ports import AggregateQuery, Dimension, MatterFilter, Measure

__all__ = ["cjk_font", "write_charts"]

_CJK = (
    "Noto Sans CJK",
    "Noto Serif CJK",
    "Source Han",
    "WenQuanYi",
    "SimHei",
    "Droid Sans Fallback",
)
_INCIDENTS = ("burglary", "telecom_fraud", "theft", "fight", "other")


def cjk_font() -> str | None:
    """The name of an installed CJK font matplotlib can use, or ``None``."""
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if any(entry.name.startswith(prefix) for prefix in _CJK):
            return str(entry.name)
    return None


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ConfigurationError(
            "charts need matplotlib: pip install 'fengqiao-core[charts]'"
        ) from None
    return plt


def _t(zh: str, en: str, chinese: bool) -> str:
    return zh if chinese else en


def write_charts(
    station: Any,
    actor: Actor,
    report: KpiReport,
    folder: Path,
    lang: str = "zh",
    notice: Callable[[str], None] = lambda _: None,
) -> list[Path]:
    """Write the four charts of ``report``'s period (and the year before) into ``folder``.

    ``notice`` is told when Chinese labels were asked for but no CJK font is installed.

    Raises:
        ConfigurationError: matplotlib is not installed.
    """
    plt = _pyplot()
    font = cjk_font() if lang == "zh" else None
    chinese = font is not None
    if lang == "zh" and not chinese:
        notice("提示：未安装中文字体，图表标签使用英文")
    if font:
        plt.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
    folder.mkdir(parents=True, exist_ok=True)
    earlier = report.period.previous_year()
    span = MatterFilter(since=earlier.since, until=report.period.until)
    monthly = station.aggregate(
        actor,
        AggregateQuery(
            measures=(Measure.COUNT, Measure.SLA_YELLOW, Measure.SLA_RED),
            group_by=(Dimension.MONTH, Dimension.KIND),
            where=span,
            as_of=report.period.until,
        ),
    )
    ladder = station.aggregate(
        actor,
        AggregateQuery(
            measures=(Measure.CLOSED, Measure.CONTAINED),
            group_by=(Dimension.LEVEL,),
            where=MatterFilter(since=report.period.since, until=report.period.until),
        ),
    )
    paths = [
        _yoy(plt, report, folder, chinese),
        _ladder(plt, ladder, folder, chinese),
        _months(plt, monthly, folder, chinese),
        _sla(plt, monthly, folder, chinese),
    ]
    plt.close("all")
    return paths


def _save(plt: Any, fig: Any, folder: Path, name: str) -> Path:
    path = folder / name
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _yoy(plt: Any, report: KpiReport, folder: Path, chinese: bool) -> Path:
    lines = {x.kpi.id: x for x in report.values}
    found = [c for c in _INCIDENTS if f"incidents_{c}" in lines]
    now = [lines[f"incidents_{c}"].value or 0 for c in found]
    before = [lines[f"incidents_{c}"].previous or 0 for c in found]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    xs = range(len(found))
    ax.bar([x - 0.2 for x in xs], before, 0.4, label=report.period.previous_year().label())
    ax.bar([x + 0.2 for x in xs], now, 0.4, label=report.period.label())
    names = [
        lines[f"incidents_{c}"].kpi.label_zh if chinese else c.replace("_", " ") for c in found
    ]
    ax.set_xticks(list(xs), names)
    for x, c in zip(xs, found, strict=True):
        ax.annotate(lines[f"incidents_{c}"].change.text(), (x, max(now[x], before[x])), ha="center")
    ax.set_title(_t("警情同比（按类别）", "Incidents year on year by category", chinese))
    ax.set_ylabel(_t("起数", "incidents", chinese))
    ax.legend()
    return _save(plt, fig, folder, "yoy_by_category.png")


def _ladder(plt: Any, rows: list[Any], folder: Path, chinese: bool) -> Path:
    order = [level.value for level in LadderLevel]
    data = {r.key[0]: r.values for r in rows if r.key[0] in order}
    levels = [lv for lv in order if lv in data] or order
    contained = [data.get(lv, (0, 0))[1] or 0 for lv in levels]
    above = [(data.get(lv, (0, 0))[0] or 0) - c for lv, c in zip(levels, contained, strict=True)]
    names = [LadderLevel.parse(lv).label_zh if chinese else lv for lv in levels]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.bar(names, contained, label=_t("层级内办结", "closed within the ceiling", chinese))
    ax.bar(names, above, bottom=contained, label=_t("越过上限", "above the ceiling", chinese))
    ax.set_title(_t("化解层级：就地化解", "Containment on the ladder", chinese))
    ax.set_ylabel(_t("已办结事项", "closed matters", chinese))
    ax.legend()
    return _save(plt, fig, folder, "containment_ladder.png")


def _series(rows: list[Any], column: int) -> tuple[list[str], dict[str, list[float]]]:
    months = sorted({r.key[0] for r in rows})
    kinds = [k.value for k in MatterKind]
    table = {k: [0.0] * len(months) for k in kinds}
    for r in rows:
        if r.key[1] in table:
            table[r.key[1]][months.index(r.key[0])] = r.values[column] or 0.0
    return months, table


def _months(plt: Any, rows: list[Any], folder: Path, chinese: bool) -> Path:
    months, table = _series(rows, 0)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for kind, values in table.items():
        ax.plot(
            months, values, marker=".", label=MatterKind.parse(kind).label_zh if chinese else kind
        )
    ax.set_title(_t("每月事项（按类型）", "Matters per month by kind", chinese))
    ax.set_ylabel(_t("事项", "matters", chinese))
    ax.tick_params(axis="x", labelrotation=90)
    ax.legend()
    return _save(plt, fig, folder, "matters_per_month.png")


def _sla(plt: Any, rows: list[Any], folder: Path, chinese: bool) -> Path:
    months, yellow = _series(rows, 1)
    _, red = _series(rows, 2)
    ys = [sum(v[i] for v in yellow.values()) for i in range(len(months))]
    rs = [sum(v[i] for v in red.values()) for i in range(len(months))]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    ax.bar(months, ys, color="gold", label=_t("黄色预警", "yellow warnings", chinese))
    ax.bar(months, rs, bottom=ys, color="firebrick", label=_t("红色预警", "red (overdue)", chinese))
    ax.set_title(_t("办理时限预警（按报告月份）", "SLA warnings by month reported", chinese))
    ax.set_ylabel(_t("事项", "matters", chinese))
    ax.tick_params(axis="x", labelrotation=90)
    ax.legend()
    return _save(plt, fig, folder, "sla_warnings.png")
