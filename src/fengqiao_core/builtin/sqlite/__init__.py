"""The ``sqlite`` storage backend SQLite存储, the embedded default: ``storage = "sqlite:///x.db"``.

The stdlib :mod:`sqlite3` in WAL mode with ``synchronous=FULL``, a busy timeout, foreign keys,
``BEGIN IMMEDIATE`` for every write transaction, a versioned schema migrated on open, and
online backups through SQLite's backup API (:func:`backup`). A relative path in the URL is
relative to the station file's folder; the database remembers the station it belongs to and
refuses another; files are created owner-only. See ``docs/sqlite.md``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
from typing import Any

from fengqiao_core.builtin.sqlite.files import connect, owner_only_file
from fengqiao_core.builtin.sqlite.migrations import identify
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
        station: The id of the station the database belongs to: a new database records it, an
            unclaimed one is claimed, another station's is refused (``None``: no check).

    Raises:
        StorageError: The file is a database of a newer schema, not a fengqiao one, or another
            station's; the message names the file.
        StorageUnavailable: The file or its folder cannot be used.
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
        station: str | None = None,
    ) -> None:
        if converter is None:
            converter = _default_converter()
        self.converter = converter
        self.pool = ConnectionPool(path, timeout, converter, station)

    @property
    def path(self) -> str:
        """The database file."""
        return self.pool.path

    @classmethod
    def from_context(cls, context: BackendContext) -> SqliteStorage:
        """Factory for the ``sqlite`` backend: the file and ``?timeout=`` from the URL.

        The path is resolved with :meth:`BackendContext.path` (against the station file's
        folder); the database belongs to ``context.station``'s station.
        """
        raw, timeout = parse_url(context.url)
        return cls(
            context.path(raw),
            converter=context.converter,
            timeout=timeout,
            station=context.station.station.id,
        )

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
    ``PRAGMA quick_check``, written beside the target owner-only (``0600``) and then moved into
    place, replacing an existing file there.

    Raises:
        StorageUnavailable: There is no database at ``source_path``, or the target's folder is
            missing or not writable; the message names the file.
        StorageError: The source is not a fengqiao database, or the copy fails its check.
    """
    source_path = os.path.abspath(os.fspath(source_path))
    target_path = os.path.abspath(os.fspath(target_path))
    if not os.path.isfile(source_path):
        raise StorageUnavailable(f"no database file at {source_path}")
    if os.path.exists(target_path) and os.path.samefile(source_path, target_path):
        raise StorageError("the backup target is the source database itself")
    if os.path.isdir(target_path):
        raise StorageUnavailable(
            f"cannot write the backup {target_path}: it is a folder; name a file in it"
        )
    folder = os.path.dirname(target_path)
    if not os.path.isdir(folder):
        raise StorageUnavailable(
            f"cannot write the backup {target_path}: the folder {folder} does not exist; "
            "create it first or choose another --to"
        )
    temporary = f"{target_path}.{os.getpid()}.part"
    try:
        owner_only_file(temporary)
    except OSError as exc:
        raise StorageUnavailable(
            f"cannot write the backup {target_path} ({type(exc).__name__}): make {folder} "
            "writable by this user or choose another --to"
        ) from None
    try:
        with translate(timeout, source_path):
            source = connect(source_path, timeout)
            try:
                identify(source, source_path)
                _copy(source, temporary, target_path, timeout)
            finally:
                source.close()
        os.replace(temporary, target_path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)


def _copy(source: sqlite3.Connection, temporary: str, target_path: str, timeout: float) -> None:
    with translate(timeout, target_path):
        target = sqlite3.connect(temporary, isolation_level=None)
        try:
            source.backup(target, pages=1024)
            if target.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise StorageError(f"{target_path}: the backup copy failed its integrity check")
        finally:
            target.close()


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
