"""The data-key port 数据密钥仓储: wrapped per-person data keys, stored with the data.

Each personal value is sealed under the data key of its subject (a person, or a matter for
what belongs to no recorded person). A backend stores the keys **wrapped** by the station's
key-encryption key (KEK), which never reaches the store; it writes no cryptography itself.
Destroying a key (erasure, retention) overwrites the wrapped bytes; the record stays, so the
history of which key existed and when it was destroyed is kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Protocol

import attrs
from attrs import frozen

__all__ = ["DataKey", "KeyRing"]


@frozen(kw_only=True)
class DataKey:
    """A wrapped data key 数据密钥 of one subject; ``wrapped`` is ``None`` once destroyed.

    Attributes:
        id: The key id named in every envelope sealed under it.
        subject: Whose values it seals: ``person:<id>`` or ``matter:<id>``.
        person: The person id the key belongs to (erasure destroys it), if any.
        matter: The matter id the key belongs to (retention destroys it), if any.
        algorithm: The cipher of the values (``aes-256-gcm``).
        kek_id: The key-encryption key that wrapped it (never the KEK itself).
        wrapped: The wrapped key bytes (nonce and ciphertext), ``None`` once destroyed.
        created_at: When it was made.
        destroyed_at: When it was destroyed, if it was.
    """

    id: str
    subject: str
    person: str | None = None
    matter: str | None = None
    algorithm: str
    kek_id: str
    wrapped: bytes | None = attrs.field(default=None, repr=False)
    created_at: dt.datetime
    destroyed_at: dt.datetime | None = None

    @property
    def destroyed(self) -> bool:
        """Whether the key was destroyed (its values read as erased)."""
        return self.wrapped is None


class KeyRing(Protocol):
    """The wrapped data keys of a store 密钥环 (pending until the unit of work commits)."""

    def get(self, key_id: str) -> DataKey | None:
        """The key ``key_id`` (destroyed or not), or ``None``."""
        ...

    def active(self, subject: str) -> DataKey | None:
        """The subject's newest key that is not destroyed, or ``None``."""
        ...

    def add(self, key: DataKey) -> None:
        """Store a new key; ``ConflictError`` if the id exists (at once, or at commit)."""
        ...

    def destroy(self, key_id: str, at: dt.datetime) -> DataKey:
        """Forget the wrapped bytes of ``key_id`` for good (``NotFound`` if unknown).

        Returns:
            The key as now stored (``wrapped`` ``None``, ``destroyed_at`` set).
        """
        ...

    def stream(self) -> Iterator[DataKey]:
        """Every key (destroyed ones too), ordered by id."""
        ...
