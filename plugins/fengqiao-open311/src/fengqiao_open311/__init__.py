"""Open311 GeoReport v2 for a station 市民服务请求接口: services, export, import and an HTTP API.

The station's reportable matter categories (help requests 求助 and disputes 矛盾纠纷 only,
never incidents or tips) become GeoReport ``services``; matters of those kinds become service
requests, masked. Commands (added through ``fengqiao_register_commands``)::

    fengqiao export open311 --station FILE [--db PATH] [--from DATE] [--to DATE] [--out FILE]
    fengqiao import open311 FILE --station FILE [--db PATH] [--dry-run]
    fengqiao serve open311 --station FILE [--db PATH] [--host 127.0.0.1] [--port N]

Nothing heavy is imported with this module: Typer, Starlette and uvicorn load when a command
runs.
"""

from __future__ import annotations

from typing import Any

from fengqiao_core import hookimpl

__all__ = ["FENGQIAO_COMMANDS", "FENGQIAO_PLUGIN_API", "fengqiao_register_commands"]

FENGQIAO_PLUGIN_API = 1
FENGQIAO_COMMANDS = ("export open311", "import open311", "serve open311")
"""The commands this plugin adds (for a plugin listing that names commands)."""


@hookimpl
def fengqiao_register_commands(cli: Any) -> None:
    """Add ``export open311``, ``import open311`` and ``serve open311`` to the command line."""
    from fengqiao_open311.cli import register

    register(cli)
