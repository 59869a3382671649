"""The algorithm registry 密码算法注册表: every MAC, key derivation and signature by id.

The audit chain, the per-purpose keys and the audit witness look their algorithms up here by
id, and every stored record names the id it used, so a deployment can switch algorithms
(e.g. to SM3/SM2 for 等保 / 密评) without breaking what was written before. The defaults:

========================  =========  ====================================================
id                        kind       use
========================  =========  ====================================================
``hmac-sha256``           MAC        the audit chain's entry digests (RFC 2104, FIPS 180-4)
``sha256``                digest     what each audit entry's unit of work stored (FIPS 180-4)
``hkdf-sha256``           KDF        per-purpose keys from the station secret (RFC 5869)
``ed25519``               signature  audit witness files (RFC 8032; ``cryptography``)
========================  =========  ====================================================

A plugin adds algorithms with the ``fengqiao_register_algorithms`` hook; ids are unique and
the defaults cannot be replaced.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping

import attrs
from attrs import frozen

from fengqiao_core.errors import ConfigurationError

__all__ = [
    "DEFAULT_DIGEST",
    "DEFAULT_KDF",
    "DEFAULT_MAC",
    "DEFAULT_SIGNATURE",
    "Algorithm",
    "Algorithms",
    "DigestAlgorithm",
    "KdfAlgorithm",
    "MacAlgorithm",
    "SignatureAlgorithm",
    "builtin_algorithms",
    "default_algorithms",
]

DEFAULT_MAC = "hmac-sha256"
DEFAULT_DIGEST = "sha256"
DEFAULT_KDF = "hkdf-sha256"
DEFAULT_SIGNATURE = "ed25519"


@frozen
class Algorithm:
    """A cryptographic algorithm 密码算法 known by its id (lower-case, e.g. ``hmac-sha256``).

    Attributes:
        id: The id stored beside everything the algorithm produced.
        description: One line for people (the standard it implements).
    """

    id: str
    description: str


@frozen
class MacAlgorithm(Algorithm):
    """A keyed digest 消息认证码: ``mac(key, data) -> tag``."""

    mac: Callable[[bytes, bytes], bytes]


@frozen
class DigestAlgorithm(Algorithm):
    """A digest 摘要算法 without a key: ``digest(data) -> hash``."""

    digest: Callable[[bytes], bytes]


@frozen
class KdfAlgorithm(Algorithm):
    """A key derivation 密钥派生: ``derive(secret, info, length) -> key``."""

    derive: Callable[[bytes, bytes, int], bytes]


@frozen
class SignatureAlgorithm(Algorithm):
    """A signature 数字签名 from a 32-byte private seed.

    Attributes:
        public_key: ``public_key(seed) -> public key bytes``.
        sign: ``sign(seed, data) -> signature``.
        verify: ``verify(public_key, data, signature) -> bool`` (never raises for a bad one).
    """

    public_key: Callable[[bytes], bytes]
    sign: Callable[[bytes, bytes], bytes]
    verify: Callable[[bytes, bytes, bytes], bool]


def _hmac_sha256(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _hkdf_sha256(secret: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 with an all-zero salt (the secret is already uniformly random)."""
    prk = _hmac_sha256(b"\0" * 32, secret)
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = _hmac_sha256(prk, block + info + bytes([counter]))
        out, counter = out + block, counter + 1
    return out[:length]


def _ed25519_public(seed: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def _ed25519_sign(seed: bytes, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(seed).sign(data)


def _ed25519_verify(public: bytes, data: bytes, signature: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def builtin_algorithms() -> tuple[Algorithm, ...]:
    """The default algorithms (see the module's table)."""
    return (
        MacAlgorithm(DEFAULT_MAC, "HMAC-SHA-256 (RFC 2104)", _hmac_sha256),
        DigestAlgorithm(DEFAULT_DIGEST, "SHA-256 (FIPS 180-4)", _sha256),
        KdfAlgorithm(DEFAULT_KDF, "HKDF-SHA-256 (RFC 5869)", _hkdf_sha256),
        SignatureAlgorithm(
            DEFAULT_SIGNATURE,
            "Ed25519 (RFC 8032)",
            _ed25519_public,
            _ed25519_sign,
            _ed25519_verify,
        ),
    )


@frozen(eq=False)
class Algorithms:
    """Every algorithm a station can use, by id 算法表 (the defaults plus plugins' ones)."""

    by_id: Mapping[str, Algorithm] = attrs.field(factory=dict)

    @classmethod
    def of(cls, extra: Iterable[Algorithm] = ()) -> Algorithms:
        """The defaults plus ``extra`` (ids must be new)."""
        found = {a.id: a for a in builtin_algorithms()}
        for algorithm in extra:
            if algorithm.id in found:
                raise ConfigurationError(f"algorithm {algorithm.id!r} is already registered")
            found[algorithm.id] = algorithm
        return cls(found)

    def _get(self, ident: str, kind: type[Algorithm]) -> Algorithm:
        found = self.by_id.get(ident)
        if found is None:
            raise ConfigurationError(
                f"unknown algorithm {ident!r}: install the plugin that provides it "
                f"(known: {', '.join(sorted(self.by_id))})"
            )
        if not isinstance(found, kind):
            raise ConfigurationError(f"algorithm {ident!r} is not a {kind.__name__}")
        return found

    def mac(self, ident: str = DEFAULT_MAC) -> MacAlgorithm:
        """The MAC ``ident`` (``ConfigurationError`` if unknown or of another kind)."""
        found = self._get(ident, MacAlgorithm)
        assert isinstance(found, MacAlgorithm)
        return found

    def digest(self, ident: str = DEFAULT_DIGEST) -> DigestAlgorithm:
        """The digest ``ident``."""
        found = self._get(ident, DigestAlgorithm)
        assert isinstance(found, DigestAlgorithm)
        return found

    def kdf(self, ident: str = DEFAULT_KDF) -> KdfAlgorithm:
        """The key derivation ``ident``."""
        found = self._get(ident, KdfAlgorithm)
        assert isinstance(found, KdfAlgorithm)
        return found

    def signature(self, ident: str = DEFAULT_SIGNATURE) -> SignatureAlgorithm:
        """The signature algorithm ``ident``."""
        found = self._get(ident, SignatureAlgorithm)
        assert isinstance(found, SignatureAlgorithm)
        return found


@functools.cache
def default_algorithms() -> Algorithms:
    """The registry of the defaults only (for callers without a station's plugins)."""
    return Algorithms.of()
