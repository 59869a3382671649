"""The outbox of the PostgreSQL backend 发件箱: leases, dead letters and quarantined rows.

Messages added or recorded in a unit of work are written at its commit (recording one ends its
lease). :meth:`PostgresOutbox.claim` is different: one ``UPDATE … WHERE (station_id, id) IN
(SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING`` leases due messages to one dispatcher and
commits at once (the unit's connection is in autocommit mode), so dispatchers in any number of
threads, processes or hosts never get the same message while its lease runs. A row whose body
cannot be decoded is logged with its id and quarantined (``poison``): it never stops the others.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

import attrs
import psycopg

from fengqiao_core.errors import ConflictError, NotFound, StorageError, ValidationError
from fengqiao_core.ports import OutboxMessage
from fengqiao_postgres.errors import translate
from fengqiao_postgres.matters import Reader, copy_rows
from fengqiao_postgres.rows import key_text, micros, plain_text

__all__ = ["PostgresOutbox"]

_log = logging.getLogger(__name__)
_DUE = (
    "station_id = %s AND NOT delivered AND NOT given_up AND NOT poison"
    " AND (next_attempt_us IS NULL OR next_attempt_us <= %s)"
)
_CLAIM = (
    "UPDATE outbox SET lease_owner = %s, lease_until_us = %s"
    " WHERE (station_id, id) IN ("
    f"SELECT station_id, id FROM outbox WHERE {_DUE}"
    " AND (lease_until_us IS NULL OR lease_until_us <= %s)"
    " ORDER BY created_us, id LIMIT %s FOR UPDATE SKIP LOCKED)"
    " RETURNING id, body"
)
_UPDATE = (
    "UPDATE outbox SET created_us = %s, delivered = %s, next_attempt_us = %s, given_up = %s,"
    " body = %s, lease_owner = NULL, lease_until_us = NULL WHERE station_id = %s AND id = %s"
)


def _due(message: OutboxMessage, now: dt.datetime) -> bool:
    return (
        message.delivered_at is None
        and not message.given_up
        and (message.next_attempt_at is None or message.next_attempt_at <= now)
    )


def _oldest_first(messages: list[OutboxMessage], limit: int) -> list[OutboxMessage]:
    messages.sort(key=lambda m: (m.created_at, m.id))
    return messages[: max(0, limit)]


class PostgresOutbox:
    """One station's messages, written with a change, claimed and delivered after commit."""

    def __init__(self, uow: Reader) -> None:
        self._uow = uow
        self._station = uow.station_id
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
        """Decode ``(id, body)`` rows; an undecodable one is logged and its stored id set apart."""
        good: list[OutboxMessage] = []
        bad: list[str] = []
        for stored_id, body in rows:
            try:
                good.append(self._uow.converter.loads(body, OutboxMessage))
            except Exception as exc:  # any decoding failure: report the key, keep going
                _log.error(
                    "outbox message %s cannot be decoded (%s); it is quarantined",
                    stored_id,
                    type(exc).__name__,
                )
                bad.append(stored_id)
        return good, bad

    def _committed(self, where: str, params: tuple[Any, ...]) -> list[OutboxMessage]:
        """Committed, decodable messages not pending in this unit (``where`` ends the query)."""
        rows = self._uow.fetchall(f"SELECT id, body FROM outbox WHERE {where}", params)
        found, _ = self._decoded(r for r in rows if plain_text(r[0]) not in self._pending)
        return found

    def _get(self, message_id: str) -> OutboxMessage:
        pending = self._pending.get(message_id)
        if pending is not None:
            return pending
        row = self._uow.fetchone(
            "SELECT id, body FROM outbox WHERE station_id = %s AND id = %s",
            (self._station, key_text(message_id)),
        )
        if row is None:
            raise NotFound("outbox message", message_id)
        found, _ = self._decoded([row])
        if not found:
            raise StorageError(f"outbox message {message_id} cannot be decoded (quarantined)")
        return found[0]

    def _exists(self, message_id: str) -> bool:
        if message_id in self._pending:
            return True
        found = self._uow.fetchone(
            "SELECT 1 FROM outbox WHERE station_id = %s AND id = %s",
            (self._station, key_text(message_id)),
        )
        return found is not None

    def add(self, message: OutboxMessage) -> None:
        """Store a new message; ``ConflictError`` if the id exists.

        An id this unit holds is refused here; a stored one at commit, by the primary key (no
        query per message).
        """
        if message.id in self._pending:
            raise ConflictError(f"outbox message {message.id!r} already exists")
        self._added.add(message.id)
        self._pending[message.id] = message

    def pending(self, now: dt.datetime, limit: int = 100) -> list[OutboxMessage]:
        """Undelivered messages due at ``now``, oldest first (leased ones too)."""
        due = self._committed(
            f"{_DUE} ORDER BY created_us, id LIMIT %s",
            (self._station, micros(now), max(0, limit) + len(self._pending)),
        )
        due.extend(m for m in self._pending.values() if _due(m, now))
        return _oldest_first(due, limit)

    def claim(
        self, owner: str, now: dt.datetime, lease_until: dt.datetime, limit: int = 100
    ) -> list[OutboxMessage]:
        """Lease to ``owner`` the committed messages due at ``now`` and not leased (see the port).

        One statement, committed at once; undecodable rows are quarantined.
        """
        now_us = micros(now)
        params = (owner, micros(lease_until), self._station, now_us, now_us, max(0, limit))
        rows = self._uow.fetchall(_CLAIM, params)
        claimed, bad = self._decoded(rows)
        if bad:
            with translate():
                self._uow.connection.execute(
                    "UPDATE outbox SET poison = TRUE, lease_owner = NULL, lease_until_us = NULL"
                    " WHERE station_id = %s AND id = ANY(%s)",
                    (self._station, bad),
                )
        return _oldest_first(claimed, len(claimed))

    def record(self, message: OutboxMessage) -> None:
        """Store a message's new delivery state and end its lease; ``NotFound`` if unknown."""
        if not self._exists(message.id):
            raise NotFound("outbox message", message.id)
        self._pending[message.id] = message

    def failed(self, limit: int = 100) -> list[OutboxMessage]:
        """Dead letters: messages given up on, oldest first."""
        found = self._committed(
            "station_id = %s AND given_up AND NOT poison ORDER BY created_us, id LIMIT %s",
            (self._station, max(0, limit) + len(self._pending)),
        )
        found.extend(m for m in self._pending.values() if m.given_up)
        return _oldest_first(found, limit)

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

    def flush(self, conn: psycopg.Connection[Any]) -> None:
        """Write the pending messages; recorded ones lose their lease.

        Raises:
            ConflictError: Another unit of work added a message with an id this one added.
        """
        dumps, station = self._uow.converter.dumps, self._station
        new, changed = [], []
        for m in self._pending.values():
            state = (
                micros(m.created_at),
                m.delivered_at is not None,
                None if m.next_attempt_at is None else micros(m.next_attempt_at),
                m.given_up,
                dumps(m),
            )
            if m.id in self._added:
                new.append((station, key_text(m.id), *state[:3], None, None, *state[3:], False))
            else:
                changed.append((*state, station, key_text(m.id)))
        copy_rows(conn, "outbox", new)
        if changed:
            with conn.cursor() as cursor:
                cursor.executemany(_UPDATE, changed)
