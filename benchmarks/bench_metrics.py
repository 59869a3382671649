"""sqlite.P2: the full KPI report over 1,000,000 stored matters vs hand-written SQL.

``ours`` is :func:`fengqiao_core.metrics.report.compute_report` over the SQLite store's
aggregate port (every built-in KPI of 2023 with its year-on-year comparison to 2022: the tally
query and the median query); ``baseline`` is hand-written SQL computing the same numbers on the
same file — one ``GROUP BY`` over both years (one range: 2022 and 2023 tile it) with the same
conditional sums, and the median by window functions — with the few lines of Python arithmetic
the KPIs need. Both run interleaved, median of 5 rounds. Goal ≤ 1.2×; the full report must
also stay under 2 s at full size.

The store is built directly in the projection (``matters`` rows of the schema's figures
columns; the schema's triggers keep the daily rollup as they insert): 1,000,000 matters over
2022-2023 (``--quick``: 100,000), the kinds, categories, outcomes, steward flags and times drawn
with a fixed seed. Built stores are kept for later runs in :data:`CACHE` (named by schema
version and size; delete the folder to rebuild).

The report reads the daily rollup and two indexes (schema version 6); the hand-written SQL
reads the base table ``matters``, as a person would write it without the rollup.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.harness import Measurement, benchmark, interleave
from fengqiao_core.builtin.sqlite import SqliteStorage
from fengqiao_core.builtin.sqlite.files import open_database
from fengqiao_core.builtin.sqlite.schema import MATTER_COLUMNS, SCHEMA_VERSION
from fengqiao_core.metrics.report import compute_report
from fengqiao_core.metrics.scope import Period

TZ = dt.timezone(dt.timedelta(hours=8))
PERIOD = Period(dt.datetime(2023, 1, 1, tzinfo=TZ), dt.datetime(2024, 1, 1, tzinfo=TZ))
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_KINDS = (
    ("help_request", ("lost_property", "access", "other", "welfare")),
    ("dispute", ("neighbour", "marriage_family", "labour", "consumer")),
    ("incident", ("burglary", "telecom_fraud", "theft", "fight")),
    ("tip", ("fraud", "hazard")),
)
_OUTCOMES = {
    "help_request": ("resolved", "department_replied", "withdrawn", None),
    "dispute": ("performed", "not_performed", "terminated", "referred", "rejected", None),
    "incident": ("case_opened", "resolved", "mediated", None),
    "tip": ("confirmed", "unfounded", None),
}
_LEVELS = ("grid", "community", "park", "station", "department", "beyond")
CACHE = Path(tempfile.gettempdir()) / "fengqiao-bench-p2"
"""Where built stores are kept between runs."""


def _us(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


def _rows(count: int, seed: int) -> Any:
    rng = random.Random(seed)
    start = _us(dt.datetime(2022, 1, 1, tzinfo=TZ))
    span = _us(dt.datetime(2024, 1, 1, tzinfo=TZ)) - start
    hour = 3_600_000_000
    for i in range(count):
        kind, categories = _KINDS[i % 4]
        reported = start + rng.randrange(span)
        outcome = rng.choice(_OUTCOMES[kind])
        resolved = None if outcome in (None, "withdrawn") else reported + rng.randrange(400) * hour
        closed = resolved is not None and rng.random() < 0.7
        level = rng.choice(_LEVELS)
        due = reported + 168 * hour
        month = dt.datetime.fromtimestamp(reported / 1e6, TZ).strftime("%Y-%m")
        yield (
            f"m{i:08d}", kind, f"{kind}:{rng.choice(categories)}", "general", "walk_in",
            "closed" if closed else "resolved", level, f"c{i % 51}", f"pg{i % 11}",
            f"k{i % 18}", "O01", None, reported, month,
            (resolved - reported) / hour + 1 if closed and resolved else None, 3,
            outcome, "people_mediation", resolved,
            None if resolved is None else (resolved - reported) / hour,
            due, int(level in ("station", "department", "beyond")), int(rng.random() < 0.4),
            int(kind == "incident" and rng.random() < 0.6),
            rng.choice((None, None, 3, 4, 5)), int(rng.random() < 0.01), int(rng.random() < 0.3),
        )  # fmt: skip


def build(count: int) -> Path:
    """A store of ``count`` matters over 2022-2023 (projection rows only)."""
    path = CACHE / f"p2-v{SCHEMA_VERSION}-{count}.db"
    if path.exists():
        return path
    CACHE.mkdir(exist_ok=True)
    building = path.with_suffix(".building")
    for stale in CACHE.glob(f"{building.name}*"):
        stale.unlink()
    conn = open_database(str(building), 30.0, None, "miaoshan")
    marks = ", ".join("?" * len(MATTER_COLUMNS))
    rows = _rows(count, seed=17)
    while True:
        chunk = [row for _, row in zip(range(50_000), rows, strict=False)]
        if not chunk:
            break
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO matters VALUES ({marks})", chunk)
        conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    building.rename(path)
    return path


_HAND = """
SELECT CASE WHEN reported_us >= :a0 AND reported_us < :b0 THEN 0 ELSE 1 END AS period,
       kind, category, outcome, stewards,
       count(*), count(resolved_us), count(closed_hours),
       total(closed_hours IS NOT NULL AND NOT over_ceiling), total(level = 'beyond'),
       total(resolved_us <= due_us),
       total(CASE WHEN due_us > reported_us THEN
             coalesce(resolved_us, :asof) - reported_us >= 0.7 * (due_us - reported_us)
             AND coalesce(resolved_us, :asof) - reported_us < 1.0 * (due_us - reported_us) END),
       total(CASE WHEN due_us > reported_us THEN
             coalesce(resolved_us, :asof) - reported_us >= 1.0 * (due_us - reported_us) END),
       total(followed_up), count(feedback), total(feedback), total(commendations),
       total(criminal)
