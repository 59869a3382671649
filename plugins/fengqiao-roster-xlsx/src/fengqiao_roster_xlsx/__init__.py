"""Excel rosters 名册 for fengqiao_core: the ``xlsx`` volunteer backend and ``import roster``.

``volunteers = "xlsx:///path/roster.xlsx"`` in a station file serves red stewards from the
workbook; ``fengqiao import roster FILE --station FILE`` stores its people in the station.
Workbooks are read with python-calamine (see the README for why not openpyxl).
"""

from __future__ import annotations

from typing import Any

from fengqiao_core import hookimpl
from fengqiao_core.ports import BackendSpec
from fengqiao_roster_xlsx.availability import parse_availability
from fengqiao_roster_xlsx.backend import XlsxVolunteers, roster_vocabulary
from fengqiao_roster_xlsx.reader import RosterError, RosterRead, RowReport, read_roster

__all__ = [
    "RosterError",
    "RosterRead",
    "RowReport",
    "XlsxVolunteers",
    "parse_availability",
    "read_roster",
    "roster_vocabulary",
]

FENGQIAO_PLUGIN_API = 1


@hookimpl
def fengqiao_register_backends() -> list[BackendSpec]:
    """Register the ``xlsx`` volunteer backend."""
    return [
        BackendSpec(
            "volunteers",
            "xlsx",
            XlsxVolunteers.from_context,
            "red stewards from an Excel roster workbook (python-calamine)",
            ("xlsx",),
        )
    ]


@hookimpl
def fengqiao_register_commands(cli: Any) -> None:
    """Add ``fengqiao import roster`` (joining an ``import`` group another plugin made)."""
    from fengqiao_roster_xlsx.cli import register

    register(cli)
