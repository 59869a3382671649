"""The PostgreSQL key ring 数据密钥表: wrapped data keys per station (schema version 2).

The station seals personal values and wraps the keys (fengqiao_core issue 15); this table
only keeps the wrapped bytes. Destroying a key sets them to NULL and keeps the record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import attrs
import psycopg

from fengqiao_core.errors import ConflictError, NotFound
from fengqiao_core.ports import DataKey
from fengqiao_postgres.matters import Reader, copy_rows

__all__ = ["KEYS_TABLE", "PostgresKeys"]

KEYS_TABLE = (
    """CREATE TABLE data_keys (
        station_id TEXT COLLATE "C" NOT NULL,
        id TEXT COLLATE "C" NOT NULL,
        subject TEXT COLLATE "C" NOT NULL,
        person TEXT COLLATE "C",
        matter TEXT COLLATE "C",
        algorithm TEXT NOT NULL,
        kek_id TEXT NOT NULL,
        wrapped BYTEA,
        created_at TIMESTAMPTZ NOT NULL,
        destroyed_at TIMESTAMPTZ,
        PRIMARY KEY (station_id, id)
    )""",
    "CREATE INDEX ix_data_keys_subject ON data_keys (station_id, subject, created_at)",
)
"""Version 2's statements: the wrapped data keys and their lookup by subject."""

_COLUMNS = "id, subject, person, matter, algorithm, kek_id, wrapped, created_at, destroyed_at"


def _key(row: Any) -> DataKey:
    key_id, subject, person, matter, algorithm, kek_id, wrapped, created, destroyed = row
    return DataKey(
        id=key_id,
        subject=subject,
        person=person,
        matter=matter,
        algorithm=algorithm,
        kek_id=kek_id,
        wrapped=None if wrapped is None else bytes(wrapped),
        created_at=created,
        destroyed_at=destroyed,
    )


class PostgresKeys:
    """The key ring of one :class:`~fengqiao_postgres.unit.PostgresUnitOfWork`."""

    def __init__(self, uow: Reader) -> None:
        self._uow = uow
        self._station = uow.station_id
        self.reset()

    def reset(self) -> None:
        """Forget the pending changes."""
        self._new: dict[str, DataKey] = {}
        self._newest: dict[str, DataKey] = {}
        self._destroyed: dict[str, DataKey] = {}

    @property
    def changed(self) -> bool:
        """Whether anything is pending."""
        return bool(self._new or self._destroyed)

    def get(self, key_id: str) -> DataKey | None:
        """The key ``key_id``, or ``None``."""
        found = self._destroyed.get(key_id) or self._new.get(key_id)
        if found is not None:
            return found
        row = self._uow.fetchone(
            f"SELECT {_COLUMNS} FROM data_keys WHERE station_id = %s AND id = %s",
            (self._station, key_id),
        )
        return None if row is None else _key(row)

    def active(self, subject: str) -> DataKey | None:
        """The subject's newest key not destroyed."""
        pending = self._newest.get(subject)
        if pending is not None and pending.id not in self._destroyed:
            return pending
        rows = self._uow.fetchall(
            f"SELECT {_COLUMNS} FROM data_keys WHERE station_id = %s AND subject = %s"
            " AND wrapped IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT 2",
            (self._station, subject),
        )
        return next((_key(r) for r in rows if r[0] not in self._destroyed), None)

    def add(self, key: DataKey) -> None:
        """Store a new key (``ConflictError`` now if pending, at commit if stored)."""
        if key.id in self._new:
            raise ConflictError(f"data key {key.id!r} already exists")
        self._new[key.id] = key
        self._newest[key.subject] = key

    def destroy(self, key_id: str, at: dt.datetime) -> DataKey:
        """Drop the wrapped bytes of ``key_id`` at commit (``NotFound`` if unknown)."""
        found = self.get(key_id)
        if found is None:
            raise NotFound("data key", key_id)
        gone = attrs.evolve(found, wrapped=None, destroyed_at=found.destroyed_at or at)
        self._destroyed[key_id] = gone
        return gone

    def stream(self) -> Iterator[DataKey]:
        """Every key by id (committed ones, then pending new ones)."""
        pending = {**self._new, **self._destroyed}
        seen: set[str] = set()
        rows = self._uow.cursor_rows(
            f"SELECT {_COLUMNS} FROM data_keys WHERE station_id = %s ORDER BY id",
            (self._station,),
            500,
        )
        for row in rows:
            seen.add(row[0])
            yield pending.get(row[0]) or _key(row)
        for key_id in sorted(set(pending) - seen):
            yield pending[key_id]

    def flush(self, conn: psycopg.Connection[Any]) -> None:
        """Write the new keys and blank the destroyed ones."""
        rows = [
            (self._station, k.id, k.subject, k.person, k.matter, k.algorithm, k.kek_id,
             k.wrapped, k.created_at, k.destroyed_at)
            for k in (self._destroyed.get(n.id, n) for n in self._new.values())
        ]  # fmt: skip
        copy_rows(conn, "data_keys", rows)  # a taken id: unique violation, a ConflictError
        for key in self._destroyed.values():
            if key.id not in self._new:
                conn.execute(
                    "UPDATE data_keys SET wrapped = NULL, destroyed_at = %s"
                    " WHERE station_id = %s AND id = %s",
                    (key.destroyed_at, self._station, key.id),
                )
