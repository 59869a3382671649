"""Building the plugin manager 插件加载: the specs, the built-ins, the allowed entry points.

See :mod:`fengqiao_core.plugins` for the environment variables that steer loading. A station
file's ``[plugins] allow`` list is passed as ``allow``: an installed plugin not named there is
never imported (its code does not run); it is remembered as "installed, not allowed".
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
from collections.abc import Collection
from typing import TYPE_CHECKING

import pluggy

from fengqiao_core import hookspecs
from fengqiao_core.errors import PluginError
from fengqiao_core.plugins.calls import flag

if TYPE_CHECKING:
    from fengqiao_core.ports import Port

__all__ = [
    "BUILTIN_NAMES",
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PORTS",
    "get_plugin_manager",
    "installed",
    "not_allowed",
    "plugin_origin",
]

DEFAULT_PLUGINS: tuple[str, ...] = (
    "fengqiao_core.builtin.memory",
    "fengqiao_core.builtin.sqlite",
    "fengqiao_core.builtin.declared_grid",
    "fengqiao_core.builtin.declared_volunteers",
    "fengqiao_core.builtin.log_channel",
)
"""Built-in plugins, registered by module name exactly like external plugins."""

ENTRY_POINT_GROUP = "fengqiao_core"
PORTS: tuple[Port, ...] = ("storage", "grid", "volunteers", "channel")
BUILTIN_NAMES = frozenset(module.rsplit(".", 1)[-1] for module in DEFAULT_PLUGINS)
"""The names built-in plugins are registered under: always loaded, always trusted."""


@functools.cache
def _core_version() -> str:
    """This distribution's installed version (what ``fengqiao plugins`` shows for built-ins)."""
    try:
        return importlib.metadata.version("fengqiao-core")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "unknown"


def _blocked() -> set[str]:
    import os

    raw = os.environ.get("FENGQIAO_BLOCKED_PLUGINS", "")
    return {name.strip() for name in raw.split(",") if name.strip()}


def _check_api(plugin: object, name: str, origin: tuple[str, str]) -> None:
    declared = getattr(plugin, "FENGQIAO_PLUGIN_API", None)
    if declared != hookspecs.PLUGIN_API:
        said = (
            "declares no FENGQIAO_PLUGIN_API"
            if declared is None
            else f"was built for plugin API {declared!r}"
        )
        raise PluginError(
            name,
            " ".join(origin),
            f"{said}; this fengqiao-core provides plugin API {hookspecs.PLUGIN_API}: install "
            f"a release of the plugin built for API {hookspecs.PLUGIN_API}",
        )


def _register(pm: pluggy.PluginManager, plugin: object, name: str, origin: tuple[str, str]) -> None:
    _check_api(plugin, name, origin)
    try:
        pm.register(plugin, name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        raise PluginError(name, " ".join(origin), f"cannot be registered: {exc}") from None
    pm.fengqiao_origin[name] = origin  # type: ignore[attr-defined]


def get_plugin_manager(
    *, load_entrypoints: bool | None = None, allow: Collection[str] | None = None
) -> pluggy.PluginManager:
    """Build a new plugin manager with the specs, the built-ins and the installed plugins.

    Args:
        load_entrypoints: Load the ``fengqiao_core`` entry points; by default unless
            ``FENGQIAO_DISABLE_PLUGIN_AUTOLOAD`` is set.
        allow: The entry-point names to load (a station's ``[plugins] allow``); the others
            are not imported, only listed by :func:`not_allowed`. ``None``: load them all.

    Returns:
        A fresh manager; each call builds a new one (nothing is global).

    Raises:
        PluginError: A plugin cannot be imported, declares an incompatible plugin API, or
            implements a hook that does not exist (e.g. a misspelled name).
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.fengqiao_origin = {}  # type: ignore[attr-defined]
    pm.fengqiao_not_allowed = {}  # type: ignore[attr-defined]
    pm.fengqiao_installed = set()  # type: ignore[attr-defined]
    blocked = _blocked()
    for name in blocked:
        pm.set_blocked(name)
    for module_name in DEFAULT_PLUGINS:
        short = module_name.rsplit(".", 1)[-1]
        if short not in blocked:
            module = importlib.import_module(module_name)
            _register(pm, module, short, ("fengqiao-core", _core_version()))
    autoload = not flag("FENGQIAO_DISABLE_PLUGIN_AUTOLOAD")
    if autoload if load_entrypoints is None else load_entrypoints:
        _load_entrypoints(pm, blocked, None if allow is None else frozenset(allow))
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) or repr(exc.plugin)
        raise PluginError(name, " ".join(plugin_origin(pm, name)), str(exc)) from None
    return pm


def _load_entrypoints(
    pm: pluggy.PluginManager, blocked: set[str], allow: frozenset[str] | None
) -> None:
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        origin = (ep.dist.name, ep.dist.version) if ep.dist else ("unknown", "?")
        if ep.name in blocked or pm.get_plugin(ep.name) is not None:
            continue
        if allow is not None and ep.name not in allow:
            pm.fengqiao_not_allowed[ep.name] = origin  # type: ignore[attr-defined]
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            raise PluginError(
                ep.name, " ".join(origin), f"cannot be imported ({type(exc).__name__}: {exc})"
            ) from exc
        _register(pm, plugin, ep.name, origin)
        pm.fengqiao_installed.add(ep.name)  # type: ignore[attr-defined]


def plugin_origin(pm: pluggy.PluginManager, name: str) -> tuple[str, str]:
    """``(distribution, version)`` of the plugin registered as ``name``."""
    origins: dict[str, tuple[str, str]] = getattr(pm, "fengqiao_origin", {})
    return origins.get(name, ("unknown", "?"))


def not_allowed(pm: pluggy.PluginManager) -> dict[str, tuple[str, str]]:
    """Installed plugins a station's allow-list kept out: name -> ``(distribution, version)``."""
    found: dict[str, tuple[str, str]] = getattr(pm, "fengqiao_not_allowed", {})
    return dict(found)


def installed(pm: pluggy.PluginManager) -> frozenset[str]:
    """The plugins ``pm`` loaded from entry points (the ones a station's allow-list governs)."""
    return frozenset(getattr(pm, "fengqiao_installed", ()))
