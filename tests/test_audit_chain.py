"""Audit chain v2 and its witness (issue 15 item 4): every tampering is detected."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import sqlite3

import attrs
import pytest
from typer.testing import CliRunner

from fengqiao_core import model as m
from fengqiao_core.cli.commands import app
from fengqiao_core.errors import ConfigurationError
from fengqiao_core.ports import AuditEntry
from fengqiao_core.security.audit import GENESIS, seal, verify
from fengqiao_core.security.crypto import default_algorithms
from fengqiao_core.security.keys import derive_key
from fengqiao_core.security.witness import check_chain, read_witness, sign_head
from fengqiao_core.station.file import load_station_config
from station_helpers import OFFICER, PLUGINS, SECRET, TZ, Clock, draft, station

AUDITOR = m.Actor("AU1", m.Role.AUDITOR)
OTHER = b"another-station-secret-71be04c9d3a2f865"
runner = CliRunner()


def _v1(previous, seq, action):
    """An entry sealed the way chain v1 did (HMAC-SHA-256 keyed with the secret itself)."""
    at = Clock().now
    fields = [seq, at.isoformat(), "O01", "officer", action, "matter", "M1", "success"]
    fields.append(previous)
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    digest = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    return AuditEntry(
        seq=seq, at=at, actor="O01", role=m.Role.OFFICER, action=action, object_type="matter",
        object_id="M1", prev_hash=previous, entry_hash=digest,
    )  # fmt: skip


def test_a_v1_chain_still_verifies_and_v2_entries_continue_it():
    first = _v1(GENESIS, 1, "report")
    second = _v1(first.entry_hash, 2, "accept")
    third = seal(
        (2, second.entry_hash), key=SECRET, at=Clock().now, actor=OFFICER, action="triage",
        object_type="matter", object_id="M1",
    )  # fmt: skip
    assert third.algorithm == "hmac-sha256"
    assert third.key_id == derive_key(SECRET, "audit").key_id
    assert verify([first, second, third], SECRET) is None
    assert verify([first, attrs.evolve(second, action="reject"), third], SECRET) == 2
    assert verify([first, second, attrs.evolve(third, key_id="")], SECRET) == 3
    assert verify([first, second, third], OTHER) == 1


def test_an_entry_stored_before_v2_still_decodes():
    converter = PLUGINS.make_converter()
    old = _v1(GENESIS, 1, "report")
    body = json.loads(converter.dumps(old))
    del body["algorithm"], body["key_id"]
    back = converter.loads(json.dumps(body), AuditEntry)
    assert back == old
    assert verify([back], SECRET) is None


@pytest.fixture
def chain():
    service, clock = station()
    with service:
        for _ in range(5):
            clock.advance(minutes=5)
            service.report(OFFICER, draft())
        return service.audit_log(AUDITOR)


def _check(entries, witness=None, secret=SECRET):
    return check_chain(entries, secret, default_algorithms(), station="miaoshan", witness=witness)


def _edit(e):
    return [*e[:2], attrs.evolve(e[2], object_id="M999"), *e[3:]]


def _swap(e):
    return [*e[:2], e[3], e[2], *e[4:]]


def _insert(e):
    forged = attrs.evolve(e[2], seq=3, action="read")
    return [*e[:2], forged, *(attrs.evolve(x, seq=x.seq + 1) for x in e[2:])]


TAMPERINGS = {
    "edit": _edit,
    "delete": lambda e: [*e[:2], *e[3:]],
    "swap": _swap,
    "insert": _insert,
    "relink": lambda e: [*e[:2], attrs.evolve(e[2], prev_hash=GENESIS), *e[3:]],
}


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_edits_deletions_swaps_and_inserts_break_a_link(chain, how):
    assert _check(chain).ok
    found = _check(TAMPERINGS[how](chain))
    assert found.problem == "broken_link"
    assert found.position == 3


def test_truncation_and_whole_log_deletion_are_found_only_with_a_witness(chain):
    witness = sign_head(
        chain[-1], station="miaoshan", secret=SECRET, at=Clock().now,
        algorithms=default_algorithms(),
    )  # fmt: skip
    assert _check(chain, witness).ok
    assert _check(chain[:-2]).ok  # the chain alone cannot see it
    assert _check(chain[:-2], witness).problem == "truncated_or_rolled_back"
    assert _check([], witness).problem == "log_deleted"
    assert _check(chain, attrs.evolve(witness, seq=2)).problem == "bad_witness"
    stranger = sign_head(
        chain[-1], station="miaoshan", secret=OTHER, at=Clock().now,
        algorithms=default_algorithms(),
    )  # fmt: skip
    assert _check(chain, stranger).problem == "foreign_witness"


# --- the command line on a SQLite store -------------------------------------------------------


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.delenv("FENGQIAO_SECRET", raising=False)
    db = tmp_path / "miaoshan.db"
    (tmp_path / "miaoshan.key").write_bytes(SECRET)
    (tmp_path / "miaoshan.key").chmod(0o600)
    return db


def _work(db, count, clock=None):
    config = load_station_config("miaoshan").with_backends(storage=f"sqlite:///{db}")
    service, clock = station(config, clock=clock or Clock())
    with service:
        for _ in range(count):
            clock.advance(minutes=5)
            service.report(OFFICER, draft())


def _audit(*args):
    return runner.invoke(app, ["audit", *args, "--station", "miaoshan"])


def test_checkpoint_then_verify_holds_and_the_witness_needs_no_secret(store, tmp_path):
    _work(store, 3)
    witness = tmp_path / "elsewhere" / "witness.json"
    witness.parent.mkdir()
    done = _audit("checkpoint", "--db", str(store), "--witness", str(witness))
    assert done.exit_code == 0, done.output
    signed = read_witness(witness)
    assert signed.seq == 3
    assert signed.signed_correctly(default_algorithms())  # public key only
    assert witness.stat().st_mode & 0o077 == 0
    ok = _audit("verify", "--db", str(store), "--witness", str(witness), "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["ok"] is True


def _sql(db, statement):
    with sqlite3.connect(db) as conn:
        conn.execute(statement)
    conn.close()


_M = "WHERE version = 1 AND matter_id = (SELECT max(matter_id) FROM events)"


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        ("UPDATE audit SET body = json_set(body, '$.actor', 'O02') WHERE seq = 2", "broken_link"),
        ("DELETE FROM audit WHERE seq = 2", "broken_link"),
        ("DELETE FROM audit WHERE seq > 3", "truncated_or_rolled_back"),
        ("DELETE FROM audit", "log_deleted"),
        (
            f"UPDATE events SET body = json_set(body, '$.at', '2020-01-01T00:00:00+08:00') {_M}",
            "altered_event",
        ),
        (f"DELETE FROM events {_M.replace('version = 1', 'version = 2')}", "altered_event"),
    ],
)
def test_verify_exits_non_zero_on_tampering_in_the_store(store, tmp_path, tamper, problem):
    _work(store, 5)
    witness = tmp_path / "witness.json"
    assert _audit("checkpoint", "--db", str(store), "--witness", str(witness)).exit_code == 0
    _sql(store, tamper)
    found = _audit("verify", "--db", str(store), "--witness", str(witness), "--json")
    assert found.exit_code == 1, found.output
    assert json.loads(found.stdout)["problem"] == problem


def test_restoring_an_older_backup_is_found_against_the_witness(store, tmp_path):
    clock = Clock()
    _work(store, 2, clock)
    backup = tmp_path / "backup.db"
    shutil.copy(store, backup)
    _work(store, 3, clock)
    witness = tmp_path / "witness.json"
    assert _audit("checkpoint", "--db", str(store), "--witness", str(witness)).exit_code == 0
    shutil.copy(backup, store)
    older = _audit("verify", "--db", str(store), "--witness", str(witness), "--json")
    assert older.exit_code == 1
    assert json.loads(older.stdout)["problem"] == "truncated_or_rolled_back"
    assert _audit("verify", "--db", str(store)).exit_code == 0  # invisible without the witness
    _work(store, 4, clock)  # written again after the restore: as long, but not the same chain
    again = _audit("verify", "--db", str(store), "--witness", str(witness), "--json")
    assert again.exit_code == 1
    assert json.loads(again.stdout)["problem"] == "diverged"


def test_a_forged_or_unreadable_witness_is_refused(store, tmp_path):
    _work(store, 2)
    witness = tmp_path / "witness.json"
    assert _audit("checkpoint", "--db", str(store), "--witness", str(witness)).exit_code == 0
    body = json.loads(witness.read_text("utf-8"))
    witness.write_text(json.dumps(body | {"seq": 1}), "utf-8")
    forged = _audit("verify", "--db", str(store), "--witness", str(witness), "--json")
    assert forged.exit_code == 1
    assert json.loads(forged.stdout)["problem"] == "bad_witness"
    witness.write_text("{}", "utf-8")
    assert _audit("verify", "--db", str(store), "--witness", str(witness)).exit_code == 2
    with pytest.raises(ConfigurationError, match="not a fengqiao audit witness"):
        read_witness(witness)


def test_only_an_auditor_may_checkpoint(store, tmp_path):
    _work(store, 1)
    refused = _audit(
        "checkpoint", "--db", str(store), "--witness", str(tmp_path / "w.json"), "--as", "O01"
    )
    assert refused.exit_code == 2
    assert not (tmp_path / "w.json").exists()


def test_tz_is_kept_in_the_witness(store, tmp_path):
    _work(store, 1)
    witness = tmp_path / "witness.json"
    assert _audit("checkpoint", "--db", str(store), "--witness", str(witness)).exit_code == 0
    assert read_witness(witness).at.utcoffset() == TZ.utcoffset(None)
