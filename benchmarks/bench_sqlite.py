"""sqlite.P1, sqlite.P1e, sqlite.P8, sqlite.P10: the SQLite storage backend under ``report_many``.

- **sqlite.P1** — throughput of ``station.report_many`` (every rule on: screening, steward
  matching, triage, audit chain, outbox) into a fresh SQLite file, in batches of
  :data:`BATCH`, vs plain ``executemany`` of **the very rows that run wrote** (read back from
  its database: matters, bodies, events, audit, outbox) into a fresh file with the same schema
  and pragmas, one ``BEGIN IMMEDIATE … COMMIT`` per batch as well. Goal ≥ 0.3× (TARGETS.md P1).
- **sqlite.P1e** — the same ``report_many`` with personal values sealed at rest (AES-256-GCM,
  a data key per matter, wrapped) vs with ``[encryption] enabled = false``, interleaved in one
  run. Goal ≥ 0.8×.
- **sqlite.P8** — RSS growth while ``uow.matters.stream()`` reads every matter of a database
  of 1,000,000 matters, in a fresh subprocess. ``ours`` is the growth of the peak RSS
  (``VmHWM``) over the RSS before streaming, in MB; ``baseline`` is the 100 MB the target
  allows, so the ratio is the share of the allowance used. Goal ≤ 1.0.
- **sqlite.P10** — cost per reported matter (µs) with 1,000,000 matters stored vs with
  10,000, steady state (the station's screening index already built). Goal ≤ 1.3×.

``--quick`` divides every size by ten (P8 and P10 at 100,000; P10's small store 1,000).

Large databases are built by replicating a template: :data:`TEMPLATE` matters reported
through a station (90 % of them then withdrawn, as most stored matters are finished), whose
rows are copied with fresh matter ids, references, message ids and audit numbers straight
into the schema. The copies share the template's report time and their audit hashes do not
chain (nothing here verifies the chain).
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from benchmarks.bench_station import _KINDS, TZ
from benchmarks.harness import Measurement, benchmark, interleave
from fengqiao_core import model as m
from fengqiao_core.builtin.sqlite import SqliteStorage
from fengqiao_core.builtin.sqlite.files import open_database
from fengqiao_core.model.personal import FreeText, PersonName, PhoneNumber
from fengqiao_core.plugins import Plugins
from fengqiao_core.station import MatterDraft, StationService, open_station
from fengqiao_core.station.file import load_station_config
from fengqiao_core.station.protection import EncryptionSettings

SECRET = b"benchmark-secret-0f8e2c6a91d4b735e0c2"
ACTOR = m.Actor("O01", m.Role.OFFICER)
BATCH = 1000
"""``report_many``'s batch size in P1 and P10 (its default; see docs/benchmarks.md)."""
TEMPLATE = 1000
"""Matters reported through a station to make the rows that large stores replicate."""
TABLES = ("matters", "matter_bodies", "events", "audit", "outbox")
_K = "\x01" * 8  # stands for a copy number (8 hex digits) in template rows
_SEQ = "\x02"  # stands for an audit sequence number

_tmp = Path(tempfile.mkdtemp(prefix="fengqiao-bench-sqlite-"))
atexit.register(shutil.rmtree, _tmp, ignore_errors=True)


def drafts(count: int, places: list[str], tag: str) -> list[MatterDraft]:
    """``count`` varied drafts, each with a party (name, phone) and a unique reference."""
    rng = random.Random(tag)
    found = []
    for i in range(count):
        kind, category, severity = _KINDS[i % len(_KINDS)]
        party = m.Party(
            id=f"p{i}",
            name=PersonName("张" + rng.choice("伟芳娜秀英敏静丽强磊")),
            phone=PhoneNumber(f"139{rng.randrange(10**8):08d}"),
        )
        found.append(
            MatterDraft(
                kind=kind,
                category=category,
                severity=severity,
                source=m.Source.GROUP,
                location=m.Location(place=places[i % len(places)]),
                parties=(party,),
                description=FreeText(f"事项 {i}：{rng.choice(['噪音扰民', '停车纠纷', '漏水'])}"),
                reference=f"{tag}-{i:07d}-zzzzzzzz",
            )
        )
    return found


