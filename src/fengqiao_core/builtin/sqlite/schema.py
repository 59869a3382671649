"""The SQLite schema 数据库结构, its version (``PRAGMA user_version``) and forward migrations.

Version history:

- **1** — the first layout: ``events`` without a per-event schema number (every event body in
  event schema 1, whose actor was two top-level keys ``actor`` and ``actor_role``), and a
  ``matters`` table holding only ``id``, ``version``, ``reference`` and the JSON state.
- **2** — events carry their schema number (``schema``); the projection is split into
  ``matters`` (one narrow column per filter and dimension, so aggregates run in SQL over an
  index-sized table) and ``matter_bodies`` (the JSON state); indexes for every query.

:func:`prepare` runs on open: it creates a new database at :data:`SCHEMA_VERSION`, migrates an
older one forward in one transaction, and refuses a newer one. Old events are not rewritten:
:func:`upcast` brings their bodies to :data:`EVENT_SCHEMA` when they are read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from fengqiao_core.errors import StorageError
from fengqiao_core.model import Matter

__all__ = ["EVENT_SCHEMA", "SCHEMA_VERSION", "prepare", "upcast"]

SCHEMA_VERSION = 3
"""The database layout this code writes (``PRAGMA user_version``)."""

EVENT_SCHEMA = 2
"""The event body layout this code writes; older bodies are upcast on read."""

MATTER_COLUMNS = (
    "id",
    "kind",
    "category",
    "severity",
    "source",
    "state",
    "level",
    "cell",
    "police_grid",
    "community",
    "owner",
    "reference",
    "reported_us",
    "month",
    "closed_hours",
    "version",
)
"""The projection's query columns, in the order :func:`matter_row` gives them."""

_MATTERS = """
CREATE TABLE matters (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    severity TEXT NOT NULL,
    source TEXT NOT NULL,
    state TEXT NOT NULL,
    level TEXT,
    cell TEXT,
    police_grid TEXT,
    community TEXT,
    owner TEXT,
    reference TEXT UNIQUE,
    reported_us INTEGER NOT NULL,
    month TEXT NOT NULL,
    closed_hours REAL,
    version INTEGER NOT NULL CHECK (version >= 1)
)"""

_LATEST = (
    _MATTERS,
    """CREATE TABLE matter_bodies (
        id TEXT PRIMARY KEY REFERENCES matters (id),
        body TEXT NOT NULL
    )""",
    """CREATE TABLE events (
        matter_id TEXT NOT NULL REFERENCES matters (id),
        version INTEGER NOT NULL CHECK (version >= 1),
        schema INTEGER NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (matter_id, version)
    )""",
    """CREATE TABLE entities (
        repo TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (repo, id)
    )""",
    """CREATE TABLE audit (
        seq INTEGER PRIMARY KEY CHECK (seq >= 1),
        object_type TEXT NOT NULL,
        object_id TEXT NOT NULL,
        body TEXT NOT NULL
    )""",
    """CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        created_us INTEGER NOT NULL,
        delivered INTEGER NOT NULL,
        next_attempt_us INTEGER,
        body TEXT NOT NULL
    )""",
)

INDEXES = (
    "CREATE INDEX ix_matters_reported ON matters (reported_us, id)",
    "CREATE INDEX ix_matters_state ON matters (state)",
    "CREATE INDEX ix_matters_cell ON matters (cell)",
    "CREATE INDEX ix_matters_community ON matters (community)",
    "CREATE INDEX ix_audit_object ON audit (object_type, object_id)",
    "CREATE INDEX ix_outbox_pending ON outbox (created_us, id) WHERE delivered = 0",
)
"""Indexes: stream order and period filters, the Station's screening filters (state, cell,
community), audit entries by object, undelivered messages by age."""


def _actor_keys(body: dict[str, Any]) -> dict[str, Any]:
    body = dict(body)
    body["actor"] = {"person_id": body.pop("actor"), "role": body.pop("actor_role")}
    return body


_UPCASTERS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _actor_keys}
"""Event schema ``n`` → ``n + 1``."""


def upcast(body: dict[str, Any], schema: int) -> dict[str, Any]:
    """Bring an unstructured event body from ``schema`` to :data:`EVENT_SCHEMA`.

    Raises:
        StorageError: The body is newer than this code understands.
    """
    if schema > EVENT_SCHEMA:
        raise StorageError(f"an event has schema {schema}; this fengqiao_core reads up to 2")
    for step in range(schema, EVENT_SCHEMA):
        body = _UPCASTERS[step](body)
    return body


def _v1_to_v2(conn: sqlite3.Connection, converter: Any) -> None:
    """Split the projection into query columns and bodies; number the old events' schema."""
    from fengqiao_core.builtin.sqlite.rows import matter_row

    conn.execute("ALTER TABLE events ADD COLUMN schema INTEGER NOT NULL DEFAULT 1")
    conn.execute("ALTER TABLE matters RENAME TO matters_v1")
    conn.execute(_MATTERS)
    conn.execute(_LATEST[1])
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
    conn.execute(_LATEST[2])
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
    from fengqiao_core.builtin.sqlite.rows import decode_event, matter_row
    from fengqiao_core.model import replay

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
            for statement in (*_LATEST, *INDEXES):
                conn.execute(statement)
        for step in range(found or SCHEMA_VERSION, SCHEMA_VERSION):
            _MIGRATIONS[step](conn, converter)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return int(found)
