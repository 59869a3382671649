"""The unit of work of the PostgreSQL backend 工作单元: private changes, one short transaction.

As in the SQLite backend, a unit keeps its writes in memory and reads through its own pooled
connection in autocommit mode (READ COMMITTED, each statement sees the latest commits), so it
holds no lock between calls. :meth:`PostgresUnitOfWork.commit` writes events, projection,
entities, audit entries and messages in one transaction: new rows through ``COPY``, updates
guarded by ``version`` (optimistic concurrency), unique keys turning a concurrent writer into
``ConflictError``; deadlocks and serialization failures retry the whole transaction with backoff.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import Any, Self

import psycopg
from psycopg_pool import ConnectionPool

from fengqiao_core.model import CommunityTeam, Person, Place
from fengqiao_core.ports import AuditLog, EntityRepository, KeyRing, MatterRepository, Outbox
from fengqiao_postgres.errors import retrying, storage_error, translate
from fengqiao_postgres.keys import PostgresKeys
from fengqiao_postgres.matters import PostgresMatters
from fengqiao_postgres.outbox import PostgresOutbox
from fengqiao_postgres.repositories import PostgresAudit, PostgresEntities

__all__ = ["PostgresUnitOfWork"]

Conn = psycopg.Connection[tuple[Any, ...]]


class PostgresUnitOfWork:
    """One unit of work of one station over a :class:`~fengqiao_postgres.PostgresStorage`.

    Args:
        pool: The store's connection pool.
        station_id: The station every row belongs to.
        converter: The store's converter.
    """

    def __init__(self, pool: ConnectionPool[Conn], station_id: str, converter: Any) -> None:
        self.pool = pool
        self.station_id = station_id
        self.converter: Any = converter
        self._conn: Conn | None = None
        matters = PostgresMatters(self)
        people: PostgresEntities[Person] = PostgresEntities(self, "people")
        places: PostgresEntities[Place] = PostgresEntities(self, "places")
        teams: PostgresEntities[CommunityTeam] = PostgresEntities(self, "teams")
        audit, outbox = PostgresAudit(self), PostgresOutbox(self)
        keys = PostgresKeys(self)
        self._parts = (matters, people, places, teams, audit, outbox, keys)
        self.matters: MatterRepository = matters
        self.people: EntityRepository[Person] = people
        self.places: EntityRepository[Place] = places
        self.teams: EntityRepository[CommunityTeam] = teams
        self.audit: AuditLog = audit
        self.outbox: Outbox = outbox
        self.keys: KeyRing = keys

    @property
    def connection(self) -> Conn:
        """This unit's connection (taken from the pool on first use)."""
        if self._conn is None:
            with translate():
                self._conn = self.pool.getconn()
        return self._conn

    def fetchone(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        """The first row of a query, or ``None``."""
        with translate():
            return self.connection.execute(query, params).fetchone()

    def fetchall(self, query: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Every row of a bounded query."""
        with translate():
            return self.connection.execute(query, params).fetchall()

    def cursor_rows(self, query: str, params: tuple[Any, ...], batch: int) -> Iterator[Any]:
        """Rows of a query through a server-side cursor on a connection of its own.

        The cursor lives in one read transaction (one snapshot) and fetches ``batch`` rows at a
        time, so memory stays bounded and writers are never blocked.
        """
        try:
            with (
                self.pool.connection() as conn,
                conn.transaction(),
                conn.cursor(name="fengqiao_stream") as cursor,
            ):
                cursor.itersize = max(1, batch)
                cursor.execute(query, params)
                yield from cursor
        except psycopg.Error as exc:
            raise storage_error(exc) from None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.rollback()
        if self._conn is not None:
            conn, self._conn = self._conn, None
            self.pool.putconn(conn)

    def rollback(self) -> None:
        """Discard every change made since the last commit."""
        for part in self._parts:
            part.reset()

    def commit(self) -> None:
        """Store every change atomically, or raise (``ConflictError`` …) and store none.

        Raises:
            ConflictError: Something this unit read or expected changed since, or PostgreSQL
                kept aborting the transaction.
            StorageUnavailable: The server cannot be reached.
        """
        if not any(part.changed for part in self._parts):
            return

        def flush(conn: Conn) -> None:
            for part in self._parts:
                part.flush(conn)

        retrying(self.connection, flush)
        self.rollback()
