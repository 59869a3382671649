"""TARGETS.md R8 extended: every tampering of the chain, the events or the store is detected.

A 10,000-entry chain (spanning a key rotation) takes 1,000 edits, deletions, swaps, inserts,
relinks and forgeries under the retired key; truncations, whole-log deletion, rollback and a
diverged rewrite are found against a witness checkpoint; on SQLite (raw SQL on the file) and
the memory store, edited, deleted, swapped and inserted events, swapped event bodies, edited
people and projections are found by the station's ``check_audit``. The default run keeps the
store small; ``--run-slow`` runs 1,000 event tamperings on each store (250 matters).
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sqlite3

import attrs
import pytest

from fengqiao_core import model as m
from fengqiao_core.model.personal import FreeText, PersonName
from fengqiao_core.ports import Covered
from fengqiao_core.security.audit import ChainCheck, seal, verify
from fengqiao_core.security.crypto import default_algorithms
from fengqiao_core.security.rotation import KeyRing
from fengqiao_core.security.witness import check_chain, sign_head
from fengqiao_core.station.file import load_station_config
from station_helpers import OFFICER, SECRET, Clock, draft, station

AUDITOR = m.Actor("AU1", m.Role.AUDITOR)
ADMIN = m.Actor("AD1", m.Role.ADMIN)
CHAIN, ROTATED_AT, TAMPERINGS = 10_000, 5_000, 1_000
RETIRED = KeyRing(SECRET)
CURRENT = KeyRing(SECRET, version=2)


# --- a 10,000-entry chain, sealed directly ------------------------------------------------


def _entry(head, seq, keys, at):
    covered = Covered("matter", f"M{seq % 997}", 1, 2, f"{seq:064x}")
    return seal(
        head, key=keys, at=at, actor=OFFICER, action="report", object_type="matter",
        object_id=f"M{seq % 997}", covers=(covered,),
    )  # fmt: skip


@pytest.fixture(scope="module")
def chain():
    at = dt.datetime(2026, 11, 2, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    entries, head = [], None
    for seq in range(1, CHAIN + 1):
        entry = _entry(head, seq, RETIRED if seq <= ROTATED_AT else CURRENT, at)
        entries.append(entry)
        head = entry.seq, entry.entry_hash
        at += dt.timedelta(seconds=7)
    assert verify(entries, CURRENT) is None
    return entries


def _forged(entries, p, keys):
    """A well-formed entry at position ``p``, linked to ``p - 1``, sealed with ``keys``."""
    before = entries[p - 2]
    return _entry((before.seq, before.entry_hash), p, keys, before.at)


def _tamper(entries, p, how, rng):
    """The tampered entries from position ``p`` on (the prefix is untouched)."""
    rest = entries[p - 1 :]
    if how == "edit":
        field, value = rng.choice(
            [("object_id", "M99999"), ("actor", "O02"), ("action", "read"),
             ("outcome", "denied"), ("detail", "x"), ("at", rest[0].at + dt.timedelta(1)),
             ("covers", ()), ("key_id", RETIRED.key("audit").key_id)]
        )  # fmt: skip
        if getattr(rest[0], field) == value:
            field, value = "object_id", "M99999"
        return [attrs.evolve(rest[0], **{field: value}), *rest[1:]]
    if how == "delete":
        return rest[1:]
    if how == "swap":
        q = rng.randrange(1, min(len(rest), 500))
        swapped = list(rest[: q + 1])
        swapped[0], swapped[q] = swapped[q], swapped[0]
        return [*swapped, *rest[q + 1 :]]
    if how == "insert":
        return [_forged(entries, p, KeyRing(b"an-attacker-s-own-secret-1f9e3c5a7b2d4086")), *rest]
    if how == "relink":
        return [attrs.evolve(rest[0], prev_hash="0" * 64), *rest[1:]]
    assert how == "retired_key"  # whoever kept the retired key forges after the rotation
    return [_forged(entries, p, RETIRED), *rest]


def _found_at(entries, p, tampered):
    """The first bad position, walking the tampered chain from the entry before ``p``."""
    check = ChainCheck(CURRENT)
    check.position = p - 2
    check.previous = entries[p - 3].entry_hash
    assert check.step(entries[p - 2])  # the untouched prefix ends intact
    for entry in tampered:
        if not check.step(entry):
            return check.position
    return None


KINDS = ("edit", "delete", "swap", "insert", "relink", "retired_key")


def test_a_thousand_tamperings_of_a_10000_entry_chain_are_each_found(chain):
    rng = random.Random(15)
    found = dict.fromkeys(KINDS, 0)
    for i in range(TAMPERINGS):
        how = KINDS[i % len(KINDS)]
        low = ROTATED_AT + 2 if how == "retired_key" else 3
        p = rng.randrange(low, CHAIN)
        assert _found_at(chain, p, _tamper(chain, p, how, rng)) == p, (how, p)
        found[how] += 1
    assert sum(found.values()) == TAMPERINGS
    assert min(found.values()) >= TAMPERINGS // len(KINDS)


@pytest.mark.parametrize("how", KINDS)
def test_whole_chain_verification_finds_the_same_position(chain, how):
    rng = random.Random(how)
    p = rng.randrange(ROTATED_AT + 2, CHAIN)
    tampered = [*chain[: p - 1], *_tamper(chain, p, how, rng)]
    assert verify(tampered, CURRENT) == p


def _check(entries, witness=None):
    return check_chain(entries, CURRENT, default_algorithms(), station="miaoshan", witness=witness)


def test_truncation_deletion_rollback_and_divergence_are_found_against_a_witness(chain):
    witness = sign_head(
        chain[-1], station="miaoshan", secret=CURRENT, at=chain[-1].at,
        algorithms=default_algorithms(),
    )  # fmt: skip
    assert _check(chain, witness).ok
    rng = random.Random(8)
    for cut in (CHAIN - 1, rng.randrange(1, CHAIN), 1):
        assert _check(chain[:cut], witness).problem == "truncated_or_rolled_back"
    assert _check([], witness).problem == "log_deleted"
    older = chain[:ROTATED_AT]  # an older backup restored, then written again
    head, again = older[-1], list(older)
    for seq in range(ROTATED_AT + 1, CHAIN + 1):
        again.append(_entry((head.seq, head.entry_hash), seq, CURRENT, head.at))
        head = again[-1]
    found = _check(again, witness)
    assert (found.problem, found.position) == ("diverged", CHAIN)


# --- the stores: events, bodies and records, tampered where they are kept ---------------------


def _fill(service, clock, matters):
    ids = []
    for i in range(matters):
        clock.advance(minutes=1)
        ids.append(service.report(OFFICER, draft(description=FreeText(f"事项 {i}"))).id)
        if i % 3 == 0:
            service.register(OFFICER, ids[-1])
    people = [m.Person(id=f"r-{i}", name=PersonName(f"居民{i}")) for i in range(5)]
    service.import_people(ADMIN, people)
    return ids


class SqliteTamper:
    """Raw SQL on the station's database file (the service reads it afresh each check)."""

    def __init__(self, path):
        self.path = path

    def _run(self, *statements):
        with sqlite3.connect(self.path) as conn:
            for sql, values in statements:
                conn.execute(sql, values)
        conn.close()

    def _event(self, matter_id, version):
        with sqlite3.connect(self.path) as conn:
            found = conn.execute(
                "SELECT body FROM events WHERE matter_id = ? AND version = ?",
                (matter_id, version),
            ).fetchone()
        conn.close()
        return found[0]

    def edit_event(self, matter_id, version, _):
        sql = (
            "UPDATE events SET body = json_set(body, '$.at', ?) WHERE matter_id = ? AND version = ?"
        )
        old = self._event(matter_id, version)
        self._run((sql, ("2020-01-01T00:00:00+08:00", matter_id, version)))
        return lambda: self._restore(matter_id, version, old)

    def delete_event(self, matter_id, version, _):
        old = self._event(matter_id, version)
        with sqlite3.connect(self.path) as conn:
            schema, kind = conn.execute(
                "SELECT schema, type FROM events WHERE matter_id = ? AND version = ?",
                (matter_id, version),
            ).fetchone()
        conn.close()
        self._run(("DELETE FROM events WHERE matter_id = ? AND version = ?", (matter_id, version)))
        insert = "INSERT INTO events VALUES (?, ?, ?, ?, ?)"
        return lambda: self._run((insert, (matter_id, version, schema, kind, old)))

    def swap_bodies(self, matter_id, version, other):
        mine, theirs = self._event(matter_id, version), self._event(other, version)
        sql = "UPDATE events SET body = ? WHERE matter_id = ? AND version = ?"
        self._run((sql, (theirs, matter_id, version)), (sql, (mine, other, version)))
        return lambda: self._run((sql, (mine, matter_id, version)), (sql, (theirs, other, version)))

    def insert_event(self, matter_id, version, _):
        with sqlite3.connect(self.path) as conn:
            top, schema, kind, body = conn.execute(
                "SELECT version, schema, type, body FROM events WHERE matter_id = ?"
                " ORDER BY version DESC LIMIT 1",
                (matter_id,),
            ).fetchone()
        conn.close()
        body = body.replace(f'"version":{top}', f'"version":{top + 1}')
        self._run(
            ("INSERT INTO events VALUES (?, ?, ?, ?, ?)", (matter_id, top + 1, schema, kind, body))
        )
        sql = "DELETE FROM events WHERE matter_id = ? AND version = ?"
        return lambda: self._run((sql, (matter_id, top + 1)))

    def _restore(self, matter_id, version, body):
        sql = "UPDATE events SET body = ? WHERE matter_id = ? AND version = ?"
        self._run((sql, (body, matter_id, version)))


