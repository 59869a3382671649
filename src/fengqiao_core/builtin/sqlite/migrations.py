"""Creating and migrating the SQLite database 建库与迁移: version ``n`` to ``n + 1``, forward only.

Sits above :mod:`~fengqiao_core.builtin.sqlite.schema` (the tables) and
:mod:`~fengqiao_core.builtin.sqlite.rows` (how a matter becomes a row), because a migration
rebuilds projections from events.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from fengqiao_core.builtin.sqlite.rows import decode_event, matter_row
from fengqiao_core.builtin.sqlite.schema import (
    INDEXES,
    LATEST_TABLES,
    MATTER_COLUMNS,
    MATTERS_TABLE,
    SCHEMA_VERSION,
)
from fengqiao_core.errors import StorageError
from fengqiao_core.model import Matter, replay

__all__ = ["prepare"]


def _v1_to_v2(conn: sqlite3.Connection, converter: Any) -> None:
    """Split the projection into query columns and bodies; number the old events' schema."""
    conn.execute("ALTER TABLE events ADD COLUMN schema INTEGER NOT NULL DEFAULT 1")
    conn.execute("ALTER TABLE matters RENAME TO matters_v1")
    conn.execute(MATTERS_TABLE)
    conn.execute(LATEST_TABLES[1])
    placeholders = ", ".join("?" * len(MATTER_COLUMNS))
    old = conn.execute("SELECT body FROM matters_v1 ORDER BY rowid")
    while batch := old.fetchmany(500):
        states = [converter.loads(body, Matter) for (body,) in batch]
        conn.executemany(
            f"INSERT INTO matters VALUES ({placeholders})",
            [matter_row(state) for state in states],
        )
        conn.executemany(
            "INSERT INTO matter_bodies VALUES (?, ?)",
            [(state.id, body) for state, (body,) in zip(states, batch, strict=True)],
        )
    # events reference matters: rebuild the table so its foreign key names the new one
    conn.execute("ALTER TABLE events RENAME TO events_v1")
    conn.execute(LATEST_TABLES[2])
    conn.execute("INSERT INTO events SELECT matter_id, version, schema, type, body FROM events_v1")
    conn.execute("DROP TABLE events_v1")
    conn.execute("DROP TABLE matters_v1")
    conn.execute("ALTER TABLE audit ADD COLUMN object_type TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE audit ADD COLUMN object_id TEXT NOT NULL DEFAULT ''")
    conn.execute(
        "UPDATE audit SET object_type = json_extract(body, '$.object_type'),"
        " object_id = json_extract(body, '$.object_id')"
    )
    for statement in INDEXES:
        conn.execute(statement)


def _v2_to_v3(conn: sqlite3.Connection, converter: Any) -> None:
    """Rebuild every projection from its events (a projection is a fold of its history).

    Matters gained fields in version 3: who reported them, who refused mediation, screening.
    """
    placeholders = ", ".join("?" * len(MATTER_COLUMNS))
    ids = [row[0] for row in conn.execute("SELECT id FROM matters ORDER BY id")]
    for start in range(0, len(ids), 500):
        states = []
        for matter_id in ids[start : start + 500]:
            rows = conn.execute(
                "SELECT schema, body FROM events WHERE matter_id = ? ORDER BY version", (matter_id,)
            ).fetchall()
            states.append(replay(decode_event(converter, schema, body) for schema, body in rows))
        conn.executemany(
            f"INSERT OR REPLACE INTO matters VALUES ({placeholders})",
            [matter_row(state) for state in states],
        )
        conn.executemany(
            "UPDATE matter_bodies SET body = ? WHERE id = ?",
            [(converter.dumps(s, unstructure_as=Matter), s.id) for s in states],
        )


_MIGRATIONS: dict[int, Callable[[sqlite3.Connection, Any], None]] = {1: _v1_to_v2, 2: _v2_to_v3}
"""Database version ``n`` → ``n + 1``."""


def prepare(conn: sqlite3.Connection, converter: Any) -> int:
    """Create, migrate or refuse the database on ``conn`` (autocommit mode).

    Returns:
        The version the database was at before (0 for a new one).

    Raises:
        StorageError: The database is newer than this code, or not a fengqiao database.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        if found > SCHEMA_VERSION:
            raise StorageError(
                f"the database is at schema version {found}, newer than the {SCHEMA_VERSION} "
                "this fengqiao_core understands: upgrade fengqiao_core to open it"
            )
        if found == 0:
            if conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]:
                raise StorageError("the file is an SQLite database but not a fengqiao one")
            for statement in (*LATEST_TABLES, *INDEXES):
                conn.execute(statement)
        for step in range(found or SCHEMA_VERSION, SCHEMA_VERSION):
            _MIGRATIONS[step](conn, converter)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return int(found)
