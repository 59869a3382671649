"""memory.P4: the share of ``report_many`` time spent dispatching to plugins (goal ≤ 10 %).

The station runs on the memory backend with every rule on, one observer plugin
(``fengqiao_on_matter_changed``) and one advising plugin (``fengqiao_triage_advice``)
installed, and reports a mix of matters. Dispatch time is measured around the facade's calls
into plugins; ``ours`` is that time per matter and ``baseline`` the whole ``report_many`` time
per matter, so the ratio is the dispatch share.
"""

from __future__ import annotations

import datetime as dt
import time
import types
from typing import Any

import attrs

from benchmarks.harness import Measurement, benchmark
from fengqiao_core import hookimpl
from fengqiao_core import model as m
from fengqiao_core.model.personal import FreeText
from fengqiao_core.plugins import Plugins, get_plugin_manager
from fengqiao_core.station import MatterDraft, StationService, open_station
from fengqiao_core.station.file import load_station_config

TZ = dt.timezone(dt.timedelta(hours=8))
ACTOR = m.Actor("O01", m.Role.OFFICER)
_KINDS = [
    (m.MatterKind.HELP_REQUEST, "help_request:lost_property", m.Severity.GENERAL),
    (m.MatterKind.DISPUTE, "dispute:neighbour", m.Severity.GENERAL),
    (m.MatterKind.DISPUTE, "dispute:labour", m.Severity.MAJOR),
    (m.MatterKind.INCIDENT, "incident:telecom_fraud", m.Severity.SERIOUS),
]

SECRET = b"benchmark-secret-0f8e2c6a91d4b735e0c2"


def drafts(count: int, places: list[str]) -> list[MatterDraft]:
    """``count`` varied drafts spread over ``places`` (invented content, no parties)."""
    found = []
    for i in range(count):
        kind, category, severity = _KINDS[i % len(_KINDS)]
        found.append(
            MatterDraft(
                kind=kind,
                category=category,
                severity=severity,
                source=m.Source.GROUP,
                location=m.Location(place=places[i % len(places)]),
                description=FreeText(f"事项 {i}"),
                reference=f"bench-{i}",
            )
        )
    return found


def _plugins() -> Plugins:
    module = types.ModuleType("bench_plugin")
    module.FENGQIAO_PLUGIN_API = 1  # type: ignore[attr-defined]
    seen = [0]

    def fengqiao_on_matter_changed(matter: m.Matter) -> None:
        seen[0] += 1

    def fengqiao_triage_advice(matter: m.Matter) -> None:
        return None

    module.fengqiao_on_matter_changed = hookimpl(fengqiao_on_matter_changed)  # type: ignore[attr-defined]
    module.fengqiao_triage_advice = hookimpl(fengqiao_triage_advice)  # type: ignore[attr-defined]
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(module, "bench")
    return Plugins(pm)


def timed_station(plugins: Plugins) -> tuple[StationService, list[float]]:
    """A memory station allowing ``bench``, whose plugin calls add their time to the list.

    The observer holds no grant, so it gets masked matters, as an ungranted plugin does.
    """
    spent = [0.0]
    clock = [dt.datetime(2026, 11, 2, 10, tzinfo=TZ)]
    config = load_station_config("miaoshan").with_backends(storage="memory")
    allow = (*(config.plugins.allow or ()), "bench")
    config = attrs.evolve(config, plugins=attrs.evolve(config.plugins, allow=allow))
    station = open_station(
        config, plugins=plugins, clock=lambda: clock[0], secret=SECRET,
        dispatch=False,
    )  # fmt: skip
    calls: Any = station.plugins._calls
    inner = calls.each

    def each(hook: str, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return inner(hook, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    calls.each = each
    return station, spent


@benchmark("memory.P4", goal="<= 0.10")
def dispatch_share(quick: bool) -> Measurement:
    count = 2_000 if quick else 20_000
    station, spent = timed_station(_plugins())
    places = [p.id for p in station.config.places if p.cell is not None]
    batch = drafts(count, places)
    started = time.perf_counter()
    station.report_many(ACTOR, batch)
    total = time.perf_counter() - started
    station.shutdown()
    if spent[0] == 0:  # the plugin was not called: nothing was measured
        raise RuntimeError("memory.P4: no call into the bench plugin was timed")
    return Measurement(spent[0] / count * 1e6, total / count * 1e6, "µs/matter")
