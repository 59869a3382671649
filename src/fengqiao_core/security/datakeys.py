"""Data keys and the key-encryption key 数据密钥与主密钥 (envelope encryption).

Every subject (a person, or a matter for what belongs to no recorded person) gets a random
256-bit data key, made the first time one of its values is sealed. The store keeps the data
key only **wrapped** — encrypted with AES-256-GCM under the key-encryption key (KEK), with the
key id as associated data — in its key ring (:class:`~fengqiao_core.ports.KeyRing`). The KEK
never reaches the store. It comes, in this order, from:

1. a plugin key provider named by ``kek_provider`` in the station file's ``[encryption]``
   table (:class:`KeyProvider`, registered with the ``fengqiao_key_providers`` hook: an HSM,
   a KMS, an SM4 provider — the KEK then never enters this process);
2. ``FENGQIAO_KEK`` (at least 32 bytes of text);
3. the owner-only (``0600``) key file named by ``kek_file``;
4. the station secret: a KEK derived with HKDF-SHA-256 (purpose ``kek``), as every other
   station key is. Simple, but whoever holds the secret holds the KEK: keep the secret off
   the database host's backups, or configure one of the above.

Material from 2. and 3. is checked like the station secret (length, published examples,
file mode) and goes through the same HKDF (purpose ``kek``), so the KEK is 32 uniform bytes.

New keys are always wrapped under the current KEK. Each stored key names the KEK that wrapped
it (``kek_id``); keys wrapped under a KEK derived from a retired station secret (``[secrets]
retired_files``) still unwrap after the secret is rotated (:func:`retired_keks`).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
from attrs import frozen

from fengqiao_core.errors import ConfigurationError, IntegrityError
from fengqiao_core.ports import DataKey, KeyRing
from fengqiao_core.security.keys import check_secret, derive_key, read_key_file

__all__ = [
    "CIPHER",
    "KEK_ENV",
    "DataKeys",
    "KeyProvider",
    "local_provider",
    "open_kek",
    "retired_keks",
]

CIPHER = "aes-256-gcm"
"""The cipher of sealed values and wrapped keys (NIST SP 800-38D, 96-bit random nonces)."""
KEK_ENV = "FENGQIAO_KEK"
_NONCE = 12


def aead(key: bytes) -> Any:
    """An AES-256-GCM object for ``key`` (``cryptography`` is imported here, not at startup)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


@frozen
class KeyProvider:
    """A key-encryption key provider 主密钥提供者: wraps and unwraps data keys.

    Attributes:
        id: Named by ``kek_provider`` in the station file.
        kek_id: Names the KEK in stored key records (never the KEK itself).
        wrap: ``wrap(data_key, key_id) -> wrapped bytes``.
        unwrap: ``unwrap(wrapped, key_id) -> data_key``; raises on a wrong KEK or altered bytes.
        description: One line for people.
    """

    id: str
    kek_id: str
    wrap: Callable[[bytes, bytes], bytes] = attrs.field(repr=False)
    unwrap: Callable[[bytes, bytes], bytes] = attrs.field(repr=False)
    description: str = ""