FROM matters
WHERE reported_us >= :a1 AND reported_us < :b0
GROUP BY period, kind, category, outcome, stewards
"""
_HAND_MEDIAN = """
SELECT period, v FROM (
  SELECT period, v, row_number() OVER (PARTITION BY period ORDER BY v) AS rn,
         count(*) OVER (PARTITION BY period) AS n
  FROM (SELECT CASE WHEN reported_us >= :a0 AND reported_us < :b0 THEN 0 ELSE 1 END AS period,
               resolved_hours AS v
        FROM matters
        WHERE reported_us >= :a1 AND reported_us < :b0 AND resolved_hours IS NOT NULL))
WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
"""


def hand_params() -> dict[str, int]:
    """The hand-written queries' parameters: 2023 (``a0``-``b0``), 2022 (``a1``-``b1``), as of."""
    earlier = PERIOD.previous_year()
    return {
        "a0": _us(PERIOD.since), "b0": _us(PERIOD.until),
        "a1": _us(earlier.since), "b1": _us(earlier.until), "asof": _us(PERIOD.until),
    }  # fmt: skip


def hand_report(conn: sqlite3.Connection) -> dict[str, float | None]:
    """The headline KPIs of 2023 by hand-written SQL (the same numbers the report gives)."""
    params = hand_params()
    middle = [v for period, v in conn.execute(_HAND_MEDIAN, params) if period == 0]
    return hand_kpis(conn.execute(_HAND, params), middle)


