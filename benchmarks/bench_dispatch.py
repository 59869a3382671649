"""facade.dispatch: a hook call through the typed facade vs pluggy's own hook call.

The facade calls implementations one at a time (to attribute results and errors to their
plugin); this measures what that costs against ``pm.hook.fengqiao_on_matter_changed(...)``
with the same three observer plugins registered.
"""

from __future__ import annotations

import types

from benchmarks.harness import Measurement, benchmark, interleave, per_call
from fengqiao_core import hookimpl
from fengqiao_core import model as m
from fengqiao_core.plugins import Plugins, get_plugin_manager


def _plugins(count: int) -> Plugins:
    pm = get_plugin_manager(load_entrypoints=False)
    for index in range(count):
        module = types.ModuleType(f"observer{index}")
        module.FENGQIAO_PLUGIN_API = 1  # type: ignore[attr-defined]

        def fengqiao_on_matter_changed(matter: object, events: object) -> None:
            return None

        module.fengqiao_on_matter_changed = hookimpl(fengqiao_on_matter_changed)  # type: ignore[attr-defined]
        pm.register(module, f"observer{index}")
    return Plugins(pm)


@benchmark("facade.dispatch", goal="<= 2.0")
def facade_vs_pluggy(quick: bool) -> Measurement:
    plugins = _plugins(3)
    matter = object()
    events: list[m.MatterEvent] = []
    hook = plugins.pm.hook.fengqiao_on_matter_changed
    calls = 20_000 if quick else 200_000

    def ours() -> float:
        return per_call(lambda: plugins.notify_matter_changed(matter, events), calls)  # type: ignore[arg-type]

    def theirs() -> float:
        return per_call(lambda: hook(matter=matter, events=events), calls)

    mine, base = interleave(ours, theirs, rounds=5 if quick else 9)
    return Measurement(mine * 1e6, base * 1e6, "µs/call")
