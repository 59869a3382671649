"""postgres.P9, postgres.P2: the PostgreSQL storage plugin (skipped without a server).

- **postgres.P9** — throughput of ``station.report_many`` (every rule on) into a PostgreSQL
  station, in batches of :data:`~benchmarks.bench_sqlite.BATCH`, vs raw ``COPY`` of **the very
  rows that run wrote** (read back from the database: matters, bodies, events, audit, outbox)
  under another station id into the same schema, one transaction per batch as well.
  Goal ≥ 0.35×. ``--quick``: 10,000 matters instead of 100,000.
- **postgres.P2** — the full KPI report of 2023 with year on year vs 2022
  (:func:`~fengqiao_core.metrics.report.compute_report` over the plugin's aggregate port: the
  tally and the median queries) over one station's 1,000,000 matters (``--quick``: 100,000;
  another station holds a tenth as many in the same table), vs hand-written SQL computing the
  same numbers over the same schema (one ``GROUP BY`` with ``FILTER``-ed counts, hashed as the
  plugin hashes it; the medians by ``percentile_cont``), median of 5 interleaved rounds; the
  benchmark checks the numbers are equal. Goal ≤ 1.2×. The store is not built through the
  public path (1,000,000 reports would take hours): one set-based ``INSERT … SELECT`` over
  ``generate_series`` writes the projection rows (see :func:`build_kpi_store`).

Needs ``FENGQIAO_PG_URL`` (and the ``fengqiao-postgres`` plugin): without the variable they are
skipped (:class:`~benchmarks.harness.Skipped`). Each run works in a schema of its own, dropped
at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from typing import Any

from benchmarks.bench_metrics import _KINDS as _P2_KINDS
from benchmarks.bench_metrics import _LEVELS as _P2_LEVELS
from benchmarks.bench_metrics import _OUTCOMES as _P2_OUTCOMES
from benchmarks.bench_metrics import _us, hand_kpis, hand_params, race_reports
from benchmarks.bench_sqlite import ACTOR, BATCH, SECRET, _chunks, drafts, places_of
from benchmarks.bench_station import TZ
from benchmarks.harness import Measurement, Skipped, benchmark, interleave
from fengqiao_core.plugins import Plugins
from fengqiao_core.station import StationService, open_station
from fengqiao_core.station.file import load_station_config

TABLES = ("matters", "matter_bodies", "events", "audit", "outbox")


def _url() -> str:
    url = os.environ.get("FENGQIAO_PG_URL")
    if not url:
        raise Skipped("FENGQIAO_PG_URL is not set")
    return url


def _station(url: str, station_id: str) -> StationService:
    from fengqiao_postgres import PostgresStorage

    plugins = Plugins()
    storage = PostgresStorage(url, station_id, converter=plugins.make_converter())
    clock = dt.datetime(2026, 11, 2, 10, tzinfo=TZ)
    return open_station(
        load_station_config("miaoshan"), plugins=plugins, clock=lambda: clock, secret=SECRET,
        backends={"storage": storage}, dispatch=False,
    )  # fmt: skip


@benchmark("postgres.P9", goal=">= 0.35")
def report_many_vs_copy(quick: bool) -> Measurement:
    import psycopg
    from psycopg import sql

    base = _url()
    schema = f"fq_bench_{uuid.uuid4().hex[:8]}"
    url = f"{base}{'&' if '?' in base else '?'}schema={schema}"
    count, rounds = (10_000, 2) if quick else (100_000, 3)  # quick: within its 60 s
    runs = iter(range(1000))
    written: dict[str, list[tuple[Any, ...]]] = {}
    conn = psycopg.connect(base, autocommit=True)

    def ours() -> float:
        station_id = f"ours-{next(runs)}"
        service = _station(url, station_id)
        batch = drafts(count, places_of(service), "p9")
        started = time.perf_counter()
        service.report_many(ACTOR, batch, batch_size=BATCH)
        elapsed = time.perf_counter() - started
        service.shutdown()
        if not written:
            for table in TABLES:
                written[table] = conn.execute(
                    sql.SQL("SELECT * FROM {}.{} WHERE station_id = %s ORDER BY ctid").format(
                        sql.Identifier(schema), sql.Identifier(table)
                    ),
                    (station_id,),
                ).fetchall()
        return count / elapsed

    def raw() -> float:
        station_id = f"raw-{next(runs)}"
        parts = -(-count // BATCH)
        split = {t: _chunks(written[t], parts) for t in ("matters", "audit", "outbox")}
        where = {row[1]: i for i, chunk in enumerate(split["matters"]) for row in chunk}
        for table in ("matter_bodies", "events"):  # with their matters, whatever the row order
            split[table] = [[] for _ in range(parts)]
            for row in written[table]:
                split[table][where[row[1]]].append(row)
        batches = [
            [[(station_id, *row[1:]) for row in split[t][i]] for t in TABLES] for i in range(parts)
        ]
        started = time.perf_counter()
        for batch in batches:
            with conn.transaction():
                for table, rows in zip(TABLES, batch, strict=True):
                    target = sql.SQL("COPY {}.{} FROM STDIN").format(
                        sql.Identifier(schema), sql.Identifier(table)
                    )
                    with conn.cursor().copy(target) as copy:
                        for row in rows:
                            copy.write_row(row)
        return count / (time.perf_counter() - started)

    try:
        ours()  # the first run also provides the rows for the baseline
        mine, theirs = interleave(ours, raw, rounds)
    finally:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        conn.close()
    return Measurement(mine, theirs, "matters/s")


# --- postgres.P2 --------------------------------------------------------------------------

_U = "(hashint8(i * 16 + {}) & 1048575)::float8 / 1048576"  # fixed-seed uniform in [0, 1)


def _pick(values: Any, uniform: str) -> str:
    items = ", ".join("NULL" if v is None else repr(v) for v in values)
    return f"(ARRAY[{items}])[1 + floor({uniform} * {len(values)})::int]"


def _by_kind(choices: dict[str, Any], uniform: str) -> str:
    whens = " ".join(f"WHEN '{k}' THEN {_pick(v, uniform)}" for k, v in choices.items())
    return f"CASE kind {whens} END"


_UNIFORMS = ", ".join(f"{_U.format(n)} AS {name}" for n, name in enumerate("tcolhskfbuz"))


def _build_sql() -> str:
    from fengqiao_postgres.schema import MATTER_COLUMNS

    return f"""
