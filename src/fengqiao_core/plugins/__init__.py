"""The plugin manager and its typed facade 插件管理.

:func:`get_plugin_manager` builds a fresh pluggy manager: the hook specs, the built-in plugins
of :data:`DEFAULT_PLUGINS` (registered exactly like external ones), then the ``fengqiao_core``
entry points, then ``check_pending()`` so a misspelled hook fails at start-up. :class:`Plugins`
is the only code that calls hooks: one implementation at a time (see :mod:`._calls`),
validating results and wrapping any error in :class:`~fengqiao_core.errors.PluginError` naming
the plugin and its distribution.

A station trusts plugins explicitly (:meth:`Plugins.for_station`, from the station file's
``[plugins]`` table): an installed plugin it does not allow is neither imported nor called, and
observers (``fengqiao_on_matter_changed``) and advisors (``fengqiao_triage_advice``) receive
matters masked (:func:`~fengqiao_core.security.views.masked`) unless the station grants that
plugin ``personal_data``. Built-in plugins are part of the core: always loaded, always trusted.

Operators' escape hatches (environment variables):

- ``FENGQIAO_DISABLE_PLUGIN_AUTOLOAD=1``: load no entry points (built-ins only);
- ``FENGQIAO_BLOCKED_PLUGINS=a,b``: never load or use the plugins so named;
- ``FENGQIAO_TRACE_PLUGINS=1``: log every hook call at DEBUG level.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

import pluggy
from attrs import frozen

from fengqiao_core.errors import ConfigurationError, FengqiaoError, PluginError, scrub
from fengqiao_core.model import (
    Matter,
    MatterCategory,
    MicroPillar,
    Registry,
    category_registry,
    micro_pillar_registry,
)
from fengqiao_core.plugins.calls import HookCaller
from fengqiao_core.plugins.manager import (
    BUILTIN_NAMES,
    DEFAULT_PLUGINS,
    ENTRY_POINT_GROUP,
    PORTS,
    get_plugin_manager,
    installed,
    not_allowed,
    plugin_origin,
)
from fengqiao_core.security.views import masked, without_screening, without_screening_events

if TYPE_CHECKING:
    from fengqiao_core.metrics.kpis import Kpi
    from fengqiao_core.model import MatterEvent, StationData
    from fengqiao_core.ports import BackendContext, BackendSpec, Port, TriageAdvice
    from fengqiao_core.rules.findings import Finding
    from fengqiao_core.security.crypto import Algorithms
    from fengqiao_core.security.datakeys import KeyProvider
    from fengqiao_core.serialization import FengqiaoConverter

__all__ = [
    "BUILTIN_NAMES",
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PORTS",
    "PluginInfo",
    "Plugins",
    "get_plugin_manager",
]


def _untrusted_view(value: Any) -> Any:
    """What a plugin without a personal-data grant receives: masked, no screening results."""
    shown = masked(value)
    if isinstance(shown, Matter):
        return without_screening(shown)
    if isinstance(shown, list):
        return without_screening_events(shown)
    return shown


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


class Plugins:
    """The typed facade over the plugin manager: the only code that calls hooks.

    Args:
        pm: A manager from :func:`get_plugin_manager` (built if omitted).
        trace: Log every hook call; defaults to ``FENGQIAO_TRACE_PLUGINS``.
    """

    def __init__(
        self,
        pm: pluggy.PluginManager | None = None,
        *,
        trace: bool | None = None,
        allow: Collection[str] | None = None,
        personal_data: Collection[str] = (),
    ):
        self.pm = pm if pm is not None else get_plugin_manager(allow=allow)
        self.allow: frozenset[str] | None = None if allow is None else frozenset(allow)
        """Installed plugins this facade calls besides the built-ins (``None``: all)."""
        self.personal_data = frozenset(personal_data)
        """Plugins whose observers and advisors receive personal values unmasked."""
        self._trace = trace
        self._converters: dict[bool, FengqiaoConverter] = {}
        self._derived: dict[tuple[frozenset[str] | None, frozenset[str]], Plugins] = {}
        self._calls = HookCaller(
            self.pm,
            lambda name: " ".join(plugin_origin(self.pm, name)),
            trace,
            include=self.allowed,
            personal=self.trusted,
            mask=_untrusted_view,
        )

    def allowed(self, name: str) -> bool:
        """Whether the plugin registered as ``name`` is called.

        The allow-list governs installed plugins (entry points); built-ins and plugins the
        host application registered on the manager in code are always called.
        """
        return self.allow is None or name in self.allow or name not in installed(self.pm)

    def trusted(self, name: str) -> bool:
        """Whether plugin ``name`` receives personal values unmasked (built-ins, grants)."""
        return name in BUILTIN_NAMES or name in self.personal_data

    def for_station(
        self, allow: Collection[str] | None, personal_data: Collection[str] = ()
    ) -> Plugins:
        """This facade as a station with that allow-list and those grants sees it.

        Shares the plugin manager (plugins already imported stay imported, but only the
        allowed ones are called); derived facades are cached, and share the converters when
        they call every registered plugin.

        Args:
            allow: The station's ``[plugins] allow`` (``None``: every installed plugin).
            personal_data: The plugins the station grants personal data.
        """
        key = (None if allow is None else frozenset(allow), frozenset(personal_data))
        if key == (self.allow, self.personal_data):
            return self
        derived = self._derived.get(key)
        if derived is None:
            derived = Plugins(self.pm, trace=self._trace, allow=key[0], personal_data=key[1])
            if all(derived.allowed(name) for name, _ in self.pm.list_name_plugin()):
                derived._converters = self._converters
            self._derived[key] = derived
        return derived

    def installed(self) -> frozenset[str]:
        """Every installed plugin (entry point) the manager met, loaded or kept out."""
        return installed(self.pm) | frozenset(not_allowed(self.pm))

    def not_allowed(self) -> dict[str, tuple[str, str]]:
        """Installed plugins this facade does not call: name -> ``(distribution, version)``."""
        found = not_allowed(self.pm)
        for name, plugin in self.pm.list_name_plugin():
            if plugin is not None and not self.allowed(name):
                found[name] = plugin_origin(self.pm, name)
        return dict(sorted(found.items()))

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
                plugin, " ".join(plugin_origin(self.pm, plugin)), f"{port} backend failed: {shown}"
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
                culprit, " ".join(plugin_origin(self.pm, culprit)), f"hook {hook}: {exc}"
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
        """Every plugin's advice on a new matter (masked unless granted), with its name."""
        from fengqiao_core.ports import TriageAdvice

        results = self._calls.each(
            "fengqiao_triage_advice", matter=matter, config=config, masked_args=("matter",)
        )
        return [
            (n, a) for n, advice in results for a in self._calls.typed(n, [advice], TriageAdvice)
        ]

    def notify_matter_changed(self, matter: Matter, events: list[MatterEvent]) -> list[PluginError]:
        """Tell every observer about a committed change; returns the failures, never raises.

        Observers not granted personal data receive the matter and events masked.

        Called after commit: an observer's error must neither undo nor hide the change, and
        one failing observer does not keep the others from being told.
        """
        return self._calls.each_contained(
            "fengqiao_on_matter_changed",
            matter=matter,
            events=events,
            masked_args=("matter", "events"),
        )

    def register_commands(self, cli: Any) -> None:
        """Let plugins add commands to the ``fengqiao`` command line."""
        self._calls.each("fengqiao_register_commands", cli=cli)

    def describe(self) -> list[PluginInfo]:
        """Every registered plugin with its distribution, hooks and backends, by name."""
        infos = []
        for name, plugin in sorted(self.pm.list_name_plugin()):
            if plugin is None or not self.allowed(name):
                continue
            dist, version = plugin_origin(self.pm, name)
            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or ()))
            backends = tuple(
                sorted((s.port, s.name) for owner, s in self._backends.values() if owner == name)
            )
            infos.append(PluginInfo(name, dist, version, hooks, backends))
        return infos
