"""The ``sqlite`` storage backend SQLite存储, the embedded default: ``storage = "sqlite:///x.db"``.

The stdlib :mod:`sqlite3` in WAL mode with ``synchronous=FULL``, a busy timeout, foreign keys,
``BEGIN IMMEDIATE`` for every write transaction, a versioned schema migrated on open, and
online backups through SQLite's backup API (:func:`backup`). See ``docs/sqlite.md``.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from typing import Any

from fengqiao_core.builtin.sqlite.schema import EVENT_SCHEMA, SCHEMA_VERSION
from fengqiao_core.builtin.sqlite.store import DEFAULT_TIMEOUT, ConnectionPool, parse_url, translate
from fengqiao_core.builtin.sqlite.unit import SqliteUnitOfWork
from fengqiao_core.errors import StorageError, StorageUnavailable
from fengqiao_core.hookspecs import hookimpl
from fengqiao_core.ports import BackendContext, BackendSpec, Capability

__all__ = [
    "DEFAULT_TIMEOUT",
    "EVENT_SCHEMA",
    "SCHEMA_VERSION",
    "SqliteStorage",
    "SqliteUnitOfWork",
    "backup",
]

FENGQIAO_PLUGIN_API = 1


@functools.cache
def _default_converter() -> Any:
    from fengqiao_core.serialization import make_converter

    return make_converter()


class SqliteStorage:
    """A durable store in one SQLite file, shared by threads and by processes on one host.

    Args:
        path: The database file (created, or migrated to :data:`SCHEMA_VERSION`, on open).
        converter: The project's converter (when not given, one ``make_converter()`` shared
            by every store opened without one).
        timeout: Seconds a writer waits for another before ``StorageUnavailable``.

    Raises:
        StorageError: The file is a database of a newer schema, or not a fengqiao one.
        StorageUnavailable: The file cannot be opened.
    """

    capabilities = frozenset(
        {Capability.DURABLE, Capability.CONCURRENT_WRITERS, Capability.SHARED_BETWEEN_PROCESSES}
    )

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        converter: Any = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if converter is None:
            converter = _default_converter()
        self.converter = converter
        self.pool = ConnectionPool(path, timeout, converter)

    @property
    def path(self) -> str:
        """The database file."""
        return self.pool.path

    @classmethod
    def from_context(cls, context: BackendContext) -> SqliteStorage:
        """Factory for the ``sqlite`` backend: the file and ``?timeout=`` from the URL."""
        path, timeout = parse_url(context.url)
        return cls(path, converter=context.converter, timeout=timeout)

    def unit_of_work(self) -> SqliteUnitOfWork:
        """A new unit of work over this store."""
        return SqliteUnitOfWork(self.pool, self.converter)

    def close(self) -> None:
        """Close the connections (units still open close theirs when they end)."""
        self.pool.close()


def backup(
    source_path: str | os.PathLike[str],
    target_path: str | os.PathLike[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """Copy a live database to ``target_path`` with SQLite's online backup API.

    Writers may go on while it runs; the copy is one consistent committed state, checked with
    ``PRAGMA quick_check``. An existing file at ``target_path`` is replaced.

    Raises:
        StorageUnavailable: There is no database at ``source_path``, or a file cannot be used.
        StorageError: The source is not a fengqiao database, or the copy fails its check.
    """
    source_path, target_path = os.fspath(source_path), os.fspath(target_path)
    if not os.path.isfile(source_path):
        raise StorageUnavailable(f"no database file at {source_path}")
    if os.path.exists(target_path) and os.path.samefile(source_path, target_path):
        raise StorageError("the backup target is the source database itself")
    with translate(timeout):
        source = sqlite3.connect(source_path, timeout=timeout, isolation_level=None)
        try:
            if not source.execute("PRAGMA user_version").fetchone()[0]:
                raise StorageError(f"{source_path} is not a fengqiao database")
            target = sqlite3.connect(target_path, isolation_level=None)
            try:
                source.backup(target, pages=1024)
                if target.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise StorageError("the backup copy failed its integrity check")
            finally:
                target.close()
        finally:
            source.close()


@hookimpl
def fengqiao_register_backends() -> list[BackendSpec]:
    """Register the ``sqlite`` storage backend (``sqlite:///path.db``)."""
    return [
        BackendSpec(
            "storage",
            "sqlite",
            SqliteStorage.from_context,
            "SQLite file: durable, WAL, safe under concurrent writers (embedded default)",
            schemes=("sqlite",),
        )
    ]
