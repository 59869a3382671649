"""Entities and the audit log of the PostgreSQL backend (pending until commit)."""

from __future__ import annotations

import copy
import heapq
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

import attrs
import psycopg

from fengqiao_core.errors import ConflictError, NotFound
from fengqiao_core.model import Entity
from fengqiao_core.ports import AuditEntry
from fengqiao_postgres.matters import Reader, copy_rows
from fengqiao_postgres.rows import entity_class, key_text

__all__ = ["PostgresAudit", "PostgresEntities"]

E = TypeVar("E", bound=Entity)
_PAGE = 500


class PostgresEntities(Generic[E]):
    """People, places or teams (``repo`` names which) with optimistic versions."""

    def __init__(self, uow: Reader, repo: str) -> None:
        self._uow = uow
        self._repo = repo
        self._station = uow.station_id
        self.reset()

    def reset(self) -> None:
        """Forget the pending writes."""
        self._pending: dict[str, E] = {}
        self._expect: dict[str, int] = {}

    @property
    def changed(self) -> bool:
        """Whether anything is pending."""
        return bool(self._pending)

    def _load(self, kind: str, body: str) -> E:
        # our own row: rebuilt without re-validating (the converter's trusted path)
        return self._uow.converter.trusted_loads(body, entity_class(kind))  # type: ignore[no-any-return]

    def _current(self, entity_id: str) -> E | None:
        pending = self._pending.get(entity_id)
        if pending is not None:
            return pending
        row = self._uow.fetchone(
            "SELECT type, body FROM entities WHERE station_id = %s AND repo = %s AND id = %s",
            (self._station, self._repo, key_text(entity_id)),
        )
        return None if row is None else self._load(*row)

    def _write(self, entity: E, expected: int) -> E:
        stored = attrs.evolve(entity, version=expected + 1)
        self._expect.setdefault(entity.id, expected)
        self._pending[entity.id] = stored
        return copy.copy(stored)

    def add(self, entity: E) -> E:
        """Store a new entity at version 1; ``ConflictError`` if the id exists."""
        if self._current(entity.id) is not None:
            raise ConflictError(f"{self._repo} id {entity.id!r} already exists")
        return self._write(entity, 0)

    def get(self, entity_id: str) -> E:
        """The stored entity; raises ``NotFound``."""
        found = self._current(entity_id)
        if found is None:
            raise NotFound(self._repo, entity_id)
        return copy.copy(found)

    def update(self, entity: E) -> E:
        """Store ``entity`` if its version is the stored one; returns it at +1."""
        stored = self.get(entity.id)
        if stored.version != entity.version:
            raise ConflictError(
                f"{self._repo} {entity.id} is at version {stored.version}, not {entity.version}"
            )
        return self._write(entity, entity.version)

    def _pages(self) -> Iterator[tuple[str, str, str]]:
        query = "SELECT id, type, body FROM entities WHERE station_id = %s AND repo = %s"
        page = self._uow.fetchall(f"{query} ORDER BY id LIMIT {_PAGE}", (self._station, self._repo))
        while page:
            yield from page
            if len(page) < _PAGE:
                return
            page = self._uow.fetchall(
                f"{query} AND id > %s ORDER BY id LIMIT {_PAGE}",
                (self._station, self._repo, page[-1][0]),
            )

    def stream(self) -> Iterator[E]:
        """Every entity by id, committed ones read page by page (keyset pagination)."""
        pending = sorted((key_text(k) or "", v) for k, v in self._pending.items())
        mine = {key_text(k) for k in self._pending}
        committed = (
            (entity_id, (kind, body))
            for entity_id, kind, body in self._pages()
            if entity_id not in mine
        )
        for _, found in heapq.merge(committed, pending, key=lambda row: row[0]):
            yield copy.copy(found) if isinstance(found, Entity) else self._load(*found)  # type: ignore[misc]

    def flush(self, conn: psycopg.Connection[Any]) -> None:
        """Write the pending entities; ``ConflictError`` if one changed since it was read."""
        dumps, station = self._uow.converter.dumps, self._station
        new: list[tuple[tuple[Any, ...], int]] = []
        old: list[tuple[tuple[Any, ...], int]] = []
        for e in self._pending.values():
            expected = self._expect[e.id]
            row = (station, self._repo, key_text(e.id), e.version, type(e).__qualname__, dumps(e))
            (old if expected else new).append((row, expected))
        copy_rows(conn, "entities", [row for row, _ in new])
        with conn.cursor() as cursor:
            for row, expected in old:
                cursor.execute(
                    "UPDATE entities SET version = %s, type = %s, body = %s"
                    " WHERE station_id = %s AND repo = %s AND id = %s AND version = %s",
                    (*row[3:], *row[:3], expected),
                )
                if cursor.rowcount != 1:
                    raise ConflictError(f"one of the {self._repo} changed since it was read")


