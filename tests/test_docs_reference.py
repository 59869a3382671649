"""The generated reference pages are current: regenerate with ``python tools/make_reference.py``."""

import pathlib
import runpy

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

GENERATOR = runpy.run_path(str(ROOT / "tools" / "make_reference.py"))


@pytest.mark.parametrize("name", sorted(GENERATOR["PAGES"]))
def test_generated_reference_page_is_current(name):
    page = GENERATOR["PAGES"][name]
    assert page.read_text("utf-8") == GENERATOR["pages"]()[name], (
        f"{page.name} is stale: run python tools/make_reference.py"
    )


def test_the_cli_page_names_every_core_command():
    import typer

    from fengqiao_core.cli.commands import app

    page = GENERATOR["PAGES"]["cli"].read_text("utf-8")
    root = typer.main.get_command(app)
    core = GENERATOR["is_core"]
    for name, command in root.commands.items():
        if core(command):
            assert f"## `fengqiao {name}`" in page
            for sub, inner in getattr(command, "commands", {}).items():
                assert f"### `fengqiao {name} {sub}`" in page or not core(inner)
    assert "fengqiao new-plugin" in page
    assert "fengqiao plugins" in page


def test_the_station_file_page_names_every_backends_key():
    import attrs

    from fengqiao_core.station.config import Backends

    page = GENERATOR["PAGES"]["station-file"].read_text("utf-8")
    for field in attrs.fields(Backends):
        assert f"| `{field.name}` |" in page
