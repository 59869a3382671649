"""Key rotation 密钥轮换: the current secret and key version, and the secrets retired.

A station rotates its derived keys in one of two ways, both under ``[secrets]`` in its file:

- ``key_version = N`` — a new HKDF rotation counter: the audit, screening and witness keys
  derived from the same secret change (new key ids); entries sealed before keep verifying,
  since each names its key id and the version is part of it.
- a new secret (``secret_file`` or ``FENGQIAO_SECRET``) with the old one listed in
  ``retired_files`` — older entries verify with the key they name, derived from the retired
  secret; nothing new is ever sealed with it.

A :class:`KeyRing` holds them and ranks every key: the retired secrets oldest first, then the
current one, each by version. Along the chain the rank never goes down, so an entry sealed
with a retired key after a newer key was in use — a forgery by whoever kept an old key — is
a broken link.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import attrs
from attrs import frozen

from fengqiao_core.security.crypto import Algorithms, default_algorithms
from fengqiao_core.security.keys import DerivedKey, derive_key

__all__ = ["KeyRing", "Rank"]

Rank = tuple[int, int]
"""A key's place in the ring: (secret, oldest first; key version, 0 for pre-v2 entries)."""

_KEY_ID = re.compile(r"([a-z]+)-v([1-9][0-9]{0,3})-[0-9a-f]{12}")


@frozen(eq=False)
class KeyRing:
    """The station's secrets 密钥环: the current one (with its key version) and retired ones.

    Attributes:
        current: The secret new records are sealed with.
        version: The key version (HKDF rotation counter) new records use.
        retired: Earlier secrets, oldest first, kept only to verify what they sealed.
        algorithms: The algorithm registry keys are derived with.
    """

    current: bytes = attrs.field(repr=False)
    version: int = 1
    retired: tuple[bytes, ...] = attrs.field(default=(), repr=False)
    algorithms: Algorithms = attrs.field(factory=default_algorithms, repr=False)
    _found: dict[str, tuple[bytes, Rank] | None] = attrs.field(factory=dict, init=False, repr=False)
    _derived: dict[tuple[str, int], DerivedKey] = attrs.field(factory=dict, init=False, repr=False)

    @property
    def secrets(self) -> tuple[bytes, ...]:
        """Every secret, oldest first (the current one last)."""
        return (*self.retired, self.current)

    def key(self, purpose: str) -> DerivedKey:
        """The current key for ``purpose`` (``audit``, ``screening``, ``witness``)."""
        return self.derived(purpose, self.version)

    def derived(self, purpose: str, version: int) -> DerivedKey:
        """The current secret's key for ``purpose`` at key ``version`` (derived once)."""
        found = self._derived.get((purpose, version))
        if found is None:
            found = derive_key(self.current, purpose, version=version, algorithms=self.algorithms)
            self._derived[purpose, version] = found
        return found

    def find(self, purpose: str, key_id: str) -> tuple[bytes, Rank] | None:
        """The key ``key_id`` names and its rank, or ``None`` when no secret of the ring has it."""
        cache = f"{purpose}/{key_id}"
        if cache not in self._found:
            self._found[cache] = self._search(purpose, key_id)
        return self._found[cache]

    def _search(self, purpose: str, key_id: str) -> tuple[bytes, Rank] | None:
        match = _KEY_ID.fullmatch(key_id)
        if match is None or match.group(1) != purpose:
            return None
        version = int(match.group(2))
        for index, secret in enumerate(self.secrets):
            key = derive_key(secret, purpose, version=version, algorithms=self.algorithms)
            if hmac.compare_digest(key.key_id, key_id):
                return key.key, (index, version)
        return None

    def legacy(self, payload: bytes, digest: str) -> Rank | None:
        """The rank of the secret a pre-v2 entry was sealed with (HMAC-SHA-256), if any."""
        for index, secret in enumerate(self.secrets):
            found = hmac.new(secret, payload, hashlib.sha256).hexdigest()
            if hmac.compare_digest(found, digest):
                return index, 0
        return None

    @classmethod
    def of(cls, key: bytes | KeyRing, algorithms: Algorithms | None = None) -> KeyRing:
        """``key`` as a ring (a bare secret: a ring of one, key version 1)."""
        if isinstance(key, KeyRing):
            return key
        return cls(key, algorithms=algorithms or default_algorithms())
