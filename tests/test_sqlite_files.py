"""Issue 13, storage side: bad files, wrong station, opening races, the outbox lease, poison rows.

Work functions run in forked children (``fork`` context), so they need not be importable.
"""

import datetime as dt
import multiprocessing
import os
import sqlite3
import stat

import pytest

from fengqiao_core.builtin.sqlite import SCHEMA_VERSION, SqliteStorage, backup
from fengqiao_core.errors import StorageError, StorageUnavailable
from fengqiao_core.ports import DeliveryResult
from fengqiao_core.station.dispatch import Dispatcher
from fengqiao_core.testing.contracts import _data as d

FORK = multiprocessing.get_context("fork")


def _journal(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()


def _foreign(path, version):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things (x)")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


# --- bad files --------------------------------------------------------------------------------


def test_a_zero_byte_file_is_refused_not_made_a_database(tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    with pytest.raises(StorageError, match=r"empty\.db is an empty file"):
        SqliteStorage(path)
    assert path.read_bytes() == b""


@pytest.mark.parametrize("version", [-1, 1, 3, SCHEMA_VERSION, 99])
def test_a_foreign_database_is_refused_naming_the_file_and_never_switched_to_wal(tmp_path, version):
    path = tmp_path / "other.db"
    _foreign(path, version)
    with pytest.raises(StorageError, match=r"other\.db is not a fengqiao database") as caught:
        SqliteStorage(path)
    assert type(caught.value) is StorageError
    assert _journal(path) == "delete"


def test_a_database_of_another_station_is_refused_naming_both(tmp_path):
    path = tmp_path / "station.db"
    SqliteStorage(path, station="420115001").close()
    with pytest.raises(StorageError, match=r"station\.db belongs to station '420115001'.*'x9'"):
        SqliteStorage(path, station="x9")
    SqliteStorage(path, station="420115001").close()


def test_an_unclaimed_database_is_claimed_by_the_first_station(tmp_path):
    path = tmp_path / "shared.db"
    SqliteStorage(path).close()
    SqliteStorage(path, station="a1").close()
    with pytest.raises(StorageError, match="belongs to station 'a1'"):
        SqliteStorage(path, station="b2")


def _with_a_matter(path):
    store = SqliteStorage(path)
    with store.unit_of_work() as uow:
        uow.matters.append([d.report("m1")], 0)
        uow.commit()
    return store


def test_database_and_wal_files_are_owner_only(tmp_path):
    path = tmp_path / "private.db"
    store = _with_a_matter(path)
    for name in ("private.db", "private.db-wal"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600
    backup(path, tmp_path / "copy.db")
    store.close()
    assert stat.S_IMODE(os.stat(tmp_path / "copy.db").st_mode) == 0o600


def test_a_database_left_open_to_others_is_made_owner_only_when_opened(tmp_path):
    path = tmp_path / "older.db"
    store = _with_a_matter(path)
    for name in ("older.db", "older.db-wal"):
        os.chmod(tmp_path / name, 0o644)  # as a version before owner-only files left it
    SqliteStorage(path).close()
    store.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not (tmp_path / "older.db-wal").exists() or (
        stat.S_IMODE(os.stat(tmp_path / "older.db-wal").st_mode) == 0o600
    )


def test_backup_to_a_missing_folder_names_the_file_and_why(tmp_path):
    SqliteStorage(tmp_path / "live.db").close()
    target = tmp_path / "nowhere" / "copy.db"
    with pytest.raises(StorageUnavailable, match=r"copy\.db: the folder .*nowhere does not exist"):
        backup(tmp_path / "live.db", target)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_a_storage_error_naming_the_file(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StorageUnavailable, match=r"new\.db: cannot create the database"):
            SqliteStorage(folder / "new.db")
    finally:
        folder.chmod(0o700)


# --- opening races ----------------------------------------------------------------------------


def _open_once(path, barrier, results):
    barrier.wait()
    try:
        SqliteStorage(path, station="s1", timeout=30).close()
        results.put("ok")
    except Exception as exc:  # reported to the parent, which asserts on it
        results.put(f"{type(exc).__name__}: {exc}")


def test_many_processes_opening_one_fresh_database_all_succeed(tmp_path):
    for round_number in range(3):
        path = tmp_path / f"fresh-{round_number}.db"
        count = 8
        barrier, results = FORK.Barrier(count), FORK.Queue()
        children = [
            FORK.Process(target=_open_once, args=(path, barrier, results)) for _ in range(count)
        ]
        for child in children:
            child.start()
        outcomes = [results.get(timeout=120) for _ in children]
        for child in children:
            child.join(timeout=60)
        assert outcomes == ["ok"] * count
        assert _journal(path) == "wal"
        assert not [p for p in os.listdir(tmp_path) if p.endswith(".new")]


# --- the outbox -------------------------------------------------------------------------------


class _Counting:
    def __init__(self, sent):
        self.sent = sent

    def send(self, message):
        self.sent.put(message.id)
        return DeliveryResult(True)


def _deliver(path, barrier, sent):
    store = SqliteStorage(path)
    dispatcher = Dispatcher(store, _Counting(sent), lambda: d.AT)
    barrier.wait()
    while dispatcher.deliver_due(limit=5).delivered:
        pass
    store.close()
    sent.put(None)


def test_two_processes_delivering_at_once_deliver_each_message_once(tmp_path):
    path = tmp_path / "outbox.db"
    store = SqliteStorage(path)
    ids = [f"msg{i:03d}" for i in range(80)]
    with store.unit_of_work() as uow:
        for message_id in ids:
            uow.outbox.add(d.message(message_id))
        uow.commit()
    barrier, sent = FORK.Barrier(2), FORK.Queue()
    children = [FORK.Process(target=_deliver, args=(path, barrier, sent)) for _ in range(2)]
    for child in children:
        child.start()
    delivered, done = [], 0
    while done < 2:
        item = sent.get(timeout=120)
        if item is None:
            done += 1
        else:
            delivered.append(item)
    for child in children:
        child.join(timeout=60)
    assert sorted(delivered) == ids
    with store.unit_of_work() as uow:
        assert uow.outbox.pending(d.AT + dt.timedelta(days=1)) == []
    store.close()


def test_an_undecodable_outbox_row_is_quarantined_and_the_others_delivered(tmp_path, caplog):
    path = tmp_path / "poison.db"
    store = SqliteStorage(path)
    with store.unit_of_work() as uow:
        for message_id in ("msg1", "msg2", "msg3"):
            uow.outbox.add(d.message(message_id))
        uow.commit()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE outbox SET body = '{\"id\": 12' WHERE id = 'msg1'")
    conn.commit()
    conn.close()
    sent = FORK.Queue()
    report = Dispatcher(store, _Counting(sent), lambda: d.AT).deliver_due()
    assert report.delivered == 2
    assert sorted(sent.get(timeout=5) for _ in range(2)) == ["msg2", "msg3"]
    assert "msg1" in caplog.text
    with store.unit_of_work() as uow:
        assert uow.outbox.claim("again", d.AT, d.AT + dt.timedelta(minutes=1)) == []
    store.close()


def test_an_undecodable_matter_is_skipped_by_streams_and_named_by_get(tmp_path, caplog):
    path = tmp_path / "matters.db"
    store = SqliteStorage(path)
    with store.unit_of_work() as uow:
        uow.matters.append([d.report("m1")], 0)
        uow.matters.append([d.report("m2")], 0)
        uow.commit()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE matter_bodies SET body = '[]' WHERE id = 'm1'")
    conn.commit()
    conn.close()
    with store.unit_of_work() as uow:
        assert [x.id for x in uow.matters.stream()] == ["m2"]
        with pytest.raises(StorageError, match="matter m1 cannot be decoded"):
            uow.matters.get("m1")
    assert "m1" in caplog.text
    store.close()
