"""The Station service 派出所服务: :func:`open_station` and the class combining the use cases.

.. code-block:: python

    station = open_station("miaoshan", secret=b"...")  # 32+ random bytes in real use
    matter = station.report(actor, MatterDraft(...))

:class:`StationService` is composed at one level: the core (:mod:`fengqiao_core.station.core`:
backends, clock, secret and the one way a change is made) and one mixin per concept, each
knowing only the core — people (:mod:`~fengqiao_core.station.people`), intake
(:mod:`~fengqiao_core.station.intake`), the lifecycle (:mod:`~fengqiao_core.station.lifecycle`),
mediation (:mod:`~fengqiao_core.station.mediation`), roster imports
(:mod:`~fengqiao_core.station.roster`), queries (:mod:`~fengqiao_core.station.queries`),
figures (:mod:`~fengqiao_core.station.figures`), the plugin grants
(:mod:`~fengqiao_core.station.trust`), erasure and legal holds
(:mod:`~fengqiao_core.station.erasure`) and retention (:mod:`~fengqiao_core.station.retention`).
A new use case goes into the mixin of its concept, or a new mixin added to the list below.
"""

from __future__ import annotations

import os
from typing import Any, Self

from fengqiao_core.ports import Port
from fengqiao_core.station.config import StationConfig
from fengqiao_core.station.erasure import ErasureUseCases
from fengqiao_core.station.figures import FiguresQueries
from fengqiao_core.station.file import load_station_config
from fengqiao_core.station.intake import IntakeUseCases
from fengqiao_core.station.lifecycle import LifecycleUseCases
from fengqiao_core.station.mediation import MediationUseCases
from fengqiao_core.station.people import PeopleUseCases
from fengqiao_core.station.queries import StationQueries
from fengqiao_core.station.retention import RetentionUseCases
from fengqiao_core.station.roster import RosterUseCases
from fengqiao_core.station.trust import PluginTrust
from fengqiao_core.station.values import Clock

__all__ = ["StationService", "open_station"]


class StationService(
    PeopleUseCases,
    IntakeUseCases,
    LifecycleUseCases,
    MediationUseCases,
    RosterUseCases,
    StationQueries,
    FiguresQueries,
    PluginTrust,
    ErasureUseCases,
    RetentionUseCases,
):
    """A station at work 派出所: report and triage matters, take them through their lifecycles.

    Build one with :func:`open_station`; use it as a context manager (or call
    :meth:`shutdown`) so the dispatcher stops and the store closes.
    """

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def open_station(
    station: StationConfig | str | os.PathLike[str],
    *,
    clock: Clock | None = None,
    plugins: Any = None,
    secret: bytes | None = None,
    backends: dict[Port, Any] | None = None,
    dispatch: bool = True,
) -> StationService:
    """Open a station: load its file (or take a config), pick its backends, start dispatching.

    Args:
        station: A :class:`StationConfig`, a station file path or a shipped station's name.
        clock: A zone-aware clock (the station zone's wall clock by default).
        plugins: A :class:`~fengqiao_core.plugins.Plugins` facade (a fresh one by default).
        secret: The station secret (else ``FENGQIAO_SECRET`` or the file's ``secret_file``).
        backends: Ready backends by port, replacing configured ones.
        dispatch: Deliver outbox messages in a background thread.

    Raises:
        ConfigurationError: The file cannot be read, or a backend is unknown.
        ValidationError: The station file is invalid.
        PluginError: A plugin failed while opening a backend.
    """
    config = station if isinstance(station, StationConfig) else load_station_config(station)
    return StationService(
        config, plugins=plugins, clock=clock, secret=secret, backends=backends, dispatch=dispatch
    )
