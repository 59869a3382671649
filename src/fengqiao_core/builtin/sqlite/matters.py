"""The matter repository of the SQLite backend: event streams and their projection.

Writes are kept in the unit of work until commit, as the memory reference keeps them; reads
overlay them on the database. A stale ``expected_version`` or a taken reference is refused at
``append`` against what is committed then, and again at commit, inside ``BEGIN IMMEDIATE``,
by the primary keys and ``UPDATE … WHERE version = ?``.
"""

from __future__ import annotations

import copy
import heapq
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from fengqiao_core.builtin.sqlite.aggregate import aggregate, filter_sql, pending_source
from fengqiao_core.builtin.sqlite.rows import Reader, decode_event, event_row, matter_row, micros
from fengqiao_core.builtin.sqlite.schema import MATTER_COLUMNS
from fengqiao_core.errors import ConflictError, NotFound, StorageError
from fengqiao_core.metrics.aggregate import matches
from fengqiao_core.model import Matter, MatterEvent, replay
from fengqiao_core.ports import AggregateQuery, AggregateRow, MatterFilter
from fengqiao_core.security.logs import get_logger

__all__ = ["SqliteMatters"]

_log = get_logger(__name__)

_INSERT = f"INSERT INTO matters VALUES ({', '.join('?' * len(MATTER_COLUMNS))})"
_UPDATE = (
    "UPDATE matters SET "
    + ", ".join(f"{c} = ?" for c in MATTER_COLUMNS[1:])
    + " WHERE id = ? AND version = ?"
)


