"""The ``memory`` storage backend 内存存储: the reference every other backend is compared with.

Committed state lives in one process; a unit of work keeps its changes private until
:meth:`MemoryUnitOfWork.commit`, which checks every expected version under a lock and then
applies all changes at once, or none. Reads inside a unit of work see its own changes. It holds
typed values, never encoded ones, so it has no undecodable records to skip. It is not durable:
a station file names it only together with ``durable = false``.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Generic, Self, TypeVar

import attrs

from fengqiao_core.builtin.keyring import MemoryKeyRing
from fengqiao_core.errors import ConflictError, NotFound, ValidationError
from fengqiao_core.hookspecs import hookimpl
from fengqiao_core.metrics.aggregate import evaluate, matches
from fengqiao_core.model import CommunityTeam, Entity, Matter, MatterEvent, Person, Place, replay
from fengqiao_core.ports import (
    AggregateQuery,
    AggregateRow,
    AuditEntry,
    AuditLog,
    BackendContext,
    BackendSpec,
    Capability,
    DataKey,
    EntityRepository,
    KeyRing,
    MatterFilter,
    MatterRepository,
    Outbox,
    OutboxMessage,
)

__all__ = ["MemoryStorage", "MemoryUnitOfWork"]

FENGQIAO_PLUGIN_API = 1
E = TypeVar("E", bound=Entity)


@attrs.define
class _Committed:
    lock: threading.RLock = attrs.field(factory=threading.RLock)
    matters: dict[str, Matter] = attrs.field(factory=dict)
    events: dict[str, list[MatterEvent]] = attrs.field(factory=dict)
    references: dict[str, str] = attrs.field(factory=dict)
    entities: dict[str, dict[str, Entity]] = attrs.field(
        factory=lambda: {"people": {}, "places": {}, "teams": {}}
    )
    audit: list[AuditEntry] = attrs.field(factory=list)
    outbox: dict[str, OutboxMessage] = attrs.field(factory=dict)
    leases: dict[str, dt.datetime] = attrs.field(factory=dict)
    keys: dict[str, DataKey] = attrs.field(factory=dict)


class MemoryStorage:
    """In-process storage: fast, not durable, shared by threads but not by processes."""

    capabilities = frozenset({Capability.CONCURRENT_WRITERS})

    def __init__(self) -> None:
        self._state = _Committed()

    @classmethod
    def from_context(cls, context: BackendContext) -> MemoryStorage:
        """Factory for the ``memory`` backend (the context is not needed)."""
        return cls()

    def unit_of_work(self) -> MemoryUnitOfWork:
        """A new unit of work over this store."""
        return MemoryUnitOfWork(self._state)

    def close(self) -> None:
        """Nothing to release."""


class _Matters:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def _current(self, matter_id: str) -> Matter | None:
        pending = self._uow._matters.get(matter_id)
        return pending if pending is not None else self._uow._state.matters.get(matter_id)

    def append(self, events: Sequence[MatterEvent], expected_version: int) -> Matter:
        if not events:
            raise ConflictError("nothing to append")
        matter_id = events[0].matter_id
        current = self._current(matter_id)
        version = current.version if current else 0
        if version != expected_version:
            raise ConflictError(
                f"matter {matter_id} is at version {version}, not {expected_version}"
            )
        state = replay(events, start=current)
        if current is None and state.reference is not None:
            if self.find_by_reference(state.reference) is not None:
                raise ConflictError(f"reference {state.reference!r} is already reported")
            self._uow._references[state.reference] = matter_id
        self._uow._expect.setdefault(("matters", matter_id), expected_version)
        self._uow._matters[matter_id] = state
        self._uow._events.setdefault(matter_id, []).extend(events)
        return copy.copy(state)

    def get(self, matter_id: str) -> Matter:
        current = self._current(matter_id)
        if current is None:
            raise NotFound("matter", matter_id)
        return copy.copy(current)

    def find_by_reference(self, reference: str) -> Matter | None:
        state = self._uow._state
        matter_id = self._uow._references.get(reference) or state.references.get(reference)
        return None if matter_id is None else self.get(matter_id)

    def history(self, matter_id: str) -> list[MatterEvent]:
        stored = self._uow._state.events.get(matter_id, [])
        events = [*stored, *self._uow._events.get(matter_id, [])]
        if not events:
            raise NotFound("matter", matter_id)
        return events

    def _all(self) -> list[Matter]:
        with self._uow._state.lock:
            merged = dict(self._uow._state.matters)
        merged.update(self._uow._matters)
        return list(merged.values())

    def stream(
        self, where: MatterFilter | None = None, *, batch_size: int = 1000
    ) -> Iterator[Matter]:
        chosen = [m for m in self._all() if matches(where or MatterFilter(), m)]
        chosen.sort(key=lambda m: (m.reported_at, m.id))
        for matter in chosen:
            yield copy.copy(matter)

    def aggregate(self, query: AggregateQuery) -> list[AggregateRow]:
        return evaluate(query, self._all())


class _Entities(Generic[E]):
    def __init__(self, uow: MemoryUnitOfWork, kind: str) -> None:
        self._uow = uow
        self._kind = kind

    def _current(self, entity_id: str) -> E | None:
        pending = self._uow._entities[self._kind].get(entity_id)
        stored = self._uow._state.entities[self._kind].get(entity_id)
        return pending if pending is not None else stored  # type: ignore[return-value]

    def _write(self, entity: E, expected: int) -> E:
        stored = attrs.evolve(entity, version=expected + 1)
        self._uow._expect.setdefault((self._kind, entity.id), expected)
        self._uow._entities[self._kind][entity.id] = stored
        return copy.copy(stored)

    def add(self, entity: E) -> E:
        if self._current(entity.id) is not None:
            raise ConflictError(f"{self._kind} id {entity.id!r} already exists")
        return self._write(entity, 0)

    def get(self, entity_id: str) -> E:
        found = self._current(entity_id)
        if found is None:
            raise NotFound(self._kind, entity_id)
        return copy.copy(found)

    def update(self, entity: E) -> E:
        stored = self.get(entity.id)
        if stored.version != entity.version:
            raise ConflictError(
                f"{self._kind} {entity.id} is at version {stored.version}, not {entity.version}"
            )
        return self._write(entity, entity.version)

    def stream(self) -> Iterator[E]:
        with self._uow._state.lock:
            merged = dict(self._uow._state.entities[self._kind])
        merged.update(self._uow._entities[self._kind])
        for entity_id in sorted(merged):
            yield copy.copy(merged[entity_id])  # type: ignore[misc]


class _Audit:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def last(self) -> AuditEntry | None:
        if self._uow._audit:
            return self._uow._audit[-1]
        stored = self._uow._state.audit
        return stored[-1] if stored else None

    def head(self) -> tuple[int, str] | None:
        last = self.last()
        return None if last is None else (last.seq, last.entry_hash)

    def append(self, entry: AuditEntry) -> None:
        head = self.head()
        expected = (head[0] if head else 0) + 1
        if entry.seq != expected:
            raise ConflictError(f"audit entry {entry.seq} does not follow {expected - 1}")
        if not self._uow._audit:
            self._uow._expect[("audit", "")] = expected - 1
        self._uow._audit.append(entry)

    def stream(self) -> Iterator[AuditEntry]:
        with self._uow._state.lock:
            stored = list(self._uow._state.audit)
        yield from stored
        yield from self._uow._audit


class _Outbox:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def _merged(self) -> dict[str, OutboxMessage]:
        with self._uow._state.lock:
            merged = dict(self._uow._state.outbox)
        merged.update(self._uow._outbox)
        return merged

    def _exists(self, message_id: str) -> bool:
        return message_id in self._uow._outbox or message_id in self._uow._state.outbox

    def add(self, message: OutboxMessage) -> None:
        if self._exists(message.id):
            raise ConflictError(f"outbox message {message.id!r} already exists")
        self._uow._expect.setdefault(("outbox", message.id), 0)
        self._uow._outbox[message.id] = message

    def pending(self, now: dt.datetime, limit: int = 100) -> list[OutboxMessage]:
        due = [m for m in self._merged().values() if _due(m, now)]
        due.sort(key=lambda m: (m.created_at, m.id))
        return due[: max(0, limit)]

    def claim(
        self, owner: str, now: dt.datetime, lease_until: dt.datetime, limit: int = 100
    ) -> list[OutboxMessage]:
        state = self._uow._state
        with state.lock:
            due = [
                m
                for m in state.outbox.values()
                if _due(m, now) and state.leases.get(m.id, now) <= now
            ]
            due.sort(key=lambda m: (m.created_at, m.id))
            claimed = due[: max(0, limit)]
            for message in claimed:
                state.leases[message.id] = lease_until
        return claimed

    def record(self, message: OutboxMessage) -> None:
        if not self._exists(message.id):
            raise NotFound("outbox message", message.id)
        self._uow._outbox[message.id] = message

    def failed(self, limit: int = 100) -> list[OutboxMessage]:
        found = [m for m in self._merged().values() if m.given_up]
        found.sort(key=lambda m: (m.created_at, m.id))
        return found[: max(0, limit)]

    def retry(self, message_id: str) -> OutboxMessage:
        message = self._merged().get(message_id)
        if message is None:
            raise NotFound("outbox message", message_id)
        if not message.given_up:
            raise ValidationError("message_id", f"outbox message {message_id} is not failed")
        again = attrs.evolve(message, given_up=False, next_attempt_at=None, attempts=0)
        self._uow._outbox[message_id] = again
        return again


def _due(message: OutboxMessage, now: dt.datetime) -> bool:
    return (
        message.delivered_at is None
        and not message.given_up
        and (message.next_attempt_at is None or message.next_attempt_at <= now)
    )


class MemoryUnitOfWork:
    """A unit of work of :class:`MemoryStorage`: private changes, applied at commit."""

    def __init__(self, state: _Committed) -> None:
        self._state = state
        self.matters: MatterRepository = _Matters(self)
        self.people: EntityRepository[Person] = _Entities(self, "people")
        self.places: EntityRepository[Place] = _Entities(self, "places")
        self.teams: EntityRepository[CommunityTeam] = _Entities(self, "teams")
        self.audit: AuditLog = _Audit(self)
        self.outbox: Outbox = _Outbox(self)
        self._keyring = MemoryKeyRing(state.keys, state.lock)
        self.keys: KeyRing = self._keyring
        self.rollback()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.rollback()

    def rollback(self) -> None:
        """Forget every change made since the last commit."""
        self._matters: dict[str, Matter] = {}
        self._events: dict[str, list[MatterEvent]] = {}
        self._references: dict[str, str] = {}
        self._entities: dict[str, dict[str, Entity]] = {"people": {}, "places": {}, "teams": {}}
        self._audit: list[AuditEntry] = []
        self._outbox: dict[str, OutboxMessage] = {}
        self._expect: dict[tuple[str, str], int] = {}
        self._keyring.reset()

    def _stored_version(self, kind: str, ident: str) -> int:
        state = self._state
        if kind == "matters":
            found: Entity | None = state.matters.get(ident)
        elif kind == "audit":
            return state.audit[-1].seq if state.audit else 0
        elif kind == "outbox":
            return int(ident in state.outbox)
        else:
            found = state.entities[kind].get(ident)
        return found.version if found else 0

    def commit(self) -> None:
        """Apply every change atomically, or raise ``ConflictError`` and apply none."""
        state = self._state
        with state.lock:
            for (kind, ident), expected in self._expect.items():
                if self._stored_version(kind, ident) != expected:
                    raise ConflictError(f"{kind} {ident} changed since this unit of work read it")
            clash = [r for r in self._references if r in state.references]
            if clash:
                raise ConflictError(f"reference {clash[0]!r} is already reported")
            self._keyring.check()
            state.matters.update(self._matters)
            for matter_id, events in self._events.items():
                state.events.setdefault(matter_id, []).extend(events)
            state.references.update(self._references)
            for kind, entities in self._entities.items():
                state.entities[kind].update(entities)
            state.audit.extend(self._audit)
            state.outbox.update(self._outbox)
            self._keyring.apply()
            for message_id in self._outbox:
                state.leases.pop(message_id, None)
        self.rollback()


@hookimpl
def fengqiao_register_backends() -> list[BackendSpec]:
    """Register the ``memory`` storage backend."""
    return [
        BackendSpec(
            "storage",
            "memory",
            MemoryStorage.from_context,
            "in-process reference store (not durable)",
        )
    ]
