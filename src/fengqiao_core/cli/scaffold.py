"""``fengqiao new-plugin NAME --port PORT``: scaffold a backend plugin distribution 插件脚手架.

The skeleton is a complete distribution (``pyproject.toml`` with the entry point, a README, a
typed package and a test module running the port's contract suite). Its backend's methods raise
:class:`NotImplementedError` saying what to implement, so the contract tests run at once and
each failure names the next thing to write.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from fengqiao_core.cli.output import say
from fengqiao_core.errors import ConfigurationError, ValidationError

__all__ = ["METHODS", "new_plugin", "scaffold"]

_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
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
            "point outside every cell (convert GCJ-02/BD-09 points to your geometry's system)",
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
            "return the cell a place lies in, or None for an unknown place",
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
            "docs/testing-backends.md)",
        ),
        ("close", "self) -> None", "release the store's connections and files"),
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

_IMPORTS = {
    "grid": "from collections.abc import Sequence\n\n"
    "from fengqiao_core.model import CoordinateSystem, GridCell\n",
    "storage": "from fengqiao_core.ports import Capability, UnitOfWork\n",
    "volunteers": "import datetime as dt\nfrom collections.abc import Sequence\n\n"
    "from fengqiao_core.model import RedSteward, Skill\n",
    "channel": "from fengqiao_core.ports import DeliveryResult, OutboxMessage\n",
}
_FACTORY = {
    "grid": "lambda: {cls}()",
    "storage": "lambda: {cls}()",
    "volunteers": "lambda roster: {cls}()",
    "channel": "{cls}()",
}


def _module(name: str, port: str, cls: str) -> str:
    methods = "".join(
        f"\n    def {method}({signature}:\n"
        f'        """{what[0].upper()}{what[1:]}."""\n'
        f'        raise NotImplementedError("{cls}.{method}: {what}")\n'
        for method, signature, what in METHODS[port]
    )
    extra = "\n    capabilities: frozenset[Capability] = frozenset()\n" if port == "storage" else ""
    return f'''"""The ``{name}`` {port} backend for fengqiao_core.

Scaffolded by ``fengqiao new-plugin``: replace each NotImplementedError with real code.
"""

from __future__ import annotations

{_IMPORTS[port]}from fengqiao_core import hookimpl
from fengqiao_core.ports import BackendContext, BackendSpec

__all__ = ["{cls}"]

FENGQIAO_PLUGIN_API = 1


class {cls}:
    """The ``{name}`` {port} backend: replace each NotImplementedError with real code."""
{extra}
    @classmethod
    def from_context(cls, context: BackendContext) -> {cls}:
        """Build the backend from its URL (``{name}://...``) and the station (context.station).

        Resolve relative paths with ``context.path(raw)`` (against the station file's folder);
        raise ``fengqiao_core.errors.ConfigurationError`` saying how to fix a bad URL.
        """
        return cls()
{methods}

@hookimpl
def fengqiao_register_backends() -> list[BackendSpec]:
    """Register the ``{name}`` {port} backend for URLs with the ``{name}`` scheme."""
    return [BackendSpec("{port}", "{name}", {cls}.from_context, "TODO: describe it", ("{name}",))]
'''


def scaffold(name: str, port: str, out: Path) -> Path:
    """Write the plugin distribution ``fengqiao-NAME`` under ``out`` and return its folder.

    Raises:
        ValidationError: The name or port is not one.
        ConfigurationError: The folder exists already.
    """
    if not _NAME.fullmatch(name):
        raise ValidationError("name", "expected lower-case letters, digits and single hyphens")
    if port not in METHODS:
        raise ValidationError("port", f"expected one of {', '.join(METHODS)}")
    root = out / f"fengqiao-{name}"
    if root.exists():
        raise ConfigurationError(f"{root} exists already: choose another NAME or --out")
    package = f"fengqiao_{name.replace('-', '_')}"
    cls = "".join(part.title() for part in name.split("-")) + _CLASS[port]
    files = {
        "pyproject.toml": f'[build-system]\nrequires = ["hatchling>=1.24"]\n'
        f'build-backend = "hatchling.build"\n\n[project]\nname = "fengqiao-{name}"\n'
        f'version = "0.1.0"\ndescription = "A {port} backend for fengqiao_core."\n'
        f'readme = "README.md"\nrequires-python = ">=3.11"\ndependencies = ["fengqiao-core"]\n\n'
        f'[project.entry-points.fengqiao_core]\n{package} = "{package}"\n\n'
        f'[tool.hatch.build.targets.wheel]\npackages = ["src/{package}"]\n',
        "README.md": f"# fengqiao-{name}\n\nA {port} backend for fengqiao_core: "
        f'`{port} = "{name}://..."` in a station file.\n\nInstall it with '
        f"`pip install -e .` and run `pytest tests`: every failing contract test says what to "
        f"implement next in `src/{package}/__init__.py`.\n",
        f"src/{package}/__init__.py": _module(name, port, cls),
        f"src/{package}/py.typed": "",
        "tests/test_contract.py": f'"""The {name} backend passes the {port} contract."""\n\n'
        f"import pytest\nfrom {package} import {cls}\n\n"
        f"from fengqiao_core.testing.contracts import {_CONTRACT[port]}\n\n\n"
        f"class Test{cls}({_CONTRACT[port]}):\n    @pytest.fixture\n"
        f"    def make_backend(self{', grid_station' if port == 'grid' else ''}):\n"
        f"        return {_FACTORY[port].format(cls=cls)}\n",
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
    say(f"wrote {root}: pip install -e {root} && pytest {root / 'tests'}")
