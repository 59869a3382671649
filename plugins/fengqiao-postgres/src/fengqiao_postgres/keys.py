"""The PostgreSQL key ring 数据密钥表: wrapped data keys per station (schema version 2).

The station seals personal values and wraps the keys (fengqiao_core issue 15); this table
only keeps the wrapped bytes. Destroying a key sets them to NULL and keeps the record.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg

from fengqiao_core.builtin.keyring import PendingKeyRing
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


class PostgresKeys(PendingKeyRing):
    """The key ring of one :class:`~fengqiao_postgres.unit.PostgresUnitOfWork`."""

    def __init__(self, uow: Reader) -> None:
        self._uow = uow
        self._station = uow.station_id
        super().__init__()

    def stored(self, key_id: str) -> DataKey | None:
        """The committed key ``key_id``."""
        row = self._uow.fetchone(
            f"SELECT {_COLUMNS} FROM data_keys WHERE station_id = %s AND id = %s",
            (self._station, key_id),
        )
        return None if row is None else _key(row)

    def stored_active(self, subject: str) -> list[DataKey]:
        """The subject's two newest committed live keys."""
        rows = self._uow.fetchall(
            f"SELECT {_COLUMNS} FROM data_keys WHERE station_id = %s AND subject = %s"
            " AND wrapped IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT 2",
            (self._station, subject),
        )
        return [_key(row) for row in rows]

    def stored_all(self) -> Iterator[DataKey]:
        """Every committed key by id, through a server-side cursor."""
        rows = self._uow.cursor_rows(
            f"SELECT {_COLUMNS} FROM data_keys WHERE station_id = %s ORDER BY id",
            (self._station,),
            500,
        )
        for row in rows:
            yield _key(row)

    def flush(self, conn: psycopg.Connection[Any]) -> None:
        """Write the new keys (``COPY``) and blank the destroyed ones."""
        rows = [
            (self._station, k.id, k.subject, k.person, k.matter, k.algorithm, k.kek_id,
             k.wrapped, k.created_at, k.destroyed_at)
            for k in self.to_insert()
        ]  # fmt: skip
        copy_rows(conn, "data_keys", rows)  # a taken id: unique violation, a ConflictError
        for key in self.to_blank():
            conn.execute(
                "UPDATE data_keys SET wrapped = NULL, destroyed_at = %s"
                " WHERE station_id = %s AND id = %s",
                (key.destroyed_at, self._station, key.id),
            )
