"""``fengqiao audit checkpoint|verify`` 审计核验: witness the audit chain's head, check the chain.

``checkpoint`` signs the chain's head (sequence, digest, time) with the station's Ed25519
witness key and writes it to a witness file that must live outside the database (another
disk, another machine, a printout of its digest). ``verify`` checks the chain link by link,
the events and records each entry covers against the store, and, given the witness, finds a
cut-off tail, a deleted log or a restored older backup; it exits 1 when it finds a problem.
Both act as an auditor of the station file's ``[access]`` table (the first, or ``--as PERSON``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fengqiao_core.cli.figures import open_for_reading
from fengqiao_core.cli.output import say, say_json
from fengqiao_core.errors import FengqiaoError
from fengqiao_core.model import Actor, Role
from fengqiao_core.security.witness import read_witness, write_witness
from fengqiao_core.station.identity import listed_actor

__all__ = ["audit"]

audit = typer.Typer(help="The audit chain 审计链: checkpoints in a witness file, verification.")
"""The ``audit`` command group, added to the ``fengqiao`` app by :mod:`.commands`."""

_EXIT_PROBLEM, _EXIT_UNREADABLE = 1, 2

StationOpt = Annotated[
    str, typer.Option("--station", help="A station file (./file.toml) or a shipped station.")
]
DbOpt = Annotated[
    Path | None, typer.Option("--db", help="The station's SQLite store (key file beside it).")
]
AsOpt = Annotated[
    str | None, typer.Option("--as", help="The auditor acting (default: the first listed).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout, nothing else.")]


def _auditor(station: Any, person: str | None) -> Actor:
    chosen = listed_actor(station.config, Role.AUDITOR, person)
    actor: Actor = station.actor(chosen.person_id, chosen.role)
    return actor


def _fail(exc: FengqiaoError, *, as_json: bool) -> typer.Exit:
    if as_json:
        say_json({"error": {"kind": type(exc).__name__, "message": str(exc)}})
    else:
        say(f"error: {exc}", style="bold red", stderr=True)
    return typer.Exit(_EXIT_UNREADABLE)


@audit.command("checkpoint")
def checkpoint(
    station: StationOpt,
    witness: Annotated[Path, typer.Option("--witness", help="The witness file to write.")],
    db: DbOpt = None,
    person: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Sign the audit chain's head and write it to a witness file outside the database."""
    try:
        with open_for_reading(station, db) as opened:
            signed = opened.audit_checkpoint(_auditor(opened, person))
        write_witness(witness, signed)
    except FengqiaoError as exc:
        raise _fail(exc, as_json=as_json) from None
    if as_json:
        say_json({"seq": signed.seq, "digest": signed.digest, "at": signed.at.isoformat()})
    else:
        say(f"witnessed entry {signed.seq} ({signed.digest[:16]}…) at {signed.at.isoformat()}")


@audit.command("verify")
def verify(
    station: StationOpt,
    db: DbOpt = None,
    witness: Annotated[
        Path | None, typer.Option("--witness", help="A witness file written by checkpoint.")
    ] = None,
    person: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the audit chain, the events it covers and its head (witness); exit 1 on a problem."""
    try:
        seen = None if witness is None else read_witness(witness)
        with open_for_reading(station, db) as opened:
            report = opened.check_audit(_auditor(opened, person), seen)
    except FengqiaoError as exc:
        raise _fail(exc, as_json=as_json) from None
    if as_json:
        say_json(
            {
                "ok": report.ok,
                "entries": report.entries,
                "problem": report.problem or None,
                "position": report.position,
                "message": report.message,
            }
        )
    elif report.ok:
        say(f"ok: {report.message} ({report.entries} entries)")
    else:
        say(f"problem: {report.message}", style="bold red", stderr=True)
    if not report.ok:
        raise typer.Exit(_EXIT_PROBLEM)
