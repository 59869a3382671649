"""What ``fengqiao plugins`` shows 插件清单: each plugin, and with ``--station`` its trust.

Without a station every plugin the facade loaded is listed. With ``--station FILE`` each row
also says whether the station loads it — ``built-in``, ``allowed`` or ``installed, not
allowed`` (the ``[plugins] allow`` list) — and whether it is granted personal data.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from fengqiao_core.cli.output import table
from fengqiao_core.plugins import BUILTIN_NAMES, PORTS, Plugins
from fengqiao_core.station.config import StationConfig

__all__ = ["NOT_ALLOWED", "plugin_listing", "plugin_table"]

NOT_ALLOWED = "installed, not allowed"
"""The status of an installed plugin a station's ``[plugins] allow`` leaves out."""


def _status(name: str, station: Plugins) -> str:
    if name in BUILTIN_NAMES:
        return "built-in"
    return "allowed" if station.allowed(name) else NOT_ALLOWED


def plugin_listing(
    plugins: Plugins, commands: dict[str, list[str]], config: StationConfig | None = None
) -> list[dict[str, Any]]:
    """One JSON-ready record per plugin (backends with their URL schemes).

    With a station, each record also has ``status`` and ``personal_data``.

    Args:
        plugins: A facade that loaded every installed plugin.
        commands: The commands each plugin adds, by plugin name.
        config: A station whose ``[plugins]`` table is applied, if any.
    """
    schemes: dict[tuple[str, str], tuple[str, ...]] = {
        (p, s.name): s.schemes for p in PORTS for s in plugins.backends(p).values()
    }
    listing: list[dict[str, Any]] = [
        {
            "name": i.name,
            "distribution": i.distribution,
            "version": i.version,
            "hooks": list(i.hooks),
            "backends": [
                {"port": port, "name": name, "schemes": list(schemes.get((port, name), ()))}
                for port, name in i.backends
            ],
            "commands": commands.get(i.name, []),
        }
        for i in plugins.describe()
    ]
    if config is None:
        return listing
    station = plugins.for_station(config.plugins.allow, config.plugins.personal_data)
    for record in listing:
        name = record["name"]
        record["status"] = _status(name, station)
        record["personal_data"] = station.allowed(name) and station.trusted(name)
    kept_out = plugins.not_allowed()  # kept out when the facade was built, never imported
    listing += [
        {
            "name": name,
            "distribution": dist,
            "version": version,
            "hooks": [],
            "backends": [],
            "commands": [],
            "status": NOT_ALLOWED,
            "personal_data": False,
        }
        for name, (dist, version) in kept_out.items()
    ]
    return listing


def plugin_table(listing: list[dict[str, Any]]) -> Table:
    """The listing as a table (the status columns only when a station was given)."""
    names = ["name", "distribution", "version", "backends", "hooks"]
    per_station = bool(listing) and "status" in listing[0]
    if per_station:
        names += ["status", "personal data"]
    columns: list[tuple[str, dict[str, Any]]] = [(c, {"overflow": "fold"}) for c in names]
    rows = []
    for record in listing:
        row = [
            record["name"],
            record["distribution"],
            record["version"],
            ", ".join(
                f"{b['port']}:{b['name']}" + "".join(f" {s}://" for s in b["schemes"])
                for b in record["backends"]
            ),
            ", ".join(record["hooks"]),
        ]
        if per_station:
            row += [record["status"], "granted" if record["personal_data"] else ""]
        rows.append(tuple(row))
    return table("Plugins 插件", columns, rows)
