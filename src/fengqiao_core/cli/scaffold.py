"""``fengqiao new-plugin NAME --port PORT``: scaffold a backend plugin distribution 插件脚手架.

The skeleton is a complete distribution (``pyproject.toml`` with the entry point, a README, a
typed package and a test module running the port's contract suite). Its backend's methods raise
:class:`NotImplementedError` saying what to implement, so the contract tests run at once and
each failure names the next thing to write.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Annotated

import typer

from fengqiao_core.cli.output import say
from fengqiao_core.errors import ConfigurationError, ValidationError

__all__ = ["METHODS", "new_plugin", "scaffold"]

_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_MAX_NAME = 24
_CLASS = {"grid": "Grid", "storage": "Storage", "volunteers": "Volunteers", "channel": "Channel"}
_CONTRACT = {
    "grid": "GridContract",
    "storage": "StorageContract",
    "volunteers": "VolunteerContract",
    "channel": "ChannelContract",
}
METHODS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "grid": (
        (
            "locate",
            "self, lons: Sequence[float], lats: Sequence[float], crs: CoordinateSystem"
            ") -> list[str | None]",
            "return the cell id of each point, in order, or None for a "
            "point outside every cell (crs is WGS84 or GCJ02: convert to your geometry's system)",
        ),
        (
            "cells",
            "self) -> Sequence[GridCell]",
            "return every grid cell the backend knows "
            "(the station's declared cells, 15-digit codes)",
        ),
        (
            "cell_of_place",
            "self, place_id: str) -> str | None",
            "return the place's declared cell (Place.cell, even where its point lies "
            "elsewhere), or None for an unknown place, a village or a community",
        ),
        (
            "neighbours",
            "self, cell_id: str) -> Sequence[str]",
            "return the ids of the cells next to cell_id, sorted",
        ),
    ),
    "storage": (
        (
            "unit_of_work",
            "self) -> UnitOfWork",
            "return a new unit of work (a transaction with "
            "matters, people, places, teams, audit and outbox repositories; see "
            "docs/plugins/storage.md)",
        ),
    ),
    "volunteers": (
        (
            "candidates",
            "self, community: str, skills: Sequence[Skill], at: dt.datetime, "
            "limit: int = 5) -> list[RedSteward]",
            "return up to limit red stewards of the "
            "community available at `at` with all the skills, least loaded first",
        ),
        (
            "record_assignment",
            "self, steward_id: str) -> int",
            "count one more assignment for the steward and return the new load",
        ),
        ("load", "self, steward_id: str) -> int", "return how many assignments the steward has"),
    ),
    "channel": (
        (
            "send",
            "self, message: OutboxMessage) -> DeliveryResult",
            "deliver the message (its "
            "id is the idempotency key) and return a DeliveryResult; report failures, never raise",
        ),
    ),
}
"""Each port's methods: name, signature tail and what the skeleton says to implement."""

