"""Reliability of the ``sqlite`` backend (TARGETS.md R1, R2, R3, R9), bounded in time.

Children are forked (the parent holds no connection to their database when it forks), so
their work functions need not be importable by name.
"""

import collections
import multiprocessing
import os
import random
import signal
import sqlite3

import attrs
import pytest

from fengqiao_core import model as m
from fengqiao_core.builtin.sqlite import SqliteStorage, backup
from fengqiao_core.errors import (
    ConflictError,
    StorageError,
    StorageUnavailable,
    ValidationError,
)
from fengqiao_core.model.personal import Address, FreeText, PersonName
from fengqiao_core.testing.contracts import _data as d
from fengqiao_core.testing.contracts._base import snapshot
from fengqiao_core.testing.histories import HOSTILE_STRINGS

FORK = multiprocessing.get_context("fork")

# --- R1: lost updates -----------------------------------------------------------------------

SHARED = ("m1", "m2")


def _updater(path, barrier, count, results):
    """Read-modify-write ``count`` sessions onto the shared matters; report retries and errors."""
    backend = SqliteStorage(path)
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


def test_r1_eight_processes_lose_no_update(tmp_path, record_property):
    """8 processes × 250 read-modify-write updates end with exactly 2,000 applied."""
    path = tmp_path / "r1.db"
    backend = SqliteStorage(path)
    with backend.unit_of_work() as uow:
        for matter_id in SHARED:
            uow.matters.append([d.report(matter_id)], 0)
        uow.commit()
    backend.close()
    processes, each = 8, 250
    barrier, results = FORK.Barrier(processes), FORK.Queue()
    children = [
        FORK.Process(target=_updater, args=(path, barrier, each, results)) for _ in range(processes)
    ]
    for child in children:
        child.start()
    reports = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=30)
    assert [child.exitcode for child in children] == [0] * processes
    assert [error for _, errors in reports for error in errors] == []
    retries = sum(r for r, _ in reports)
    record_property("retries", retries)
    assert retries > 0, "the writers never met: the test proved nothing"
    backend = SqliteStorage(path)
    with backend.unit_of_work() as uow:
        sessions = [uow.matters.get(matter_id).sessions for matter_id in SHARED]
        versions = [[e.version for e in uow.matters.history(x)] for x in SHARED]
    backend.close()
    assert sum(sessions) == processes * each
    assert versions == [list(range(1, n + 2)) for n in sessions]


# --- R2: crashes ----------------------------------------------------------------------------

BATCH = 20


def _batch_writer(path, sender, first_batch):
    """Commit batches of new matters with their audit entries forever, acking each commit."""
    backend = SqliteStorage(path)
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


def _torn(conn):
    checks = {
        "matters without a body": "SELECT count(*) FROM matters m"
        " WHERE NOT EXISTS (SELECT 1 FROM matter_bodies b WHERE b.id = m.id)",
        "bodies without a matter": "SELECT count(*) FROM matter_bodies b"
        " WHERE NOT EXISTS (SELECT 1 FROM matters m WHERE m.id = b.id)",
        "events without a matter": "SELECT count(*) FROM events e"
        " WHERE NOT EXISTS (SELECT 1 FROM matters m WHERE m.id = e.matter_id)",
        "matters whose events are not their version": "SELECT count(*) FROM matters m"
        " WHERE version != (SELECT count(*) FROM events e WHERE e.matter_id = m.id)",
        "matters without an audit entry": "SELECT count(*) FROM matters m WHERE NOT EXISTS"
        " (SELECT 1 FROM audit a WHERE a.object_type = 'matter' AND a.object_id = m.id)",
        "audit entries without a matter": "SELECT count(*) FROM audit a"
        " WHERE NOT EXISTS (SELECT 1 FROM matters m WHERE m.id = a.object_id)",
        "gaps in the audit log": "SELECT count(*) - coalesce(max(seq), 0) FROM audit",
    }
    return {name: n for name, sql in checks.items() if (n := conn.execute(sql).fetchone()[0])}


def _crash_many(path, kills, seed):
    rng = random.Random(seed)
    SqliteStorage(path).close()
    acknowledged = set()
    for kill in range(kills):
        receiver, sender = FORK.Pipe(duplex=False)
        child = FORK.Process(target=_batch_writer, args=(path, sender, kill * 1000))
        child.start()
        sender.close()
        for _ in range(rng.randint(0, 3)):
            acknowledged.add(receiver.recv())
        if rng.random() < 0.7:
            moment = rng.uniform(0, 0.004)
            receiver.poll(moment)  # a random moment inside the next batch (or its opening)
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=30)
        assert child.exitcode == -signal.SIGKILL
        while receiver.poll():
            try:
                acknowledged.add(receiver.recv())
            except EOFError:
                break
        receiver.close()
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert _torn(conn) == {}, f"after kill {kill}"
            ids = [row[0] for row in conn.execute("SELECT id FROM matters")]
        finally:
            conn.close()
        batches = collections.Counter(int(x[1:].split("-")[0]) for x in ids)
        assert set(batches.values()) <= {BATCH}, f"a torn batch after kill {kill}"
        assert acknowledged <= set(batches), f"a lost acknowledged batch after kill {kill}"
    return acknowledged


def test_r2_sigkill_during_batched_writes_50_times(tmp_path):
    """50 SIGKILLs at random moments: integrity ok, nothing torn, no acknowledged batch lost."""
    acknowledged = _crash_many(tmp_path / "r2.db", 50, seed=20261128)
    assert len(acknowledged) > 25


@pytest.mark.slow
def test_r2_sigkill_during_batched_writes_500_times(tmp_path):
    """The same, 500 times."""
    acknowledged = _crash_many(tmp_path / "r2.db", 500, seed=1128)
    assert len(acknowledged) > 250


