"""Open311 settings 接口配置: the ``[open311]`` table, the acting person and the API keys.

The station file is where ``[open311]`` belongs, but the core refuses unknown top-level keys
there today, so the table is read from a settings file beside it, ``<station>.open311.toml``
(or ``--settings FILE``)::

    [open311]
    actor = "officer-0001"          # a roster officer: exports, reads, imports and POSTs
    jurisdiction_id = "miaoshan"
    agency = "庙山派出所"
    api_key_env = "FENGQIAO_OPEN311_API_KEY"
    api_key_file = "open311.keys"   # owner-only (chmod 600); lines "label:key"
    rate_per_minute = 60            # POSTs per API key
    max_body_bytes = 65536

    [open311.services]              # external service_code -> category key
    "LOST" = "help_request:lost_property"

The station authenticates nobody: the host maps its login to ``actor``, and the station binds
it to the roster (``station.actor``). Reads keep to that actor's scope and are masked, so the
export actor should be an officer whose scope is station-wide — the duty officer 值班民警.
Keys never live in the settings file in clear.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from fengqiao_core.errors import ConfigurationError, PermissionDenied, ValidationError
from fengqiao_core.model import Actor

if TYPE_CHECKING:
    from fengqiao_core import StationService

__all__ = ["Open311Settings", "load_api_keys", "load_settings", "resolve_actor", "settings_path"]

_ENV_DEFAULT = "FENGQIAO_OPEN311_API_KEY"
_MIN_KEY = 16


@frozen(kw_only=True)
class Open311Settings:
    """What a station's Open311 face is configured with 接口配置 (see the module text).

    ``services`` maps external service codes to category keys; ``folder`` is where relative
    paths (the key file) are resolved.
    """

    actor: str | None = None
    jurisdiction_id: str | None = None
    agency: str | None = None
    api_key_env: str = _ENV_DEFAULT
    api_key_file: str | None = None
    rate_per_minute: int = 60
    max_body_bytes: int = 64 * 1024
    services: Mapping[str, str] = field(factory=dict)
    folder: Path = Path()


def settings_path(station: str, given: Path | None) -> Path | None:
    """The settings file: ``given``, else ``<station stem>.open311.toml`` beside the station."""
    if given is not None:
        return given
    path = Path(station)
    if not path.is_file():
        return None
    return path.with_name(f"{path.stem}.open311.toml")


def load_settings(path: Path | None) -> Open311Settings:
    """Read ``[open311]`` from a TOML file (defaults when ``path`` is ``None`` or absent).

    Raises:
        ConfigurationError: The file is unreadable or not TOML, or a value has the wrong type.
    """
    if path is None or not path.exists():
        return Open311Settings(folder=path.parent if path else Path())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(
            f"{path.name}: cannot be read as TOML ({type(exc).__name__}); fix the file"
        ) from None
    return settings_from_table(data.get("open311", {}), folder=path.parent)


def settings_from_table(table: Mapping[str, Any], *, folder: Path) -> Open311Settings:
    """Build settings from an ``[open311]`` table (also usable on a station file's raw TOML)."""
    if not isinstance(table, Mapping):
        raise ConfigurationError("[open311] must be a table")
    services = table.get("services", {})
    ok = isinstance(services, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in services.items()
    )
    if not ok:
        raise ConfigurationError(
            '[open311.services] maps codes to category keys: "X" = "kind:code"'
        )
    known = {"actor", "jurisdiction_id", "agency", "api_key_env", "api_key_file"}
    numbers = {"rate_per_minute", "max_body_bytes"}
    unknown = sorted(set(table) - known - numbers - {"services"})
    if unknown:
        raise ConfigurationError(f"[open311]: unknown keys {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for key in known & set(table):
        if not isinstance(table[key], str):
            raise ConfigurationError(f"[open311].{key} must be text")
        values[key] = table[key]
    for key in numbers & set(table):
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigurationError(f"[open311].{key} must be a whole number >= 1")
        values[key] = value
    return Open311Settings(services=dict(services), folder=folder, **values)


def resolve_actor(station: StationService, settings: Open311Settings) -> Actor:
    """The roster actor 接口身份 imports, exports and the API act as: ``[open311].actor``.

    The station binds the id to the role its roster gives that person (``station.actor``).
    Reads keep to that actor's scope, so an export or a public API over the whole station needs
    an officer whose scope is station-wide: the duty officer 值班民警 (or a command-room,
    case-handling or criminal post). A community officer exports their police grids only.

    Raises:
        ConfigurationError: No actor is configured, or the roster does not confirm them.
    """
    if settings.actor is None:
        raise ConfigurationError(
            "set [open311].actor to a roster officer (the duty officer reads station-wide) the "
            "station acts as for Open311 exports, imports and the API"
        )
    try:
        return station.actor(settings.actor)
    except (PermissionDenied, ValidationError):
        raise ConfigurationError(
            "[open311].actor is not confirmed by the station's roster in one role; name an "
            "officer of the station file (the duty officer reads station-wide)"
        ) from None


def load_api_keys(settings: Open311Settings) -> dict[str, str]:
    """API keys by label: the environment variable's (label ``env``) and the key file's.

    Raises:
        ConfigurationError: The key file is readable by others, unreadable, or a key is short.
    """
    keys: dict[str, str] = {}
    from_env = os.environ.get(settings.api_key_env, "").strip()
    if from_env:
        keys["env"] = from_env
    if settings.api_key_file:
        path = settings.folder / settings.api_key_file
        try:
            mode = path.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise ConfigurationError(
                    f"{path.name}: readable by others; run chmod 600 on the key file"
                )
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigurationError(
                f"{path.name}: the API key file cannot be read ({type(exc).__name__})"
            ) from None
        for number, line in enumerate(lines, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            label, _, key = text.rpartition(":")
            keys[label.strip() or f"key-{number}"] = key.strip()
    short = [label for label, key in keys.items() if len(key) < _MIN_KEY]
    if short:
        raise ConfigurationError(f"API keys must be {_MIN_KEY}+ characters: {', '.join(short)}")
    return keys


def check_services(settings: Open311Settings, reportable: set[str]) -> None:
    """Every mapped category must be a reportable one (help request or dispute).

    Raises:
        ValidationError: A mapping names another category; the field is its service code.
    """
    for code, key in settings.services.items():
        if key not in reportable:
            raise ValidationError(
                f"open311.services.{code}", "not a help-request or dispute category"
            )
