"""fengqiao_core: the working method of a Fengqiao-style police station 枫桥式公安派出所.

The names a user reaches for first, loaded lazily so that ``import fengqiao_core`` stays light::

    from fengqiao_core import MatterDraft, hookimpl, model, open_station

- :func:`open_station` and :class:`MatterDraft` — a station at work (:mod:`fengqiao_core.station`);
- :data:`hookimpl` — the marker of a plugin's hook implementations (:mod:`fengqiao_core.hookspecs`);
- :mod:`model <fengqiao_core.model>` — the domain model;
- the errors of :mod:`fengqiao_core.errors` (:class:`FengqiaoError` and its subclasses).

Everything else keeps its module path; ``docs/architecture.md`` maps the package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from fengqiao_core.security import logs as _security_logs

if TYPE_CHECKING:
    from fengqiao_core import model
    from fengqiao_core.errors import (
        ConfigurationError,
        ConflictError,
        FengqiaoError,
        IntegrityError,
        NotFound,
        PermissionDenied,
        PluginError,
        RuleViolation,
        StorageError,
        StorageUnavailable,
        TransitionError,
        ValidationError,
    )
    from fengqiao_core.hookspecs import hookimpl
    from fengqiao_core.station import MatterDraft, StationService, open_station

__version__ = "0.1.0"

_ERRORS = (
    "ConfigurationError",
    "ConflictError",
    "FengqiaoError",
    "IntegrityError",
    "NotFound",
    "PermissionDenied",
    "PluginError",
    "RuleViolation",
    "StorageError",
    "StorageUnavailable",
    "TransitionError",
    "ValidationError",
)
_WHERE: dict[str, str] = {
    **dict.fromkeys(_ERRORS, "fengqiao_core.errors"),
    "hookimpl": "fengqiao_core.hookspecs",
    "MatterDraft": "fengqiao_core.station.intake",
    "StationService": "fengqiao_core.station.service",
    "open_station": "fengqiao_core.station.service",
}

__all__ = [
    "ConfigurationError",
    "ConflictError",
    "FengqiaoError",
    "IntegrityError",
    "MatterDraft",
    "NotFound",
    "PermissionDenied",
    "PluginError",
    "RuleViolation",
    "StationService",
    "StorageError",
    "StorageUnavailable",
    "TransitionError",
    "ValidationError",
    "__version__",
    "hookimpl",
    "model",
    "open_station",
]

# The logging HOWTO's handler on the package root, here one that masks every fengqiao_core.*
# record (a plain logging.getLogger child too) before the application's handlers see it.
_security_logs.install()


def __getattr__(name: str) -> Any:
    if name == "model":
        return importlib.import_module("fengqiao_core.model")
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'fengqiao_core' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE, "model"])