INSERT INTO matters ({", ".join(MATTER_COLUMNS)})
SELECT %(station)s, %(prefix)s || lpad(i::text, 8, '0'), kind, category, 'general', 'walk_in',
       CASE WHEN closed THEN 'closed' ELSE 'resolved' END, level, 'c' || mod(i, 51),
       'pg' || mod(i, 11), 'k' || mod(i, 18), 'O01', NULL, reported,
       to_char(to_timestamp(reported / 1e6) AT TIME ZONE INTERVAL '+08:00', 'YYYY-MM'),
       CASE WHEN closed THEN (resolved - reported) / 3.6e9 + 1 END, 3, outcome,
       'people_mediation', resolved, (resolved - reported) / 3.6e9, reported + 604800000000,
       level IN ('station', 'department', 'beyond'), s < 0.4, kind = 'incident' AND k < 0.6,
       feedback, (b < 0.01)::int, u < 0.3
FROM (SELECT *, resolved IS NOT NULL AND z < 0.7 AS closed
      FROM (SELECT *, CASE WHEN outcome <> 'withdrawn'
                      THEN reported + floor(h * 400)::bigint * 3600000000 END AS resolved
            FROM (SELECT i, s, k, b, u, z, h, kind,
                         {_by_kind({k: [f"{k}:{c}" for c in cs] for k, cs in _P2_KINDS}, "c")}
                           AS category,
                         {_by_kind(_P2_OUTCOMES, "o")} AS outcome,
                         {_pick(_P2_LEVELS, "l")} AS level,
                         %(start)s + floor(t * %(span)s)::bigint AS reported,
                         {_pick((None, None, 3, 4, 5), "f")}::int AS feedback
                  FROM (SELECT i, (ARRAY{[k for k, _ in _P2_KINDS]})[1 + mod(i, 4)] AS kind,
                               {_UNIFORMS}
                        FROM generate_series(0, %(count)s - 1) AS i) AS a) AS b) AS c) AS d
