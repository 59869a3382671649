"""The PostgreSQL schema 数据库结构: tables keyed by station, its version and forward migrations.

Every table's primary key, every unique constraint and every index begins with ``station_id``:
many stations share one database, every query names its station, and a Citus cluster can
distribute every table by ``station_id`` and colocate them (see the plugin's README).

Version history:

- **1** — the first layout: ``matters`` (one narrow column per filter and dimension, the
  figures facts of :mod:`fengqiao_core.metrics.facts` among them),
  ``matter_bodies`` (the JSON state), ``events`` (unique ``(station_id, matter_id, version)``),
  ``entities``, ``audit`` and ``outbox`` (with its lease ``lease_owner``/``lease_until_us``,
  dead letters ``given_up`` and quarantine ``poison`` for rows that cannot be decoded); text
  keys use the ``"C"`` collation so that they sort by code point, as Python does.
- **2** — ``data_keys``: the wrapped per-person data keys personal values are sealed under
  (:mod:`fengqiao_postgres.keys`; fengqiao_core issue 15).

:func:`~fengqiao_postgres.migrations.prepare` creates a new schema at :data:`SCHEMA_VERSION`,
migrates an older one forward in one transaction, and refuses a newer one.
"""

from __future__ import annotations

__all__ = [
    "EVENT_SCHEMA",
    "INDEXES",
    "MATTER_COLUMNS",
    "SCHEMA_VERSION",
    "TABLES",
    "VERSION_TABLE",
]

SCHEMA_VERSION = 2
"""The database layout this code writes (the row of ``fengqiao_schema``)."""

EVENT_SCHEMA = 2
"""The event body layout this code writes and reads (the core's current event schema)."""

VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS fengqiao_schema (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    version INTEGER NOT NULL
)"""
"""One row: the layout version of the tables beside it (shared by every station)."""

MATTER_COLUMNS = (
    "station_id",
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
    "outcome",
    "path",
    "resolved_us",
    "resolved_hours",
    "due_us",
    "over_ceiling",
    "stewards",
    "criminal",
    "feedback",
    "commendations",
    "followed_up",
)
"""The projection's query columns, in the order :func:`~fengqiao_postgres.rows.matter_row`
gives them."""

_KEY = 'TEXT COLLATE "C" NOT NULL'
_TEXT = 'TEXT COLLATE "C"'

TABLES = (
    f"""CREATE TABLE matters (
        station_id {_KEY},
        id {_KEY},
        kind {_KEY},
        category {_KEY},
        severity {_KEY},
        source {_KEY},
        state {_KEY},
        level {_TEXT},
        cell {_TEXT},
        police_grid {_TEXT},
        community {_TEXT},
        owner {_TEXT},
        reference {_TEXT},
        reported_us BIGINT NOT NULL,
        month {_KEY},
        closed_hours DOUBLE PRECISION,
        version INTEGER NOT NULL CHECK (version >= 1),
        outcome {_TEXT},
        path {_TEXT},
        resolved_us BIGINT,
        resolved_hours DOUBLE PRECISION,
        due_us BIGINT,
        over_ceiling BOOLEAN NOT NULL,
        stewards BOOLEAN NOT NULL,
        criminal BOOLEAN NOT NULL,
        feedback INTEGER,
        commendations INTEGER NOT NULL,
        followed_up BOOLEAN NOT NULL,
        PRIMARY KEY (station_id, id)
    )""",
    f"""CREATE TABLE matter_bodies (
        station_id {_KEY},
        id {_KEY},
        body TEXT NOT NULL,
        PRIMARY KEY (station_id, id),
        FOREIGN KEY (station_id, id) REFERENCES matters (station_id, id)
    )""",
    f"""CREATE TABLE events (
        station_id {_KEY},
        matter_id {_KEY},
        version INTEGER NOT NULL CHECK (version >= 1),
        schema INTEGER NOT NULL,
        type {_KEY},
        body TEXT NOT NULL,
        PRIMARY KEY (station_id, matter_id, version),
        FOREIGN KEY (station_id, matter_id) REFERENCES matters (station_id, id)
    )""",
    f"""CREATE TABLE entities (
        station_id {_KEY},
        repo {_KEY},
        id {_KEY},
        version INTEGER NOT NULL CHECK (version >= 1),
        type {_KEY},
        body TEXT NOT NULL,
        PRIMARY KEY (station_id, repo, id)
    )""",
    f"""CREATE TABLE audit (
        station_id {_KEY},
        seq BIGINT NOT NULL CHECK (seq >= 1),
        object_type {_KEY},
        object_id {_KEY},
        body TEXT NOT NULL,
        PRIMARY KEY (station_id, seq)
    )""",
    f"""CREATE TABLE outbox (
        station_id {_KEY},
        id {_KEY},
        created_us BIGINT NOT NULL,
        delivered BOOLEAN NOT NULL,
        next_attempt_us BIGINT,
        lease_owner {_TEXT},
        lease_until_us BIGINT,
        given_up BOOLEAN NOT NULL DEFAULT FALSE,
        body TEXT NOT NULL,
        poison BOOLEAN NOT NULL DEFAULT FALSE,
        PRIMARY KEY (station_id, id)
    )""",
)
"""The tables of :data:`SCHEMA_VERSION`, in dependency order."""

INDEXES = (
    "CREATE UNIQUE INDEX ux_matters_reference ON matters (station_id, md5(reference))",
    "CREATE INDEX ix_matters_reported ON matters (station_id, reported_us, id)",
    "CREATE INDEX ix_matters_state ON matters (station_id, state)",
    "CREATE INDEX ix_matters_cell ON matters (station_id, cell)",
    "CREATE INDEX ix_matters_community ON matters (station_id, community)",
    "CREATE INDEX ix_audit_object ON audit"
    " (station_id, left(object_type, 64), left(object_id, 256))",
    "CREATE INDEX ix_outbox_pending ON outbox (station_id, created_us, id) WHERE NOT delivered",
    "CREATE INDEX ix_outbox_failed ON outbox (station_id, created_us, id) WHERE given_up",
)
"""Indexes, each led by ``station_id``: references unique per station (by their MD5, so that
a reference of any length fits a btree), stream order and periods, the screening filters,
audit entries by object (prefixes, for the same reason), undelivered messages and dead
letters by age."""
