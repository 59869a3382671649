"""The one place this plugin reaches into fengqiao_core beyond its stable plugin API.

The core is moving modules into packages; every such import is here, so following the move is
a change to this file only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fengqiao_core.model import PersonName, PhoneNumber

if TYPE_CHECKING:
    from fengqiao_core.ports import BackendContext

__all__ = [
    "PersonName",
    "PhoneNumber",
    "load_station",
    "open_station",
    "resolve_path",
    "station_secret",
]


def resolve_path(context: BackendContext, raw: str) -> Path:
    """The file a backend URL names (a relative path: against the station file's folder).

    Uses ``BackendContext.path`` where the core has it, else the path as written.
    """
    resolve = getattr(context, "path", None)
    return Path(resolve(raw)) if callable(resolve) else Path(raw)


def load_station(station: str) -> Any:
    """The station configuration of a station file or shipped station's name."""
    from fengqiao_core.station import load_station_config

    return load_station_config(station)


def open_station(config: Any, *, secret: bytes | None) -> Any:
    """A Station service over ``config`` that delivers nothing in the background."""
    from fengqiao_core import open_station as open_

    return open_(config, secret=secret, dispatch=False)


def station_secret(config: Any) -> bytes | None:
    """The station secret (``FENGQIAO_SECRET`` or the station file's ``secret_file``), if any.

    Raises:
        ConfigurationError: The key file cannot be read, or the secret is too short.
    """
    from fengqiao_core.security.keys import load_secret

    return load_secret(getattr(config, "secret_file", None), os.environ)
