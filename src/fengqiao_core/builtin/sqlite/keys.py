"""The SQLite key ring 数据密钥表: wrapped data keys in ``data_keys`` (schema version 6).

A destroyed key keeps its row (id, subject, owner, times) and loses its wrapped bytes; the
update runs with ``PRAGMA secure_delete`` on, so SQLite overwrites the freed bytes in the
database file instead of leaving them in a free page.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from typing import Any

import attrs

from fengqiao_core.builtin.sqlite.rows import Reader, micros
from fengqiao_core.errors import ConflictError, NotFound
from fengqiao_core.ports import DataKey

__all__ = ["KEYS_TABLE", "SqliteKeys"]

KEYS_TABLE = (
    """CREATE TABLE data_keys (
        id TEXT PRIMARY KEY,
        subject TEXT NOT NULL,
        person TEXT,
        matter TEXT,
        algorithm TEXT NOT NULL,
        kek_id TEXT NOT NULL,
        wrapped BLOB,
        created_us INTEGER NOT NULL,
        destroyed_us INTEGER
    )""",
    "CREATE INDEX ix_data_keys_subject ON data_keys (subject, created_us)",
    "CREATE INDEX ix_data_keys_person ON data_keys (person) WHERE person IS NOT NULL",
    "CREATE INDEX ix_data_keys_matter ON data_keys (matter) WHERE matter IS NOT NULL",
)
"""Version 6's statements: the wrapped data keys and their lookups."""

_COLUMNS = "id, subject, person, matter, algorithm, kek_id, wrapped, created_us, destroyed_us"
_INSERT = f"INSERT INTO data_keys ({_COLUMNS}) VALUES ({', '.join('?' * 9)})"


def _time(us: int | None) -> dt.datetime | None:
    if us is None:
        return None
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=us)


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
        created_at=_time(created) or dt.datetime.now(dt.UTC),
        destroyed_at=_time(destroyed),
    )


class SqliteKeys:
    """The key ring of one :class:`~fengqiao_core.builtin.sqlite.unit.SqliteUnitOfWork`."""

    def __init__(self, uow: Reader) -> None:
        self._uow = uow
        self.reset()

    def reset(self) -> None:
        """Forget the pending changes."""
        self._new: dict[str, DataKey] = {}
        self._destroyed: dict[str, DataKey] = {}
        self._newest: dict[str, DataKey] = {}

    @property
    def changed(self) -> bool:
        """Whether anything is pending."""
        return bool(self._new or self._destroyed)

    def get(self, key_id: str) -> DataKey | None:
        """The key ``key_id``, or ``None``."""
        found = self._destroyed.get(key_id) or self._new.get(key_id)
        if found is not None:
            return found
        row = self._uow.fetchone(f"SELECT {_COLUMNS} FROM data_keys WHERE id = ?", (key_id,))
        return None if row is None else _key(row)

    def active(self, subject: str) -> DataKey | None:
        """The subject's newest key not destroyed."""
        pending = self._newest.get(subject)
        if pending is not None and pending.id not in self._destroyed:
            return pending
        rows = self._uow.fetchall(
            f"SELECT {_COLUMNS} FROM data_keys WHERE subject = ? AND wrapped IS NOT NULL"
            " ORDER BY created_us DESC, id DESC LIMIT 2",
            (subject,),
        )
        for row in rows:
            if row[0] not in self._destroyed:
                return _key(row)
        return None

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
        """Every key by id (committed ones page by page, pending ones merged in)."""
        pending = {**self._new, **self._destroyed}
        seen: set[str] = set()
        for row in self._uow.pages(f"SELECT {_COLUMNS} FROM data_keys", "id", ()):
            seen.add(row[0])
            yield pending.get(row[0]) or _key(row)
        for key_id in sorted(set(pending) - seen):
            yield pending[key_id]

    def flush(self, conn: sqlite3.Connection) -> None:
        """Write the new keys and blank the destroyed ones."""

        def row(k: DataKey) -> tuple[Any, ...]:
            destroyed = None if k.destroyed_at is None else micros(k.destroyed_at)
            created = micros(k.created_at)
            return (k.id, k.subject, k.person, k.matter, k.algorithm, k.kek_id, k.wrapped,
                    created, destroyed)  # fmt: skip

        fresh = [row(k) for k in self._new.values() if k.id not in self._destroyed]
        if fresh:
            try:
                conn.executemany(_INSERT, fresh)
            except sqlite3.IntegrityError:
                raise ConflictError("a data key id is taken") from None
        if self._destroyed:
            conn.execute("PRAGMA secure_delete = ON")
            for key in self._destroyed.values():
                if key.id in self._new:
                    conn.execute(_INSERT, row(key))
                    continue
                conn.execute(
                    "UPDATE data_keys SET wrapped = NULL, destroyed_us = ? WHERE id = ?",
                    (micros(key.destroyed_at or dt.datetime.now(dt.UTC)), key.id),
                )