def station(path: Path, *, sealed: bool = True) -> StationService:
    """A station with every rule on, storing in the SQLite file ``path``.

    ``sealed``: personal values encrypted at rest (the default; ``False`` only for P1e).
    """
    plugins = Plugins()
    storage = SqliteStorage(path, converter=plugins.make_converter())
    clock = dt.datetime(2026, 11, 2, 10, tzinfo=TZ)
    config = load_station_config("miaoshan")
    if not sealed:
        config = attrs.evolve(config, encryption=EncryptionSettings(enabled=False))
    return open_station(
        config, plugins=plugins, clock=lambda: clock, secret=SECRET,
        backends={"storage": storage}, dispatch=False,
    )  # fmt: skip


def places_of(service: StationService) -> list[str]:
    return [p.id for p in service.config.places if p.cell is not None]


def table_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the matter tables, in insertion order."""
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in TABLES}
    finally:
        conn.close()


def fresh(path: Path) -> sqlite3.Connection:
    """A new database with the backend's schema, on a connection with the backend's pragmas."""
    return open_database(str(path), 30.0, None, "miaoshan")


# --- sqlite.P1 ----------------------------------------------------------------------------


def _chunks(rows: list[tuple[Any, ...]], parts: int) -> list[list[tuple[Any, ...]]]:
    size = -(-len(rows) // parts)
    return [rows[i * size : (i + 1) * size] for i in range(parts)]


@benchmark("sqlite.P1", goal=">= 0.3")
def report_many_throughput(quick: bool) -> Measurement:
    count = 10_000 if quick else 100_000
    rounds = 3
    runs = iter(range(1000))
    written: dict[str, list[tuple[Any, ...]]] = {}

    def ours() -> float:
        path = _tmp / f"p1-ours-{next(runs)}.db"
        rate = timed_report(path, count)
        if not written:
            written.update(table_rows(path))
        _remove(path)
        return rate

    def raw() -> float:
        parts = -(-count // BATCH)
        batches = list(zip(*(_chunks(written[t], parts) for t in TABLES), strict=True))
        path = _tmp / f"p1-raw-{next(runs)}.db"
        conn = fresh(path)
        started = time.perf_counter()
        for batch in batches:
            conn.execute("BEGIN IMMEDIATE")
            for table, rows in zip(TABLES, batch, strict=True):
                marks = ", ".join("?" * len(rows[0]))
                conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - started
        conn.close()
        _remove(path)
        return count / elapsed

    ours()  # the first run also provides the rows for the baseline
    mine, theirs = interleave(ours, raw, rounds)
    return Measurement(mine, theirs, "matters/s")


def timed_report(path: Path, count: int) -> float:
    """Matters/s of ``report_many`` of ``count`` drafts into a fresh store at ``path``."""
    service = station(path)
    batch = drafts(count, places_of(service), "p1")
    started = time.perf_counter()
    service.report_many(ACTOR, batch, batch_size=BATCH)
    elapsed = time.perf_counter() - started
    service.shutdown()
    return count / elapsed


@benchmark("sqlite.P1e", goal=">= 0.8")
def report_many_sealed(quick: bool) -> Measurement:
    """``report_many`` throughput with personal values sealed vs not, in one run (issue 15)."""
    count = 5_000 if quick else 50_000
    runs = iter(range(1000))

    def run(sealed: bool) -> float:
        path = _tmp / f"p1e-{next(runs)}.db"
        service = station(path, sealed=sealed)
        batch = drafts(count, places_of(service), "p1e")
        started = time.perf_counter()
        service.report_many(ACTOR, batch, batch_size=BATCH)
        elapsed = time.perf_counter() - started
        service.shutdown()
        _remove(path)
        return count / elapsed

    mine, theirs = interleave(lambda: run(True), lambda: run(False), 3)
    return Measurement(mine, theirs, "matters/s")


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# --- building large stores ----------------------------------------------------------------

_template_rows: dict[str, list[tuple[Any, ...]]] = {}


def template() -> dict[str, list[tuple[Any, ...]]]:
    """Rows of :data:`TEMPLATE` matters with their copy number and audit numbers as markers."""
    if _template_rows:
        return _template_rows
    path = _tmp / "template.db"
    # Unsealed: a sealed value is bound to its record id and to a data key of its own, so
    # copies of it would not open; the copies stand for a store written before sealing was on.
    service = station(path, sealed=False)
    reported = service.report_many(ACTOR, drafts(TEMPLATE, places_of(service), "tpl"))
    for matter in reported[: TEMPLATE * 9 // 10]:
        service.withdraw(ACTOR, matter.id, reason="bench")
    service.shutdown()
    rows = table_rows(path)
    _remove(path)
    ids = [r[0] for r in rows["matters"]] + [r[0] for r in rows["outbox"]]
    for seq, _, _, body in rows["audit"]:
        if json.loads(body)["seq"] != seq or f'"seq":{seq},' not in body:
            raise AssertionError("audit bodies are not laid out as expected")

    def mark(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = value.replace("zzzzzzzz", _K)
        for found in ids:
            if found in value:
                value = value.replace(found, found[:24] + _K)
        return value

    for table in TABLES:
        rows[table] = [tuple(mark(v) for v in row) for row in rows[table]]
    audit = []
    for seq, kind, object_id, body in rows["audit"]:
        audit.append((seq, kind, object_id, body.replace(f'"seq":{seq},', f'"seq":{_SEQ},', 1)))
    rows["audit"] = audit
    _template_rows.update(rows)
    return _template_rows


def _copies(rows: list[tuple[Any, ...]], copy: int, audit_base: int | None) -> Iterator[Any]:
    tag = f"{copy:08x}"
    for row in rows:
        values = [v.replace(_K, tag) if isinstance(v, str) else v for v in row]
        if audit_base is not None:
            seq = audit_base + row[0]
            values[0] = seq
            values[3] = values[3].replace(_SEQ, str(seq), 1)
        yield tuple(values)


def build(path: Path, matters: int) -> float:
    """A database of ``matters`` replicated template matters; returns the seconds it took."""
    started = time.perf_counter()
    rows = template()
    per_copy = len(rows["audit"])
    conn = fresh(path)
    conn.execute("PRAGMA synchronous = OFF")
    copies = matters // TEMPLATE
    for first in range(0, copies, 20):
        conn.execute("BEGIN IMMEDIATE")
        for copy in range(first, min(copies, first + 20)):
            for table in TABLES:
                base = copy * per_copy if table == "audit" else None
                marks = ", ".join("?" * len(rows[table][0]))
                conn.executemany(
                    f"INSERT INTO {table} VALUES ({marks})", _copies(rows[table], copy, base)
                )
        conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return time.perf_counter() - started


# --- sqlite.P8 ----------------------------------------------------------------------------

_STREAM = """
import sys
from fengqiao_core.builtin.sqlite import SqliteStorage

