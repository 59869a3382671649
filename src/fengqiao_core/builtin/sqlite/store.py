"""Connections 连接: opening with the right pragmas, a small pool, and error translation."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fengqiao_core.builtin.sqlite.migrations import prepare
from fengqiao_core.builtin.sqlite.schema import SCHEMA_VERSION
from fengqiao_core.errors import (
    ConfigurationError,
    ConflictError,
    IntegrityError,
    StorageError,
    StorageUnavailable,
)

__all__ = ["DEFAULT_TIMEOUT", "ConnectionPool", "parse_url", "storage_error", "translate"]

DEFAULT_TIMEOUT = 30.0
"""Seconds a writer waits for another to finish (SQLite's busy timeout) before giving up."""

_CONFLICTS = frozenset({"SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE"})
_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_DAMAGED = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_UNREACHABLE = frozenset(
    {
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_PROTOCOL,
    }
)


def storage_error(exc: sqlite3.Error, timeout: float = DEFAULT_TIMEOUT) -> StorageError:
    """Our error for a driver error (its message names the SQLite error, never a value)."""
    name = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if isinstance(exc, sqlite3.IntegrityError):
        if name in _CONFLICTS:
            return ConflictError(f"another unit of work stored the same key first ({name})")
        return IntegrityError(f"a row broke a constraint of the schema ({name})")
    if code in _BUSY:
        return StorageUnavailable(
            f"the database stayed busy for longer than the {timeout:g} s busy timeout ({name}); "
            "retry later"
        )
    if code in _DAMAGED:
        return IntegrityError(f"the database file is damaged or not a database ({name})")
    if code in _UNREACHABLE:
        return StorageUnavailable(f"the database file cannot be used ({name})")
    return StorageError(f"SQLite failed ({name})")


@contextlib.contextmanager
def translate(timeout: float = DEFAULT_TIMEOUT) -> Iterator[None]:
    """Re-raise any ``sqlite3.Error`` inside the block as our error (without the driver's)."""
    try:
        yield
    except sqlite3.Error as exc:
        raise storage_error(exc, timeout) from None


def parse_url(url: str) -> tuple[str, float]:
    """The file path and busy timeout of ``sqlite:///relative.db`` or ``sqlite:////abs.db``.

    ``?timeout=SECONDS`` sets the busy timeout (default :data:`DEFAULT_TIMEOUT`).

    Raises:
        ConfigurationError: Not an ``sqlite:`` URL with a file path.
    """
    parts = urlsplit(url)
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    if parts.scheme != "sqlite" or parts.netloc or not path or path == ":memory:":
        raise ConfigurationError(
            f"{url!r} is not an SQLite file URL: write sqlite:///relative/path.db or "
            "sqlite:////absolute/path.db"
        )
    values = parse_qs(parts.query).get("timeout", [str(DEFAULT_TIMEOUT)])
    try:
        timeout = float(values[-1])
    except ValueError:
        timeout = -1.0
    if not timeout > 0:
        raise ConfigurationError(f"timeout={values[-1]!r} in {url!r} is not a number of seconds")
    return path, timeout


def _connect(path: str, timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, timeout=timeout, isolation_level=None, check_same_thread=False, cached_statements=64
    )
    try:
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -65536")
    except BaseException:
        conn.close()
        raise
    return conn


class ConnectionPool:
    """Connections to one database file, each used by one unit of work at a time.

    Every connection is in autocommit mode (the module's implicit transactions off): reads see
    the latest commit, and writes happen only inside an explicit ``BEGIN IMMEDIATE``.
    """

    def __init__(self, path: str | os.PathLike[str], timeout: float, converter: Any) -> None:
        self.path = os.fspath(path)
        self.timeout = timeout
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        with translate(timeout):
            first = _connect(self.path, timeout)
            try:
                if first.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                    prepare(first, converter)
            except BaseException:
                first.close()
                raise
        self._idle.append(first)

    def acquire(self) -> sqlite3.Connection:
        """An idle connection, or a new one.

        Raises:
            StorageUnavailable: The store was closed, or the file cannot be opened.
        """
        with self._lock:
            if self._closed:
                raise StorageUnavailable("the SQLite store is closed")
            if self._idle:
                return self._idle.pop()
        with translate(self.timeout):
            return _connect(self.path, self.timeout)

    def release(self, conn: sqlite3.Connection) -> None:
        """Give a connection back (closed instead once the pool is closed)."""
        with self._lock:
            if not self._closed:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        """Close the idle connections; busy ones close when released."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
