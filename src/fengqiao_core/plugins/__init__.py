"""The plugin manager and its typed facade 插件管理.

:func:`get_plugin_manager` builds a fresh pluggy manager: the hook specs, the built-in plugins
of :data:`DEFAULT_PLUGINS` (registered exactly like external ones), then the ``fengqiao_core``
entry points, then ``check_pending()`` so a misspelled hook fails at start-up. :class:`Plugins`
is the only code that calls hooks: one implementation at a time (see :mod:`._calls`),
validating results and wrapping any error in :class:`~fengqiao_core.errors.PluginError` naming
the plugin and its distribution.

Operators' escape hatches (environment variables):

- ``FENGQIAO_DISABLE_PLUGIN_AUTOLOAD=1``: load no entry points (built-ins only);
- ``FENGQIAO_BLOCKED_PLUGINS=a,b``: never load or use the plugins so named;
- ``FENGQIAO_TRACE_PLUGINS=1``: log every hook call at DEBUG level.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy
from attrs import frozen

from fengqiao_core import __version__, hookspecs
from fengqiao_core.errors import ConfigurationError, FengqiaoError, PluginError, scrub
from fengqiao_core.model import (
    MatterCategory,
    MicroPillar,
    Registry,
    category_registry,
    micro_pillar_registry,
)
from fengqiao_core.plugins.calls import HookCaller, flag

if TYPE_CHECKING:
    from fengqiao_core.metrics.kpis import Kpi
    from fengqiao_core.model import Matter, MatterEvent, StationData
    from fengqiao_core.ports import BackendContext, BackendSpec, Port, TriageAdvice
    from fengqiao_core.rules.findings import Finding
    from fengqiao_core.security.crypto import Algorithms
    from fengqiao_core.security.datakeys import KeyProvider
    from fengqiao_core.serialization import FengqiaoConverter

__all__ = ["DEFAULT_PLUGINS", "ENTRY_POINT_GROUP", "PluginInfo", "Plugins", "get_plugin_manager"]

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


@frozen
class PluginInfo:
    """What ``fengqiao plugins`` shows of one plugin.

    Attributes:
        name: The registered name (entry-point name; module name for built-ins).
        distribution: The distribution that ships it (``fengqiao-core`` for built-ins).
        version: That distribution's version.
        hooks: The hooks it implements, sorted.
        backends: ``(port, name)`` of every backend it registers.
    """

    name: str
    distribution: str
    version: str
    hooks: tuple[str, ...]
    backends: tuple[tuple[str, str], ...] = ()


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


def get_plugin_manager(*, load_entrypoints: bool | None = None) -> pluggy.PluginManager:
    """Build a new plugin manager with the specs, the built-ins and the installed plugins.

    Args:
        load_entrypoints: Load the ``fengqiao_core`` entry points; by default unless
            ``FENGQIAO_DISABLE_PLUGIN_AUTOLOAD`` is set.

    Returns:
        A fresh manager; each call builds a new one (nothing is global).

    Raises:
        PluginError: A plugin cannot be imported, declares an incompatible plugin API, or
            implements a hook that does not exist (e.g. a misspelled name).
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.fengqiao_origin = {}  # type: ignore[attr-defined]
    blocked = _blocked()
    for name in blocked:
        pm.set_blocked(name)
    for module_name in DEFAULT_PLUGINS:
        short = module_name.rsplit(".", 1)[-1]
        if short not in blocked:
            module = importlib.import_module(module_name)
            _register(pm, module, short, ("fengqiao-core", __version__))
    autoload = not flag("FENGQIAO_DISABLE_PLUGIN_AUTOLOAD")
    if autoload if load_entrypoints is None else load_entrypoints:
        _load_entrypoints(pm, blocked)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) or repr(exc.plugin)
        raise PluginError(name, " ".join(_origin(pm, name)), str(exc)) from None
    return pm


def _load_entrypoints(pm: pluggy.PluginManager, blocked: set[str]) -> None:
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        origin = (ep.dist.name, ep.dist.version) if ep.dist else ("unknown", "?")
        if ep.name in blocked or pm.get_plugin(ep.name) is not None:
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            raise PluginError(
                ep.name, " ".join(origin), f"cannot be imported ({type(exc).__name__}: {exc})"
            ) from exc
        _register(pm, plugin, ep.name, origin)


