"""The ``postgresql`` storage backend's store 存储: URL, connection pool, schema, retries.

A :class:`PostgresStorage` is one station's view of a PostgreSQL schema that many stations
share: every row it reads or writes carries its ``station_id``.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from fengqiao_core.errors import ConfigurationError
from fengqiao_core.ports import BackendContext, Capability
from fengqiao_postgres.errors import translate
from fengqiao_postgres.migrations import prepare
from fengqiao_postgres.unit import PostgresUnitOfWork

__all__ = ["DEFAULT_POOL_SIZE", "PostgresStorage", "Settings", "parse_url"]

DEFAULT_POOL_SIZE = 8
"""Connections one store opens at most (``?pool_size=``)."""

_OURS = ("schema", "station", "pool_size")
Conn = psycopg.Connection[tuple[Any, ...]]


@functools.cache
def _default_converter() -> Any:
    from fengqiao_core.serialization import make_converter

    return make_converter()


def parse_url(url: str) -> tuple[str, dict[str, str]]:
    """Split ``postgresql://…?schema=S&station=ID&pool_size=N`` into conninfo and our options.

    Raises:
        ConfigurationError: Not a ``postgresql:``/``postgres:`` URL.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigurationError(
            f"{parts.scheme or 'the URL'!r} is not PostgreSQL: write "
            "postgresql://user@host:5432/dbname[?schema=NAME]"
        )
    query = parse_qsl(parts.query, keep_blank_values=True)
    ours = {k: v for k, v in query if k in _OURS}
    rest = urlencode([(k, v) for k, v in query if k not in _OURS])
    return urlunsplit(parts._replace(query=rest)), ours


class Settings:
    """What a store needs to (re)open: conninfo, schema, station id and pool size."""

    def __init__(self, url: str, station_id: str | None = None) -> None:
        self.url = url
        self.conninfo, options = parse_url(url)
        self.schema = options.get("schema") or "public"
        station = options.get("station") or station_id
        if not station:
            raise ConfigurationError(
                "the postgresql backend needs a station id: open it from a station file, or "
                "add ?station=ID to the URL"
            )
        self.station_id: str = station
        try:
            self.pool_size = int(options.get("pool_size", DEFAULT_POOL_SIZE))
        except ValueError:
            self.pool_size = 0
        if self.pool_size < 1:
            raise ConfigurationError("pool_size in the postgresql URL must be a whole number >= 1")


class PostgresStorage:
    """A station's store in a PostgreSQL schema shared with other stations 城市级存储.

    Args:
        url: ``postgresql://user@host:port/db`` with optional ``?schema=NAME`` (default
            ``public``; created when missing), ``?station=ID`` and ``?pool_size=N``.
        station_id: The station whose rows this store reads and writes (the URL's
            ``station=`` wins).
        converter: The project's converter (one ``make_converter()`` shared when not given).

    Raises:
        ConfigurationError: The URL is not a PostgreSQL URL, or no station id is known.
        StorageUnavailable: The server cannot be reached.
        StorageError: The schema is newer than this plugin, or not a fengqiao one.
    """

    capabilities = frozenset(
        {Capability.DURABLE, Capability.CONCURRENT_WRITERS, Capability.SHARED_BETWEEN_PROCESSES}
    )

    def __init__(self, url: str, station_id: str | None = None, *, converter: Any = None) -> None:
        self.settings = Settings(url, station_id)
        self.station_id = self.settings.station_id
        self.converter = converter if converter is not None else _default_converter()
        self._ensure_schema()
        self.pool: ConnectionPool[Conn] = ConnectionPool(
            self.settings.conninfo,
            min_size=1,
            max_size=self.settings.pool_size,
            kwargs={"autocommit": True},
            configure=self._configure,
            open=False,
            timeout=30.0,
            name=f"fengqiao-{self.station_id}",
        )
        with translate():
            self.pool.open(wait=True, timeout=30.0)
            try:
                with self.pool.connection() as conn:
                    prepare(conn)
            except BaseException:
                self.pool.close()
                raise

    @classmethod
    def from_context(cls, context: BackendContext) -> PostgresStorage:
        """Factory for the ``postgresql`` backend: the station id from the station file."""
        station = getattr(context.station, "station", None)
        return cls(context.url, getattr(station, "id", None), converter=context.converter)

    def _ensure_schema(self) -> None:
        with translate(), psycopg.connect(self.settings.conninfo, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                    sql.Identifier(self.settings.schema)
                )
            )

    def _configure(self, conn: Conn) -> None:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.settings.schema)))

    def reopen(self) -> PostgresStorage:
        """Another store over the same database, schema and station (e.g. in a child process)."""
        return PostgresStorage(self.settings.url, self.station_id, converter=self.converter)

    def unit_of_work(self) -> PostgresUnitOfWork:
        """A new unit of work over this store."""
        return PostgresUnitOfWork(self.pool, self.station_id, self.converter)

    def close(self) -> None:
        """Close the pool (connections of units still open close when they end)."""
        self.pool.close()

    def __repr__(self) -> str:
        return f"PostgresStorage(station={self.station_id!r}, schema={self.settings.schema!r})"
