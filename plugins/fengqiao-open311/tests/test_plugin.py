"""The plugin is found through its entry point and lists its commands."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from fengqiao_open311.cli import group, register


def _run(*args: str) -> str:
    done = subprocess.run(
        [_fengqiao(), *args], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout


def _fengqiao() -> str:
    found = Path(sys.executable).with_name("fengqiao")
    if found.exists():
        return str(found)
    which = shutil.which("fengqiao")
    if which is None:
        pytest.skip("the fengqiao command is not installed")
    return which


def test_fengqiao_plugins_json_lists_it_with_its_command_hook() -> None:
    mine = [
        p for p in json.loads(_run("plugins", "--json")) if p["distribution"] == "fengqiao-open311"
    ]
    assert len(mine) == 1
    assert "fengqiao_register_commands" in mine[0]["hooks"]
    import fengqiao_open311

    assert fengqiao_open311.FENGQIAO_COMMANDS == (
        "export open311",
        "import open311",
        "serve open311",
    )


def test_its_commands_are_on_the_command_line() -> None:
    assert "open311" in _run("export", "--help")
    assert "open311" in _run("import", "--help")
    assert "--port" in _run("serve", "open311", "--help")


def test_an_existing_import_group_is_joined_not_duplicated() -> None:
    cli = typer.Typer()
    existing = group(cli, "import")
    existing.command("roster")(lambda: None)
    register(cli)
    names = [g.name for g in cli.registered_groups]
    assert sorted(names) == ["export", "import", "serve"]
    commands = {c.name for c in existing.registered_commands}
    assert commands == {"roster", "open311"}