class SqliteMatters:
    """Matters of one unit of work: pending appends over the committed projection."""

    def __init__(self, uow: Reader) -> None:
        self._uow = uow
        self.reset()

    def reset(self) -> None:
        """Forget the pending appends."""
        self._states: dict[str, Matter] = {}
        self._events: dict[str, list[MatterEvent]] = {}
        self._references: dict[str, str] = {}
        self._expect: dict[str, int] = {}
        self._unreported: set[str] = set()  # references this unit found free (commit rechecks)

    @property
    def changed(self) -> bool:
        """Whether anything is pending."""
        return bool(self._states)

    def _load(self, body: str, matter_id: str) -> Matter:
        """Decode a stored matter; ``StorageError`` naming its id if it cannot be."""
        try:
            # our own row: rebuilt without re-validating (the converter's trusted path)
            return self._uow.converter.trusted_loads(body, Matter)  # type: ignore[no-any-return]
        except Exception as exc:  # any decoding failure: name the key, never the value
            raise StorageError(
                f"matter {matter_id} cannot be decoded ({type(exc).__name__}); the other "
                "matters are unaffected"
            ) from None

    def _stored(self, matter_id: str) -> Matter | None:
        row = self._uow.fetchone("SELECT body FROM matter_bodies WHERE id = ?", (matter_id,))
        return None if row is None else self._load(row[0], matter_id)

    def _readable(self, rows: Iterator[tuple[object, str, object]]) -> Iterator[Any]:
        """Stream rows with stored matters decoded; an undecodable one is logged and skipped."""
        for _, matter_id, found in rows:
            if isinstance(found, Matter):
                yield copy.copy(found)
                continue
            try:
                yield self._load(str(found), matter_id)
            except StorageError:
                _log.error("matter %s cannot be decoded; skipped", matter_id)

    def append(self, events: Sequence[MatterEvent], expected_version: int) -> Matter:
        """Append one matter's events after ``expected_version`` (see the port)."""
        if not events:
            raise ConflictError("nothing to append")
        matter_id = events[0].matter_id
        current = self._states.get(matter_id)
        if current is not None:
            version = current.version
        elif expected_version:
            current = self._stored(matter_id)
            version = current.version if current else 0
        else:
            row = self._uow.fetchone("SELECT version FROM matters WHERE id = ?", (matter_id,))
            version = row[0] if row else 0
        if version != expected_version:
            raise ConflictError(
                f"matter {matter_id} is at version {version}, not {expected_version}"
            )
        state = replay(events, start=current)
        if current is None and state.reference is not None:
            if self._reference_owner(state.reference) is not None:
                raise ConflictError("the reference is already reported")
            self._references[state.reference] = matter_id
        self._expect.setdefault(matter_id, expected_version)
        self._states[matter_id] = state
        self._events.setdefault(matter_id, []).extend(events)
        return copy.copy(state)

    def get(self, matter_id: str) -> Matter:
        """The current state; raises ``NotFound``."""
        pending = self._states.get(matter_id)
        if pending is not None:
            return copy.copy(pending)
        stored = self._stored(matter_id)
        if stored is None:
            raise NotFound("matter", matter_id)
        return stored

    def _reference_owner(self, reference: str) -> str | None:
        pending = self._references.get(reference)
        if pending is not None:
            return pending
        if reference in self._unreported:
            return None
        row = self._uow.fetchone("SELECT id FROM matters WHERE reference = ?", (reference,))
        if row is None:
            self._unreported.add(reference)
            return None
        return str(row[0])

    def find_by_reference(self, reference: str) -> Matter | None:
        """The matter reported with this reference, if any."""
        matter_id = self._reference_owner(reference)
        return None if matter_id is None else self.get(matter_id)

    def history(self, matter_id: str) -> list[MatterEvent]:
        """Every event in version order; raises ``NotFound``."""
        converter = self._uow.converter
        rows = self._uow.fetchall(
            "SELECT schema, body FROM events WHERE matter_id = ? ORDER BY version", (matter_id,)
        )
        events = [decode_event(converter, schema, body) for schema, body in rows]
        events.extend(self._events.get(matter_id, ()))
        if not events:
            raise NotFound("matter", matter_id)
        return events

    def _committed(self, where: MatterFilter, batch_size: int) -> Iterator[tuple[int, str, str]]:
        condition, params = filter_sql(where, "m")
        sql = (
            "SELECT m.reported_us, m.id, b.body FROM matters AS m"
            f" JOIN matter_bodies AS b ON b.id = m.id WHERE {condition}"
        )
        page = self._uow.fetchall(
            f"{sql} ORDER BY m.reported_us, m.id LIMIT ?", (*params, batch_size)
        )
        after = f"{sql} AND (m.reported_us, m.id) > (?, ?) ORDER BY m.reported_us, m.id LIMIT ?"
        while page:
            yield from page
            last = page[-1]
            if len(page) < batch_size:
                return
            page = self._uow.fetchall(after, (*params, last[0], last[1], batch_size))

    def stream(
        self, where: MatterFilter | None = None, *, batch_size: int = 1000
    ) -> Iterator[Matter]:
        """Matching matters by ``(reported_at, id)``, read page by page (keyset pagination)."""
        where = where or MatterFilter()
        pending = sorted(
            (micros(s.reported_at), s.id, s) for s in self._states.values() if matches(where, s)
        )
        overridden = set(self._states)
        committed = (
            (key, matter_id, body)
            for key, matter_id, body in self._committed(where, max(1, batch_size))
            if matter_id not in overridden
        )
        yield from self._readable(heapq.merge(committed, pending, key=lambda row: row[:2]))

    def aggregate(self, query: AggregateQuery) -> list[AggregateRow]:
        """Compute ``query`` in SQL (over the pending matters too, through a temporary table)."""
        conn = self._uow.connection
        with self._uow.translated():
            if not self._states:
                return aggregate(conn, query)
            source = pending_source(conn, [matter_row(s) for s in self._states.values()])
            try:
                return aggregate(conn, query, source)
            finally:
                conn.execute("DELETE FROM temp.pending_matters")

    def flush(self, conn: sqlite3.Connection) -> None:
        """Write the pending appends (inside the commit's transaction).

        Raises:
            ConflictError: A matter changed, or an id or reference was taken, since ``append``.
        """
        dumps = self._uow.converter.dumps
        new = [s for s in self._states.values() if not self._expect[s.id]]
        old = [s for s in self._states.values() if self._expect[s.id]]
        conn.executemany(_INSERT, [matter_row(s) for s in new])
        conn.executemany(
            "INSERT INTO matter_bodies VALUES (?, ?)",
            [(s.id, dumps(s, unstructure_as=Matter)) for s in new],
        )
        if old:
            updated = conn.executemany(
                _UPDATE, [(*matter_row(s)[1:], s.id, self._expect[s.id]) for s in old]
            )
            if updated.rowcount != len(old):
                raise ConflictError("a matter changed since this unit of work read it")
            conn.executemany(
                "UPDATE matter_bodies SET body = ? WHERE id = ?",
                [(dumps(s, unstructure_as=Matter), s.id) for s in old],
            )
        converter = self._uow.converter
        conn.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
            [event_row(converter, e) for events in self._events.values() for e in events],
        )