def _origin(pm: pluggy.PluginManager, name: str) -> tuple[str, str]:
    origins: dict[str, tuple[str, str]] = getattr(pm, "fengqiao_origin", {})
    return origins.get(name, ("unknown", "?"))


class Plugins:
    """The typed facade over the plugin manager: the only code that calls hooks.

    Args:
        pm: A manager from :func:`get_plugin_manager` (built if omitted).
        trace: Log every hook call; defaults to ``FENGQIAO_TRACE_PLUGINS``.
    """

    def __init__(self, pm: pluggy.PluginManager | None = None, *, trace: bool | None = None):
        self.pm = pm if pm is not None else get_plugin_manager()
        self._converters: dict[bool, FengqiaoConverter] = {}
        self._calls = HookCaller(self.pm, lambda name: " ".join(_origin(self.pm, name)), trace)

    @functools.cached_property
    def _backends(self) -> dict[str, tuple[str, BackendSpec]]:
        from fengqiao_core.ports import BackendSpec

        return self._calls.collect(
            "fengqiao_register_backends",
            BackendSpec,
            lambda spec: f"{spec.port}:{spec.name}",
            "backend",
            check=lambda spec: spec.port in PORTS,
        )

    def backends(self, port: Port) -> dict[str, BackendSpec]:
        """Every registered backend of a port, by name."""
        return {s.name: s for _, s in self._backends.values() if s.port == port}

    def backend(self, port: Port, configured: str) -> BackendSpec:
        """Select a port's backend by name (``memory``) or URL scheme (``sqlite:///x.db``).

        Raises:
            ConfigurationError: No installed backend has that name or claims that scheme;
                the message lists the valid ones.
        """
        options = self.backends(port)
        scheme, sep, _ = configured.partition("://")
        for spec in options.values():
            if (sep and scheme in spec.schemes) or (not sep and spec.name == configured):
                return spec
        valid = sorted(options) + sorted(f"{s}://…" for o in options.values() for s in o.schemes)
        shown = f"{scheme}://…" if sep else configured
        raise ConfigurationError(
            f"unknown {port} backend {shown!r}; choose one of: {', '.join(valid) or '(none)'}"
        )

    def open_backend(self, port: Port, context: BackendContext) -> Any:
        """Select the backend configured in ``context.url`` and build it.

        Raises:
            ConfigurationError: Unknown backend (see :meth:`backend`), or the factory says the
                configuration is wrong.
            FengqiaoError: Any of the library's errors the factory raised, unchanged (e.g. a
                ``StorageError`` naming the database file).
            PluginError: The factory failed with another exception (its scrubbed message is
                shown).
        """
        spec = self.backend(port, context.url)
        plugin = next(n for n, s in self._backends.values() if s is spec)
        try:
            return spec.factory(context)
        except FengqiaoError:
            raise  # the backend's own verdict (configuration, storage …) reaches the caller
        except Exception as exc:
            detail = scrub(str(exc)).strip()[:200]
            shown = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
            raise PluginError(
                plugin, " ".join(_origin(self.pm, plugin)), f"{port} backend failed: {shown}"
            ) from exc

    def configure_converter(self, converter: Any) -> None:
        """Let every plugin register hooks for its own types on ``converter``."""
        self._calls.each("fengqiao_configure_converter", converter=converter)

    def make_converter(self, *, masked: bool = False) -> FengqiaoConverter:
        """The project's converter extended by every plugin's converter hooks.

        Built once per facade and flavour (building one generates every hook, ~0.1 s), then
        shared: a configured converter is safe to use from several threads.
        """
        if masked not in self._converters:
            from fengqiao_core.serialization import make_converter

            self._converters[masked] = make_converter(
                masked=masked, configure=[self.configure_converter]
            )
        return self._converters[masked]

    def categories(self) -> Registry[MatterCategory]:
        """The default matter categories plus every plugin's."""
        found = self._calls.collect(
            "fengqiao_register_categories", MatterCategory, lambda c: c.key, "category"
        )
        registry: Registry[MatterCategory] = self._registry(
            found, category_registry, "fengqiao_register_categories"
        )
        return registry

    def micro_pillars(self) -> Registry[MicroPillar]:
        """The five default micro pillars 五微 plus every plugin's."""
        found = self._calls.collect(
            "fengqiao_register_micro_pillars", MicroPillar, lambda p: p.key, "micro pillar"
        )
        registry: Registry[MicroPillar] = self._registry(
            found, micro_pillar_registry, "fengqiao_register_micro_pillars"
        )
        return registry

    def _registry(
        self, found: dict[str, tuple[str, Any]], build: Callable[[tuple[Any, ...]], Any], hook: str
    ) -> Any:
        try:
            return build(tuple(record for _, record in found.values()))
        except FengqiaoError as exc:
            culprit = next(name for key, (name, _) in found.items() if key in str(exc))
            raise PluginError(
                culprit, " ".join(_origin(self.pm, culprit)), f"hook {hook}: {exc}"
            ) from None

    def algorithms(self) -> Algorithms:
        """The algorithm registry: the defaults plus every plugin's (ids unique)."""
        from fengqiao_core.security.crypto import Algorithm, Algorithms, builtin_algorithms

        builtin = {a.id for a in builtin_algorithms()}
        found = self._calls.collect(
            "fengqiao_register_algorithms",
            Algorithm,
            lambda a: a.id,
            "algorithm",
            check=lambda a: a.id not in builtin,
        )
        return Algorithms.of(record for _, record in found.values())

    def key_providers(self) -> dict[str, KeyProvider]:
        """Every plugin's key-encryption key provider by id (ids unique)."""
        from fengqiao_core.security.datakeys import KeyProvider

        found = self._calls.collect(
            "fengqiao_key_providers", KeyProvider, lambda p: p.id, "key provider"
        )
        return {ident: record for ident, (_, record) in found.items()}

    def kpis(self) -> list[tuple[str, Kpi]]:
        """Every plugin's KPIs with the plugin's name; ids unique, built-in ones kept."""
        from fengqiao_core.metrics.kpis import BUILTIN_KPIS, Kpi

        builtin = {k.id for k in BUILTIN_KPIS}
        found = self._calls.collect(
            "fengqiao_register_kpis",
            Kpi,
            lambda k: k.id,
            "KPI",
            check=lambda k: k.id not in builtin,
        )
        return list(found.values())

    def check_jurisdiction(self, config: StationData) -> list[Finding]:
        """Every plugin's extra jurisdiction findings."""
        from fengqiao_core.rules.findings import Finding

        results = self._calls.each("fengqiao_check_jurisdiction", config=config)
        return [f for name, found in results for f in self._calls.typed(name, found, Finding)]

    def triage_advice(self, matter: Matter, config: StationData) -> list[tuple[str, TriageAdvice]]:
        """Every plugin's advice on a new matter, with the advising plugin's name."""
        from fengqiao_core.ports import TriageAdvice

        results = self._calls.each("fengqiao_triage_advice", matter=matter, config=config)
        return [
            (n, a) for n, advice in results for a in self._calls.typed(n, [advice], TriageAdvice)
        ]

    def notify_matter_changed(self, matter: Matter, events: list[MatterEvent]) -> list[PluginError]:
        """Tell every observer about a committed change; returns the failures, never raises.

        Called after commit: an observer's error must neither undo nor hide the change, and
        one failing observer does not keep the others from being told.
        """
        return self._calls.each_contained(
            "fengqiao_on_matter_changed", matter=matter, events=events
        )

    def register_commands(self, cli: Any) -> None:
        """Let plugins add commands to the ``fengqiao`` command line."""
        self._calls.each("fengqiao_register_commands", cli=cli)

    def describe(self) -> list[PluginInfo]:
        """Every registered plugin with its distribution, hooks and backends, by name."""
        infos = []
        for name, plugin in sorted(self.pm.list_name_plugin()):
            if plugin is None:
                continue
            dist, version = _origin(self.pm, name)
            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or ()))
            backends = tuple(
                sorted((s.port, s.name) for owner, s in self._backends.values() if owner == name)
            )
            infos.append(PluginInfo(name, dist, version, hooks, backends))
        return infos
