"""The matter repository of the PostgreSQL backend: event streams and their projection.

Writes are kept in the unit of work until commit, as the memory reference keeps them; reads
overlay them on the database. A stale ``expected_version`` or a taken reference is refused at
``append`` against what is committed then, and again at commit by the primary keys, the unique
``(station_id, reference)`` and ``UPDATE … WHERE version = expected``. New matters, bodies and
events go in through ``COPY``.
"""

from __future__ import annotations

import copy
import heapq
from collections.abc import Collection, Iterator, Sequence
from typing import Any, Protocol

import psycopg

from fengqiao_core.errors import ConflictError, NotFound
from fengqiao_core.model import Matter, MatterEvent, replay
from fengqiao_core.ports import AggregateQuery, AggregateRow, MatterFilter
from fengqiao_postgres.aggregate import aggregate, filter_sql, pending_source
from fengqiao_postgres.errors import translate
from fengqiao_postgres.rows import (
    decode_event,
    event_row,
    key_text,
    matches,
    matter_row,
    micros,
    plain_text,
)
from fengqiao_postgres.schema import MATTER_COLUMNS

__all__ = ["PostgresMatters", "Reader"]

_UPDATE = (
    "UPDATE matters SET "
    + ", ".join(f"{c} = %s" for c in MATTER_COLUMNS[2:])
    + " WHERE station_id = %s AND id = %s AND version = %s"
)


