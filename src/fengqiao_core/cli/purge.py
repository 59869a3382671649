"""``fengqiao purge`` 清理: erase the personal data of closed matters past their retention period.

Periods come from the station file's ``[retention]`` table (see ``docs/erasure.md``); matters
under a legal hold are kept. The purge destroys data keys — matters, events, figures and audit
entries stay — acting as an administrator of the ``[access]`` table (the first, or ``--as``).
A progress bar goes to stderr; the summary to stdout (``--json``: JSON only).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import attrs
import typer

from fengqiao_core.cli.figures import open_for_reading
from fengqiao_core.cli.output import say, say_json
from fengqiao_core.errors import FengqiaoError
from fengqiao_core.model import Actor, Role
from fengqiao_core.station.identity import listed_actor

__all__ = ["purge"]

_EXIT_UNREADABLE = 2
_WIDTH = 30


def _admin(station: Any, person: str | None) -> Actor:
    chosen = listed_actor(station.config, Role.ADMIN, person)
    actor: Actor = station.actor(chosen.person_id, chosen.role)
    return actor


def _bar(done: int, total: int) -> None:
    filled = _WIDTH * done // max(total, 1)
    text = f"purging [{'#' * filled}{'.' * (_WIDTH - filled)}] {done}/{total}"
    if sys.stderr.isatty():
        sys.stderr.write("\r" + text + ("\n" if done == total else ""))
        sys.stderr.flush()
    elif done == total:
        say(text, stderr=True)


def purge(
    station: Annotated[str, typer.Option("--station", help="A station file or shipped name.")],
    db: Annotated[Path | None, typer.Option("--db", help="The station's SQLite store.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be purged; change nothing.")
    ] = False,
    person: Annotated[
        str | None, typer.Option("--as", help="The administrator acting (default: the first).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout only.")] = False,
) -> None:
    """Erase personal data of closed matters past their retention period (keys destroyed)."""
    try:
        with open_for_reading(station, db) as opened:
            summary = opened.purge(
                _admin(opened, person), dry_run=dry_run, progress=None if as_json else _bar
            )
    except FengqiaoError as exc:
        if as_json:
            say_json({"error": {"kind": type(exc).__name__, "message": str(exc)}})
        else:
            say(f"error: {exc}", style="bold red", stderr=True)
        raise typer.Exit(_EXIT_UNREADABLE) from None
    found = attrs.asdict(summary, filter=lambda a, _: a.name != "due")
    if as_json:
        say_json(found)
        return
    verb = "would purge" if dry_run else "purged"
    say(
        f"{verb} {summary.purged} of {summary.examined} matters "
        f"({summary.open} open, {summary.retained} within their period, {summary.held} on "
        f"legal hold, {summary.already} purged before); people erased: "
        f"{summary.people_erased}, kept for a retained matter: {summary.people_kept}; "
        f"data keys destroyed: {summary.keys_destroyed}"
    )
