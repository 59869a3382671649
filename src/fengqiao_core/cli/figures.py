"""``fengqiao report`` 指标报告: every KPI and the scorecard of any station's store.

``fengqiao report --station FILE [--db PATH] --from DATE --to DATE [--scope KIND:CODE ...]
[--format table|json|csv|markdown] [--charts DIR] [--lang zh|en]`` computes the figures through
the station (read as the system, audited) and prints them in the chosen format; ``--charts``
writes the PNG charts too. Every line goes through :func:`say`, the module's one printer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.cells import cell_len

from fengqiao_core.cli import output
from fengqiao_core.cli.lang import change, say_in
from fengqiao_core.errors import ConfigurationError, FengqiaoError
from fengqiao_core.metrics.report import KpiReport, KpiValue
from fengqiao_core.metrics.scope import Period, Scope
from fengqiao_core.metrics.scorecard import Scorecard, scorecard
from fengqiao_core.model import Actor, Role
from fengqiao_core.security.keys import read_key_file
from fengqiao_core.station.config import StationConfig
from fengqiao_core.station.file import load_station_config

__all__ = ["fmt_value", "open_for_reading", "print_report", "report", "report_json", "say"]

_EXIT_ERRORS, _EXIT_UNREADABLE = 1, 2


def say(line: str = "", *, err: bool = False) -> None:
    """Print one line through the one terminal-safe path (:func:`.output.say`)."""
    output.say(line, stderr=err)


def _notice(line: str) -> None:
    say(line, err=True)


def fmt_value(line: KpiValue, value: float | None) -> str:
    """A KPI value for people: rates in percent, counts whole, hours and scores rounded."""
    if value is None:
        return "—"
    unit = line.kpi.unit
    if unit == "rate":
        return f"{value * 100:.1f}%"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "hours":
        return f"{value:.1f} h"
    return f"{value:.2f}"


def _label(line: KpiValue, lang: str) -> str:
    return line.kpi.label_zh if lang == "zh" else line.kpi.label_en


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(cell_len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c + " " * (w - cell_len(c)) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in rows
    ]


_HEAD = {
    "zh": ["指标", "本期", "上年同期", "同比"],
    "en": ["KPI", "value", "a year earlier", "year on year"],
}


def _rows(lines: tuple[KpiValue, ...], lang: str) -> list[list[str]]:
    return [list(_HEAD[lang])] + [
        [_label(x, lang), fmt_value(x, x.value), fmt_value(x, x.previous), change(x.change, lang)]
        for x in lines
    ]


_SCOPES_ZH = {"police_grid": "警格", "cell": "网格", "community": "社区", "category": "类别"}


def _scopes(report: KpiReport, lang: str) -> str:
    if lang == "en":
        return ", ".join(s.label() for s in report.scopes) or "station"
    shown = (f"{_SCOPES_ZH.get(s.kind, s.kind)}:{s.code}" for s in report.scopes if s.code)
    return "，".join(shown) or "全所"


def report_json(report: KpiReport) -> dict[str, Any]:
    """The report as JSON-ready data: ``kpis`` (id → value), ``yoy`` (percent) and the lines."""
    yoy: dict[str, float | str | None] = {}
    for line in report.values:
        if line.kpi.id.startswith("incidents_") or line.kpi.id == "criminal_detentions":
            key = line.kpi.id.removeprefix("incidents_")
            yoy[key] = "new" if line.change.new else line.change.percent
    return {
        "period": report.period.label(),
        "scopes": [s.label() for s in report.scopes],
        "kpis": {**report.as_dict(), "yoy": yoy},
        "lines": [
            {
                "id": x.kpi.id, "label_en": x.kpi.label_en, "label_zh": x.kpi.label_zh,
                "unit": x.kpi.unit, "value": x.value, "previous": x.previous,
                "change": "new" if x.change.new else x.change.percent, "source": x.source,
            }
            for x in report.values
        ],
    }  # fmt: skip


def print_scorecard(card: Scorecard, lang: str) -> None:
    """The scorecard: each goal and slogan with its evidence lines."""
    say(say_in(lang, "枫桥式评价", "Scorecard (枫桥式评价)"))
    for heading, lines in card.sections:
        title = say_in(lang, heading.label_zh, f"{heading.label_en} ({heading.label_zh})")
        say()
        say(f"■ {title}")
        for row in _table(_rows(lines, lang))[1:]:
            say(f"  {row}")


def print_report(report: KpiReport, fmt: str, lang: str) -> None:
    """Print a report as a table (with the scorecard), JSON, CSV or Markdown."""
    if fmt == "json":
        output.say_json(report_json(report))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["id", "label", "unit", "value", "previous", "change", "source"])
        for x in report.values:
            change = "new" if x.change.new else x.change.percent
            cells = [x.kpi.id, _label(x, lang), x.kpi.unit, x.value, x.previous, change, x.source]
            writer.writerow(cells)
        for line in buffer.getvalue().splitlines():
            say(line)
    elif fmt == "markdown":
        head = [*_HEAD[lang], "source"]
        say("| " + " | ".join(head) + " |")
        say("|" + "---|" * len(head))
        for texts, x in zip(_rows(report.values, lang)[1:], report.values, strict=True):
            say("| " + " | ".join([*texts, x.source.replace("|", "/")]) + " |")
    else:
        say(f"{report.period.label()} · {_scopes(report, lang)}")
        for text in _table(_rows(report.values, lang)):
            say(text)
        say()
        print_scorecard(scorecard(report), lang)


def _undeclared(service: Any, scopes: list[Scope]) -> list[str]:
    """The scopes the station file does not declare (``kind:code``): a typo, or a retired id.

    They are not refused: matters stored under a cell or police grid the station has since
    renumbered are still counted by it.
    """
    config = service.config
    known = {
        "police_grid": {g.id for g in config.police_grids},
        "cell": {c.id for c in config.cells},
        "community": {c.community for c in config.cells}
        | {p.id for p in config.places if p.kind.is_settlement},
    }
    found = []
    for scope in scopes:
        if scope.kind == "category":
            declared = scope.code in service.categories
        else:
            declared = scope.kind not in known or scope.code in known[scope.kind]
        if not declared:
            found.append(scope.label())
    return found


def _key_beside(db: Path | None, config: StationConfig) -> bytes | None:
    given = os.environ.get("FENGQIAO_SECRET", "").encode()
    if given or db is None:
        return given or None
    key = db.resolve().parent / f"{config.station.id}.key"
    return read_key_file(key) if key.exists() else None


def open_for_reading(station: str, db: Path | None) -> Any:
    """Open a station (``--db``: its store is that SQLite file; its key file beside it)."""
    from fengqiao_core.station import open_station

    config = load_station_config(station)
    if db is not None:
        config = config.with_backends(storage=f"sqlite:///{db.resolve()}")
    return open_station(config, secret=_key_beside(db, config), dispatch=False)


def _date(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        say(f"error: {name} is a date YYYY-MM-DD", err=True)
        raise typer.Exit(_EXIT_UNREADABLE) from None


def report(
    station: Annotated[str, typer.Option("--station", help="A station file or shipped name.")],
    first: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    last: Annotated[str, typer.Option("--to", help="Last day (included), YYYY-MM-DD.")],
    db: Annotated[Path | None, typer.Option("--db", help="The station's SQLite store.")] = None,
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="KIND:CODE (police_grid, cell, ...).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json, csv or markdown.")] = "table",
    charts: Annotated[Path | None, typer.Option("--charts", help="Write PNG charts here.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh (中文) or en.")] = "zh",
) -> None:
    """Every KPI and the scorecard over a period and scope 指标报告 (read by an auditor)."""
    if fmt not in ("table", "json", "csv", "markdown") or lang not in ("zh", "en"):
        say("error: --format is table|json|csv|markdown and --lang zh|en", err=True)
        raise typer.Exit(_EXIT_UNREADABLE)
    start, end = _date(first, "--from"), _date(last, "--to")
    try:
        scopes = [Scope.parse(s) for s in scope or ()]
        with open_for_reading(station, db) as service:
            reader = _reader(service)
            zone = ZoneInfo(service.config.station.timezone)
            period = Period.of_dates(start, end, zone)
            for unknown in _undeclared(service, scopes):
                _notice(
                    say_in(
                        lang,
                        f"提示：站点文件中没有 {unknown}，其数据只来自已存储的事项",
                        f"notice: the station file declares no {unknown}; its figures come "
                        "from stored matters only",
                    )
                )
            result = service.kpis(reader, period, scopes)
            print_report(result, fmt, lang)
            if charts is not None:
                from fengqiao_core.cli.charts import write_charts

                for path in write_charts(service, reader, result, charts, lang, _notice):
                    say(f"chart: {path}", err=True)
    except FengqiaoError as exc:
        say(f"error: {exc}", err=True)
        raise typer.Exit(_EXIT_ERRORS) from None


def _reader(service: Any) -> Actor:
    """Who reads the figures: the first auditor of ``[access]``, else the first officer."""
    config = service.config
    ids = [
        *((a, Role.AUDITOR) for a in config.access.auditors),
        *((o.id, Role.OFFICER) for o in config.officers),
    ]
    if not ids:
        raise ConfigurationError("the station file names no auditor or officer to read figures")
    reader: Actor = service.actor(*ids[0])
    return reader
