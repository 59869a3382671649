"""The outbox of the SQLite backend 发件箱: leases, dead letters and quarantined rows.

Messages added or recorded in a unit of work are written at its commit. :meth:`SqliteOutbox.claim`
is different: it leases due messages to one dispatcher in its own short ``BEGIN IMMEDIATE``
transaction, so two dispatchers — in two threads or two processes — never get the same message
while its lease runs. A row whose body cannot be decoded is logged with its id and quarantined
(``poison = 1``): it never stops the other messages.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from typing import Any

import attrs

from fengqiao_core.builtin.sqlite.rows import Reader, micros
from fengqiao_core.errors import ConflictError, NotFound, StorageError, ValidationError
from fengqiao_core.ports import OutboxMessage
from fengqiao_core.security.logs import get_logger

__all__ = ["SqliteOutbox"]

_log = get_logger(__name__)
_COLUMNS = "id, created_us, delivered, next_attempt_us, given_up, body"
_DUE = (
    "delivered = 0 AND given_up = 0 AND poison = 0"
    " AND (next_attempt_us IS NULL OR next_attempt_us <= ?)"
)


def _due(message: OutboxMessage, now: dt.datetime) -> bool:
    return (
        message.delivered_at is None
        and not message.given_up
        and (message.next_attempt_at is None or message.next_attempt_at <= now)
    )


def _row(message: OutboxMessage, dumps: Any) -> tuple[Any, ...]:
    return (
        message.id,
        micros(message.created_at),
        int(message.delivered_at is not None),
        None if message.next_attempt_at is None else micros(message.next_attempt_at),
        int(message.given_up),
        dumps(message),
    )


class SqliteOutbox:
    """Messages written with a change, claimed and delivered after commit."""

    def __init__(self, uow: Reader) -> None:
        self._uow = uow
        self.reset()

    def reset(self) -> None:
        """Forget the pending messages."""
        self._pending: dict[str, OutboxMessage] = {}
        self._added: set[str] = set()

    @property
    def changed(self) -> bool:
        """Whether anything is pending."""
        return bool(self._pending)

    def _decoded(self, rows: Iterable[tuple[str, str]]) -> tuple[list[OutboxMessage], list[str]]:
        """Decode ``(id, body)`` rows; an undecodable one is logged and its id returned apart."""
        good: list[OutboxMessage] = []
        bad: list[str] = []
        for message_id, body in rows:
            try:
                good.append(self._uow.converter.loads(body, OutboxMessage))
            except Exception as exc:  # any decoding failure: report the key, keep going
                _log.error(
                    "outbox message %s cannot be decoded (%s); it is quarantined",
                    message_id,
                    type(exc).__name__,
                )
                bad.append(message_id)
        return good, bad

    def _get(self, message_id: str) -> OutboxMessage:
        pending = self._pending.get(message_id)
        if pending is not None:
            return pending
        row = self._uow.fetchone("SELECT id, body FROM outbox WHERE id = ?", (message_id,))
        if row is None:
            raise NotFound("outbox message", message_id)
        found, _ = self._decoded([row])
        if not found:
            raise StorageError(f"outbox message {message_id} cannot be decoded (quarantined)")
        return found[0]

    def _exists(self, message_id: str) -> bool:
        if message_id in self._pending:
            return True
        return self._uow.fetchone("SELECT 1 FROM outbox WHERE id = ?", (message_id,)) is not None

    def add(self, message: OutboxMessage) -> None:
        """Store a new message; ``ConflictError`` if the id exists."""
        if self._exists(message.id):
            raise ConflictError(f"outbox message {message.id!r} already exists")
        self._added.add(message.id)
        self._pending[message.id] = message

    def pending(self, now: dt.datetime, limit: int = 100) -> list[OutboxMessage]:
        """Undelivered messages due at ``now``, oldest first (leased ones too)."""
        rows = self._uow.fetchall(
            f"SELECT id, body FROM outbox WHERE {_DUE} ORDER BY created_us, id LIMIT ?",
            (micros(now), max(0, limit) + len(self._pending)),
        )
        due, _ = self._decoded(r for r in rows if r[0] not in self._pending)
        due.extend(m for m in self._pending.values() if _due(m, now))
        due.sort(key=lambda m: (m.created_at, m.id))
        return due[: max(0, limit)]

    def claim(
        self, owner: str, now: dt.datetime, lease_until: dt.datetime, limit: int = 100
    ) -> list[OutboxMessage]:
        """Lease to ``owner`` the committed messages due at ``now`` and not leased (see the port).

        Runs in its own transaction, committed at once; undecodable rows are quarantined.
        """
        conn = self._uow.connection
        now_us, until_us = micros(now), micros(lease_until)
        with self._uow.translated():
            conn.execute("BEGIN IMMEDIATE")
            try:
                rows = conn.execute(
                    f"SELECT id, body FROM outbox WHERE {_DUE}"
                    " AND (lease_until_us IS NULL OR lease_until_us <= ?)"
                    " ORDER BY created_us, id LIMIT ?",
                    (now_us, now_us, max(0, limit)),
                ).fetchall()
                claimed, bad = self._decoded(rows)
                conn.executemany(
                    "UPDATE outbox SET poison = 1, lease_owner = NULL, lease_until_us = NULL"
                    " WHERE id = ?",
                    [(message_id,) for message_id in bad],
                )
                conn.executemany(
                    "UPDATE outbox SET lease_owner = ?, lease_until_us = ? WHERE id = ?",
                    [(owner, until_us, m.id) for m in claimed],
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return claimed

    def record(self, message: OutboxMessage) -> None:
        """Store a message's new delivery state and end its lease; ``NotFound`` if unknown."""
        if not self._exists(message.id):
            raise NotFound("outbox message", message.id)
        self._pending[message.id] = message

    def failed(self, limit: int = 100) -> list[OutboxMessage]:
        """Dead letters: messages given up on, oldest first."""
        rows = self._uow.fetchall(
            "SELECT id, body FROM outbox WHERE given_up = 1 AND poison = 0"
            " ORDER BY created_us, id LIMIT ?",
            (max(0, limit) + len(self._pending),),
        )
        found, _ = self._decoded(r for r in rows if r[0] not in self._pending)
        found.extend(m for m in self._pending.values() if m.given_up)
        found.sort(key=lambda m: (m.created_at, m.id))
        return found[: max(0, limit)]

    def retry(self, message_id: str) -> OutboxMessage:
        """Queue a dead letter again (at commit): due now, its attempts counted from zero.

        Raises:
            NotFound: No such message.
            ValidationError: The message is not a dead letter.
        """
        message = self._get(message_id)
        if not message.given_up:
            raise ValidationError("message_id", f"outbox message {message_id} is not failed")
        again = attrs.evolve(message, given_up=False, next_attempt_at=None, attempts=0)
        self._pending[message_id] = again
        return again

    def flush(self, conn: sqlite3.Connection) -> None:
        """Write the pending messages; recorded ones lose their lease.

        Raises:
            ConflictError: Another unit of work added a message with an id this one added.
        """
        dumps = self._uow.converter.dumps
        rows = [_row(m, dumps) for m in self._pending.values()]
        conn.executemany(
            f"INSERT INTO outbox ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            [r for r in rows if r[0] in self._added],
        )
        conn.executemany(
            "UPDATE outbox SET created_us = ?, delivered = ?, next_attempt_us = ?, given_up = ?,"
            " body = ?, lease_owner = NULL, lease_until_us = NULL WHERE id = ?",
            [(*r[1:], r[0]) for r in rows if r[0] not in self._added],
        )
