"""The ``fengqiao`` command line 命令行 (Typer + Rich): formatting only, logic lives in the library.

Commands: ``fengqiao --version``, ``fengqiao check STATION [--json]``, ``fengqiao demo`` and
``fengqiao plugins [--json] [--station FILE]``; plugins add their own through
``fengqiao_register_commands``.
Exit codes: 0 no errors, 1 errors (validation problems or error findings), 2 the station file
cannot be read (or a usage error). Add a command with ``@app.command()`` below.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from fengqiao_core import __version__
from fengqiao_core.cli.audit import audit
from fengqiao_core.cli.figures import report
from fengqiao_core.cli.lang import count_label, rule, say_in
from fengqiao_core.cli.matters import matters
from fengqiao_core.cli.outbox import outbox
from fengqiao_core.cli.output import run, say, say_json, stdout_to_stderr, table
from fengqiao_core.cli.purge import purge
from fengqiao_core.cli.scaffold import new_plugin
from fengqiao_core.errors import ConfigurationError, FengqiaoError, PluginError, ValidationError
from fengqiao_core.plugins import PORTS, Plugins
from fengqiao_core.rules.calendar import calendar_findings
from fengqiao_core.rules.findings import Finding, FindingSeverity, has_errors
from fengqiao_core.rules.topology import check_topology
from fengqiao_core.security.files import read_regular_file
from fengqiao_core.station.file import StationConfig, counts, load_station_config
from fengqiao_core.station.summary import summarise

__all__ = ["app", "main"]

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2
DEMO_STATION = "miaoshan"
_MAX_PROBLEMS = 50
_STYLE = {
    FindingSeverity.ERROR: "bold red",
    FindingSeverity.WARNING: "yellow",
    FindingSeverity.INFO: "cyan",
}

app = typer.Typer(
    name="fengqiao",
    help="The working method of a Fengqiao-style police station 枫桥式公安派出所.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(outbox, name="outbox")
app.add_typer(audit, name="audit")
app.add_typer(matters, name="matters")
app.command("report")(report)
app.command("purge")(purge)
app.command("new-plugin")(new_plugin)


def _version(value: bool) -> None:
    if value:
        say(f"fengqiao {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """The working method of a Fengqiao-style police station 枫桥式公安派出所."""


StationArg = Annotated[
    str, typer.Argument(help="A station file (TOML) or a shipped station's name, e.g. miaoshan.")
]


@app.command()
def check(
    station: StationArg,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")
    ] = False,
) -> None:
    """Validate a station file and report counts and topology findings (rules T1-T3)."""
    config = _load(station, as_json=as_json)
    findings = check_topology(config, config.rules) + _plugin_findings(config, as_json=as_json)
    findings += calendar_findings(config.calendar, zone=config.station.timezone)
    if as_json:
        say_json(_report(config, findings))
    else:
        _print_station(config)
        _print_counts(config)
        _print_findings(findings)
    raise typer.Exit(EXIT_ERRORS if has_errors(findings) else EXIT_OK)


@app.command()
def demo(
    lang: Annotated[str, typer.Option("--lang", help="zh (中文) or en.")] = "zh",
    station: Annotated[
        str, typer.Option("--station", help="A station file, or a shipped station's name.")
    ] = DEMO_STATION,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the demo's files.")] = Path(
        "fengqiao-demo"
    ),
    db: Annotated[
        Path | None, typer.Option("--db", help="SQLite database (default: OUT/<station id>.db).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the two simulated years.")] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    simulate: Annotated[
        bool, typer.Option("--simulate/--no-simulate", help="Then simulate two years.")
    ] = True,
) -> None:
    """Run a station (庙山派出所 by default): its structure, then the article's six stories.

    The stories are stored in an SQLite database (run it twice: nothing is duplicated, and a
    run that was interrupted is carried on). Places and people come from the station file.
    """
    if lang not in ("zh", "en"):
        say("error: --lang is zh or en", style="bold red", stderr=True)
        raise typer.Exit(EXIT_UNREADABLE)
    config = _load(station, as_json=False)
    if as_json:  # stdout holds the JSON object only: everything else goes to stderr
        stdout_to_stderr()
    findings = check_topology(config, config.rules)
    _print_station(config)
    columns: list[tuple[str, dict[str, Any]]] = [
        ("", {"style": "bold", "no_wrap": True}),
        ("", {"overflow": "fold"}),
    ]
    for section in summarise(config, lang):
        say(table(section.title, columns, section.rows, show_header=False))
    _print_counts(config, lang)
    _print_findings(findings, lang)
    database = (db or out_dir / f"{config.station.id}.db").resolve()
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        if database.exists():  # refuse a file that is no database before making a key beside it
            from fengqiao_core.builtin.sqlite.files import check_file

            check_file(str(database))
        secret = _demo_secret(database.parent / f"{config.station.id}.key")
        stories = config.with_backends(storage=f"sqlite:///{database}")
        _print_stories(stories, lang, secret, out_dir)
        say(say_in(lang, f"案例已存入 {database}", f"stories stored in {database}"))
        if simulate:
            from fengqiao_core.cli.simulated import simulate_and_report

            simulate_and_report(
                config, database, secret, seed=seed, as_json=as_json, lang=lang, out_dir=out_dir
            )
    except (OSError, FengqiaoError) as exc:
        say(f"error: {exc}", style="bold red", stderr=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    raise typer.Exit(EXIT_ERRORS if has_errors(findings) else EXIT_OK)


def _demo_secret(path: Path) -> bytes:
    """The demo store's secret: ``FENGQIAO_SECRET``, else a random key kept beside the store.

    The same key must sign every run's audit entries, so it is made once (owner-only) and read
    on later runs.
    """
    given = os.environ.get("FENGQIAO_SECRET", "").encode()
    if given:
        return given
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return read_regular_file(path, 4096, "the demo's key file").strip()


def _print_stories(config: StationConfig, lang: str, secret: bytes, out_dir: Path) -> None:
    from fengqiao_core.cli.messages import write_messages
    from fengqiao_core.cli.stories import describe
    from fengqiao_core.station import open_station
    from fengqiao_core.station.stories import SettableClock, run_stories

    clock = SettableClock()
    names = {
        body.id: str(getattr(body, "name", body.id))
        for body in (*config.places, *config.forces, *config.departments, *config.mediation_panels)
    }
    with open_station(config, clock=clock, secret=secret, dispatch=False) as station:
        say(say_in(lang, "六个案例", "The six stories"), style="bold")
        for story in run_stories(station, clock):
            for line in describe(story, lang, names):
                say(line)
        delivered = station.deliver_pending(limit=1000)
        write_messages(station.channel, delivered, config.backends.channel, out_dir, lang)


@app.command()
def backup(
    db: Annotated[Path, typer.Option("--db", help="The SQLite database to back up.")],
    to: Annotated[Path, typer.Option("--to", help="Where to write the copy.")],
) -> None:
    """Copy an SQLite station database safely while it is in use (SQLite's backup API)."""
    from fengqiao_core.builtin.sqlite import backup as backup_database

    try:
        backup_database(db, to)
    except FengqiaoError as exc:
        say(f"error: {exc}", style="bold red", stderr=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    say(f"backed up {db} to {to}")


@app.command("plugins")
def list_plugins(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON list on stdout, nothing else.")
    ] = False,
    station: Annotated[
        str | None,
        typer.Option("--station", help="Show what this station file loads and grants."),
    ] = None,
) -> None:
    """List every plugin with its distribution, version, hooks, backends and commands."""
    from fengqiao_core.cli.plugins import plugin_listing, plugin_table

    config = None if station is None else _load(station, as_json=as_json)
    plugins = _plugins(as_json=as_json)
    listing = plugin_listing(plugins, _commands_of(plugins), config)
    if as_json:
        say_json(listing)
        return
    say(plugin_table(listing))


def _commands_of(plugins: Plugins) -> dict[str, list[str]]:
    """The commands each plugin adds, found by letting it register on a scratch application."""
    found: dict[str, list[str]] = {}
    for impl in plugins.pm.hook.fengqiao_register_commands.get_hookimpls():
        scratch = typer.Typer()
        try:
            impl.function(cli=scratch)
        except Exception:  # a failing plugin is reported by `fengqiao check`, not here
            continue
        names = [c.name or getattr(c.callback, "__name__", "") for c in scratch.registered_commands]
        for group in scratch.registered_groups:
            sub = group.typer_instance.registered_commands if group.typer_instance else []
            names += [f"{group.name} {c.name or getattr(c.callback, '__name__', '')}" for c in sub]
        found[impl.plugin_name] = sorted(n.replace("_", "-") for n in names if n)
    return found


def _plugins(*, as_json: bool) -> Plugins:
    try:
        return Plugins()
    except PluginError as exc:
        _fail(EXIT_ERRORS, "plugin", str(exc), [], as_json=as_json)


def _plugin_findings(config: StationConfig, *, as_json: bool) -> list[Finding]:
    everything = _plugins(as_json=as_json)
    plugins = everything.for_station(config.plugins.allow, config.plugins.personal_data)
    found: list[Finding] = []
    for port in PORTS:
        try:
            plugins.backend(port, getattr(config.backends, port))
        except ConfigurationError as exc:
            found.append(Finding("backends", FindingSeverity.ERROR, str(exc)))
    try:
        found += plugins.check_jurisdiction(config)
    except PluginError as exc:
        found.append(Finding("plugins", FindingSeverity.ERROR, str(exc)))
    from fengqiao_core.station.trust import trust_findings

    return found + trust_findings(config, everything)


def _load(station: str, *, as_json: bool) -> StationConfig:
    try:
        return load_station_config(station)
    except ConfigurationError as exc:
        _fail(EXIT_UNREADABLE, "configuration", str(exc), [], as_json=as_json)
    except ValidationError as exc:
        problems = [{"path": p.field, "message": p.message} for p in exc.problems]
        _fail(EXIT_ERRORS, "validation", str(exc.problems[0]), problems, as_json=as_json)


def _fail(
    code: int, kind: str, message: str, problems: list[dict[str, str]], *, as_json: bool
) -> NoReturn:
    if as_json:
        error = {"kind": kind, "message": message, "problems": problems}
        say_json({"error": error})
        raise typer.Exit(code)
    if not problems:
        say(f"error: {message}", style="bold red", stderr=True)
        raise typer.Exit(code)
    say(f"error: {len(problems)} problem(s) in the station file", style="bold red", stderr=True)
    for problem in problems[:_MAX_PROBLEMS]:
        say(f"  {problem['path']}: {problem['message']}", stderr=True)
    if len(problems) > _MAX_PROBLEMS:
        say(f"  … and {len(problems) - _MAX_PROBLEMS} more", stderr=True)
    raise typer.Exit(code)


def _report(config: StationConfig, findings: list[Finding]) -> dict[str, Any]:
    return {
        "station": {"code": config.station.id, "name": config.station.name},
        "counts": counts(config),
        "findings": [
            {"rule": f.rule, "severity": f.severity.value, "message": f.message} for f in findings
        ],
    }


def _print_station(config: StationConfig) -> None:
    station = config.station
    say(f"{station.name} ({station.id})", style="bold")


def _print_counts(config: StationConfig, lang: str | None = None) -> None:
    if lang is None:
        rows: Any = counts(config).items()
        say(table("Counts 数量", ["kind", ("count", {"justify": "right"})], rows))
        return
    rows = ((count_label(key, lang), n) for key, n in counts(config).items())
    head: list[str | tuple[str, dict[str, Any]]] = [
        say_in(lang, "类别", "kind"),
        (say_in(lang, "数量", "count"), {"justify": "right"}),
    ]
    say(table(say_in(lang, "数量", "Counts"), head, rows))


def _print_findings(findings: list[Finding], lang: str | None = None) -> None:
    tally = {s: sum(f.severity is s for f in findings) for s in FindingSeverity}
    failed = tally[FindingSeverity.ERROR]
    if lang is None:
        for finding in findings:
            say(finding, style=_STYLE[finding.severity])
        summary = ", ".join(f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in tally.items())
        say(f"{'FAILED' if failed else 'OK'}: {summary}", style="bold")
        return
    for finding in findings:
        severity = say_in(lang, finding.severity.label_zh, finding.severity.value)
        detail = f"：{finding.text(lang)}" if lang == "zh" else f": {finding.message}"
        say(f"[{rule(finding.rule, lang)}] {severity}{detail}", style=_STYLE[finding.severity])
    if lang == "zh":
        summary = "，".join(f"{s.label_zh} {n} 项" for s, n in tally.items())
        say(f"{'未通过' if failed else '通过'}：{summary}", style="bold")
    else:
        summary = ", ".join(f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in tally.items())
        say(f"{'FAILED' if failed else 'OK'}: {summary}", style="bold")


def main() -> None:
    """Run the ``fengqiao`` command (the console script's entry point) with plugins' commands."""
    try:
        Plugins().register_commands(app)
    except FengqiaoError as exc:
        say(f"error: {exc}", style="bold red", stderr=True)
        raise SystemExit(EXIT_ERRORS) from None
    run(app)
