"""The ``memory`` backend's key ring 内存密钥环: wrapped data keys, pending until commit."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import attrs

from fengqiao_core.errors import ConflictError, NotFound
from fengqiao_core.ports import DataKey

__all__ = ["MemoryKeyRing"]


class MemoryKeyRing:
    """One unit of work's view of the committed keys ``stored`` plus its own changes.

    Args:
        stored: The committed keys by id (shared by every unit of work of one store).
        lock: The store's lock, held while reading or applying ``stored``.
    """

    def __init__(self, stored: dict[str, DataKey], lock: threading.RLock) -> None:
        self._stored = stored
        self._lock = lock
        self.reset()

    def reset(self) -> None:
        """Forget the pending changes."""
        self._pending: dict[str, DataKey] = {}
        self._new: set[str] = set()

    def get(self, key_id: str) -> DataKey | None:
        """The key ``key_id``, or ``None``."""
        found = self._pending.get(key_id)
        if found is not None:
            return found
        with self._lock:
            return self._stored.get(key_id)

    def active(self, subject: str) -> DataKey | None:
        """The subject's newest key not destroyed."""
        live = [k for k in self.stream() if k.subject == subject and not k.destroyed]
        return max(live, key=lambda k: (k.created_at, k.id), default=None)

    def add(self, key: DataKey) -> None:
        """Store a new key (``ConflictError`` if the id exists)."""
        if self.get(key.id) is not None:
            raise ConflictError(f"data key {key.id!r} already exists")
        self._pending[key.id] = key
        self._new.add(key.id)

    def destroy(self, key_id: str, at: dt.datetime) -> DataKey:
        """Drop the wrapped bytes of ``key_id`` (``NotFound`` if unknown)."""
        found = self.get(key_id)
        if found is None:
            raise NotFound("data key", key_id)
        gone = attrs.evolve(found, wrapped=None, destroyed_at=found.destroyed_at or at)
        self._pending[key_id] = gone
        return gone

    def stream(self) -> Iterator[DataKey]:
        """Every key, ordered by id."""
        with self._lock:
            merged = dict(self._stored)
        merged.update(self._pending)
        for key_id in sorted(merged):
            yield merged[key_id]

    def check(self) -> None:
        """Raise ``ConflictError`` if a new key's id was committed by someone else meanwhile."""
        clash = sorted(k for k in self._new if k in self._stored)
        if clash:
            raise ConflictError(f"data key {clash[0]!r} already exists")

    def apply(self) -> None:
        """Make the pending changes the committed ones (the caller holds the lock)."""
        self._stored.update(self._pending)