def hand_kpis(rows: Iterable[Sequence[Any]], middle: list[float]) -> dict[str, float | None]:
    """The headline KPIs from the hand-written tally's rows and the median's middle values.

    Each row: period (0 for 2023), kind, category, outcome, steward flag, then count,
    resolved, closed, contained, beyond, on time, SLA yellow, SLA red, followed up, feedbacks,
    feedback sum, commendations and criminal, summed over the group.
    """
    sums: dict[str, float] = {}
    by_category: dict[str, float] = {}
    for row in rows:
        if row[0] != 0:
            continue
        kind, category, outcome, steward = row[1:5]
        count, resolved, closed, contained, beyond, on_time = row[5:11]
        for key, value in (
            ("n", count),
            ("resolved", resolved),
            ("closed", closed),
            ("contained", contained),
            ("beyond", beyond),
            ("on_time", on_time),
            ("yellow", row[11]),
            ("red", row[12]),
            ("followed", row[13]),
            ("feedbacks", row[14]),
            ("score", row[15]),
            ("banners", row[16]),
        ):
            sums[key] = sums.get(key, 0.0) + (value or 0.0)  # fmt: skip
        if outcome in ("rejected", "withdrawn"):
            sums["not_accepted"] = sums.get("not_accepted", 0.0) + count
        if outcome == "rejected":
            sums["resolved_rejected"] = sums.get("resolved_rejected", 0.0) + resolved
        if kind == "help_request" and steward:
            sums["help"] = sums.get("help", 0.0) + count
        if kind == "incident":
            by_category[category] = by_category.get(category, 0.0) + count
            if outcome == "case_opened":
                sums["detentions"] = sums.get("detentions", 0.0) + (row[17] or 0.0)
    return {
        "matters_reported": sums["n"],
        "help_requests": sums.get("help", 0.0),
        "commendations": sums["banners"],
        "resolution_rate": (sums["resolved"] - sums.get("resolved_rejected", 0.0))
        / (sums["n"] - sums.get("not_accepted", 0.0)),
        "on_time_rate": sums["on_time"] / sums["resolved"],
        "containment_rate": sums["contained"] / sums["closed"],
        "escalated_out": sums["beyond"],
        "sla_yellow": sums["yellow"],
        "sla_red": sums["red"],
        "follow_up_rate": sums["followed"] / sums["resolved"],
        "mean_feedback": sums["score"] / sums["feedbacks"],
        "incidents_burglary": by_category.get("incident:burglary", 0.0),
        "criminal_detentions": sums.get("detentions", 0.0),
        "median_hours_to_resolve": sum(middle) / len(middle) if middle else None,
    }


def same_numbers(name: str, got: dict[str, Any], want: dict[str, float | None]) -> None:
    """Raise unless the report's numbers equal the hand-written SQL's (to 1e-9, relative)."""
    for key, value in want.items():
        if value is None or abs((got[key] or 0.0) - value) > 1e-9 * max(1.0, abs(value)):
            raise AssertionError(f"{name}: {key} differs: report {got[key]}, SQL {value}")


def race_reports(
    name: str, storage: Any, hand: Callable[[], dict[str, float | None]]
) -> tuple[float, float]:
    """Median seconds of the report over ``storage`` and of ``hand``, 5 interleaved rounds.

    Raises:
        AssertionError: The two give different numbers.
    """
    last: dict[str, dict[str, Any]] = {}

    def ours() -> float:
        started = time.perf_counter()
        with storage.unit_of_work() as uow:
            report = compute_report(uow.matters.aggregate, PERIOD, as_of=PERIOD.until)
        elapsed = time.perf_counter() - started
        last["ours"] = report.as_dict()
        return elapsed

    def theirs() -> float:
        started = time.perf_counter()
        last["hand"] = hand()
        return time.perf_counter() - started

    medians = interleave(ours, theirs, 5)
    same_numbers(name, last["ours"], last["hand"])
    return medians


@benchmark("sqlite.P2", goal="<= 1.2")
def kpi_report(quick: bool) -> Measurement:
    path = build(100_000 if quick else 1_000_000)
    storage = SqliteStorage(path)
    conn = sqlite3.connect(path)
    mine, theirs = race_reports("sqlite.P2", storage, lambda: hand_report(conn))
    storage.close()
    conn.close()
    return Measurement(mine, theirs, "s")
