"""The application 派出所应用: a station at work, built from its station file.

The names a user reaches for are loaded lazily: :func:`open_station`, :class:`MatterDraft`,
:class:`StationService`, :class:`StationConfig` and :func:`load_station_config`. The modules:

- :mod:`~fengqiao_core.station.config`, :mod:`~fengqiao_core.station.file`,
  :mod:`~fengqiao_core.station.summary` — the station file, its configuration and summary;
- :mod:`~fengqiao_core.station.core` — backends, clock, secret, the one way a change is made;
- :mod:`~fengqiao_core.station.intake`, :mod:`~fengqiao_core.station.lifecycle`,
  :mod:`~fengqiao_core.station.mediation`, :mod:`~fengqiao_core.station.queries` — the use
  cases by concept, combined once in :mod:`~fengqiao_core.station.service`;
- :mod:`~fengqiao_core.station.dispatch` (the outbox), :mod:`~fengqiao_core.station.screening`
  (the linked-screening index), :mod:`~fengqiao_core.station.stories` (the article's stories).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fengqiao_core.station.config import StationConfig
    from fengqiao_core.station.file import load_station_config
    from fengqiao_core.station.intake import MatterDraft
    from fengqiao_core.station.service import StationService, open_station

__all__ = ["MatterDraft", "StationConfig", "StationService", "load_station_config", "open_station"]

_WHERE = {
    "MatterDraft": "fengqiao_core.station.intake",
    "StationConfig": "fengqiao_core.station.config",
    "StationService": "fengqiao_core.station.service",
    "load_station_config": "fengqiao_core.station.file",
    "open_station": "fengqiao_core.station.service",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'fengqiao_core.station' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
