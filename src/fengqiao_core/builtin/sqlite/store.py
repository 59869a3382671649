"""Connections 连接: opening with the right pragmas, a small pool, and error translation."""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from fengqiao_core.builtin.sqlite.files import (
    DEFAULT_TIMEOUT,
    connect,
    open_database,
    storage_error,
    translate,
)
from fengqiao_core.errors import ConfigurationError, StorageUnavailable

__all__ = ["DEFAULT_TIMEOUT", "ConnectionPool", "parse_url", "storage_error", "translate"]


def parse_url(url: str) -> tuple[str, float]:
    """The file path and busy timeout of ``sqlite:///relative.db`` or ``sqlite:////abs.db``.

    ``?timeout=SECONDS`` sets the busy timeout (default :data:`DEFAULT_TIMEOUT`).

    Raises:
        ConfigurationError: Not an ``sqlite:`` URL with a file path.
    """
    parts = urlsplit(url)
    path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
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


class ConnectionPool:
    """Connections to one database file, each used by one unit of work at a time.

    Every connection is in autocommit mode (the module's implicit transactions off): reads see
    the latest commit, and writes happen only inside an explicit ``BEGIN IMMEDIATE``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        timeout: float,
        converter: Any,
        station: str | None = None,
    ) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self.timeout = timeout
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._idle.append(open_database(self.path, timeout, converter, station))

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
        with translate(self.timeout, self.path):
            return connect(self.path, self.timeout)

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
