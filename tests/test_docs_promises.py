"""What the plugin pages promise about backends holds: paths, schemes and error messages."""

import json

import pytest
from typer.testing import CliRunner

from fengqiao_core.cli.commands import app
from fengqiao_core.errors import PluginError
from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import BackendContext, BackendSpec
from fengqiao_core.station.file import load_station_config

ROSTER = (
    "id,name,phone,community,occupation,party_member,skills,availability\n"
    "rs-csv,孔七星,13900000007,C01,doctor,true,medical,0 09:00-12:00\n"
)


def test_a_csv_roster_is_read_from_the_station_files_folder_not_the_working_one(
    tmp_path, monkeypatch
):
    home, elsewhere = tmp_path / "station", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    (home / "roster.csv").write_text(ROSTER, "utf-8")
    monkeypatch.chdir(elsewhere)
    config = load_station_config("miaoshan")
    context = BackendContext("csv://roster.csv", config, None, base_dir=home)
    roster = Plugins().open_backend("volunteers", context)
    assert roster.load("rs-csv") == 0
    assert roster.record_assignment("rs-csv") == 1
    assert list(elsewhere.iterdir()) == []


def test_a_plain_exception_in_a_factory_reaches_the_user_scrubbed(plugin_manager, register_plugin):
    import types

    from fengqiao_core import hookimpl

    def explode(context):
        raise ValueError("map server refused the key; call 13912345678 for access")

    plugin = types.SimpleNamespace(FENGQIAO_PLUGIN_API=1)
    plugin.fengqiao_register_backends = hookimpl(
        lambda: [BackendSpec("grid", "brittle", explode, "fails", ("brittle",))]
    )
    register_plugin(plugin, "brittle")
    plugins = Plugins(plugin_manager)
    config = load_station_config("miaoshan")
    with pytest.raises(PluginError) as raised:
        plugins.open_backend("grid", BackendContext("brittle://x", config, None))
    message = str(raised.value)
    assert "ValueError: map server refused the key" in message
    assert "139****5678" in message
    assert "13912345678" not in message


def test_the_plugins_listing_shows_each_backends_schemes():
    result = CliRunner().invoke(app, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    backends = {
        (b["port"], b["name"]): b["schemes"]
        for plugin in json.loads(result.output)
        for b in plugin["backends"]
    }
    assert backends["storage", "sqlite"] == ["sqlite"]
    assert backends["storage", "memory"] == []
    text = CliRunner().invoke(app, ["plugins"], env={"COLUMNS": "300"})
    assert "sqlite://" in text.output


def test_a_jsonl_channel_path_is_relative_to_the_station_files_folder(tmp_path, monkeypatch):
    home, elsewhere = tmp_path / "station", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    context = BackendContext("jsonl://out.jsonl", None, None, base_dir=home)
    channel = Plugins().open_backend("channel", context)
    assert channel.path == home / "out.jsonl"


def test_the_grid_tutorials_backend_passes_the_grid_contract(tmp_path):
    import os
    import pathlib
    import re
    import subprocess
    import sys

    page = pathlib.Path(__file__).resolve().parents[1] / "docs" / "plugins" / "grid-tutorial.md"
    [backend] = [
        code
        for code in re.findall(r"```python\n(.*?)```", page.read_text("utf-8"), re.S)
        if "class NearestGridGrid" in code
    ]
    (tmp_path / "fengqiao_nearest_grid.py").write_text(backend, "utf-8")
    (tmp_path / "test_contract.py").write_text(
        "import pytest\n"
        "from fengqiao_core.testing.contracts import GridContract\n"
        "from fengqiao_nearest_grid import NearestGridGrid\n\n\n"
        "class TestNearestGridGrid(GridContract):\n"
        "    @pytest.fixture\n"
        "    def make_backend(self, grid_station):\n"
        "        return NearestGridGrid(grid_station)\n",
        "utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "fengqiao_core.testing", "-p",
         "no:cacheprovider", "--hypothesis-profile=quick", "test_contract.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:]
    assert " passed" in result.stdout.splitlines()[-1]
