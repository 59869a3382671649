"""The ``fengqiao`` command line 命令行 (Typer + Rich): formatting only, logic lives in the library.

Commands: ``fengqiao --version``, ``fengqiao check STATION [--json]`` and ``fengqiao demo``.
Exit codes: 0 no errors, 1 errors (validation problems or error findings), 2 the station file
cannot be read (or a usage error). Add a command with ``@app.command()`` below.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, NoReturn

import rich.box
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fengqiao_core import __version__
from fengqiao_core.errors import ConfigurationError, ValidationError
from fengqiao_core.rules.findings import Finding, FindingSeverity, has_errors
from fengqiao_core.rules.topology import check_topology
from fengqiao_core.stationfile import StationConfig, counts, load_station_config
from fengqiao_core.summary import summarise

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
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        out.print(Text(f"fengqiao {__version__}"))
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
    findings = check_topology(config)
    if as_json:
        typer.echo(json.dumps(_report(config, findings), ensure_ascii=False, indent=2))
    else:
        _print_station(config)
        _print_counts(config)
        _print_findings(findings)
    raise typer.Exit(EXIT_ERRORS if has_errors(findings) else EXIT_OK)


@app.command()
def demo() -> None:
    """Load and check the shipped Miaoshan station 庙山派出所 and summarise how it works."""
    config = _load(DEMO_STATION, as_json=False)
    findings = check_topology(config)
    _print_station(config)
    for section in summarise(config):
        table = Table(title=Text(section.title), box=rich.box.SIMPLE, show_header=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for label, value in section.rows:
            table.add_row(Text(label), Text(value))
        out.print(table)
    _print_counts(config)
    _print_findings(findings)
    raise typer.Exit(EXIT_ERRORS if has_errors(findings) else EXIT_OK)


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
        typer.echo(json.dumps({"error": error}, ensure_ascii=False, indent=2))
        raise typer.Exit(code)
    if not problems:
        err.print(Text(f"error: {message}", style="bold red"))
        raise typer.Exit(code)
    err.print(Text(f"error: {len(problems)} problem(s) in the station file", style="bold red"))
    for problem in problems[:_MAX_PROBLEMS]:
        err.print(Text(f"  {problem['path']}: {problem['message']}"))
    if len(problems) > _MAX_PROBLEMS:
        err.print(Text(f"  … and {len(problems) - _MAX_PROBLEMS} more"))
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
    out.print(Text(f"{station.name} ({station.id})", style="bold"))


def _print_counts(config: StationConfig) -> None:
    table = Table(title="Counts 数量", box=rich.box.SIMPLE)
    table.add_column("kind")
    table.add_column("count", justify="right")
    for key, value in counts(config).items():
        table.add_row(key, str(value))
    out.print(table)


def _print_findings(findings: list[Finding]) -> None:
    for finding in findings:
        out.print(Text(str(finding), style=_STYLE[finding.severity]))
    tally = {s: sum(f.severity is s for f in findings) for s in FindingSeverity}
    summary = ", ".join(f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in tally.items())
    verdict = "FAILED" if tally[FindingSeverity.ERROR] else "OK"
    out.print(Text(f"{verdict}: {summary}", style="bold"))


def main() -> None:
    """Run the ``fengqiao`` command (the console script's entry point)."""
    app()
