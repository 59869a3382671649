"""``fengqiao matters list|show|overdue`` 事项: the operator's daily view without Python.

Each command opens the station (``--db``: its store is that SQLite file) and reads as the person
``--as`` names (their role from the station's roster, ``--role`` choosing one if it gives them
several; the first duty officer by default), so
what is listed is what that person may see, and every personal value is masked. ``--json``
prints JSON only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fengqiao_core.cli import output
from fengqiao_core.cli.figures import open_for_reading, say
from fengqiao_core.errors import ConfigurationError, FengqiaoError
from fengqiao_core.model import Actor, Matter, OfficerPost, Role

__all__ = ["matters"]

matters = typer.Typer(help="Matters 事项: open ones, one matter, the overdue (masked).")
"""The ``matters`` command group, added to the ``fengqiao`` app by :mod:`.commands`."""

StationOpt = Annotated[str, typer.Option("--station", help="A station file or shipped name.")]
DbOpt = Annotated[Path | None, typer.Option("--db", help="The station's SQLite store.")]
AsOpt = Annotated[str | None, typer.Option("--as", help="Read as this person (roster id).")]
RoleOpt = Annotated[
    str | None,
    typer.Option(
        "--role", help="The role --as acts in, if the roster gives several (officer, ...)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout, nothing else.")]


def _actor(station: Any, person: str | None, role: str | None) -> Actor:
    """The roster's actor for ``person`` in ``role``; by default the first duty officer."""
    if person is None:
        officers = station.config.officers
        duty = [o.id for o in officers if o.post is OfficerPost.DUTY] or [o.id for o in officers]
        if not duty:
            raise ConfigurationError("the station file names no officer: pass --as PERSON")
        person, role = duty[0], role or Role.OFFICER.value
    actor: Actor = station.actor(
        person, None if role is None else Role.parse(role, field_name="role")
    )
    return actor


def _row(matter: Matter, status: str = "") -> dict[str, Any]:
    return {
        "id": matter.id,
        "kind": matter.kind.value,
        "category": matter.category,
        "state": str(matter.state.value),
        "level": None if matter.level is None else matter.level.value,
        "cell": matter.cell,
        "owner": matter.owner,
        "reported_at": matter.reported_at.isoformat(),
        "due": None if matter.due is None else matter.due.isoformat(),
        **({"sla": status} if status else {}),
    }


def _print(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        output.say_json(rows)
        return
    for r in rows:
        extra = f"  {r['sla']}" if "sla" in r else ""
        level = r["level"] or "-"
        say(f"{r['id']}  {r['category']}  {r['state']}  {level}  {r['reported_at']}{extra}")
    say(f"{len(rows)} matters", err=True)


def _run(station: str, db: Path | None, work: Any) -> None:
    try:
        with open_for_reading(station, db) as service:
            work(service)
    except FengqiaoError as exc:
        say(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


@matters.command("list")
def list_matters(
    station: StationOpt,
    db: DbOpt = None,
    person: AsOpt = None,
    role: RoleOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Open matters the person may see, oldest first."""
    _run(
        station,
        db,
        lambda s: _print([_row(m) for m in s.open_matters(_actor(s, person, role))], as_json),
    )


@matters.command("overdue")
def overdue(
    station: StationOpt,
    db: DbOpt = None,
    person: AsOpt = None,
    role: RoleOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Open matters past their yellow or red warning (rules D1, D2)."""

    def work(s: Any) -> None:
        found = s.overdue(_actor(s, person, role))
        _print([_row(m, status.value) for m, status in found], as_json)

    _run(station, db, work)


@matters.command("show")
def show(
    matter_id: Annotated[str, typer.Argument(help="The matter's id.")],
    station: StationOpt,
    db: DbOpt = None,
    person: AsOpt = None,
    role: RoleOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One matter (masked) and its history: every event with time, actor and type."""

    def work(s: Any) -> None:
        actor = _actor(s, person, role)
        matter = s.get(actor, matter_id)
        row = _row(matter)
        row["parties"] = [str(p.name) for p in matter.parties]
        row["description"] = str(matter.description)
        row["history"] = [
            {"version": e.version, "at": e.at.isoformat(), "event": type(e).__name__,
             "actor": e.actor.person_id}
            for e in s.history(actor, matter_id)
        ]  # fmt: skip
        if as_json:
            output.say_json(row)
            return
        for key in ("id", "kind", "category", "state", "level", "cell", "owner", "due"):
            say(f"{key}: {row[key]}")
        say(f"parties: {', '.join(row['parties'])}")
        say(f"description: {row['description']}")
        for e in row["history"]:
            say(f"  v{e['version']} {e['at']} {e['event']} by {e['actor']}")

    _run(station, db, work)
