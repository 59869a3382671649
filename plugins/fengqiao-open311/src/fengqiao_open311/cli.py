"""The ``export open311``, ``import open311`` and ``serve open311`` commands 命令行.

Each joins the ``export``, ``import`` or ``serve`` sub-application already registered on the
root application (another plugin may have added it), else creates it. Exit codes: 0 done, 1 the
document or a request was refused (nothing imported), 2 the station or a file cannot be read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Annotated, NoReturn
from zoneinfo import ZoneInfo

import typer

from fengqiao_core.cli.output import say, say_json
from fengqiao_core.errors import ConfigurationError, FengqiaoError, ValidationError
from fengqiao_core.security.files import read_regular_file
from fengqiao_open311.documents import encode
from fengqiao_open311.exchange import export_rows, import_document, open_for
from fengqiao_open311.settings import load_settings, resolve_actor, settings_path

__all__ = ["group", "register"]

EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE = 0, 1, 2
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
_HELP = {
    "export": "Export data to other systems 数据导出.",
    "import": "Import data kept elsewhere 数据导入.",
    "serve": "Serve the station to other systems 对外服务.",
}
StationOpt = Annotated[str, typer.Option("--station", help="The station file (TOML).")]
DbOpt = Annotated[Path | None, typer.Option("--db", help="SQLite database (else the station's).")]
SettingsOpt = Annotated[
    Path | None,
    typer.Option("--settings", help="The [open311] settings (default: <station>.open311.toml)."),
]


def group(cli: typer.Typer, name: str) -> typer.Typer:
    """The sub-application ``name`` of ``cli``: the one already registered, else a new one."""
    for registered in cli.registered_groups:
        if registered.name == name and registered.typer_instance is not None:
            return registered.typer_instance
    sub = typer.Typer(name=name, help=_HELP[name], no_args_is_help=True)
    cli.add_typer(sub, name=name)
    return sub


def register(cli: typer.Typer) -> None:
    """Add the three ``open311`` commands to ``cli``."""
    group(cli, "export").command("open311")(export_command)
    group(cli, "import").command("open311")(import_command)
    group(cli, "serve").command("open311")(serve_command)


def _fail(code: int, message: str, problems: tuple[str, ...] = ()) -> NoReturn:
    say(f"error: {message}", style="bold red", stderr=True)
    for problem in problems:
        say(f"  {problem}", stderr=True)
    raise typer.Exit(code)


def _day(value: str | None, zone: str, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        _fail(EXIT_UNREADABLE, f"{option}: expected a date YYYY-MM-DD")
    return dt.datetime.combine(day, dt.time(), ZoneInfo(zone))


def export_command(
    station: StationOpt,
    db: DbOpt = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Day after the last (YYYY-MM-DD).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="File to write (else stdout).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="json or xml.")] = "json",
    lang: Annotated[str, typer.Option("--lang", help="Names in zh or en.")] = "zh",
    settings: SettingsOpt = None,
) -> None:
    """Export help requests and disputes as GeoReport v2 service requests (masked)."""
    if fmt not in ("json", "xml") or lang not in ("zh", "en"):
        _fail(EXIT_UNREADABLE, "--format is json or xml; --lang is zh or en")
    try:
        options = load_settings(settings_path(station, settings))
        with open_for(station, db) as service:
            zone = service.config.station.timezone
            rows = export_rows(
                service,
                options,
                since=_day(from_, zone, "--from"),
                until=_day(to, zone, "--to"),
                lang=lang,
            )
    except FengqiaoError as exc:
        _fail(EXIT_UNREADABLE, str(exc))
    data = encode("service_requests", rows, fmt)
    if out is None:
        typer.echo(data.decode("utf-8"))
        return
    if out.is_dir() or not out.name:
        _fail(EXIT_UNREADABLE, f"--out names a folder ({out}); name a file in it")
    partial = None
    try:  # whole or not at all: a new temporary file beside the target, renamed over it
        handle, partial = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(partial, out)
    except OSError as exc:
        if partial is not None:
            with contextlib.suppress(OSError):
                os.unlink(partial)
        _fail(EXIT_UNREADABLE, f"cannot write {out.name} ({type(exc).__name__})")


def import_command(
    file: Annotated[Path, typer.Argument(help="A GeoReport v2 document (JSON or XML).")],
    station: StationOpt,
    db: DbOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; store nothing.")] = False,
    settings: SettingsOpt = None,
) -> None:
    """Import GeoReport v2 service requests: all of them, or none when any is invalid."""
    try:  # a regular file only: a pipe would block, /dev/zero never end
        data = read_regular_file(file, MAX_DOCUMENT_BYTES, "the document")
    except ConfigurationError as exc:
        _fail(EXIT_UNREADABLE, str(exc))
    try:
        options = load_settings(settings_path(station, settings))
        with open_for(station, db) as service:
            actor = resolve_actor(service, options)
            result = import_document(service, options, actor, data, dry_run=dry_run)
    except ValidationError as exc:
        problems = tuple(str(p) for p in exc.problems)
        _fail(EXIT_REFUSED, f"{len(problems)} problem(s): nothing imported", problems)
    except FengqiaoError as exc:
        _fail(EXIT_UNREADABLE, str(exc))
    summary = {
        "reported": result.reported,
        "skipped_closed": result.skipped_closed,
        "dry_run": dry_run,
        "matter_ids": list(result.matter_ids),
    }
    say_json(summary)


def serve_command(
    station: StationOpt,
    db: DbOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8311,
    settings: SettingsOpt = None,
) -> None:
    """Serve GeoReport v2 over HTTP (Starlette on uvicorn) until interrupted."""
    import uvicorn

    from fengqiao_open311.api import build_app

    try:
        options = load_settings(settings_path(station, settings))
        service = open_for(station, db)
        app = build_app(service, options)
    except FengqiaoError as exc:
        _fail(EXIT_UNREADABLE, str(exc))
    try:
        uvicorn.run(app, host=host, port=port, lifespan="off", ws="none", log_level="warning")
    finally:
        service.shutdown()
