"""Reliability of the ``postgresql`` backend (TARGETS.md R1, R2), bounded in count.

Children are forked; the parent holds no open pool when it forks.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import random
import signal
import uuid
from typing import Any

import psycopg
from fengqiao_postgres import PostgresStorage
from fengqiao_postgres.store import parse_url
from psycopg import sql

from fengqiao_core import model as m
from fengqiao_core.errors import ConflictError
from fengqiao_core.model.personal import FreeText
from fengqiao_core.testing.contracts import _data as d

FORK = multiprocessing.get_context("fork")
SHARED = ("m1", "m2")

# --- R1: lost updates -----------------------------------------------------------------------


def _updater(url: str, station: str, barrier: Any, count: int, results: Any) -> None:
    """Read-modify-write ``count`` sessions onto the shared matters; report retries and errors."""
    backend = PostgresStorage(f"{url}&pool_size=1", station)
    retries, errors = 0, []
    barrier.wait()
    for i in range(count):
        matter_id = SHARED[i % len(SHARED)]
        while True:
            try:
                with backend.unit_of_work() as uow:
                    version = uow.matters.get(matter_id).version
                    event = m.SessionRecorded(
                        matter_id=matter_id,
                        version=version + 1,
                        at=d.AT,
                        actor=d.ACTOR,
                        summary=FreeText("session"),
                    )
                    uow.matters.append([event], version)
                    uow.commit()
                break
            except ConflictError:
                retries += 1
            except Exception as exc:  # reported to the parent, which fails the test
                errors.append(f"{type(exc).__name__}: {exc}")
                break
    backend.close()
    results.put((retries, errors))


def test_r1_sixteen_connections_lose_no_update(pg_url: str) -> None:
    """16 connections × 250 read-modify-write updates end with exactly 4,000 applied."""
    station = f"r1-{uuid.uuid4().hex[:8]}"
    backend = PostgresStorage(pg_url, station)
    with backend.unit_of_work() as uow:
        for matter_id in SHARED:
            uow.matters.append([d.report(matter_id)], 0)
        uow.commit()
    backend.close()
    processes, each = 16, 250
    barrier, results = FORK.Barrier(processes), FORK.Queue()
    children = [
        FORK.Process(target=_updater, args=(pg_url, station, barrier, each, results))
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    reports = [results.get(timeout=600) for _ in children]
    for child in children:
        child.join(timeout=30)
    assert [child.exitcode for child in children] == [0] * processes
    assert [error for _, errors in reports for error in errors] == []
    assert sum(r for r, _ in reports) > 0, "the writers never met: the test proved nothing"
    backend = PostgresStorage(pg_url, station)
    with backend.unit_of_work() as uow:
        sessions = [uow.matters.get(matter_id).sessions for matter_id in SHARED]
        versions = [[e.version for e in uow.matters.history(x)] for x in SHARED]
    backend.close()
    assert sum(sessions) == processes * each
    assert versions == [list(range(1, n + 2)) for n in sessions]


# --- R2: crashes ----------------------------------------------------------------------------

BATCH = 20


def _batch_writer(url: str, station: str, sender: Any, first_batch: int) -> None:
    """Commit batches of new matters with their audit entries forever, acking each commit."""
    backend = PostgresStorage(url, station)
    batch = first_batch
    while True:
        with backend.unit_of_work() as uow:
            last = uow.audit.last()
            seq = last.seq if last else 0
            for j in range(BATCH):
                matter_id = f"b{batch}-{j}"
                uow.matters.append([d.report(matter_id), d.triage(matter_id, 2)], 0)
                seq += 1
                uow.audit.append(d.audit_entry(seq, object_id=matter_id))
            uow.commit()
        sender.send(batch)
        batch += 1


_TORN = {
    "matters without a body": "SELECT count(*) FROM matters m WHERE m.station_id = %(s)s"
    " AND NOT EXISTS (SELECT 1 FROM matter_bodies b"
    " WHERE (b.station_id, b.id) = (m.station_id, m.id))",
    "matters whose events are not their version": "SELECT count(*) FROM matters m"
    " WHERE m.station_id = %(s)s AND version != (SELECT count(*) FROM events e"
    " WHERE (e.station_id, e.matter_id) = (m.station_id, m.id))",
    "matters without an audit entry": "SELECT count(*) FROM matters m"
    " WHERE m.station_id = %(s)s AND NOT EXISTS (SELECT 1 FROM audit a"
    " WHERE a.station_id = m.station_id AND a.object_id = m.id)",
    "audit entries without a matter": "SELECT count(*) FROM audit a WHERE a.station_id = %(s)s"
    " AND NOT EXISTS (SELECT 1 FROM matters m"
    " WHERE (m.station_id, m.id) = (a.station_id, a.object_id))",
    "gaps in the audit log": "SELECT count(*) - coalesce(max(seq), 0) FROM audit"
    " WHERE station_id = %(s)s",
}


def _check(url: str, station: str) -> tuple[dict[str, int], list[str]]:
    conninfo, options = parse_url(url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(options["schema"])))
        torn = {}
        for name, query in _TORN.items():
            row = conn.execute(query, {"s": station}).fetchone()  # type: ignore[arg-type]
            if row and row[0]:
                torn[name] = row[0]
        ids = [
            r[0] for r in conn.execute("SELECT id FROM matters WHERE station_id = %s", (station,))
        ]
    return torn, ids


def test_r2_sigkill_during_batched_writes_20_times(pg_url: str) -> None:
    """20 SIGKILLs at random moments: nothing torn, no acknowledged batch lost."""
    rng = random.Random(20261130)
    station = f"r2-{uuid.uuid4().hex[:8]}"
    PostgresStorage(pg_url, station).close()
    acknowledged: set[int] = set()
    for kill in range(20):
        receiver, sender = FORK.Pipe(duplex=False)
        child = FORK.Process(target=_batch_writer, args=(pg_url, station, sender, kill * 1000))
        child.start()
        sender.close()
        for _ in range(rng.randint(0, 3)):
            acknowledged.add(receiver.recv())
        if rng.random() < 0.7:
            receiver.poll(rng.uniform(0, 0.02))  # a random moment inside the next batch
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=30)
        assert child.exitcode == -signal.SIGKILL
        while receiver.poll():
            try:
                acknowledged.add(receiver.recv())
            except EOFError:
                break
        receiver.close()
        torn, ids = _check(pg_url, station)
        assert torn == {}, f"after kill {kill}"
        batches = collections.Counter(int(x[1:].split("-")[0]) for x in ids)
        assert set(batches.values()) <= {BATCH}, f"a torn batch after kill {kill}"
        assert acknowledged <= set(batches), f"a lost acknowledged batch after kill {kill}"
    assert len(acknowledged) > 10