# --- R3: atomic batches ---------------------------------------------------------------------


def _matters(backend):
    with backend.unit_of_work() as uow:
        return [x.id for x in uow.matters.stream()]


def _write_batch(backend, invalid):
    with backend.unit_of_work() as uow:
        for i in range(10):
            gap = 3 if i == invalid else 2
            uow.matters.append([d.report(f"m{i}"), d.triage(f"m{i}", gap)], 0)
            uow.audit.append(d.audit_entry(i + 1, object_id=f"m{i}"))
        uow.commit()


def test_r3_an_invalid_matter_stores_nothing_of_its_batch(tmp_path):
    """A matter whose events do not follow one another aborts its whole batch."""
    backend = SqliteStorage(tmp_path / "r3.db")
    with pytest.raises(ValidationError):
        _write_batch(backend, invalid=6)
    assert _matters(backend) == []
    _write_batch(backend, invalid=None)
    assert len(_matters(backend)) == 10
    backend.close()


@pytest.mark.parametrize("clash", ["id", "reference"])
def test_r3_a_clash_found_at_commit_stores_nothing_of_its_batch(tmp_path, clash):
    """When the last matter of a batch clashes at commit, the rows written before it go too."""
    backend = SqliteStorage(tmp_path / "r3.db")
    with backend.unit_of_work() as batch:
        for i in range(10):
            batch.matters.append([d.report(f"m{i}", reference=f"r{i}")], 0)
        with backend.unit_of_work() as other:
            taken = ("m9", "elsewhere") if clash == "id" else ("x1", "r9")
            other.matters.append([d.report(taken[0], reference=taken[1])], 0)
            other.commit()
        with pytest.raises(ConflictError):
            batch.commit()
    assert _matters(backend) == [taken[0]]
    backend.close()


# --- R9: hostile strings, durable and through a backup --------------------------------------


def _hostile(text, i):
    reported = d.report(f"m{i}", description=text, reference=text, category=text, reason=text)
    party = m.Party(id="party1", name=PersonName(text), address=Address(text))
    session = m.SessionRecorded(
        matter_id=f"m{i}", version=2, at=d.AT, actor=d.ACTOR, reason=text, summary=FreeText(text)
    )
    return [attrs.evolve(reported, parties=(party,)), session]


def test_r9_hostile_strings_survive_reopening_and_backup(tmp_path):
    """Every hostile string comes back verbatim from a reopened store and from its backup."""
    path = tmp_path / "r9.db"
    histories = [_hostile(text, i) for i, text in enumerate(HOSTILE_STRINGS.values())]
    backend = SqliteStorage(path)
    with backend.unit_of_work() as uow:
        for i, (events, text) in enumerate(zip(histories, HOSTILE_STRINGS.values(), strict=True)):
            uow.matters.append(events, 0)
            uow.people.add(d.person(f"p{i}", text))
        uow.commit()
    backend.close()
    backup(path, tmp_path / "copy.db")
    for where in (path, tmp_path / "copy.db"):
        reopened = SqliteStorage(where)
        with reopened.unit_of_work() as uow:
            for i, (events, text) in enumerate(
                zip(histories, HOSTILE_STRINGS.values(), strict=True)
            ):
                assert snapshot(uow.matters.history(f"m{i}")) == snapshot(events)
                assert snapshot(uow.matters.get(f"m{i}")) == snapshot(m.replay(events))
                assert uow.matters.find_by_reference(text).id == f"m{i}"
                assert uow.people.get(f"p{i}").name.reveal() == text
        reopened.close()


# --- driver errors become ours ----------------------------------------------------------------


def test_a_writer_held_beyond_the_busy_timeout_is_storage_unavailable(tmp_path):
    """Past the busy timeout the caller gets StorageUnavailable, never sqlite3's "locked"."""
    path = tmp_path / "busy.db"
    backend = SqliteStorage(path, timeout=0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with backend.unit_of_work() as uow:
            uow.matters.append([d.report("m1")], 0)
            with pytest.raises(StorageUnavailable) as caught:
                uow.commit()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "locked" not in str(caught.value)
    assert caught.value.__cause__ is None
    assert _matters(backend) == []
    backend.close()


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    """A damaged or foreign file gives our error, not the driver's."""
    path = tmp_path / "junk.db"
    path.write_bytes(b"not a database at all" * 200)
    with pytest.raises(StorageError) as caught:
        SqliteStorage(path)
    assert not isinstance(caught.value, sqlite3.Error)


def test_backup_refuses_a_missing_source_and_itself(tmp_path):
    """Backups need an existing source and a different target."""
    with pytest.raises(StorageUnavailable):
        backup(tmp_path / "missing.db", tmp_path / "copy.db")
    SqliteStorage(tmp_path / "live.db").close()
    with pytest.raises(StorageError):
        backup(tmp_path / "live.db", tmp_path / "live.db")


def test_backup_while_another_process_writes_is_consistent(tmp_path):
    """A backup taken while a child commits batches holds whole batches only."""
    path = tmp_path / "live.db"
    SqliteStorage(path).close()
    receiver, sender = FORK.Pipe(duplex=False)
    child = FORK.Process(target=_batch_writer, args=(path, sender, 0))
    child.start()
    sender.close()
    try:
        receiver.recv()
        backup(path, tmp_path / "copy.db")
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=30)
        receiver.close()
    conn = sqlite3.connect(tmp_path / "copy.db")
    try:
        assert _torn(conn) == {}
        count = conn.execute("SELECT count(*) FROM matters").fetchone()[0]
    finally:
        conn.close()
    assert count >= BATCH
    assert count % BATCH == 0
