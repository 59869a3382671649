"""Key rings 密钥环: the pending-change logic every backend's key table shares.

:class:`PendingKeyRing` keeps a unit of work's new and destroyed keys until commit and merges
them into what the store holds; a backend gives it three reads of its committed keys (and
writes the pending ones in its own commit). :class:`MemoryKeyRing` is the ``memory``
backend's.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import attrs

from fengqiao_core.errors import ConflictError, NotFound
from fengqiao_core.ports import DataKey

__all__ = ["MemoryKeyRing", "PendingKeyRing"]


class PendingKeyRing:
    """A unit of work's key ring over a store's committed keys (subclass and read them)."""

    def __init__(self) -> None:
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

    def stored(self, key_id: str) -> DataKey | None:
        """The committed key ``key_id`` (override)."""
        raise NotImplementedError

    def stored_active(self, subject: str) -> list[DataKey]:
        """The subject's committed live keys, newest first (override; two are enough)."""
        raise NotImplementedError

    def stored_all(self) -> Iterator[DataKey]:
        """Every committed key by id (override)."""
        raise NotImplementedError

    def get(self, key_id: str) -> DataKey | None:
        """The key ``key_id``, or ``None``."""
        found = self._destroyed.get(key_id) or self._new.get(key_id)
        return found if found is not None else self.stored(key_id)

    def active(self, subject: str) -> DataKey | None:
        """The subject's newest key not destroyed."""
        pending = self._newest.get(subject)
        if pending is not None and pending.id not in self._destroyed:
            return pending
        return next((k for k in self.stored_active(subject) if k.id not in self._destroyed), None)

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
        for key in self.stored_all():
            seen.add(key.id)
            yield pending.get(key.id) or key
        for key_id in sorted(set(pending) - seen):
            yield pending[key_id]

    def to_insert(self) -> list[DataKey]:
        """The new keys as they must be stored (destroyed already if so)."""
        return [self._destroyed.get(k.id, k) for k in self._new.values()]

    def to_blank(self) -> list[DataKey]:
        """The stored keys to destroy."""
        return [k for k in self._destroyed.values() if k.id not in self._new]


class MemoryKeyRing(PendingKeyRing):
    """One unit of work's view of the committed keys ``stored`` plus its own changes.

    Args:
        keys: The committed keys by id (shared by every unit of work of one store).
        lock: The store's lock, held while reading or applying ``keys``.
    """

    def __init__(self, keys: dict[str, DataKey], lock: threading.RLock) -> None:
        self._keys = keys
        self._lock = lock
        super().__init__()

    def stored(self, key_id: str) -> DataKey | None:
        """The committed key ``key_id``."""
        with self._lock:
            return self._keys.get(key_id)

    def stored_active(self, subject: str) -> list[DataKey]:
        """The subject's committed live keys, newest first."""
        with self._lock:
            live = [k for k in self._keys.values() if k.subject == subject and not k.destroyed]
        return sorted(live, key=lambda k: (k.created_at, k.id), reverse=True)

    def stored_all(self) -> Iterator[DataKey]:
        """Every committed key by id."""
        with self._lock:
            found = sorted(self._keys.items())
        for _, key in found:
            yield key

    def check(self) -> None:
        """Raise ``ConflictError`` if a new key's id was committed meanwhile (lock held)."""
        clash = sorted(k for k in self._new if k in self._keys)
        if clash:
            raise ConflictError(f"data key {clash[0]!r} already exists")

    def apply(self) -> None:
        """Make the pending changes the committed ones (the caller holds the lock)."""
        self._keys.update({k.id: k for k in self.to_insert()})
        self._keys.update({k.id: k for k in self.to_blank()})
