"""The unit of work of the SQLite backend 工作单元: private changes, one short transaction.

A unit keeps its writes in memory and reads the database through its own connection in
autocommit mode, so it never holds a lock between calls and two units in one thread cannot
wait for each other. :meth:`SqliteUnitOfWork.commit` opens ``BEGIN IMMEDIATE`` (waiting up to
the busy timeout for another writer), checks every expected version, writes events, projection,
entities, audit entries and messages with ``executemany``, and commits — or rolls all of it
back and raises.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Self

from fengqiao_core.builtin.sqlite.keys import SqliteKeys
from fengqiao_core.builtin.sqlite.matters import SqliteMatters
from fengqiao_core.builtin.sqlite.outbox import SqliteOutbox
from fengqiao_core.builtin.sqlite.repositories import SqliteAudit, SqliteEntities
from fengqiao_core.builtin.sqlite.store import ConnectionPool, translate
from fengqiao_core.model import CommunityTeam, Person, Place
from fengqiao_core.ports import AuditLog, EntityRepository, KeyRing, MatterRepository, Outbox

__all__ = ["SqliteUnitOfWork"]

_PAGE = 500


class SqliteUnitOfWork:
    """One unit of work over a :class:`~fengqiao_core.builtin.sqlite.SqliteStorage`'s pool.

    Args:
        pool: The storage's connection pool.
        converter: The storage's converter.
    """

    def __init__(self, pool: ConnectionPool, converter: Any) -> None:
        self._pool = pool
        self._conn: sqlite3.Connection | None = None
        self.converter: Any = converter
        matters = SqliteMatters(self)
        people: SqliteEntities[Person] = SqliteEntities(self, "people")
        places: SqliteEntities[Place] = SqliteEntities(self, "places")
        teams: SqliteEntities[CommunityTeam] = SqliteEntities(self, "teams")
        audit, outbox = SqliteAudit(self), SqliteOutbox(self)
        keys = SqliteKeys(self)
        self._parts = (matters, people, places, teams, audit, outbox, keys)
        self.matters: MatterRepository = matters
        self.people: EntityRepository[Person] = people
        self.places: EntityRepository[Place] = places
        self.teams: EntityRepository[CommunityTeam] = teams
        self.audit: AuditLog = audit
        self.outbox: Outbox = outbox
        self.keys: KeyRing = keys

    @property
    def connection(self) -> sqlite3.Connection:
        """This unit's connection (taken from the pool on first use)."""
        if self._conn is None:
            self._conn = self._pool.acquire()
        return self._conn

    def translated(self) -> contextlib.AbstractContextManager[None]:
        """A block in which driver errors become our errors."""
        return translate(self._pool.timeout, self._pool.path)

    def fetchone(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """The first row of a query, or ``None``."""
        with self.translated():
            return self.connection.execute(sql, params).fetchone()

    def fetchall(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Every row of a bounded query (a key lookup or a ``LIMIT``-ed page)."""
        with self.translated():
            return self.connection.execute(sql, params).fetchall()

    def pages(self, select: str, key: str, params: tuple[Any, ...]) -> Iterator[Any]:
        """Rows of ``select`` ordered by its first column ``key``, fetched page by page."""
        where = " AND " if " WHERE " in select else " WHERE "
        page = self.fetchall(f"{select} ORDER BY {key} LIMIT {_PAGE}", params)
        while page:
            yield from page
            if len(page) < _PAGE:
                return
            last = page[-1][0]
            page = self.fetchall(
                f"{select}{where}{key} > ? ORDER BY {key} LIMIT {_PAGE}", (*params, last)
            )

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
            self._pool.release(conn)

    def rollback(self) -> None:
        """Discard every change made since the last commit."""
        for part in self._parts:
            part.reset()

    def commit(self) -> None:
        """Store every change atomically, or raise (``ConflictError`` …) and store none.

        Raises:
            ConflictError: Something this unit read or expected changed since.
            StorageUnavailable: Another writer held the database beyond the busy timeout.
        """
        if not any(part.changed for part in self._parts):
            return
        conn = self.connection
        with self.translated():
            conn.execute("BEGIN IMMEDIATE")
            try:
                for part in self._parts:
                    part.flush(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        self.rollback()
