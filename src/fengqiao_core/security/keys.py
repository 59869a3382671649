"""The station's secret 密钥 for keyed hashes (linked screening) and the audit chain.

It comes from ``FENGQIAO_SECRET`` (at least 16 bytes of text) or from the key file a station
file names (``secret_file``) — never from package data or code. A station without one gets a
clear :class:`~fengqiao_core.errors.ConfigurationError` when a feature needs it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from fengqiao_core.errors import ConfigurationError

__all__ = ["MIN_SECRET_BYTES", "load_secret", "require_secret"]

MIN_SECRET_BYTES = 16
ENV = "FENGQIAO_SECRET"


def load_secret(
    secret_file: str | None = None, environ: Mapping[str, str] | None = None
) -> bytes | None:
    """The secret from the environment or the key file, or ``None`` when neither is set.

    Raises:
        ConfigurationError: The key file cannot be read, or the secret is too short.
    """
    environ = os.environ if environ is None else environ
    raw: bytes | None = environ[ENV].encode() if environ.get(ENV) else None
    if raw is None and secret_file:
        try:
            raw = Path(secret_file).read_bytes().strip()
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read the secret file {secret_file!r} ({type(exc).__name__})"
            ) from None
    if raw is not None and len(raw) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"the station secret must be at least {MIN_SECRET_BYTES} bytes")
    return raw


def require_secret(secret: bytes | None, feature: str) -> bytes:
    """``secret``, or a ``ConfigurationError`` saying how to provide one for ``feature``."""
    if secret is None:
        raise ConfigurationError(
            f"{feature} needs the station secret: set {ENV} (at least {MIN_SECRET_BYTES} "
            "characters) or name a key file with secret_file in the station file"
        )
    return secret