_SUMMARY = {
    "locate": "The cell of each point, in input order (None outside every cell).",
    "cells": "Every cell the backend knows: the station's declared cells.",
    "cell_of_place": "The declared cell of a place (None for an unknown place).",
    "neighbours": "The ids of the cells bordering ``cell_id``, sorted.",
    "unit_of_work": "A new unit of work: one transaction over every repository.",
    "close": "Release the store's connections and files (nothing to release yet).",
    "candidates": "Available stewards of a community with every skill, least loaded first.",
    "record_assignment": "Count one more assignment for the steward; the new load.",
    "load": "How many assignments the steward has.",
    "send": "Deliver one message; report a failure in the result, never raise.",
}
_IMPORTS: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, ...]]]] = {
    "grid": (
        ("from collections.abc import Sequence",),
        {"model": ("CoordinateSystem", "GridCell", "StationData")},
    ),
    "storage": ((), {"ports": ("Capability", "UnitOfWork")}),
    "volunteers": (
        ("import datetime as dt", "from collections.abc import Sequence"),
        {"model": ("RedSteward", "Skill")},
    ),
    "channel": ((), {"ports": ("DeliveryResult", "OutboxMessage")}),
}
"""Each port's imports: standard library lines, then names from fengqiao_core's modules."""
_INIT = {
    "grid": (
        "station: StationData",
        "Keep the station: its declared cells (15-digit codes) and places.",
        "self.station = station",
        "context.station",
    ),
    "storage": ("", "Open a new, empty store (or connect to the one the URL names).", "", ""),
    "volunteers": (
        'stewards: Sequence[RedSteward], zone: str = "Asia/Shanghai"',
        "Keep the roster; availability windows are local times in ``zone``.",
        "self.stewards = tuple(stewards)\n        self.zone = zone",
        "context.station.red_stewards, context.station.station.timezone",
    ),
    "channel": ("", "Set up the transport (a gateway client, a file …).", "", ""),
}
"""Each port's constructor: parameters, docstring, body and the arguments from_context passes."""
_FACTORY = {
    "grid": ("self, grid_station", "", "{cls}(grid_station)"),
    "storage": ("self, tmp_path", "a callable opening a new, empty store", "{cls}"),
    "volunteers": ("self", "a callable: stewards -> backend", "{cls}"),
    "channel": ("self", "", "{cls}()"),
}
_PYPROJECT = """[build-system]
requires = ["hatchling>=1.24"]
build-backend = "hatchling.build"

[project]
name = "fengqiao-{name}"
version = "0.1.0"
description = "A {port} backend for fengqiao_core."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["fengqiao-core"]

[project.optional-dependencies]
test = ["fengqiao-core[testing]"]

[project.entry-points.fengqiao_core]
{package} = "{package}"

[tool.hatch.build.targets.wheel]
packages = ["src/{package}"]

[tool.pytest.ini_options]
addopts = "-p fengqiao_core.testing"
testpaths = ["tests"]

[tool.ruff]
line-length = 100
target-version = "py311"
src = ["src", "tests"]

[tool.ruff.lint]
select = ["E", "F", "W", "I", "B", "UP", "D", "SIM", "RUF", "PT", "C4", "PIE", "RET"]
ignore = ["D105", "D107", "D203", "D213"]
pydocstyle.convention = "google"
per-file-ignores = {{ "tests/**" = ["D"] }}
"""
_MODULE = '''"""The ``{name}`` {port} backend for fengqiao_core.

Scaffolded by ``fengqiao new-plugin``: replace each NotImplementedError with real code.
"""

from __future__ import annotations

{imports}
__all__ = ["{cls}"]

FENGQIAO_PLUGIN_API = 1


class {cls}:
    """The ``{name}`` {port} backend."""
{extra}{init}
    @classmethod
    def from_context(cls, context: BackendContext) -> {cls}:
        """Build the backend from its URL and the station (``context.station``).

        ``context.url`` is what the station file wrote, e.g. ``{port} = "{name}://..."``.
        Resolve a relative path in it with ``context.path(raw)`` (against the station file's
        folder); raise ``fengqiao_core.errors.ConfigurationError`` saying how to fix a bad URL.
        """
        return cls({passed})
{methods}

@hookimpl
def fengqiao_register_backends() -> list[BackendSpec]:
    """Register the backend: by name, or by the URL scheme ``{name}://``."""
    spec = BackendSpec(
        port="{port}",
        name="{name}",
        factory={cls}.from_context,
        description="a {port} backend",
        schemes=("{name}",),
    )
    return [spec]
'''
_WIDTH = 100


def _imports(port: str) -> str:
    stdlib, ours = _IMPORTS[port]
    names = {**ours, "ports": (*ours.get("ports", ()), "BackendContext", "BackendSpec")}
    lines = ["from fengqiao_core import hookimpl"] + [
        f"from fengqiao_core.{module} import {', '.join(sorted(set(found)))}"
        for module, found in sorted(names.items())
    ]
    return "\n".join(stdlib) + ("\n\n" if stdlib else "") + "\n".join(lines) + "\n"


def _signature(method: str, tail: str) -> str:
    """The ``def`` line(s) as ruff would format them (one parameter a line when too long)."""
    line = f"    def {method}({tail}:"
    if len(line) <= _WIDTH:
        return line
    params, returns = tail.split(") -> ")
    listed = "".join(f"        {p.strip()},\n" for p in params.split(", "))
    return f"    def {method}(\n{listed}    ) -> {returns}:"


def _raise(cls: str, method: str, what: str) -> str:
    """The skeleton's ``raise NotImplementedError(...)``, its message wrapped at 100 columns."""
    message = f"{cls}.{method}: {what}"
    if len(f'        raise NotImplementedError("{message}")') <= _WIDTH:
        return f'        raise NotImplementedError("{message}")'
    pieces = textwrap.wrap(message, _WIDTH - 15, break_long_words=False, drop_whitespace=False)
    quoted = "".join(f'            "{piece}"\n' for piece in pieces)
    return f"        raise NotImplementedError(\n{quoted}        )"