"""


_HAND = """
SELECT CASE WHEN reported_us >= %(a0)s AND reported_us < %(b0)s THEN 0 ELSE 1 END AS period,
       kind, category, outcome, stewards,
       count(*), count(resolved_us), count(closed_hours),
       count(*) FILTER (WHERE closed_hours IS NOT NULL AND NOT over_ceiling),
       count(*) FILTER (WHERE level = 'beyond'), count(*) FILTER (WHERE resolved_us <= due_us),
       count(*) FILTER (WHERE due_us > reported_us
           AND coalesce(resolved_us, %(asof)s) - reported_us >= 0.7::float8 * (due_us - reported_us)
           AND coalesce(resolved_us, %(asof)s) - reported_us < (due_us - reported_us)),
       count(*) FILTER (WHERE due_us > reported_us
           AND coalesce(resolved_us, %(asof)s) - reported_us >= (due_us - reported_us)),
       count(*) FILTER (WHERE followed_up), count(feedback), sum(feedback), sum(commendations),
       count(*) FILTER (WHERE criminal)
FROM matters
WHERE station_id = %(station)s AND reported_us >= %(a1)s AND reported_us < %(b0)s
GROUP BY 1, 2, 3, 4, 5
"""
_HAND_MEDIAN = """
SELECT CASE WHEN reported_us >= %(a0)s AND reported_us < %(b0)s THEN 0 ELSE 1 END AS period,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY resolved_hours)
FROM matters
WHERE station_id = %(station)s AND reported_us >= %(a1)s AND reported_us < %(b0)s
GROUP BY 1
"""


def build_kpi_store(conn: Any, schema: str, count: int) -> None:
    """``count`` matters of station ``p2`` over 2022-2023 (and a tenth as many of ``other``).

    Rows go straight into the projection with one set-based ``INSERT … SELECT`` over
    ``generate_series`` (reporting 1,000,000 matters through a station would take hours); the
    kinds, categories, outcomes, flags and times are drawn as :mod:`benchmarks.bench_metrics`
    draws them, from fixed hashes of the row number.
    """
    from fengqiao_postgres import PostgresStorage
    from psycopg import sql

    PostgresStorage(f"{_url()}{'&' if '?' in _url() else '?'}schema={schema}", "p2").close()
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
    start = _us(dt.datetime(2022, 1, 1, tzinfo=TZ))
    span = _us(dt.datetime(2024, 1, 1, tzinfo=TZ)) - start
    for station, size in (("p2", count), ("other", count // 10)):
        params = {"station": station, "prefix": station[0], "count": size}
        conn.execute(_build_sql(), {**params, "start": start, "span": span})
    conn.execute("ANALYZE matters")


def hand_kpi_report(conn: Any) -> dict[str, float | None]:
    """The headline KPIs of 2023 of station ``p2`` by hand-written PostgreSQL."""
    params: dict[str, Any] = {**hand_params(), "station": "p2"}
    middle = [v for period, v in conn.execute(_HAND_MEDIAN, params) if period == 0]
    with conn.transaction():
        conn.execute("SET LOCAL enable_sort = off")  # hash the groups, as the plugin does
        rows = conn.execute(_HAND, params).fetchall()
    return hand_kpis(rows, middle)


@benchmark("postgres.P2", goal="<= 1.2")
def kpi_report(quick: bool) -> Measurement:
    import psycopg
    from fengqiao_postgres import PostgresStorage
    from psycopg import sql

    base = _url()
    schema = f"fq_bench_p2_{uuid.uuid4().hex[:8]}"
    conn = psycopg.connect(base, autocommit=True)
    storage = None
    try:
        build_kpi_store(conn, schema, 100_000 if quick else 1_000_000)
        storage = PostgresStorage(f"{base}{'&' if '?' in base else '?'}schema={schema}", "p2")
        mine, theirs = race_reports("postgres.P2", storage, lambda: hand_kpi_report(conn))
    finally:
        if storage is not None:
            storage.close()
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        conn.close()
    return Measurement(mine, theirs, "s")
