"""Schema versions of the ``sqlite`` backend: older databases migrate, newer ones are refused."""

import sqlite3
from pathlib import Path

import pytest

from fengqiao_core import model as m
from fengqiao_core.builtin.sqlite import EVENT_SCHEMA, SCHEMA_VERSION, SqliteStorage
from fengqiao_core.errors import StorageError
from fengqiao_core.metrics.aggregate import evaluate
from fengqiao_core.ports import AggregateQuery, Dimension, Measure
from fengqiao_core.testing.contracts import _data as d
from fengqiao_core.testing.contracts._base import snapshot

V1_SQL = Path(__file__).parent / "data" / "sqlite_v1.sql"
OLD = ("old0", "old1", "old2")


def _v1_database(tmp_path: Path) -> Path:
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SQL.read_text())
    conn.close()
    return path


def _layout(path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_schema ORDER BY name")]
        return {
            name: sorted(row[1] for row in conn.execute(f"PRAGMA table_info('{name}')"))
            for name in names
        }
    finally:
        conn.close()


def test_a_version_1_database_migrates_on_open(tmp_path):
    """The fixture opens at version 1 and ends with the layout of a new database."""
    path = _v1_database(tmp_path)
    SqliteStorage(path).close()
    SqliteStorage(tmp_path / "new.db").close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        schemas = conn.execute("SELECT DISTINCT schema FROM events").fetchall()
    finally:
        conn.close()
    assert _layout(path) == _layout(tmp_path / "new.db")
    assert schemas == [(1,)], "old events are upcast on read, not rewritten"


def test_old_events_are_upcast_and_the_projection_is_queryable(tmp_path):
    """Version-1 events read back in the current schema; states, references and aggregates
    come from the migrated projection."""
    backend = SqliteStorage(_v1_database(tmp_path))
    with backend.unit_of_work() as uow:
        histories = {x: uow.matters.history(x) for x in OLD}
        states = [uow.matters.get(x) for x in OLD]
        assert [len(h) for h in histories.values()] == [1, 2, 3]
        assert {e.actor for h in histories.values() for e in h} == {m.Actor("desk", m.Role.OFFICER)}
        assert [snapshot(s) for s in states] == [snapshot(m.replay(h)) for h in histories.values()]
        assert uow.matters.find_by_reference("ref-2").id == "old2"
        assert [x.id for x in uow.matters.stream()] == list(OLD)
        assert [e.object_id for e in uow.audit.stream()] == list(OLD)
        for dimension in (Dimension.MONTH, Dimension.STATE, Dimension.CELL):
            query = AggregateQuery(measures=tuple(Measure), group_by=(dimension,))
            assert uow.matters.aggregate(query) == evaluate(query, states)
    backend.close()


def test_a_migrated_database_takes_new_events(tmp_path):
    """After migration, old and new events live side by side in one history."""
    path = _v1_database(tmp_path)
    backend = SqliteStorage(path)
    with backend.unit_of_work() as uow:
        uow.matters.append([d.state_changed("old1", 3, "closed")], 2)
        uow.matters.append([d.report("new1", reference="ref-0-again")], 0)
        uow.commit()
    with backend.unit_of_work() as uow:
        assert [e.version for e in uow.matters.history("old1")] == [1, 2, 3]
        assert uow.matters.get("old1").closed_at is not None
    backend.close()
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT version, schema FROM events WHERE matter_id = 'old1'")
        assert rows.fetchall() == [(1, 1), (2, 1), (3, EVENT_SCHEMA)]
    finally:
        conn.close()


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    """A database written by a newer fengqiao_core is refused, untouched, saying what to do."""
    path = tmp_path / "future.db"
    SqliteStorage(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StorageError, match=r"newer .* upgrade fengqiao_core"):
        SqliteStorage(path)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    finally:
        conn.close()


def test_an_event_from_a_newer_schema_is_refused_on_read(tmp_path):
    """An event body newer than this code understands is an error, not a guess."""
    path = tmp_path / "store.db"
    backend = SqliteStorage(path)
    with backend.unit_of_work() as uow:
        uow.matters.append([d.report("m1")], 0)
        uow.commit()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE events SET schema = ?", (EVENT_SCHEMA + 1,))
    conn.commit()
    conn.close()
    with backend.unit_of_work() as uow, pytest.raises(StorageError, match="schema"):
        uow.matters.history("m1")
    backend.close()


def test_an_sqlite_database_of_another_program_is_refused(tmp_path):
    """A non-empty database without our version is not taken over."""
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things (x)")
    conn.close()
    with pytest.raises(StorageError, match="not a fengqiao"):
        SqliteStorage(path)
