"""The SQLite key ring 数据密钥表: wrapped data keys in ``data_keys`` (schema version 7).

A destroyed key keeps its row (id, subject, owner, times) and loses its wrapped bytes; the
update runs with ``PRAGMA secure_delete`` on, so SQLite overwrites the freed bytes in the
database file instead of leaving them in a free page.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from typing import Any

from fengqiao_core.builtin.keyring import PendingKeyRing
from fengqiao_core.builtin.sqlite.rows import Reader, micros
from fengqiao_core.errors import ConflictError
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
"""Version 7's statements: the wrapped data keys and their lookups."""

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


class SqliteKeys(PendingKeyRing):
    """The key ring of one :class:`~fengqiao_core.builtin.sqlite.unit.SqliteUnitOfWork`."""

    def __init__(self, uow: Reader) -> None:
        self._uow = uow
        super().__init__()

    def stored(self, key_id: str) -> DataKey | None:
        """The committed key ``key_id``."""
        row = self._uow.fetchone(f"SELECT {_COLUMNS} FROM data_keys WHERE id = ?", (key_id,))
        return None if row is None else _key(row)

    def stored_active(self, subject: str) -> list[DataKey]:
        """The subject's two newest committed live keys."""
        rows = self._uow.fetchall(
            f"SELECT {_COLUMNS} FROM data_keys WHERE subject = ? AND wrapped IS NOT NULL"
            " ORDER BY created_us DESC, id DESC LIMIT 2",
            (subject,),
        )
        return [_key(row) for row in rows]

    def stored_all(self) -> Iterator[DataKey]:
        """Every committed key by id, page by page."""
        for row in self._uow.pages(f"SELECT {_COLUMNS} FROM data_keys", "id", ()):
            yield _key(row)

    def flush(self, conn: sqlite3.Connection) -> None:
        """Write the new keys and blank the destroyed ones."""
        fresh = [
            (k.id, k.subject, k.person, k.matter, k.algorithm, k.kek_id, k.wrapped,
             micros(k.created_at), None if k.destroyed_at is None else micros(k.destroyed_at))
            for k in self.to_insert()
        ]  # fmt: skip
        if fresh:
            try:
                conn.executemany(_INSERT, fresh)
            except sqlite3.IntegrityError:
                raise ConflictError("a data key id is taken") from None
        blank = self.to_blank()
        if blank:
            conn.execute("PRAGMA secure_delete = ON")
            conn.executemany(
                "UPDATE data_keys SET wrapped = NULL, destroyed_us = ? WHERE id = ?",
                [(micros(k.destroyed_at or dt.datetime.now(dt.UTC)), k.id) for k in blank],
            )
