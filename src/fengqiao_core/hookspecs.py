# mypy: disable-error-code="empty-body"
"""Every hook of fengqiao_core 插件钩子. Each docstring is that hook's reference.

Plugins implement hooks with ``from fengqiao_core import hookimpl`` and declare the plugin API
they were built for with a module (or object) attribute ``FENGQIAO_PLUGIN_API = 1``. External
plugins are found through the ``fengqiao_core`` entry-point group::

    [project.entry-points.fengqiao_core]
    my_grid = "fengqiao_my_grid"

Hooks are called with keyword arguments; an implementation may accept any subset of a hook's
parameters. The plugin facade (:mod:`fengqiao_core.plugins`) calls one implementation at a
time, so every result and every error is attributed to the plugin that produced it; hook
wrappers are not supported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from fengqiao_core.metrics.kpis import Kpi
    from fengqiao_core.model import Matter, MatterCategory, MatterEvent, MicroPillar, StationData
    from fengqiao_core.ports import BackendSpec, TriageAdvice
    from fengqiao_core.rules.findings import Finding
    from fengqiao_core.security.crypto import Algorithm
    from fengqiao_core.security.datakeys import KeyProvider

__all__ = ["PLUGIN_API", "PROJECT", "hookimpl", "hookspec"]

PROJECT = "fengqiao"
PLUGIN_API = 1
"""The plugin API version this fengqiao-core provides; plugins declare the one they need."""

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- backends and types ----------------------------------------------------------------------


@hookspec
def fengqiao_register_backends() -> Iterable[BackendSpec]:
    """Declare the storage, grid, volunteer and channel backends this plugin provides.

    A station file selects one backend per port by name (``grid = "declared"``) or by URL
    scheme (``storage = "sqlite:///station.db"``). Names are unique per port across every
    installed plugin: a duplicate is a ``PluginError`` naming both distributions, and an
    unknown name is a ``ConfigurationError`` listing the valid ones.

    Returns:
        :class:`~fengqiao_core.ports.BackendSpec` records, or ``None`` for none.

    Example:
        .. code-block:: python

            @hookimpl
            def fengqiao_register_backends():
                return [BackendSpec("channel", "wecom", WeComChannel.from_context)]

    .. versionadded:: 0.1.0
    """


@hookspec
def fengqiao_configure_converter(converter: Any) -> None:
    """Register cattrs hooks for a plugin's own types on the project's converter.

    Args:
        converter: The converter :func:`fengqiao_core.serialization.make_converter` is
            building; register structure/unstructure hooks on it. Do not replace hooks of
            fengqiao_core's own types.

    Returns:
        Nothing; the return value is ignored.

    Example:
        .. code-block:: python

            @hookimpl
            def fengqiao_configure_converter(converter):
                converter.register_unstructure_hook(Polygon, lambda p: p.wkt)

    .. versionadded:: 0.1.0
    """


@hookspec
def fengqiao_register_categories() -> Iterable[MatterCategory]:
    """Add matter categories 事项类别 (e.g. a local kind of dispute).

    Returns:
        :class:`~fengqiao_core.model.MatterCategory` records; a key that already exists is a
        ``PluginError``. ``None`` adds nothing.

    Example:
        .. code-block:: python

            @hookimpl
            def fengqiao_register_categories():
                return [MatterCategory(MatterKind.DISPUTE, "pets", "pets", "宠物纠纷")]

    .. versionadded:: 0.1.0
    """


@hookspec
def fengqiao_register_micro_pillars() -> Iterable[MicroPillar]:
    """Add pillars to the open set of "five micro" 五微 (e.g. 微巡防 micro-patrol).

    Returns:
        :class:`~fengqiao_core.model.MicroPillar` records; a duplicate code is a
        ``PluginError``. ``None`` adds nothing.

    Example:
        .. code-block:: python

            @hookimpl
            def fengqiao_register_micro_pillars():
                return [MicroPillar("micro_patrol", "micro-patrol", "微巡防")]

    .. versionadded:: 0.1.0
    """


# --- rules -----------------------------------------------------------------------------------


@hookspec
def fengqiao_check_jurisdiction(config: StationData) -> Iterable[Finding]:
    """Add a station's own jurisdiction checks to ``fengqiao check`` and station opening.

    Args:
        config: The loaded station configuration (read-only).

    Returns:
        :class:`~fengqiao_core.rules.findings.Finding` records (rule id, severity, message);
        ``None`` or an empty list when everything is fine.

    Example:
        .. code-block:: python

            @hookimpl
            def fengqiao_check_jurisdiction(config):
                if len(config.forces) < 8:
                    yield Finding("X1", Severity.WARNING, "fewer than 8 governance forces")

    .. versionadded:: 0.1.0
    """


@hookspec
def fengqiao_triage_advice(matter: Matter, config: StationData) -> TriageAdvice | None:
    """Advise on a new matter's triage: add participants or raise its level.

    Advice never lowers what a rule decided: a ``raise_to`` below the decided level is
    ignored and recorded as such in the triage explanation.

    Args:
        matter: The matter as reported (not yet stored).
        config: The station configuration.

    Returns:
        A :class:`~fengqiao_core.ports.TriageAdvice`, or ``None`` for no advice.

    Example:
        .. code-block:: python

            @hookimpl
            def fengqiao_triage_advice(matter, config):
                if matter.category == "dispute:demolition":
                    return TriageAdvice(reason="demolition goes to the station",
                                        raise_to=LadderLevel.STATION)

    .. versionadded:: 0.1.0
    """


# --- notifications ---------------------------------------------------------------------------


@hookspec
def fengqiao_register_kpis() -> Iterable[Kpi]:
    """Add KPIs 指标 to every report, scorecard source and ``fengqiao report``.

    A KPI is computed from the report's tally (:class:`~fengqiao_core.metrics.kpis.Tally`):
    the stored matters of the period and of the same period a year earlier, aggregated by the
    store and grouped by period, kind, category, outcome and steward involvement, with every
    :data:`~fengqiao_core.metrics.kpis.MEASURES` measure. ``compute(tally, period)`` gets the
    period index (0 the reported period, 1 a year earlier) and returns a number or ``None``;
    it never sees a matter. KPI ids are unique across plugins and the built-in ones (a
    duplicate is a ``PluginError`` naming both plugins); a ``compute`` that raises is a
    ``PluginError`` naming the plugin.

    Returns:
        :class:`~fengqiao_core.metrics.kpis.Kpi` records, or ``None`` for none.

    Example:
        .. code-block:: python

            from fengqiao_core.metrics.kpis import Kpi
            from fengqiao_core.ports import Measure

            @hookimpl
            def fengqiao_register_kpis():
                return [Kpi("labour_disputes", "labour disputes", "劳动争议", "count",
                            "Σ disputes of category dispute:labour",
                            lambda t, p: t.total(Measure.COUNT, p,
                                                 categories=("dispute:labour",)))]

    .. versionadded:: 0.2.0
    """


@hookspec
def fengqiao_on_matter_changed(matter: Matter, events: list[MatterEvent]) -> None:
    """Observe a matter after its change was committed (notification only).

    Called after commit: an observer can never undo or block a change; its errors are
    reported as ``PluginError`` after the data is safely stored.

    Args:
        matter: The matter's new state.
        events: The events the change appended, in version order.

    Returns:
        Nothing; the return value is ignored.

    Example:
        .. code-block:: python

            @hookimpl
            def fengqiao_on_matter_changed(matter, events):
                metrics.increment(matter.kind.value)

    .. versionadded:: 0.1.0
    """


@hookspec
def fengqiao_register_commands(cli: Any) -> None:
    """Add commands to the ``fengqiao`` command line.

    Args:
        cli: The root ``typer.Typer`` application; add commands or sub-applications to it.

    Returns:
        Nothing; the return value is ignored.

    Example:
        .. code-block:: python

            @hookimpl
            def fengqiao_register_commands(cli):
                @cli.command()
                def hello():
                    print("你好")

    .. versionadded:: 0.1.0
    """


@hookspec
def fengqiao_register_algorithms() -> Iterable[Algorithm]:
    """Add cryptographic algorithms to the registry the audit chain and keys look up by id.

    Every stored record names the algorithm it used (an audit entry its MAC id, a witness file
    its signature id), so a station can adopt new algorithms — e.g. SM3-HMAC, an SM3-based
    KDF and SM2 signatures for 等保 / 密评 deployments — and still verify what was written
    before. Ids are unique across plugins and cannot replace the defaults (``hmac-sha256``,
    ``sha256``, ``hkdf-sha256``, ``ed25519``); a duplicate is a ``PluginError`` naming both
    plugins. A station chooses its MAC and digest under ``[secrets]`` (``mac``, ``digest``).

    Returns:
        :class:`~fengqiao_core.security.crypto.MacAlgorithm`,
        :class:`~fengqiao_core.security.crypto.DigestAlgorithm`,
        :class:`~fengqiao_core.security.crypto.KdfAlgorithm` or
        :class:`~fengqiao_core.security.crypto.SignatureAlgorithm` records, or ``None``.

    Example:
        .. code-block:: python

            from fengqiao_core.security.crypto import MacAlgorithm

            @hookimpl
            def fengqiao_register_algorithms():
                return [MacAlgorithm("hmac-sm3", "HMAC-SM3 (GB/T 32905)", hmac_sm3)]

    .. versionadded:: 0.2.0
    """


@hookspec
def fengqiao_key_providers() -> Iterable[KeyProvider]:
    """Provide key-encryption keys (KEK) 主密钥: an HSM, a KMS or an SM4 device wraps data keys.

    Every personal value is sealed with AES-256-GCM under its person's (or matter's) data key,
    and the store keeps each data key only wrapped by the KEK. A station names a provider with
    ``kek_provider = "ID"`` in its ``[encryption]`` table; without one the KEK comes from
    ``FENGQIAO_KEK``, the ``kek_file`` or, by default, HKDF from the station secret (see
    :mod:`fengqiao_core.security.datakeys`). A provider's ``wrap(data_key, key_id)`` returns
    bytes the store keeps; ``unwrap(wrapped, key_id)`` returns the data key or raises when the
    bytes were altered or another KEK wrapped them — bind ``key_id`` as associated data. The
    KEK itself need never enter this process, and never reaches the database. ``kek_id`` names
    the KEK in stored key records, so a key wrapped by an older KEK is recognised. Ids are
    unique across plugins.

    Returns:
        :class:`~fengqiao_core.security.datakeys.KeyProvider` records, or ``None``.

    Example:
        .. code-block:: python

            from fengqiao_core.security.datakeys import KeyProvider

            @hookimpl
            def fengqiao_key_providers():
                return [KeyProvider("hsm", "hsm-slot-1", hsm.wrap, hsm.unwrap, "station HSM")]

    .. versionadded:: 0.2.0
    """
