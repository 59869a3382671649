"""Entities and the audit log of the SQLite backend (pending until commit)."""

from __future__ import annotations

import copy
import heapq
import sqlite3
from collections.abc import Iterator
from typing import Generic, TypeVar

import attrs

from fengqiao_core.builtin.sqlite.rows import Reader, entity_class
from fengqiao_core.errors import ConflictError, NotFound
from fengqiao_core.model import Entity
from fengqiao_core.ports import AuditEntry
from fengqiao_core.security.logs import get_logger

__all__ = ["SqliteAudit", "SqliteEntities"]

_log = get_logger(__name__)

E = TypeVar("E", bound=Entity)
_PAGE = 500


class SqliteEntities(Generic[E]):
    """People, places or teams (``repo`` names which) with optimistic versions."""

    def __init__(self, uow: Reader, repo: str) -> None:
        self._uow = uow
        self._repo = repo
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
            "SELECT type, body FROM entities WHERE repo = ? AND id = ?", (self._repo, entity_id)
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

    def stream(self) -> Iterator[E]:
        """Every entity by id, committed ones read page by page."""
        pending = sorted(self._pending.items())
        committed = (
            (entity_id, (kind, body))
            for entity_id, kind, body in self._uow.pages(
                "SELECT id, type, body FROM entities WHERE repo = ?", "id", (self._repo,)
            )
            if entity_id not in self._pending
        )
        for entity_id, found in heapq.merge(committed, pending, key=lambda row: row[0]):
            if isinstance(found, Entity):
                yield copy.copy(found)  # type: ignore[misc]
                continue
            try:
                yield self._load(*found)  # type: ignore[misc]
            except Exception as exc:  # one undecodable row never hides the others
                _log.error(
                    "%s %s cannot be decoded (%s); skipped",
                    self._repo,
                    entity_id,
                    type(exc).__name__,
                )

    def flush(self, conn: sqlite3.Connection) -> None:
        """Write the pending entities; ``ConflictError`` if one changed since it was read."""
        dumps = self._uow.converter.dumps
        rows = [
            (e.version, type(e).__qualname__, dumps(e), self._repo, e.id, self._expect[e.id])
            for e in self._pending.values()
        ]
        conn.executemany(
            "INSERT INTO entities (version, type, body, repo, id) VALUES (?, ?, ?, ?, ?)",
            [row[:5] for row in rows if not row[5]],
        )
        old = [row for row in rows if row[5]]
        if old:
            updated = conn.executemany(
                "UPDATE entities SET version = ?, type = ?, body = ?"
                " WHERE repo = ? AND id = ? AND version = ?",
                old,
            )
            if updated.rowcount != len(old):
                raise ConflictError(f"one of the {self._repo} changed since it was read")


class SqliteAudit:
    """The append-only audit log: entries numbered from 1 without gaps."""

    def __init__(self, uow: Reader) -> None:
        self._uow = uow
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
        row = self._uow.fetchone("SELECT body FROM audit ORDER BY seq DESC LIMIT 1")
        return None if row is None else self._load(row[0])

    def head(self) -> tuple[int, str] | None:
        """The newest entry's ``(seq, entry_hash)``, read without decoding its body."""
        if self._pending:
            return self._pending[-1].seq, self._pending[-1].entry_hash
        row = self._uow.fetchone(
            "SELECT seq, json_extract(body, '$.entry_hash') FROM audit ORDER BY seq DESC LIMIT 1"
        )
        return None if row is None else (int(row[0]), str(row[1] or ""))

    def append(self, entry: AuditEntry) -> None:
        """Store the entry following the last one (``ConflictError`` otherwise)."""
        head = self.head()
        expected = (head[0] if head else 0) + 1
        if entry.seq != expected:
            raise ConflictError(f"audit entry {entry.seq} does not follow {expected - 1}")
        if not self._pending:
            self._base = expected - 1
        self._pending.append(entry)

    def stream(self) -> Iterator[AuditEntry]:
        """Every entry in ``seq`` order."""
        for _, body in self._uow.pages("SELECT seq, body FROM audit", "seq", ()):
            yield self._load(body)
        yield from list(self._pending)

    def flush(self, conn: sqlite3.Connection) -> None:
        """Write the pending entries; ``ConflictError`` if another unit wrote entries first."""
        if not self._pending:
            return
        if conn.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0] != self._base:
            raise ConflictError("another unit of work appended to the audit log first")
        dumps = self._uow.converter.dumps
        conn.executemany(
            "INSERT INTO audit VALUES (?, ?, ?, ?)",
            [(e.seq, e.object_type, e.object_id, dumps(e)) for e in self._pending],
        )