class MemoryTamper:
    """The memory store's committed lists, changed in place."""

    def __init__(self, service):
        self.events = service._storage.inner._state.events

    def edit_event(self, matter_id, version, _):
        events, old = self.events[matter_id], self.events[matter_id][version - 1]
        events[version - 1] = attrs.evolve(old, at=old.at - dt.timedelta(days=400))
        return lambda: events.__setitem__(version - 1, old)

    def delete_event(self, matter_id, version, _):
        events = self.events[matter_id]
        old = events.pop(version - 1)
        return lambda: events.insert(version - 1, old)

    def swap_bodies(self, matter_id, version, other):
        mine, theirs = self.events[matter_id], self.events[other]
        a, b = mine[version - 1], theirs[version - 1]
        mine[version - 1] = attrs.evolve(b, matter_id=matter_id)
        theirs[version - 1] = attrs.evolve(a, matter_id=other)

        def undo():
            mine[version - 1], theirs[version - 1] = a, b

        return undo

    def insert_event(self, matter_id, version, _):
        events = self.events[matter_id]
        events.append(attrs.evolve(events[-1], version=events[-1].version + 1))
        return events.pop


EVENT_TAMPERINGS = {
    "edit_event": "altered_event",
    "delete_event": "altered_event",
    "swap_bodies": "altered_event",
    "insert_event": "uncovered_write",
}


