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
- **6** — ``matter_rollup``: counts and sums per day bucket × kind, category, outcome, path,
  steward and criminal flags, kept by triggers in the projection's transaction (:data:`ROLLUPS`),
  so the full KPI report reads thousands of rows, not every matter.
- **7** — ``data_keys``: the wrapped per-person data keys personal values are sealed under
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
    "ROLLUPS",
    "ROLLUP_DAY_US",
    "ROLLUP_GRAINS",
    "ROLLUP_MEASURES",
    "SCHEMA_VERSION",
    "rollup_fill",
    "upcast",
]

SCHEMA_VERSION = 7
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


ROLLUP_DAY_US = 86_400_000_000
"""The rollup's finest bucket: one UTC day in microseconds."""

ROLLUP_GRAINS = (6, 3, 0)
"""The rollup's bucket sizes as powers of two of days (64, 8 and 1 day), coarsest first.

A row of grain ``g`` counts the matters whose ``reported_us`` floor-divided by
``ROLLUP_DAY_US << g`` is its ``bucket``; a period is read as whole coarse buckets, then whole
finer ones at its ends, then the partial day at each end from ``matters``.
"""

_ROLLUP_KEYS = ("grain", "bucket", "kind", "category", "outcome", "path", "stewards", "criminal")
_BUCKET = (
    "CASE WHEN {x}reported_us >= 0 THEN {x}reported_us / (86400000000 << g.grain)"
    " ELSE -((-{x}reported_us - 1) / (86400000000 << g.grain)) - 1 END"
)
_GRAINS = " UNION ALL ".join(f"SELECT {g} AS grain" for g in ROLLUP_GRAINS)
_SLA_DONE = (
    "coalesce(CASE WHEN {x}due_us > {x}reported_us AND {x}resolved_us IS NOT NULL THEN"
    " ({x}resolved_us - {x}reported_us) >= {share} * ({x}due_us - {x}reported_us){below} END, 0)"
)
_BELOW_RED = " AND ({x}resolved_us - {x}reported_us) < 1.0 * ({x}due_us - {x}reported_us)"
ROLLUP_MEASURES = (
    ("n", "1"),
    ("closed", "{x}closed_hours IS NOT NULL"),
    ("resolved", "{x}resolved_us IS NOT NULL"),
    ("contained", "{x}closed_hours IS NOT NULL AND NOT {x}over_ceiling"),
    ("beyond", "{x}level IS 'beyond'"),
    ("on_time", "coalesce({x}resolved_us <= {x}due_us, 0)"),
    ("followed_up", "{x}followed_up"),
    ("with_stewards", "{x}stewards"),
    ("feedbacks", "{x}feedback IS NOT NULL"),
    ("feedback_sum", "coalesce({x}feedback, 0)"),
    ("commendations", "{x}commendations"),
    ("criminal_sum", "{x}criminal"),
    ("yellow_done", _SLA_DONE.replace("{share}", "0.7").replace("{below}", _BELOW_RED)),
    ("red_done", _SLA_DONE.replace("{share}", "1.0").replace("{below}", "")),
    ("open_sla", "{x}resolved_us IS NULL AND coalesce({x}due_us > {x}reported_us, 0)"),
)
"""The rollup's measure columns and the per-matter contribution each sums (``{x}``: the row).

``yellow_done``/``red_done`` are rule D2's warnings of resolved matters at the default shares
(0.7, 1.0), by the very expression the aggregate uses; ``open_sla`` counts the unresolved
matters with time allowed, whose warnings depend on the query's ``as_of``.
"""


def _keyed(row: str) -> list[str]:
    return [
        "g.grain",
        _BUCKET.format(x=row),
        f"{row}kind",
        f"{row}category",
        f"coalesce({row}outcome, '')",
        f"coalesce({row}path, '')",
        f"{row}stewards",
        f"{row}criminal",
    ]


def _contribution(row: str, sign: str) -> str:
    values = [f"{sign}({expression.format(x=row)})" for _, expression in ROLLUP_MEASURES]
    names = ", ".join(name for name, _ in ROLLUP_MEASURES)
    update = ", ".join(f"{name} = {name} + excluded.{name}" for name, _ in ROLLUP_MEASURES)
    return (
        f"INSERT INTO matter_rollup ({', '.join(_ROLLUP_KEYS)}, {names})"
        f" SELECT {', '.join(_keyed(row) + values)} FROM ({_GRAINS}) AS g WHERE 1"
        f" ON CONFLICT ({', '.join(_ROLLUP_KEYS)}) DO UPDATE SET {update};"
    )


def rollup_fill() -> str:
    """The statement that fills an empty ``matter_rollup`` from the whole projection."""
    keys = ", ".join(f"{k} AS r{i}" for i, k in enumerate(_keyed("m.")))
    sums = ", ".join(f"sum({expression.format(x='m.')})" for _, expression in ROLLUP_MEASURES)
    group = ", ".join(f"r{i}" for i in range(len(_ROLLUP_KEYS)))
    return (
        f"INSERT INTO matter_rollup SELECT {keys}, {sums} FROM matters AS m"
        f" CROSS JOIN ({_GRAINS}) AS g GROUP BY {group}"
    )


ROLLUPS = (
    "CREATE TABLE matter_rollup ("
    " grain INTEGER NOT NULL, bucket INTEGER NOT NULL, kind TEXT NOT NULL,"
    " category TEXT NOT NULL, outcome TEXT NOT NULL, path TEXT NOT NULL,"
    " stewards INTEGER NOT NULL, criminal INTEGER NOT NULL, "
    + ", ".join(f"{name} INTEGER NOT NULL" for name, _ in ROLLUP_MEASURES)
    + f", PRIMARY KEY ({', '.join(_ROLLUP_KEYS)})) WITHOUT ROWID",
    "CREATE TRIGGER matter_rollup_insert AFTER INSERT ON matters BEGIN "
    + _contribution("NEW.", "+")
    + " END",
    "CREATE TRIGGER matter_rollup_update AFTER UPDATE ON matters BEGIN "
    + _contribution("OLD.", "-")
    + " "
    + _contribution("NEW.", "+")
    + " END",
    "CREATE TRIGGER matter_rollup_delete AFTER DELETE ON matters BEGIN "
    + _contribution("OLD.", "-")
    + " END",
    "CREATE INDEX ix_matters_resolved ON matters (resolved_hours, reported_us)"
    " WHERE resolved_hours IS NOT NULL",
    "CREATE INDEX ix_matters_open ON matters (due_us) WHERE resolved_us IS NULL",
)
"""Version 6's statements: the rollup, the triggers that keep it, the indexes for exact
medians (resolution time) and for the unresolved matters not yet due (rule D2 at ``as_of``).

``outcome`` and ``path`` hold ``''`` for none (a key column cannot hold ``NULL`` and conflict).
Rows whose ``n`` fell to zero stay; readers skip groups without matters.
"""


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
