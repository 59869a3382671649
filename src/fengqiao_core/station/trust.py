"""Plugins a station trusts 插件信任: the personal-data grants, audited when the station opens.

A station file's ``[plugins]`` table (:class:`~fengqiao_core.station.config.PluginSettings`)
names the installed plugins the station loads and grants some of them ``personal_data``: their
observers and advisors then receive matters unmasked. Each time the station opens, every such
grant is appended to the audit log (action ``grant_personal_data``, object ``plugin``), so an
auditor sees which plugin could read what and since when.
"""

from __future__ import annotations

from typing import Any

from fengqiao_core.plugins import BUILTIN_NAMES, Plugins
from fengqiao_core.rules.findings import Finding, FindingSeverity
from fengqiao_core.station.config import StationConfig
from fengqiao_core.station.core import StationCore
from fengqiao_core.station.values import SYSTEM_ACTOR

__all__ = ["GRANT_PERSONAL_DATA", "PluginTrust", "trust_findings"]

GRANT_PERSONAL_DATA = "grant_personal_data"
"""The audit action recording, at open, a plugin granted personal data."""


class PluginTrust(StationCore):
    """Records the station's plugin grants in the audit log when it opens."""

    def __init__(self, config: StationConfig, **options: Any) -> None:
        super().__init__(config, **options)
        granted = sorted(n for n in self.plugins.personal_data if self.plugins.allowed(n))
        try:
            for name in granted:
                self._record_denial(
                    SYSTEM_ACTOR,
                    GRANT_PERSONAL_DATA,
                    "plugin",
                    name,
                    outcome="granted",
                    detail="personal_data",
                )
        except BaseException:
            self.shutdown()
            raise


def trust_findings(config: StationConfig, plugins: Plugins) -> list[Finding]:
    """What ``fengqiao check`` says about the station's ``[plugins]`` table.

    Args:
        config: The station.
        plugins: A facade that loaded every installed plugin (``Plugins()``).

    Returns:
        A warning when there is no ``[plugins]`` table while plugins are installed (all of
        them are then loaded), or when a grant names a plugin the station does not load; a
        note per personal-data grant, per installed plugin kept out and per allowed plugin
        that is not installed.
    """
    trust = config.plugins
    installed = sorted(plugins.installed())
    found: list[Finding] = []

    def note(severity: FindingSeverity, message: str) -> None:
        found.append(Finding("plugins", severity, message))

    if trust.allow is None:
        if installed:
            note(
                FindingSeverity.WARNING,
                "no [plugins] table: every installed plugin is loaded for this station "
                f"({', '.join(installed)}); name the trusted ones with [plugins] allow = [...]",
            )
    else:
        for name in sorted(set(trust.allow) - set(installed) - BUILTIN_NAMES):
            note(FindingSeverity.INFO, f"plugin {name!r} is allowed but not installed")
        for name in sorted(set(installed) - set(trust.allow)):
            note(FindingSeverity.INFO, f"plugin {name!r} is installed, not allowed: not loaded")
    loaded = set(installed) if trust.allow is None else set(trust.allow) & set(installed)
    for name in sorted(trust.personal_data):
        if name in loaded:
            note(
                FindingSeverity.INFO,
                f"plugin {name!r} is granted personal data: its observers and advisors receive "
                "matters unmasked (recorded in the audit log when the station opens)",
            )
        else:
            note(
                FindingSeverity.WARNING,
                f"plugin {name!r} is granted personal data but is not loaded for this station",
            )
    return found
