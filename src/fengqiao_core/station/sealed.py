"""The sealed store 加密存储: every backend gets field encryption through the storage port.

:class:`SealedStorage` wraps the station's storage backend. Its units of work seal the personal
values of what the station writes (matter events, people) before they reach the backend and
unseal what it reads, with one :class:`~fengqiao_core.security.datakeys.DataKeys` per unit of
work (keys unwrapped once, AES-GCM objects reused). The backend only stores envelopes and
wrapped keys (its ``keys`` repository); it writes no cryptography. A masked read goes through
``withheld_matters``, which opens each value straight into its withheld form (one copy of a
matter instead of an opened one and then a masked one). The audit log and the
outbox pass through unchanged: they hold no personal values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from fengqiao_core.model import Entity, Matter, MatterEvent
from fengqiao_core.ports import (
    AggregateQuery,
    AggregateRow,
    Capability,
    EntityRepository,
    MatterFilter,
    MatterRepository,
    StorageBackend,
    UnitOfWork,
)
from fengqiao_core.security.datakeys import DataKeys, KeyProvider
from fengqiao_core.security.sealing import Sealer

__all__ = ["SealedStorage", "SealedUnitOfWork", "withheld_matters"]

E = TypeVar("E", bound=Entity)


class _Matters:
    def __init__(self, inner: MatterRepository, sealer: Sealer, *, withheld: bool = False) -> None:
        self._inner = inner
        self._sealer = sealer
        self._withheld = withheld

    def append(self, events: Sequence[MatterEvent], expected_version: int) -> Matter:
        if expected_version == 0 and events:  # a new matter: no key of it can be stored yet
            self._sealer.keys.expect_new(f"matter:{events[0].matter_id}")
        sealed = [self._sealer.seal(event) for event in events]
        return self._sealer.unseal(self._inner.append(sealed, expected_version))  # type: ignore[no-any-return]

    def get(self, matter_id: str) -> Matter:
        return self._sealer.unseal(self._inner.get(matter_id), withheld=self._withheld)  # type: ignore[no-any-return]

    def find_by_reference(self, reference: str) -> Matter | None:
        found = self._inner.find_by_reference(reference)
        return None if found is None else self._sealer.unseal(found, withheld=self._withheld)

    def history(self, matter_id: str) -> list[MatterEvent]:
        shown = self._withheld
        return [self._sealer.unseal(e, withheld=shown) for e in self._inner.history(matter_id)]

    def stream(
        self, where: MatterFilter | None = None, *, batch_size: int = 1000
    ) -> Iterator[Matter]:
        for matter in self._inner.stream(where, batch_size=batch_size):
            yield self._sealer.unseal(matter, withheld=self._withheld)

    def aggregate(self, query: AggregateQuery) -> list[AggregateRow]:
        return self._inner.aggregate(query)


class _Entities(Generic[E]):
    def __init__(self, inner: EntityRepository[E], sealer: Sealer) -> None:
        self._inner = inner
        self._sealer = sealer

    def add(self, entity: E) -> E:
        return self._sealer.unseal(self._inner.add(self._sealer.seal(entity)))  # type: ignore[no-any-return]

    def get(self, entity_id: str) -> E:
        return self._sealer.unseal(self._inner.get(entity_id))  # type: ignore[no-any-return]

    def update(self, entity: E) -> E:
        return self._sealer.unseal(self._inner.update(self._sealer.seal(entity)))  # type: ignore[no-any-return]

    def stream(self) -> Iterator[E]:
        for entity in self._inner.stream():
            yield self._sealer.unseal(entity)


class SealedUnitOfWork:
    """A unit of work that seals on write and unseals on read (see the module)."""

    def __init__(self, inner: UnitOfWork, keys: DataKeys) -> None:
        self._inner = inner
        self.data_keys = keys
        sealer = Sealer(keys)
        self.matters = _Matters(inner.matters, sealer)
        self.withheld_matters: MatterRepository = _Matters(inner.matters, sealer, withheld=True)
        """The matters with every value opened withheld, for reads: NOT a finished masked view.

        Birth dates and points come as stored; :func:`~fengqiao_core.security.views.masked`
        makes the view. Never write through it (``append`` would return withheld values).
        """
        self.people = _Entities(inner.people, sealer)
        self.places = _Entities(inner.places, sealer)
        self.teams = _Entities(inner.teams, sealer)
        self.audit = inner.audit
        self.outbox = inner.outbox
        self.keys = inner.keys

    @property
    def inner(self) -> UnitOfWork:
        """The unit of work under this one (what is stored: envelopes)."""
        return self._inner

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._inner.__exit__(kind, error, trace)

    def commit(self) -> None:
        """Commit the backend's unit of work (keys, envelopes and all)."""
        self._inner.commit()

    def rollback(self) -> None:
        """Roll the backend's unit of work back."""
        self._inner.rollback()


class SealedStorage:
    """A storage backend whose units of work seal personal values (see the module).

    Args:
        inner: The backend.
        kek: The key-encryption key provider.
        now: The station clock (when keys are made and destroyed).
        retired: Earlier KEKs by KEK id (:func:`~fengqiao_core.security.datakeys.retired_keks`).
    """

    def __init__(
        self,
        inner: StorageBackend,
        kek: KeyProvider,
        now: Callable[[], Any],
        retired: Mapping[str, KeyProvider] | None = None,
    ) -> None:
        self.inner = inner
        self.kek = kek
        self._retired = dict(retired or {})
        self._now = now
        self.capabilities: frozenset[Capability] = inner.capabilities

    def unit_of_work(self) -> SealedUnitOfWork:
        """A sealing unit of work over a new backend unit of work."""
        inner = self.inner.unit_of_work()
        return SealedUnitOfWork(inner, DataKeys(inner.keys, self.kek, self._now, self._retired))

    def close(self) -> None:
        """Close the backend."""
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def withheld_matters(uow: UnitOfWork, *, masked: bool = True) -> MatterRepository:
    """The matters of ``uow`` for a read: for a ``masked`` one a sealed unit opens values withheld.

    Not a finished masked view (birth dates and points come as stored): the caller applies
    :func:`~fengqiao_core.security.views.masked`, which then has nothing left to copy but
    those. An unmasked read, and units that do not seal, get ``uow.matters``.
    """
    if not masked:
        return uow.matters
    found: MatterRepository = getattr(uow, "withheld_matters", uow.matters)
    return found
