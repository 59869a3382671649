"""Creating and migrating the SQLite database 建库与迁移: version ``n`` to ``n + 1``, forward only.

Sits above :mod:`~fengqiao_core.builtin.sqlite.schema` (the tables) and
:mod:`~fengqiao_core.builtin.sqlite.rows` (how a matter becomes a row), because a migration
rebuilds projections from events.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import Any

import attrs

from fengqiao_core.builtin.sqlite.keys import KEYS_TABLE
from fengqiao_core.builtin.sqlite.rows import base_row, decode_event, matter_row, micros
from fengqiao_core.builtin.sqlite.schema import (
    APPLICATION_ID,
    BASE_COLUMNS,
    FIGURES,
    INDEXES,
    LATEST_TABLES,
    MATTER_COLUMNS,
    MATTERS_TABLE,
    META_TABLE,
    ROLLUPS,
    SCHEMA_VERSION,
    rollup_fill,
)
from fengqiao_core.errors import StorageError
from fengqiao_core.model import Matter, replay
from fengqiao_core.ports import OutboxMessage

__all__ = ["check_owner", "create", "identify", "owner", "prepare"]

_V2_INDEXES = INDEXES[:6]
"""The indexes version 2 introduced (later ones need later columns)."""


def _v1_to_v2(conn: sqlite3.Connection, converter: Any) -> None:
    """Split the projection into query columns and bodies; number the old events' schema."""
    conn.execute("ALTER TABLE events ADD COLUMN schema INTEGER NOT NULL DEFAULT 1")
    conn.execute("ALTER TABLE matters RENAME TO matters_v1")
    conn.execute(MATTERS_TABLE)
    conn.execute(LATEST_TABLES[1])
    placeholders = ", ".join("?" * len(BASE_COLUMNS))
    old = conn.execute("SELECT body FROM matters_v1 ORDER BY rowid")
    while batch := old.fetchmany(500):
        states = [converter.loads(body, Matter) for (body,) in batch]
        conn.executemany(
            f"INSERT INTO matters VALUES ({placeholders})",
            [base_row(state) for state in states],
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
    for statement in _V2_INDEXES:
        conn.execute(statement)


def _v2_to_v3(conn: sqlite3.Connection, converter: Any) -> None:
    """Rebuild every projection from its events (a projection is a fold of its history).

    Matters gained fields in version 3: who reported them, who refused mediation, screening.
    """
    _rebuild(conn, converter, BASE_COLUMNS, base_row)


def _rebuild(
    conn: sqlite3.Connection,
    converter: Any,
    columns: tuple[str, ...],
    row: Callable[[Matter], tuple[Any, ...]],
) -> None:
    """Replay every matter's events and rewrite its projection ``columns`` and its body."""
    placeholders = ", ".join("?" * len(columns))
    ids = [row[0] for row in conn.execute("SELECT id FROM matters ORDER BY id")]
    for start in range(0, len(ids), 500):
        states = []
        for matter_id in ids[start : start + 500]:
            rows = conn.execute(
                "SELECT schema, body FROM events WHERE matter_id = ? ORDER BY version", (matter_id,)
            ).fetchall()
            states.append(replay(decode_event(converter, schema, body) for schema, body in rows))
        conn.executemany(
            f"INSERT OR REPLACE INTO matters ({', '.join(columns)}) VALUES ({placeholders})",
            [row(state) for state in states],
        )
        conn.executemany(
            "UPDATE matter_bodies SET body = ? WHERE id = ?",
            [(converter.dumps(s, unstructure_as=Matter), s.id) for s in states],
        )
    # REPLACE deletes without the delete trigger: recount the rollup once, from the new rows
    if conn.execute("SELECT 1 FROM sqlite_schema WHERE name = 'matter_rollup'").fetchone():
        conn.execute("DELETE FROM matter_rollup")
        conn.execute(rollup_fill())


def _v3_to_v4(conn: sqlite3.Connection, converter: Any) -> None:
    """Add the station claim (``meta``), the outbox lease, dead letters and quarantine.

    Messages the old dispatcher parked for good (``next_attempt_at`` at the end of time) become
    dead letters, listable and re-queueable.
    """
    conn.execute(META_TABLE)
    for column in (
        "lease_owner TEXT",
        "lease_until_us INTEGER",
        "given_up INTEGER NOT NULL DEFAULT 0",
        "poison INTEGER NOT NULL DEFAULT 0",
    ):
        conn.execute(f"ALTER TABLE outbox ADD COLUMN {column}")
    conn.execute(INDEXES[-1])
    parked = conn.execute(
        "SELECT id, body FROM outbox WHERE delivered = 0 AND next_attempt_us >= ?",
        (_END_OF_TIME_US,),
    ).fetchall()
    for message_id, body in parked:
        try:
            message = converter.loads(body, OutboxMessage)
        except Exception:  # an undecodable row is quarantined, not a failed migration
            conn.execute("UPDATE outbox SET poison = 1 WHERE id = ?", (message_id,))
            continue
        given_up = attrs.evolve(message, next_attempt_at=None, given_up=True)
        conn.execute(
            "UPDATE outbox SET given_up = 1, next_attempt_us = NULL, body = ? WHERE id = ?",
            (converter.dumps(given_up), message_id),
        )


def _v4_to_v5_figures(conn: sqlite3.Connection, converter: Any) -> None:
    """Add the figures columns and fill them by replaying every matter (issue 17, metrics)."""
    for statement in FIGURES:
        conn.execute(statement)
    _rebuild(conn, converter, MATTER_COLUMNS, matter_row)


def _v5_to_v6_rollups(conn: sqlite3.Connection, converter: Any) -> None:
    """Add the rollup with its triggers and the median index; count the stored matters."""
    for statement in ROLLUPS:
        conn.execute(statement)
    conn.execute(rollup_fill())


def _v6_to_v7_keys(conn: sqlite3.Connection, converter: Any) -> None:
    """Add the wrapped data keys (issue 15: personal values sealed per person)."""
    for statement in KEYS_TABLE:
        conn.execute(statement)


_MIGRATIONS: dict[int, Callable[[sqlite3.Connection, Any], None]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
    4: _v4_to_v5_figures,
    5: _v5_to_v6_rollups,
    6: _v6_to_v7_keys,
}
"""Database version ``n`` → ``n + 1``."""

_END_OF_TIME_US = micros(dt.datetime(9999, 1, 1, tzinfo=dt.UTC))
_TABLES = {
    1: {"matters", "events", "entities", "audit", "outbox"},
    2: {"matters", "matter_bodies", "events", "entities", "audit", "outbox"},
    3: {"matters", "matter_bodies", "events", "entities", "audit", "outbox"},
    4: {"matters", "matter_bodies", "events", "entities", "audit", "outbox", "meta"},
    5: {"matters", "matter_bodies", "events", "entities", "audit", "outbox", "meta"},
    6: {
        "matters",
        "matter_bodies",
        "events",
        "entities",
        "audit",
        "outbox",
        "meta",
        "matter_rollup",
    },
    7: {
        "matters",
        "matter_bodies",
        "events",
        "entities",
        "audit",
        "outbox",
        "meta",
        "matter_rollup",
        "data_keys",
    },
}
"""The tables a fengqiao database of each version has (a foreign one lacks some)."""


def _foreign(label: str, why: str) -> StorageError:
    return StorageError(
        f"{label} is not a fengqiao database ({why}); it was left untouched: name another "
        "file in the storage URL, or move this one away"
    )


def identify(conn: sqlite3.Connection, label: str) -> int:
    """The schema version of the fengqiao database on ``conn``, reading only.

    Args:
        conn: A connection to an existing, non-empty SQLite file.
        label: The file, for messages.

    Raises:
        StorageError: The database is another program's, or newer than this code.
    """
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    application = int(conn.execute("PRAGMA application_id").fetchone()[0])
    ours = application == APPLICATION_ID
    if found > SCHEMA_VERSION and ours:
        raise StorageError(
            f"{label}: the database is at schema version {found}, newer than the "
            f"{SCHEMA_VERSION} this fengqiao_core understands: upgrade fengqiao_core to open it"
        )
    if found not in _TABLES:
        raise _foreign(label, f"user_version {found}")
    if found >= 4 and not ours:
        raise _foreign(label, f"application_id {application}")
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
    missing = sorted(_TABLES[found] - tables)
    if missing:
        raise _foreign(label, f"no table {missing[0]!r}")
    return found


def owner(conn: sqlite3.Connection, version: int) -> str | None:
    """The station a database of ``version`` belongs to (``None``: not claimed yet)."""
    if version < 4:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'station'").fetchone()
    return None if row is None else row[0]


def check_owner(found: str | None, station: str | None, label: str) -> None:
    """Refuse a database that another station claimed.

    Raises:
        StorageError: Naming the file and both stations.
    """
    if found is not None and station is not None and found != station:
        raise StorageError(
            f"{label} belongs to station {found!r}, not to {station!r}: each station keeps its "
            "own database; name this station's file in its storage URL"
        )


def create(conn: sqlite3.Connection, station: str | None) -> None:
    """Create the latest layout on an empty database (autocommit mode), claimed by ``station``."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in (*LATEST_TABLES, *INDEXES, *FIGURES, *ROLLUPS, *KEYS_TABLE):
            conn.execute(statement)
        conn.execute("INSERT INTO meta VALUES ('station', ?)", (station,))
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def prepare(conn: sqlite3.Connection, converter: Any, station: str | None, label: str) -> int:
    """Migrate an existing database forward and claim it for ``station``, in one transaction.

    Returns:
        The version the database was at before.

    Raises:
        StorageError: The database is another program's, newer than this code, or another
            station's.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = identify(conn, label)
        check_owner(owner(conn, found), station, label)
        for step in range(found, SCHEMA_VERSION):
            _MIGRATIONS[step](conn, converter)
        if station is not None:
            conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'station' AND value IS NULL", (station,)
            )
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('station', ?)", (station,))
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return found