def _sqlite_station(tmp_path):
    config = load_station_config("miaoshan").with_backends(
        storage=f"sqlite:///{tmp_path / 'miaoshan.db'}"
    )
    return station(config, clock=Clock())


def _event_tamperings(service, tamper, ids, count, seed):
    rng = random.Random(seed)
    kinds = sorted(EVENT_TAMPERINGS)
    assert service.check_audit(AUDITOR).ok
    for i in range(count):
        how = kinds[i % len(kinds)]
        matter_id, other = rng.sample(ids, 2)
        version = rng.choice((1, 2))
        undo = getattr(tamper, how)(matter_id, version, other)
        report = service.check_audit(AUDITOR)
        assert report.problem == EVENT_TAMPERINGS[how], (how, matter_id, version)
        undo()
    assert service.check_audit(AUDITOR).ok


def _tamper_events(tmp_path, store, matters, count):
    service, clock = _sqlite_station(tmp_path) if store == "sqlite" else station()
    with service:
        ids = _fill(service, clock, matters)
        db = tmp_path / "miaoshan.db"
        tamper = SqliteTamper(db) if store == "sqlite" else MemoryTamper(service)
        _event_tamperings(service, tamper, ids, count, seed=store)


@pytest.mark.parametrize("store", ["sqlite", "memory"])
def test_edited_deleted_swapped_and_inserted_events_are_each_found(tmp_path, store):
    _tamper_events(tmp_path, store, 30, 40)


@pytest.mark.slow
@pytest.mark.parametrize("store", ["sqlite", "memory"])
def test_a_thousand_event_tamperings_are_each_found(tmp_path, store):
    _tamper_events(tmp_path, store, 250, TAMPERINGS)


SQL_TAMPERINGS = [
    ("UPDATE entities SET body = json_set(body, '$.name', '冒名者')"
     " WHERE id = 'r-2'", "altered_record"),
    ("DELETE FROM entities WHERE id = 'r-3'", "altered_record"),
    ("UPDATE matter_bodies SET body = json_set(body, '$.owner', 'O02')"
     " WHERE id = (SELECT min(id) FROM matter_bodies)", "altered_record"),
    ("DELETE FROM audit WHERE seq > 10", "uncovered_write"),
    ("DELETE FROM audit", "uncovered_write"),
    ("UPDATE audit SET body = json_set(body, '$.covers[0].digest', ?)"
     " WHERE seq = 7", "broken_link"),
]  # fmt: skip


@pytest.mark.parametrize(("sql", "problem"), SQL_TAMPERINGS)
def test_raw_sql_on_records_and_the_log_is_found_without_a_witness(tmp_path, sql, problem):
    service, clock = _sqlite_station(tmp_path)
    with service:
        _fill(service, clock, 12)
        assert service.check_audit(AUDITOR).ok
        with sqlite3.connect(tmp_path / "miaoshan.db") as conn:
            conn.execute(sql, ("f" * 64,) if "?" in sql else ())
        conn.close()
        assert service.check_audit(AUDITOR).problem == problem


def test_a_restored_backup_is_found_against_the_witness_and_the_store_stays_sound(tmp_path):
    service, clock = _sqlite_station(tmp_path)
    db = tmp_path / "miaoshan.db"
    with service:
        _fill(service, clock, 6)
        with sqlite3.connect(db) as conn, sqlite3.connect(tmp_path / "backup.db") as copy:
            conn.backup(copy)
        conn.close()
        copy.close()
        _fill(service, clock, 3)
        witness = service.audit_checkpoint(AUDITOR)
        assert service.check_audit(AUDITOR, witness).ok
    shutil.copy(tmp_path / "backup.db", db)
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"miaoshan.db{suffix}").unlink(missing_ok=True)
    service, _ = _sqlite_station(tmp_path)
    with service:
        assert service.check_audit(AUDITOR).ok  # an older store is sound in itself
        assert service.check_audit(AUDITOR, witness).problem == "truncated_or_rolled_back"
