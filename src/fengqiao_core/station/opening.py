"""Opening a station's backends and secret 开站检查: every configuration problem found at open.

:class:`~fengqiao_core.station.core.StationCore` calls these before it serves anything, so a
station with no storage named, a store that is not durable without the opt-in, a missing or
unreadable secret, an unwritable folder or another station's database is refused when it
opens — with a :class:`~fengqiao_core.errors.ConfigurationError` or
:class:`~fengqiao_core.errors.StorageError` naming the file and the fix — never at the first
report, and never blamed on the plugin that provides the backend.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from fengqiao_core.errors import ConfigurationError
from fengqiao_core.plugins import PORTS, Plugins
from fengqiao_core.ports import BackendContext, Capability, Port
from fengqiao_core.rules.screening import ScreeningSettings
from fengqiao_core.security.crypto import Algorithms
from fengqiao_core.security.keys import (
    ENV,
    MIN_SECRET_BYTES,
    check_secret,
    load_secret,
    read_key_file,
)
from fengqiao_core.security.rotation import KeyRing
from fengqiao_core.station.config import StationConfig

__all__ = ["open_backends", "open_keys", "open_secret", "seal_storage", "station_plugins"]


def open_secret(config: StationConfig, secret: bytes | None) -> bytes:
    """The station secret: ``secret``, else ``FENGQIAO_SECRET``, else the ``secret_file``.

    A relative ``secret_file`` is relative to the station file's folder.

    Raises:
        ConfigurationError: There is none, it cannot be read, it is too short or a published
            example value, or its key file is open to other users; the message names the
            station file and says how to fix it.
    """
    if secret is not None:
        return check_secret(secret)
    path = config.resolve(config.secret_file) if config.secret_file else None
    try:
        found = load_secret(None if path is None else str(path))
    except ConfigurationError as exc:
        raise ConfigurationError(
            f"{config.label}: {exc}; secret_file is relative to the station file's folder"
        ) from None
    if found is None:
        raise ConfigurationError(
            f"{config.label}: the station has no secret: set {ENV} (at least "
            f'{MIN_SECRET_BYTES} characters), name a key file with secret_file = "..." in '
            "the station file (relative to its folder), or pass secret= when opening it"
        )
    return found


def station_plugins(config: StationConfig, given: Plugins | None) -> Plugins:
    """The plugins this station calls: its ``[plugins]`` allow-list and grants applied.

    Without a given facade only the allowed entry points are imported; a given facade (shared
    by several stations, or built by a test) is narrowed to what the station allows.
    """
    trust = config.plugins
    if given is None:
        return Plugins(allow=trust.allow, personal_data=trust.personal_data)
    return given.for_station(trust.allow, trust.personal_data)


def open_keys(config: StationConfig, secret: bytes, algorithms: Algorithms) -> KeyRing:
    """The station's key ring: ``secret``, the ``[secrets]`` key version and retired secrets.

    Raises:
        ConfigurationError: A retired key file cannot be read, is open to other users or holds
            a weak secret, or ``[secrets]`` names a MAC or digest no plugin provides.
    """
    settings = config.secrets
    algorithms.mac(settings.mac)
    algorithms.digest(settings.digest)
    retired = []
    for raw in settings.retired_files:
        try:
            retired.append(read_key_file(config.resolve(raw)))
        except ConfigurationError as exc:
            raise ConfigurationError(f"{config.label}: [secrets] retired_files: {exc}") from None
    return KeyRing(secret, settings.key_version, tuple(retired), algorithms)


def _storage_url(config: StationConfig) -> str:
    url = config.backends.storage
    if url is None:
        raise ConfigurationError(
            f"{config.label}: no storage is named: write [backends] storage = "
            '"sqlite:///station.db" (a file next to the station file), or storage = "memory" '
            "with durable = false for a store that keeps nothing"
        )
    return url


def open_backends(
    config: StationConfig, plugins: Plugins, converter: Any, given: Mapping[Port, Any]
) -> dict[Port, Any]:
    """Open every port's backend not ``given``, the storage first.

    Raises:
        ConfigurationError: No storage is named, the store is not durable without
            ``durable = false``, a backend is unknown, or a factory found the configuration
            wrong.
        StorageError: The store cannot be opened (the message names the file).
        PluginError: A third-party factory failed in some other way.
    """
    base_dir = Path(config.base_dir) if config.base_dir else None
    opened: dict[Port, Any] = {}
    try:
        for port in PORTS:
            if given.get(port) is not None:
                opened[port] = given[port]
                continue
            url = _storage_url(config) if port == "storage" else getattr(config.backends, port)
            context = BackendContext(url, config, converter, base_dir=base_dir)
            backend = opened[port] = plugins.open_backend(port, context)
            if port == "storage" and config.backends.durable:
                capabilities: frozenset[Capability] = getattr(backend, "capabilities", frozenset())
                if Capability.DURABLE not in capabilities:
                    raise ConfigurationError(
                        f"{config.label}: storage {url!r} is not durable (everything is lost "
                        "when the process ends): write durable = false under [backends] to "
                        'accept that, or name a durable store such as "sqlite:///station.db"'
                    )
    except BaseException:
        storage = opened.get("storage")
        if storage is not None and given.get("storage") is None:
            with contextlib.suppress(Exception):
                storage.close()
        raise
    return opened


def seal_storage(
    config: StationConfig,
    plugins: Plugins,
    secrets: Sequence[bytes],
    storage: Any,
    now: Callable[[], dt.datetime],
) -> Any:
    """``storage`` wrapped so that personal values are sealed at rest (unless turned off).

    ``secrets`` are the station's secrets, oldest first and the current one last: keys wrapped
    under a KEK derived from a retired one still unwrap.

    Raises:
        ConfigurationError: The KEK cannot be had (see
            :func:`~fengqiao_core.security.datakeys.open_kek`), or the backend has no key ring.
    """
    settings = config.encryption
    if not settings.enabled:
        return storage
    from fengqiao_core.security.datakeys import open_kek, retired_keks
    from fengqiao_core.station.sealed import SealedStorage

    kek_file = config.resolve(settings.kek_file) if settings.kek_file else None
    try:
        kek = open_kek(
            secrets[-1],
            kek_file=kek_file,
            provider=settings.kek_provider,
            providers=plugins.key_providers() if settings.kek_provider else None,
        )
    except ConfigurationError as exc:
        raise ConfigurationError(f"{config.label}: [encryption]: {exc}") from None
    return SealedStorage(storage, kek, now, retired_keks(secrets[:-1]))


_UNINDEXED_MAX = 30


def check_screening(settings: ScreeningSettings) -> ScreeningSettings:
    """Refuse a linked-screening threshold the index cannot serve (rule L7).

    Without a shared identity or address a score stays at most 30 (name 10 + text 20), and
    only shared identities and addresses are indexed: a lower ``related_at`` would silently
    miss related matters.

    Raises:
        ConfigurationError: ``related_at`` is 30 or less.
    """
    if settings.related_at <= _UNINDEXED_MAX:
        raise ConfigurationError(
            f"screening's related_at must be above {_UNINDEXED_MAX}: lower scores need no "
            "shared identity or address and cannot be found through the index"
        )
    return settings
