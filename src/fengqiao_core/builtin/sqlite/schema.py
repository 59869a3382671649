"""The SQLite schema 数据库结构, its version (``PRAGMA user_version``) and forward migrations.

Version history:

- **1** — the first layout: ``events`` without a per-event schema number (every event body in
  event schema 1, whose actor was two top-level keys ``actor`` and ``actor_role``), and a
  ``matters`` table holding only ``id``, ``version``, ``reference`` and the JSON state.
- **2** — events carry their schema number (``schema``); the projection is split into
  ``matters`` (one narrow column per filter and dimension, so aggregates run in SQL over an
  index-sized table) and ``matter_bodies`` (the JSON state); indexes for every query.
- **3** — matters gained fields (who reported them, who refused mediation, screening): every
  projection rebuilt from its events.
- **4** — the database says whose it is: ``PRAGMA application_id`` (:data:`APPLICATION_ID`) and a
  ``meta`` table holding the station id (a store of another station is refused); the outbox
  gained a lease (``lease_owner``, ``lease_until_us``: one dispatcher per message), dead letters
  (``given_up``) and quarantine for rows that cannot be decoded (``poison``).
- **5** — the figures columns (:data:`FIGURE_COLUMNS`: outcome, path, resolution time, due,
  ceiling, steward, criminal, feedback, banner and follow-up facts) so every KPI is SQL.
- **6** — ``data_keys``: the wrapped per-person data keys personal values are sealed under
  (:mod:`fengqiao_core.builtin.sqlite.keys`; issue 15, data at rest).

:func:`prepare` runs on open: it creates a new database at :data:`SCHEMA_VERSION`, migrates an
older one forward in one transaction, and refuses a newer one. Old events are not rewritten:
:func:`upcast` brings their bodies to :data:`EVENT_SCHEMA` when they are read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fengqiao_core.errors import StorageError

__all__ = [
    "APPLICATION_ID",
    "BASE_COLUMNS",
    "EVENT_SCHEMA",
    "FIGURES",
    "FIGURE_COLUMNS",
    "INDEXES",
    "LATEST_TABLES",
    "MATTERS_TABLE",
    "MATTER_COLUMNS",
    "META_TABLE",
    "SCHEMA_VERSION",
    "upcast",
]

SCHEMA_VERSION = 6
"""The database layout this code writes (``PRAGMA user_version``)."""

APPLICATION_ID = 0x46514A43
"""``PRAGMA application_id`` of a fengqiao database (``FQJC``), written from version 4 on."""

META_TABLE = """CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT
)"""
"""Facts about the database itself: ``station`` (the station id it belongs to, NULL until a
station claims it)."""

EVENT_SCHEMA = 2
"""The event body layout this code writes; older bodies are upcast on read."""

BASE_COLUMNS = (
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
"""The projection's columns up to schema version 4."""

_FIGURES = (
    ("outcome", "TEXT"),
    ("path", "TEXT"),
    ("resolved_us", "INTEGER"),
    ("resolved_hours", "REAL"),
    ("due_us", "INTEGER"),
    ("over_ceiling", "INTEGER NOT NULL DEFAULT 0"),
    ("stewards", "INTEGER NOT NULL DEFAULT 0"),
    ("criminal", "INTEGER NOT NULL DEFAULT 0"),
    ("feedback", "INTEGER"),
    ("commendations", "INTEGER NOT NULL DEFAULT 0"),
    ("followed_up", "INTEGER NOT NULL DEFAULT 0"),
)

FIGURE_COLUMNS = tuple(name for name, _ in _FIGURES)
"""The figures columns added in version 5 (see :mod:`fengqiao_core.metrics.facts`)."""

MATTER_COLUMNS = BASE_COLUMNS + FIGURE_COLUMNS
"""The projection's query columns, in the order :func:`matter_row` gives them."""

FIGURES = (
    *(f"ALTER TABLE matters ADD COLUMN {name} {kind}" for name, kind in _FIGURES),
    "CREATE INDEX ix_matters_figures ON matters (reported_us, kind, category)",
)
"""Version 5's statements: the figures columns and the index the period filters use."""

MATTERS_TABLE = """
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

LATEST_TABLES = (
    MATTERS_TABLE,
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
        body TEXT NOT NULL,
        lease_owner TEXT,
        lease_until_us INTEGER,
        given_up INTEGER NOT NULL DEFAULT 0,
        poison INTEGER NOT NULL DEFAULT 0
    )""",
    META_TABLE,
)

INDEXES = (
    "CREATE INDEX ix_matters_reported ON matters (reported_us, id)",
    "CREATE INDEX ix_matters_state ON matters (state)",
    "CREATE INDEX ix_matters_cell ON matters (cell)",
    "CREATE INDEX ix_matters_community ON matters (community)",
    "CREATE INDEX ix_audit_object ON audit (object_type, object_id)",
    "CREATE INDEX ix_outbox_pending ON outbox (created_us, id) WHERE delivered = 0",
    "CREATE INDEX ix_outbox_failed ON outbox (created_us, id) WHERE given_up = 1",
)
"""Indexes: stream order and period filters, the Station's screening filters (state, cell,
community), audit entries by object, undelivered and given-up messages by age."""


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