def rss(key):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1]) * 1024

storage = SqliteStorage(sys.argv[1])
with storage.unit_of_work() as uow:
    before = rss("VmRSS:")
    count = sum(1 for _ in uow.matters.stream())
    peak = rss("VmHWM:")
storage.close()
print(count, before, peak)
"""


@benchmark("sqlite.P8", goal="<= 1.0")
def stream_rss(quick: bool) -> Measurement:
    count = 100_000 if quick else 1_000_000
    path = _tmp / f"p8-{count}.db"
    seconds = build(path, count)
    print(f"sqlite.P8: built {count:,} matters in {seconds:.0f} s", file=sys.stderr)
    done = subprocess.run(
        [sys.executable, "-c", _STREAM, str(path)], capture_output=True, text=True, check=True
    )
    streamed, before, peak = map(int, done.stdout.split())
    _remove(path)
    if streamed != count:
        raise AssertionError(f"streamed {streamed} matters, not {count}")
    return Measurement((peak - before) / 1e6, 100.0, "MB")


# --- sqlite.P10 ---------------------------------------------------------------------------


@benchmark("sqlite.P10", goal="<= 1.3")
def cost_per_matter(quick: bool) -> Measurement:
    big, small = (100_000, 1_000) if quick else (1_000_000, 10_000)
    probes, rounds = (2_000, 5) if quick else (5_000, 7)
    stations = {}
    for size in (small, big):
        path = _tmp / f"p10-{size}.db"
        seconds = build(path, size)
        print(f"sqlite.P10: built {size:,} matters in {seconds:.0f} s", file=sys.stderr)
        service = station(path)
        service.report_many(ACTOR, drafts(BATCH, places_of(service), f"warm{size}"))
        stations[size] = service
    runs = iter(range(1000))

    def per_matter(size: int) -> float:
        service = stations[size]
        batch = drafts(probes, places_of(service), f"probe{next(runs)}")
        started = time.perf_counter()
        service.report_many(ACTOR, batch, batch_size=BATCH)
        return (time.perf_counter() - started) / probes * 1e6

    mine, theirs = interleave(lambda: per_matter(big), lambda: per_matter(small), rounds)
    for size, service in stations.items():
        service.shutdown()
        _remove(_tmp / f"p10-{size}.db")
    return Measurement(mine, theirs, "µs/matter")
