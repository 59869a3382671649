"""``fengqiao demo``'s second half 两年模拟: two simulated years, the scorecard and the charts.

After the six stories the demo lives through 2022-2023 with the seeded simulation
(:mod:`fengqiao_core.testing.simulation`), stores it in the demo's SQLite database, and prints
the figures computed from what was stored: the scorecard and the KPI table of 2023 against 2022,
and the article's figures beside the computed ones. ``--json`` prints one JSON object instead.

Speed: the simulation writes to a working copy in memory-backed storage when the machine has it
(``/dev/shm``), copied into the database with SQLite's backup API every few hundred matters and
at the end; a rerun after a crash starts from that copy and carries on (references are
idempotency keys).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fengqiao_core.cli import output
from fengqiao_core.cli.figures import fmt_value, print_report, report_json, say
from fengqiao_core.cli.lang import say_in
from fengqiao_core.metrics.scope import Period
from fengqiao_core.model import Actor, Role
from fengqiao_core.station.config import StationConfig

__all__ = ["ARTICLE", "simulate_and_report"]

ARTICLE = (
    ("window", "help_requests", 1480.0, "求助 help requests with red stewards"),
    ("window", "disputes_resolved", 879.0, "纠纷化解 disputes resolved with red stewards"),
    ("window", "commendations", 46.0, "锦旗 banners"),
    ("year", "incidents_burglary", -50.0, "入室盗窃同比 burglaries year on year (%)"),
    ("year", "incidents_telecom_fraud", -32.0, "电诈同比 telecom fraud year on year (%)"),
    ("year", "criminal_detentions", 14.0, "刑拘同比 criminal detentions year on year (%)"),
)
"""The seed article's figures: (report, KPI, stated value, label "中文 English")."""
_ARTICLE_ZH = {
    "help_requests": "红色管家接收求助",
    "disputes_resolved": "红色管家化解纠纷",
    "commendations": "锦旗",
    "incidents_burglary": "入室盗窃同比（%）",
    "incidents_telecom_fraud": "电信诈骗同比（%）",
    "criminal_detentions": "刑事拘留同比（%）",
}


def _article_label(kpi: str, label: str, lang: str) -> str:
    english = label.split(" ", 1)[1]
    return say_in(lang, _ARTICLE_ZH[kpi], f"{english} ({label.split(' ', 1)[0]})")


_CHECKPOINT = 800


def _notice(line: str) -> None:
    say(line, err=True)


def _bar(done: int, total: int, lang: str = "zh") -> None:
    width = 30
    filled = width * done // max(total, 1)
    what = say_in(lang, "模拟 2022-2023 年", "simulating 2022-2023")
    text = f"\r{what} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
    if sys.stderr.isatty():
        sys.stderr.write(text + ("\n" if done == total else ""))
        sys.stderr.flush()
    elif done == total or done % 500 < 1:
        say(text.strip(), err=True)


def _work_copy(database: Path) -> Path:
    ram = Path("/dev/shm")
    base = ram if ram.is_dir() and os.access(ram, os.W_OK) else database.parent
    work = Path(tempfile.mkdtemp(prefix="fengqiao-sim-", dir=base)) / database.name
    if database.exists():
        from fengqiao_core.builtin.sqlite import backup

        backup(database, work)
    return work


def _article(window: Any, year: Any) -> list[dict[str, Any]]:
    found = []
    for which, kpi, stated, label in ARTICLE:
        line = (window if which == "window" else year).get(kpi)
        value = line.value if which == "window" else line.change.percent
        found.append({"kpi": kpi, "label": label, "article": stated, "computed": value})
    return found


def simulate_and_report(
    config: StationConfig,
    database: Path,
    secret: bytes,
    *,
    seed: int,
    as_json: bool,
    lang: str,
    out_dir: Path,
) -> dict[str, Any]:
    """Simulate 2022-2023 into ``database``, then print the figures (or the JSON object).

    Returns:
        The JSON object (also printed when ``as_json``).
    """
    from fengqiao_core.builtin.sqlite import backup
    from fengqiao_core.station import open_station
    from fengqiao_core.testing.simulation import MIAOSHAN_PLAN, SimulationClock, simulate

    zone = ZoneInfo(config.station.timezone)
    work = _work_copy(database)
    clock = SimulationClock(dt.datetime.combine(MIAOSHAN_PLAN.first, dt.time(), zone))
    station = open_station(
        config.with_backends(storage=f"sqlite:///{work}"), clock=clock, secret=secret,
        dispatch=False,
    )  # fmt: skip
    try:

        def progress(done: int, total: int) -> None:
            _bar(done, total, lang)
            if done % _CHECKPOINT < 1 or done == total:
                backup(work, database)

        summary = simulate(station, clock, MIAOSHAN_PLAN, seed=seed, progress=progress)
        backup(work, database)
        officer = Actor(config.officers[0].id, Role.OFFICER)
        window = station.kpis(
            officer, Period.of_dates(dt.date(2022, 7, 1), dt.date(2023, 12, 27), zone)
        )
        year = station.kpis(
            officer, Period.of_dates(dt.date(2023, 1, 1), dt.date(2023, 12, 31), zone)
        )
        charts: list[str] = []
        try:
            from fengqiao_core.cli.charts import write_charts

            charts = [
                str(p)
                for p in write_charts(station, officer, year, out_dir / "charts", lang, _notice)
            ]
        except Exception as exc:  # charts are optional: the figures stand without them
            reason = f"{type(exc).__name__}: {exc}"
            shown = say_in(lang, f"提示：未生成图表（{reason}）", f"notice: no charts ({reason})")
            say(shown, err=True)
    finally:
        station.shutdown()
        shutil.rmtree(work.parent, ignore_errors=True)
    kpis = report_json(window)["kpis"]
    kpis["yoy"] = report_json(year)["kpis"]["yoy"]
    result = {
        "station": config.station.id,
        "database": str(database),
        "seed": seed,
        "simulation": {"matters": summary.reported, "steps": summary.steps,
                       "refused": summary.refused},
        "kpis": kpis,
        "article": _article(window, year),
        "year_2023": report_json(year),
        "charts": charts,
    }  # fmt: skip
    if as_json:
        output.say_json(result)
        return result
    say()
    refused = say_in(
        lang, f"，其中 {summary.refused} 步被规则拒绝", f", {summary.refused} refused by a rule"
    )
    say(
        say_in(
            lang,
            f"两年模拟：事项 {summary.reported} 件，操作 {summary.steps} 步",
            f"Two simulated years: {summary.reported} matters, {summary.steps} steps",
        )
        + (refused if summary.refused else "")
    )
    if config.station.id != "miaoshan":
        say(
            say_in(
                lang,
                "（按庙山派出所的业务量与比例模拟，数字不是本所的实际数据）",
                "(Miaoshan's workload and rates replayed on this station's map: not its own "
                "figures)",
            )
        )
    say()
    print_report(year, "table", lang)
    say()
    say(
        say_in(
            lang,
            "文章数据（文中所述 → 由存储的事件计算）",
            "The article's figures (stated → computed from the stored events)",
        )
    )
    for (which, kpi, stated, label), row in zip(ARTICLE, result["article"], strict=True):
        value = row["computed"]
        if which == "window":
            shown = fmt_value(window.get(kpi), value)
        else:
            shown = "—" if value is None else f"{value:+.1f}%"
        say(f"  {_article_label(kpi, label, lang)}: {stated:g} → {shown}")
    for path in charts:
        say(say_in(lang, f"图表：{path}", f"chart: {path}"))
    return result