class Reader(Protocol):
    """What the repositories need of their unit of work."""

    station_id: str
    converter: Any

    @property
    def connection(self) -> psycopg.Connection[Any]:
        """The unit's connection (autocommit mode)."""
        ...

    def fetchone(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        """One row of a query, or ``None``."""
        ...

    def fetchall(self, query: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Every row of a query."""
        ...

    def cursor_rows(self, query: str, params: tuple[Any, ...], batch: int) -> Iterator[Any]:
        """Rows of a query through a server-side cursor."""
        ...


def copy_rows(conn: psycopg.Connection[Any], table: str, rows: Sequence[Sequence[Any]]) -> None:
    """Append ``rows`` (every column, in table order) to ``table`` with ``COPY``."""
    if rows:
        with conn.cursor().copy(f"COPY {table} FROM STDIN") as writer:
            for row in rows:
                writer.write_row(row)


class PostgresMatters:
    """Matters of one unit of work: pending appends over the committed projection."""

    def __init__(self, uow: Reader) -> None:
        self._uow = uow
        self._station = uow.station_id
        self.reset()

    def reset(self) -> None:
        """Forget the pending appends."""
        self._states: dict[str, Matter] = {}
        self._events: dict[str, list[MatterEvent]] = {}
        self._references: dict[str, str] = {}
        self._expect: dict[str, int] = {}
        self._unreported: set[str] = set()
        self._read: dict[str, int] = {}  # versions read by `versions` (0: not stored)

    @property
    def changed(self) -> bool:
        """Whether anything is pending."""
        return bool(self._states)

    def _load(self, body: str) -> Matter:
        # our own row: rebuilt without re-validating (the converter's trusted path)
        return self._uow.converter.trusted_loads(body, Matter)  # type: ignore[no-any-return]

    def _stored(self, matter_id: str) -> Matter | None:
        row = self._uow.fetchone(
            "SELECT body FROM matter_bodies WHERE station_id = %s AND id = %s",
            (self._station, key_text(matter_id)),
        )
        return None if row is None else self._load(row[0])

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
        elif matter_id in self._read:
            version = self._read[matter_id]
        else:
            row = self._uow.fetchone(
                "SELECT version FROM matters WHERE station_id = %s AND id = %s",
                (self._station, key_text(matter_id)),
            )
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
        row = self._uow.fetchone(
            "SELECT id FROM matters WHERE station_id = %s AND md5(reference) = md5(%s)"
            " AND reference = %s",
            (self._station, key_text(reference), key_text(reference)),
        )
        if row is None:
            self._unreported.add(reference)
            return None
        return str(plain_text(row[0]))

    def find_by_reference(self, reference: str) -> Matter | None:
        """The matter reported with this reference, if any."""
        matter_id = self._reference_owner(reference)
        return None if matter_id is None else self.get(matter_id)

    def find_by_references(self, references: Collection[str]) -> dict[str, Matter]:
        """The matters reported with these references, in one query (see ``MatterBatchReads``)."""
        found: dict[str, Matter] = {}
        ask: list[str] = []
        for reference in set(references):
            pending = self._references.get(reference)
            if pending is not None:
                found[reference] = self.get(pending)
            elif reference not in self._unreported:
                ask.append(reference)
        if ask:
            rows = self._uow.fetchall(
                "SELECT m.reference, m.id, b.body FROM unnest(%s::text[]) AS r (reference)"
                " JOIN matters AS m ON m.station_id = %s AND md5(m.reference) = md5(r.reference)"
                " AND m.reference = r.reference JOIN matter_bodies AS b"
                " ON b.station_id = m.station_id AND b.id = m.id",
                ([key_text(r) for r in ask], self._station),
            )
            for reference, matter_id, body in rows:
                pending_state = self._states.get(str(plain_text(matter_id)))
                matter = copy.copy(pending_state) if pending_state else self._load(body)
                found[str(plain_text(reference))] = matter
            self._unreported.update(r for r in ask if r not in found)
        return found

    def versions(self, matter_ids: Collection[str]) -> dict[str, int]:
        """The version of each matter as this unit sees it (one query for those not read yet).

        Remembered for :meth:`append` until the unit commits or rolls back; the commit checks
        again (primary key, ``version`` guard).
        """
        ask = [x for x in set(matter_ids) if x not in self._states and x not in self._read]
        if ask:
            rows = self._uow.fetchall(
                "SELECT id, version FROM matters WHERE station_id = %s AND id = ANY(%s)",
                (self._station, [key_text(x) for x in ask]),
            )
            stored = {plain_text(matter_id): version for matter_id, version in rows}
            self._read.update((x, int(stored.get(x, 0))) for x in ask)
        seen = {x: s.version if (s := self._states.get(x)) else self._read[x] for x in matter_ids}
        return {x: version for x, version in seen.items() if version}

    def history(self, matter_id: str) -> list[MatterEvent]:
        """Every event in version order; raises ``NotFound``."""
        converter = self._uow.converter
        rows = self._uow.fetchall(
            "SELECT schema, body FROM events WHERE station_id = %s AND matter_id = %s"
            " ORDER BY version",
            (self._station, key_text(matter_id)),
        )
        events = [decode_event(converter, schema, body) for schema, body in rows]
        events.extend(self._events.get(matter_id, ()))
        if not events:
            raise NotFound("matter", matter_id)
        return events

    def _committed(self, where: MatterFilter, batch_size: int) -> Iterator[tuple[int, str, str]]:
        condition, params = filter_sql(where, "m")
        query = (
            "SELECT m.reported_us, m.id, b.body FROM matters AS m JOIN matter_bodies AS b"
            " ON b.station_id = m.station_id AND b.id = m.id"
            f" WHERE m.station_id = %s AND {condition} ORDER BY m.reported_us, m.id"
        )
        return self._uow.cursor_rows(query, (self._station, *params), batch_size)

    def stream(
        self, where: MatterFilter | None = None, *, batch_size: int = 1000
    ) -> Iterator[Matter]:
        """Matching matters by ``(reported_at, id)`` through a server-side cursor."""
        where = where or MatterFilter()
        pending = sorted(
            (micros(s.reported_at), key_text(s.id) or "", s)
            for s in self._states.values()
            if matches(where, s)
        )
        overridden = {key_text(x) for x in self._states}
        committed = (
            (key, matter_id, body)
            for key, matter_id, body in self._committed(where, max(1, batch_size))
            if matter_id not in overridden
        )
        for _, _, found in heapq.merge(committed, pending, key=lambda row: row[:2]):
            yield copy.copy(found) if isinstance(found, Matter) else self._load(str(found))

    def aggregate(self, query: AggregateQuery) -> list[AggregateRow]:
        """Compute ``query`` in SQL (over the pending matters too, through a temporary table)."""
        conn = self._uow.connection
        with translate():
            if not self._states:
                return aggregate(conn, self._station, query)
            with conn.transaction(force_rollback=True):
                rows = [matter_row(self._station, s) for s in self._states.values()]
                return aggregate(conn, self._station, query, pending_source(conn, rows))

    def flush(self, conn: psycopg.Connection[Any]) -> None:
        """Write the pending appends (inside the commit's transaction).

        Raises:
            ConflictError: A matter changed, or an id or reference was taken, since ``append``.
        """
        station, dumps = self._station, self._uow.converter.dumps
        new = [s for s in self._states.values() if not self._expect[s.id]]
        old = [s for s in self._states.values() if self._expect[s.id]]
        copy_rows(conn, "matters", [matter_row(station, s) for s in new])
        copy_rows(
            conn,
            "matter_bodies",
            [(station, key_text(s.id), dumps(s, unstructure_as=Matter)) for s in new],
        )
        with conn.cursor() as cursor:
            for s in old:
                row = matter_row(station, s)
                cursor.execute(_UPDATE, (*row[2:], station, row[1], self._expect[s.id]))
                if cursor.rowcount != 1:
                    raise ConflictError("a matter changed since this unit of work read it")
                cursor.execute(
                    "UPDATE matter_bodies SET body = %s WHERE station_id = %s AND id = %s",
                    (dumps(s, unstructure_as=Matter), station, row[1]),
                )
        converter = self._uow.converter
        copy_rows(
            conn,
            "events",
            [event_row(station, converter, e) for events in self._events.values() for e in events],
        )