def _module(name: str, port: str, cls: str) -> str:
    methods = "".join(
        f'\n{_signature(method, signature)}\n        """{_SUMMARY[method]}"""\n'
        f"{_raise(cls, method, what)}\n"
        for method, signature, what in METHODS[port]
    )
    extra = "\n    capabilities: frozenset[Capability] = frozenset()\n" if port == "storage" else ""
    if port == "storage":  # a no-op until there is something to release: never masks an error
        methods += f'\n    def close(self) -> None:\n        """{_SUMMARY["close"]}"""\n'
    params, doc, body, passed = _INIT[port]
    init = f"\n    def __init__(self{', ' if params else ''}{params}) -> None:\n"
    init += f'        """{doc}"""\n' + (f"        {body}\n" if body else "")
    return _MODULE.format(
        name=name, port=port, cls=cls, imports=_imports(port), extra=extra, init=init,
        passed=passed, methods=methods,
    )  # fmt: skip


def _tests(name: str, port: str, package: str, cls: str) -> str:
    params, comment, made = _FACTORY[port]
    comment = f"        # {comment}\n" if comment else ""
    return (
        f'"""The {port} contract; each failure says what to write next."""\n\n'
        f"import pytest\nfrom fengqiao_core.testing.contracts import {_CONTRACT[port]}\n\n"
        f"from {package} import {cls}\n\n\n"
        f"class Test{cls}({_CONTRACT[port]}):\n    @pytest.fixture\n"
        f"    def make_backend({params}):\n{comment}"
        f"        return {made.format(cls=cls)}\n"
    )


def scaffold(name: str, port: str, out: Path) -> Path:
    """Write the plugin distribution ``fengqiao-NAME`` under ``out`` and return its folder.

    Raises:
        ValidationError: The name or port is not one.
        ConfigurationError: The folder exists already, or ``out`` is not a folder.
        OSError: The files cannot be written.
    """
    if not _NAME.fullmatch(name) or len(name) > _MAX_NAME:
        raise ValidationError(
            "name", f"expected up to {_MAX_NAME} lower-case letters, digits and single hyphens"
        )
    if port not in METHODS:
        raise ValidationError("port", f"expected one of {', '.join(METHODS)}")
    if out.exists() and not out.is_dir():
        raise ConfigurationError(f"--out {out} is not a folder: name the folder to write into")
    root = out / f"fengqiao-{name}"
    if root.exists():
        raise ConfigurationError(f"{root} exists already: choose another NAME or --out")
    package = f"fengqiao_{name.replace('-', '_')}"
    cls = "".join(part.title() for part in name.split("-")) + _CLASS[port]
    files = {
        "pyproject.toml": _PYPROJECT.format(name=name, port=port, package=package),
        "README.md": f"# fengqiao-{name}\n\nA {port} backend for fengqiao_core: "
        f'`{port} = "{name}://..."` in a station file.\n\nInstall it with '
        f"`pip install -e '.[test]'` and run `pytest`: every failing contract test says what "
        f"to implement next in `src/{package}/__init__.py`. `fengqiao plugins` lists the "
        f"backend once it is installed.\n",
        f"src/{package}/__init__.py": _module(name, port, cls),
        f"src/{package}/py.typed": "",
        "tests/test_contract.py": _tests(name, port, package, cls),
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def new_plugin(
    name: Annotated[str, typer.Argument(help="the plugin's name, e.g. city-map")],
    port: Annotated[str, typer.Option(help="grid, storage, volunteers or channel")],
    out: Annotated[Path, typer.Option(help="the folder to write fengqiao-NAME into")] = Path(),
) -> None:
    """Scaffold a backend plugin distribution whose contract tests say what to implement."""
    try:
        root = scaffold(name, port, out)
    except (ValidationError, ConfigurationError) as exc:
        say(f"error: {exc}", style="bold red", stderr=True)
        raise typer.Exit(2) from exc
    except OSError as exc:
        say(
            f"error: cannot write under {out} ({type(exc).__name__})", style="bold red", stderr=True
        )
        raise typer.Exit(2) from None
    say(f"wrote {root}: pip install -e {root} && pytest {root / 'tests'}")
