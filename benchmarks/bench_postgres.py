"""postgres.P9: the PostgreSQL storage plugin under ``report_many`` (skipped without a server).

- **postgres.P9** — throughput of ``station.report_many`` (every rule on) into a PostgreSQL
  station, in batches of :data:`~benchmarks.bench_sqlite.BATCH`, vs raw ``COPY`` of **the very
  rows that run wrote** (read back from the database: matters, bodies, events, audit, outbox)
  under another station id into the same schema, one transaction per batch as well.
  Goal ≥ 0.35×. ``--quick``: 10,000 matters instead of 100,000.

Needs ``FENGQIAO_PG_URL`` (and the ``fengqiao-postgres`` plugin): without the variable it is
skipped (:class:`~benchmarks.harness.Skipped`). Each run works in a schema of its own, dropped
at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from typing import Any

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
    count, rounds = (10_000, 3) if quick else (100_000, 3)
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