class PostgresAudit:
    """The append-only audit log of one station: entries numbered from 1 without gaps."""

    def __init__(self, uow: Reader) -> None:
        self._uow = uow
        self._station = uow.station_id
        self.reset()

    def reset(self) -> None:
        """Forget the pending entries."""
        self._pending: list[AuditEntry] = []
        self._base = 0

    @property
    def changed(self) -> bool:
        """Whether anything is pending."""
        return bool(self._pending)

    def _load(self, body: str) -> AuditEntry:
        return self._uow.converter.loads(body, AuditEntry)  # type: ignore[no-any-return]

    def last(self) -> AuditEntry | None:
        """The newest entry, or ``None``."""
        if self._pending:
            return self._pending[-1]
        row = self._uow.fetchone(
            "SELECT body FROM audit WHERE station_id = %s ORDER BY seq DESC LIMIT 1",
            (self._station,),
        )
        return None if row is None else self._load(row[0])

    def head(self) -> tuple[int, str] | None:
        """The newest entry's ``(seq, entry_hash)``, read without decoding its body."""
        if self._pending:
            return self._pending[-1].seq, self._pending[-1].entry_hash
        row = self._uow.fetchone(
            "SELECT seq, body::json ->> 'entry_hash' FROM audit WHERE station_id = %s"
            " ORDER BY seq DESC LIMIT 1",
            (self._station,),
        )
        return None if row is None else (int(row[0]), str(row[1] or ""))

    def append(self, entry: AuditEntry) -> None:
        """Store the entry following the last one (``ConflictError`` otherwise)."""
        last = self.last()
        expected = (last.seq if last else 0) + 1
        if entry.seq != expected:
            raise ConflictError(f"audit entry {entry.seq} does not follow {expected - 1}")
        if not self._pending:
            self._base = expected - 1
        self._pending.append(entry)

    def stream(self) -> Iterator[AuditEntry]:
        """Every entry in ``seq`` order, read through a server-side cursor."""
        rows = self._uow.cursor_rows(
            "SELECT body FROM audit WHERE station_id = %s ORDER BY seq", (self._station,), _PAGE
        )
        for (body,) in rows:
            yield self._load(body)
        yield from list(self._pending)

    def flush(self, conn: psycopg.Connection[Any]) -> None:
        """Write the pending entries; ``ConflictError`` if another unit wrote entries first."""
        if not self._pending:
            return
        row = conn.execute(
            "SELECT coalesce(max(seq), 0) FROM audit WHERE station_id = %s", (self._station,)
        ).fetchone()
        if row is None or row[0] != self._base:
            raise ConflictError("another unit of work appended to the audit log first")
        dumps, station = self._uow.converter.dumps, self._station
        copy_rows(
            conn,
            "audit",
            [
                (station, e.seq, key_text(e.object_type), key_text(e.object_id), dumps(e))
                for e in self._pending
            ],
        )
