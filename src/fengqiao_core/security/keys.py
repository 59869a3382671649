"""The station's secret 密钥 and the keys derived from it, one per purpose.

The secret comes from ``FENGQIAO_SECRET`` (at least 32 bytes of text) or from the key file a
station file names (``secret_file``, owner-only: mode 0600) — never from package data or
code. Example values printed in this project's README, docs and tests are refused. A station
without one gets a clear :class:`~fengqiao_core.errors.ConfigurationError` when a feature
needs it.

Nothing uses the secret directly (except audit entries written before keys were derived):
:func:`derive_key` gives each purpose (``audit``, ``screening``, ``witness``) its own key
with HKDF-SHA-256 and a key id that names it without revealing it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
from collections.abc import Mapping
from pathlib import Path

import attrs
from attrs import frozen

from fengqiao_core.errors import ConfigurationError
from fengqiao_core.security.crypto import DEFAULT_KDF, Algorithms, default_algorithms
from fengqiao_core.security.files import read_regular_file

__all__ = [
    "MIN_SECRET_BYTES",
    "DerivedKey",
    "check_secret",
    "derive_key",
    "load_secret",
    "read_key_file",
    "require_secret",
    "screening_key",
]

MIN_SECRET_BYTES = 32
ENV = "FENGQIAO_SECRET"
PURPOSES = ("audit", "screening", "witness", "kek")
"""The purposes a key is derived for."""

_KNOWN_EXAMPLES = frozenset(
    {
        b"a-station-secret-key",
        b"a-secret-of-16-bytes",
        b"test-secret-0123456789",
        b"0123456789abcdef0123456789abcdef",
        b"0123456789abcdef-test-only",
        b"bench-secret-0123456789",
        b"roster-test-secret-0123456789",
        b"a-long-enough-station-secret",
        b"calendar-test-secret-0123456789ab",
        b"simulation-test-secret-0123456789",
        b"cli-test-secret-0123456789abcdef0123",
        b"open311-tests-secret-0123456789abcdef",
        b"another-key-0123456789",
    }
)
"""Secrets once printed in this project's README, docs or tests: public, so refused."""

_MAX_KEY_FILE_BYTES = 4096
"""A key file holds one secret (a hex string of 64 characters is typical)."""
_HOW = f"use at least {MIN_SECRET_BYTES} random bytes, e.g. `openssl rand -hex 32`"


def check_secret(raw: bytes) -> bytes:
    """``raw`` if it can be a station secret (never echoed in an error).

    Raises:
        ConfigurationError: It is shorter than 32 bytes or a published example value.
    """
    if not isinstance(raw, bytes) or len(raw) < MIN_SECRET_BYTES:
        raise ConfigurationError(
            f"the station secret must be at least {MIN_SECRET_BYTES} bytes: {_HOW}"
        )
    if raw in _KNOWN_EXAMPLES:
        raise ConfigurationError(
            f"the station secret is an example value published with fengqiao: {_HOW}"
        )
    return raw


def read_key_file(path: Path) -> bytes:
    """The secret in the key file ``path``, which only its owner may read (mode 0600).

    Raises:
        ConfigurationError: It cannot be read, is not a regular file of at most 4 KB, others
            may read or write it (the message says ``chmod 600 PATH``), or its secret is too
            short or an example value.
    """
    try:
        mode = path.stat().st_mode
        if os.name != "nt" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigurationError(
                f"the key file {str(path)!r} is open to other users (mode "
                f"{stat.S_IMODE(mode):o}): make it owner-only with `chmod 600 {path}`"
            )
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the secret file {str(path)!r} ({type(exc).__name__})"
        ) from None
    raw = read_regular_file(path, _MAX_KEY_FILE_BYTES, "the secret file").strip()
    return check_secret(raw)


def load_secret(
    secret_file: str | None = None, environ: Mapping[str, str] | None = None
) -> bytes | None:
    """The secret from the environment or the key file, or ``None`` when neither is set.

    Raises:
        ConfigurationError: The key file cannot be read or is open to others, or the secret
            is too short or an example value.
    """
    environ = os.environ if environ is None else environ
    if environ.get(ENV):
        return check_secret(environ[ENV].encode())
    if secret_file:
        return read_key_file(Path(secret_file))
    return None


def require_secret(secret: bytes | None, feature: str) -> bytes:
    """``secret``, or a ``ConfigurationError`` saying how to provide one for ``feature``."""
    if secret is None:
        raise ConfigurationError(
            f"{feature} needs the station secret: set {ENV} (at least {MIN_SECRET_BYTES} "
            "characters) or name a key file with secret_file in the station file"
        )
    return secret


@frozen
class DerivedKey:
    """A key derived for one purpose 派生密钥; its ``repr`` never shows the key.

    Attributes:
        purpose: ``audit``, ``screening`` or ``witness``.
        key_id: ``PURPOSE-vN-`` and 12 hex digits of the key's SHA-256: names the key in
            stored records without revealing it.
        key: The 32 key bytes.
    """

    purpose: str
    key_id: str
    key: bytes = attrs.field(repr=False)


@functools.lru_cache(maxsize=64)
def _derive(
    secret: bytes, purpose: str, version: int, kdf: str, algorithms: Algorithms
) -> DerivedKey:
    info = f"fengqiao/{purpose}/v{version}".encode()
    key = algorithms.kdf(kdf).derive(secret, info, 32)
    fingerprint = hashlib.sha256(b"fengqiao-key-id\0" + key).hexdigest()[:12]
    return DerivedKey(purpose, f"{purpose}-v{version}-{fingerprint}", key)


def derive_key(
    secret: bytes,
    purpose: str,
    *,
    version: int = 1,
    kdf: str = DEFAULT_KDF,
    algorithms: Algorithms | None = None,
) -> DerivedKey:
    """The key for ``purpose`` derived from the station secret (HKDF-SHA-256 by default).

    ``version`` is part of the derivation, so a new version gives a new key and key id.

    Raises:
        ConfigurationError: ``purpose`` is not one of :data:`PURPOSES`, or ``kdf`` is unknown.
    """
    if purpose not in PURPOSES:
        raise ConfigurationError(f"unknown key purpose {purpose!r} (one of {PURPOSES})")
    return _derive(secret, purpose, version, kdf, algorithms or default_algorithms())


def screening_key(secret: bytes) -> bytes:
    """The key of linked screening's keyed digests (derived; the index is rebuilt at open)."""
    return derive_key(secret, "screening").key
