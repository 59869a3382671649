"""The covering store 审计覆盖记录: every write a unit of work hands the port, digested.

The station opens its storage backend through :class:`CoveringStorage`. Its units of work pass
every call to the backend's and, for each write that succeeds — a matter's events appended, a
person, place or team added or updated — keep a :class:`~fengqiao_core.ports.Covered` record
of exactly what the backend was given. The next audit entry of that unit takes them
(:meth:`CoveringUnit.take_covered`), so each entry names and digests what its use case stored.
Any layer that changes values before they are stored (sealing personal values) must sit
outside this one, so that the digests cover what the store holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from fengqiao_core.model import CommunityTeam, Entity, Matter, MatterEvent, Person, Place
from fengqiao_core.ports import (
    AggregateQuery,
    AggregateRow,
    AuditLog,
    Capability,
    Covered,
    EntityRepository,
    KeyRing,
    MatterFilter,
    MatterRepository,
    Outbox,
    StorageBackend,
    UnitOfWork,
)
from fengqiao_core.security.coverage import cover_entity, cover_events
from fengqiao_core.security.crypto import Algorithms

__all__ = ["CoveringStorage", "CoveringUnit", "covered_by", "covering_unit"]

E = TypeVar("E", bound=Entity)


class _Digests:
    """Where a unit's writes are recorded, and how they are digested."""

    def __init__(self, converter: Any, algorithms: Algorithms, digest: str) -> None:
        self.converter, self.algorithms, self.digest = converter, algorithms, digest
        self.pending: list[Covered] = []


class _Matters:
    """A matter repository that records each append's events."""

    def __init__(self, inner: MatterRepository, digests: _Digests) -> None:
        self._inner, self._digests = inner, digests

    def append(self, events: Sequence[MatterEvent], expected_version: int) -> Matter:
        stored = self._inner.append(events, expected_version)
        d = self._digests
        d.pending.append(cover_events(d.converter, d.algorithms, d.digest, list(events)))
        return stored

    def get(self, matter_id: str) -> Matter:
        return self._inner.get(matter_id)

    def find_by_reference(self, reference: str) -> Matter | None:
        return self._inner.find_by_reference(reference)

    def history(self, matter_id: str) -> list[MatterEvent]:
        return self._inner.history(matter_id)

    def stream(
        self, where: MatterFilter | None = None, *, batch_size: int = 1000
    ) -> Iterator[Matter]:
        return self._inner.stream(where, batch_size=batch_size)

    def aggregate(self, query: AggregateQuery) -> list[AggregateRow]:
        return self._inner.aggregate(query)


class _Entities(Generic[E]):
    """An entity repository that records each entity as the store took it."""

    def __init__(self, inner: EntityRepository[E], kind: str, digests: _Digests) -> None:
        self._inner, self._kind, self._digests = inner, kind, digests

    def _covered(self, stored: E) -> E:
        d = self._digests
        d.pending.append(cover_entity(d.converter, d.algorithms, d.digest, self._kind, stored))
        return stored

    def add(self, entity: E) -> E:
        return self._covered(self._inner.add(entity))

    def update(self, entity: E) -> E:
        return self._covered(self._inner.update(entity))

    def get(self, entity_id: str) -> E:
        return self._inner.get(entity_id)

    def stream(self) -> Iterator[E]:
        return self._inner.stream()


class CoveringUnit:
    """A unit of work that records what it hands the store (see the module).

    Args:
        inner: The backend's unit of work.
        converter: The station's converter (the encoding digests are computed over).
        algorithms: The algorithm registry.
        digest: The digest algorithm's id.
    """

    def __init__(
        self, inner: UnitOfWork, converter: Any, algorithms: Algorithms, digest: str
    ) -> None:
        self._inner = inner
        self._digests = _Digests(converter, algorithms, digest)
        self.matters: MatterRepository = _Matters(inner.matters, self._digests)
        digests = self._digests
        self.people: EntityRepository[Person] = _Entities(inner.people, "person", digests)
        self.places: EntityRepository[Place] = _Entities(inner.places, "place", digests)
        self.teams: EntityRepository[CommunityTeam] = _Entities(inner.teams, "team", digests)
        self.audit: AuditLog = inner.audit
        self.outbox: Outbox = inner.outbox
        self.keys: KeyRing = inner.keys

    @property
    def digest_algorithm(self) -> str:
        """The id of the digest the records carry."""
        return self._digests.digest

    @property
    def raw(self) -> UnitOfWork:
        """The backend's own unit of work (reads of the stored form)."""
        return self._inner

    def take_covered(self) -> tuple[Covered, ...]:
        """The writes recorded since the last call (the next audit entry covers them)."""
        taken = tuple(self._digests.pending)
        self._digests.pending.clear()
        return taken

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._digests.pending.clear()
        self._inner.__exit__(kind, error, trace)

    def commit(self) -> None:
        """Commit the backend's unit of work."""
        self._inner.commit()

    def rollback(self) -> None:
        """Roll the backend's unit of work back and forget what was recorded."""
        self._digests.pending.clear()
        self._inner.rollback()


class CoveringStorage:
    """A storage backend whose units of work are :class:`CoveringUnit` (see the module)."""

    def __init__(
        self, inner: StorageBackend, converter: Any, algorithms: Algorithms, digest: str
    ) -> None:
        self.inner: StorageBackend = inner.inner if isinstance(inner, CoveringStorage) else inner
        self._converter, self._algorithms, self._digest = converter, algorithms, digest
        self.capabilities: frozenset[Capability] = self.inner.capabilities

    def unit_of_work(self) -> UnitOfWork:
        """A new covering unit of work over a backend unit."""
        return CoveringUnit(
            self.inner.unit_of_work(), self._converter, self._algorithms, self._digest
        )

    def close(self) -> None:
        """Close the backend."""
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def covering_unit(uow: object) -> CoveringUnit | None:
    """The covering unit inside ``uow`` (layers above it name theirs ``inner``), if any."""
    while not isinstance(uow, CoveringUnit):
        uow = getattr(uow, "inner", None)
        if uow is None:
            return None
    return uow


def covered_by(uow: UnitOfWork) -> tuple[tuple[Covered, ...], str]:
    """What ``uow`` stored since its last audit entry, and the digest's id (none: ``()``)."""
    covering = covering_unit(uow)
    if covering is not None:
        return covering.take_covered(), covering.digest_algorithm
    return (), ""