def local_provider(material: bytes, source: str) -> KeyProvider:
    """A provider holding a KEK derived (HKDF, purpose ``kek``) from ``material``."""
    derived = derive_key(material, "kek")
    cipher = aead(derived.key)

    def wrap(data_key: bytes, key_id: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + bytes(cipher.encrypt(nonce, data_key, key_id))

    def unwrap(wrapped: bytes, key_id: bytes) -> bytes:
        return bytes(cipher.decrypt(wrapped[:_NONCE], wrapped[_NONCE:], key_id))

    return KeyProvider(source, derived.key_id, wrap, unwrap, f"AES-256-GCM KEK from {source}")


def open_kek(
    secret: bytes,
    *,
    kek_file: Path | None = None,
    provider: str | None = None,
    providers: Mapping[str, KeyProvider] | None = None,
    environ: Mapping[str, str] | None = None,
) -> KeyProvider:
    """The station's KEK provider (see the module for the order of sources).

    Raises:
        ConfigurationError: The named provider is not installed, or the KEK material is too
            short, a published example, or in a key file others may read.
    """
    if provider:
        found = (providers or {}).get(provider)
        if found is None:
            known = ", ".join(sorted(providers or {})) or "none installed"
            raise ConfigurationError(f"unknown kek_provider {provider!r} (known: {known})")
        return found
    environ = os.environ if environ is None else environ
    if environ.get(KEK_ENV):
        return local_provider(check_secret(environ[KEK_ENV].encode()), KEK_ENV)
    if kek_file is not None:
        return local_provider(read_key_file(kek_file), "kek_file")
    return local_provider(secret, "station-secret")


def retired_keks(retired: Iterable[bytes]) -> dict[str, KeyProvider]:
    """The KEKs derived from retired station secrets, by KEK id (they only unwrap)."""
    providers = (local_provider(secret, "retired station secret") for secret in retired)
    return {provider.kek_id: provider for provider in providers}


class DataKeys:
    """One unit of work's data keys: made on first use, unwrapped once, ciphers reused.

    Args:
        ring: The unit of work's key ring.
        kek: The KEK provider (wraps new keys, unwraps the keys it wrapped).
        now: The station clock.
        retired: Earlier KEKs by KEK id, to unwrap the keys they wrapped.

    Unwrapped keys live only as long as the unit of work (as AES-GCM objects, each made
    once), so a key destroyed by another process is never used again by a later unit.
    """

    def __init__(
        self,
        ring: KeyRing,
        kek: KeyProvider,
        now: Callable[[], dt.datetime],
        retired: Mapping[str, KeyProvider] | None = None,
    ) -> None:
        self.ring = ring
        self._kek = kek
        self._keks = {**(retired or {}), kek.kek_id: kek}
        self._now = now
        self._ciphers: dict[str, Any] = {}
        self._active: dict[str, str] = {}
        self._gone: set[str] = set()
        self._new: set[str] = set()

    def expect_new(self, subject: str) -> None:
        """Say that ``subject`` can have no stored key yet (a matter being reported now).

        Its key is then made without looking the store up first (one query less per matter
        in a batch report).
        """
        self._new.add(subject)

    def for_subject(self, subject: str, person: str | None, matter: str | None) -> str:
        """The id of ``subject``'s live data key, made (and stored wrapped) if it has none."""
        key_id = self._active.get(subject)
        if key_id is not None:
            return key_id
        found = None if subject in self._new else self.ring.active(subject)
        if found is None:
            raw = os.urandom(32)
            key_id = secrets.token_hex(8)
            self.ring.add(
                DataKey(
                    id=key_id,
                    subject=subject,
                    person=person,
                    matter=matter,
                    algorithm=CIPHER,
                    kek_id=self._kek.kek_id,
                    wrapped=self._kek.wrap(raw, key_id.encode()),
                    created_at=self._now(),
                )
            )
            self._ciphers[key_id] = aead(raw)
        else:
            key_id = found.id
        self._active[subject] = key_id
        return key_id

    def cipher(self, key_id: str) -> Any:
        """The AES-GCM object of ``key_id``, or ``None`` when the key was destroyed.

        Raises:
            IntegrityError: The key is unknown, or its wrapped bytes do not unwrap under the
                station's KEK (a wrong KEK, or altered bytes).
        """
        if key_id in self._gone:
            return None
        found = self._ciphers.get(key_id)
        if found is not None:
            return found
        stored = self.ring.get(key_id)
        if stored is None:
            raise IntegrityError(f"data key {key_id!r} is missing from the key ring")
        if stored.wrapped is None:
            self._gone.add(key_id)
            return None
        kek = self._keks.get(stored.kek_id, self._kek)
        try:
            raw = kek.unwrap(stored.wrapped, key_id.encode())
        except Exception:  # cryptography's InvalidTag, or a provider's own error
            raise IntegrityError(
                f"data key {key_id!r} does not unwrap under KEK {kek.kek_id!r}: a wrong "
                "KEK (it comes from FENGQIAO_KEK, kek_file or kek_provider; without them, from "
                "the station secret: FENGQIAO_SECRET or secret_file) or altered key bytes"
            ) from None
        found = self._ciphers[key_id] = aead(raw)
        return found

    def destroy(self, keys: Iterable[DataKey]) -> list[DataKey]:
        """Destroy ``keys`` (at commit) and forget their ciphers; returns them as destroyed."""
        done = []
        for key in keys:
            if key.destroyed:
                continue
            done.append(self.ring.destroy(key.id, self._now()))
            self._ciphers.pop(key.id, None)
            self._gone.add(key.id)
            self._active = {s: k for s, k in self._active.items() if k != key.id}
        return done
