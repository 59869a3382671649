"""The linked-screening index 关联筛查索引 (rule L7 at scale).

Screening compares a new matter only with open matters that share an identity (phone or ID
number) or an address digest — found through this index, never by scanning every open matter.
Without one of those in common a score stays at most 30 (name 10 + text 20), below any sensible
"related" threshold, so the index loses no related matter (the service checks that the
configured threshold is above 30). Keys are keyed digests (HMAC-SHA-256), never raw values.

The index lives in the service's memory: it is built from the store's open matters on first
use and kept up to date by the service's own commits. Matters written by another process are
screened against once a station reopens (a documented limit: a store-side index would lift it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from fengqiao_core.model import Matter
from fengqiao_core.rules.lifecycle import is_open
from fengqiao_core.rules.screening import ScreeningKeys, screening_keys

__all__ = ["ScreeningIndex"]


class ScreeningIndex:
    """Open matters' screening keys, indexed by every identity and address digest."""

    def __init__(self) -> None:
        self._keys: dict[str, ScreeningKeys] = {}
        self._by_digest: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    @classmethod
    def of_open(cls, matters: Iterable[Matter], key: bytes) -> ScreeningIndex:
        """An index of the open matters among ``matters``, keyed with ``key``."""
        index = cls()
        index.update(matters, key)
        return index

    def update(self, matters: Iterable[Matter], key: bytes) -> None:
        """Follow committed changes: closed matters leave, open ones not yet indexed join."""
        for matter in matters:
            if not is_open(matter):
                self.remove([matter.id])
            elif matter.id not in self._keys:
                self.add(matter.id, screening_keys(matter, key))

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, matter_id: object) -> bool:
        return matter_id in self._keys

    def add(self, matter_id: str, keys: ScreeningKeys) -> None:
        """Index (or re-index) one open matter."""
        with self._lock:
            self._remove(matter_id)
            self._keys[matter_id] = keys
            for digest in (*keys.identities, *keys.addresses):
                self._by_digest.setdefault(digest, set()).add(matter_id)

    def remove(self, matter_ids: Iterable[str]) -> None:
        """Forget matters (closed, withdrawn, or never committed)."""
        with self._lock:
            for matter_id in matter_ids:
                self._remove(matter_id)

    def _remove(self, matter_id: str) -> None:
        keys = self._keys.pop(matter_id, None)
        if keys is None:
            return
        for digest in (*keys.identities, *keys.addresses):
            ids = self._by_digest.get(digest)
            if ids is not None:
                ids.discard(matter_id)
                if not ids:
                    del self._by_digest[digest]

    def candidates(self, keys: ScreeningKeys) -> list[tuple[str, ScreeningKeys]]:
        """Indexed matters sharing at least one identity or address digest with ``keys``."""
        with self._lock:
            found: set[str] = set()
            for digest in (*keys.identities, *keys.addresses):
                found |= self._by_digest.get(digest, set())
            return [(matter_id, self._keys[matter_id]) for matter_id in sorted(found)]
