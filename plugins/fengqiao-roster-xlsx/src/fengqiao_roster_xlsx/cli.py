"""``fengqiao import roster FILE --station FILE [--db PATH] [--dry-run] [--json]`` 名册导入.

Reads the workbook (a progress bar on stderr), reports every refused row with its sheet, row,
column and reason, and stores the good rows through the station's ``import_people`` use case
in one unit of work: all of them or, on any error, none. Importing the same workbook again
changes nothing; a changed row updates that person. Exit codes: 0 all rows imported, 1 some
rows refused (the others imported), 2 nothing could be imported (unreadable file or station).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from fengqiao_core.cli.output import say, say_json
from fengqiao_core.errors import FengqiaoError
from fengqiao_core.model import Actor, Role
from fengqiao_core.station.identity import listed_actor
from fengqiao_roster_xlsx import _core
from fengqiao_roster_xlsx.backend import roster_vocabulary
from fengqiao_roster_xlsx.reader import RosterRead, read_roster
from fengqiao_roster_xlsx.safe import safe_text

__all__ = ["import_actor", "import_group", "register"]

EXIT_OK, EXIT_ROWS, EXIT_FAILED = 0, 1, 2
_MAX_SHOWN = 50


def import_actor(config: Any, person: str | None) -> Actor:
    """Who a command-line import acts as: ``person``, else the first administrator 管理员.

    The administrators are those of the station file's ``[access]`` table; the station binds
    the actor to its roster like any other.

    Raises:
        ConfigurationError: No ``person`` given and the station file lists no administrator.
    """
    return listed_actor(config, Role.ADMIN, person)


def import_group(cli: typer.Typer) -> typer.Typer:
    """The ``import`` sub-application of ``cli``: the one already registered, else a new one."""
    for group in cli.registered_groups:
        if group.name == "import" and group.typer_instance is not None:
            return group.typer_instance
    group_app = typer.Typer(name="import", help="Import data kept elsewhere 数据导入.")
    cli.add_typer(group_app, name="import")
    return group_app


def register(cli: typer.Typer) -> None:
    """Add ``import roster`` to the ``fengqiao`` command line."""
    import_group(cli).command("roster")(roster_command)


def roster_command(
    file: Annotated[Path, typer.Argument(help="The roster workbook (.xlsx).")],
    station: Annotated[
        str, typer.Option("--station", help="The station file (TOML) or a shipped station.")
    ],
    db: Annotated[
        Path | None, typer.Option("--db", help="SQLite database (instead of the station's store).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; store nothing.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")
    ] = False,
    person: Annotated[
        str | None,
        typer.Option("--as", help="The administrator acting (default: the first listed)."),
    ] = None,
) -> None:
    """Import a roster workbook of red stewards, mediators and lawyers 导入名册."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)  # the progress bar only
    try:
        config = _core.load_station(station)
        if db is not None:
            config = config.with_backends(storage=f"sqlite:///{db.resolve()}")
        secret = _core.station_secret(config)
        actor = import_actor(config, person)
        communities, skills = roster_vocabulary(config)
        with Progress(
            TextColumn("reading"), BarColumn(), MofNCompleteColumn(), console=err, transient=True
        ) as bar:
            task = bar.add_task("rows", total=None)
            read = read_roster(
                file,
                communities=communities,
                skills=skills,
                secret=secret,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        with _core.open_station(config, secret=secret) as service:
            counts = service.import_people(actor, list(read.people), dry_run=dry_run)
    except FengqiaoError as exc:
        _fail(str(exc), as_json=as_json)
    summary = _summary(file, read, counts, dry_run)
    if as_json:
        say_json(summary)
    else:
        _print(summary, read)
    raise typer.Exit(EXIT_ROWS if read.reports else EXIT_OK)


def _summary(file: Path, read: RosterRead, counts: Any, dry_run: bool) -> dict[str, Any]:
    return {
        "file": safe_text(file.name),
        "dry_run": dry_run,
        "rows": read.rows,
        "people": len(read.people),
        "stewards": len(read.stewards),
        "added": counts.added,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "refused_rows": len({(r.sheet, r.row) for r in read.reports if r.row is not None}),
        "reports": [r.as_dict() for r in read.reports],
    }


def _print(summary: dict[str, Any], read: RosterRead) -> None:
    """The row reports (on stderr) and the summary, through the core's one output path."""
    for report in read.reports[:_MAX_SHOWN]:
        say(f"  {report}", style="yellow", stderr=True)
    if len(read.reports) > _MAX_SHOWN:
        say(f"  … and {len(read.reports) - _MAX_SHOWN} more (--json lists all)", stderr=True)
    verb = "would be" if summary["dry_run"] else "were"
    say(
        f"{summary['file']}: {summary['rows']} rows, {summary['people']} people "
        f"({summary['stewards']} red stewards), {summary['refused_rows']} rows refused; "
        f"{summary['added']} {verb} added, {summary['updated']} updated, "
        f"{summary['unchanged']} unchanged"
    )


def _fail(message: str, *, as_json: bool) -> NoReturn:
    message = safe_text(message, limit=400)
    if as_json:
        say_json({"error": {"message": message}})
    else:
        say(f"error: {message}", style="bold red", stderr=True)
    raise typer.Exit(EXIT_FAILED)
