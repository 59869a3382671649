"""Creating and migrating the PostgreSQL schema 建库与迁移: version ``n`` to ``n + 1``, forward.

One database schema (``search_path``) holds the tables of every station; its layout version
is the one row of ``fengqiao_schema``. :func:`prepare` runs when a store opens, inside one
transaction under an advisory lock, so that processes opening the same schema at once create
or migrate it exactly once.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from fengqiao_core.errors import StorageError
from fengqiao_postgres.keys import KEYS_TABLE
from fengqiao_postgres.schema import INDEXES, SCHEMA_VERSION, TABLES, VERSION_TABLE

__all__ = ["MIGRATIONS", "prepare", "schema_version"]

_LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '/fengqiao_schema'))"


def _v1_to_v2_keys(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Add the wrapped data keys (fengqiao_core issue 15: personal values sealed per person)."""
    for statement in KEYS_TABLE:
        conn.execute(statement)


MIGRATIONS: dict[int, Callable[[psycopg.Connection[tuple[object, ...]]], None]] = {
    1: _v1_to_v2_keys,
}
"""Database version ``n`` → ``n + 1``."""


def schema_version(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    """The layout version of the tables in the current schema (0 when there are none)."""
    found = conn.execute("SELECT to_regclass('fengqiao_schema') IS NOT NULL").fetchone()
    if not found or not found[0]:
        return 0
    row = conn.execute("SELECT version FROM fengqiao_schema").fetchone()
    return 0 if row is None else int(str(row[0]))


def prepare(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    """Create, migrate or refuse the tables of the connection's current schema.

    Args:
        conn: A connection in autocommit mode whose ``search_path`` names the schema.

    Returns:
        The version the schema was at before (0 for a new one).

    Raises:
        StorageError: The schema is newer than this code, or holds tables that are not ours.
    """
    with conn.transaction():
        conn.execute(_LOCK)
        found = schema_version(conn)
        if found > SCHEMA_VERSION:
            raise StorageError(
                f"the PostgreSQL schema is at version {found}, newer than the {SCHEMA_VERSION} "
                "this fengqiao-postgres understands: upgrade fengqiao-postgres to open it"
            )
        if found == 0:
            clash = conn.execute("SELECT to_regclass('matters') IS NOT NULL").fetchone()
            if clash and clash[0]:
                raise StorageError(
                    "the schema has a 'matters' table but no fengqiao_schema version: "
                    "it is not a fengqiao store; choose another schema with ?schema=NAME"
                )
            conn.execute(VERSION_TABLE)
            for statement in (*TABLES, *INDEXES, *KEYS_TABLE):
                conn.execute(statement)
            conn.execute("INSERT INTO fengqiao_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
            return 0
        for step in range(found, SCHEMA_VERSION):
            MIGRATIONS[step](conn)
        conn.execute("UPDATE fengqiao_schema SET version = %s", (SCHEMA_VERSION,))
    return found
