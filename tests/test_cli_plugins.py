import json
import pathlib
import re
import subprocess
import sys

from typer.testing import CliRunner

from fengqiao_core.cli.commands import app

LAKESIDE = pathlib.Path(__file__).parent / "data" / "lakeside.toml"
runner = CliRunner()


def test_plugins_json_lists_the_builtins_and_the_installed_example():
    result = runner.invoke(app, ["plugins", "--json"])
    assert result.exit_code == 0
    listing = json.loads(result.stdout)
    by_name = {p["name"]: p for p in listing}
    assert {
        "memory",
        "declared_grid",
        "declared_volunteers",
        "log_channel",
        "example_channel",
    } <= set(by_name)
    assert by_name["example_channel"]["distribution"] == "fengqiao-example-channel"
    jsonl = {"port": "channel", "name": "jsonl", "schemes": ["jsonl"]}
    assert jsonl in by_name["example_channel"]["backends"]
    assert set(by_name["memory"]) == {
        "name",
        "distribution",
        "version",
        "hooks",
        "backends",
        "commands",
    }


def test_plugins_table_is_readable():
    result = runner.invoke(app, ["plugins"])
    assert result.exit_code == 0
    assert "storage:memory" in result.stdout


def test_check_refuses_an_unknown_backend_listing_the_valid_ones(tmp_path):
    text = re.sub(r"storage = \"[^\"]*\"", 'storage = "cassandra"', LAKESIDE.read_text("utf-8"))
    assert "cassandra" in text
    station = tmp_path / "station.toml"
    station.write_text(text, "utf-8")
    result = runner.invoke(app, ["check", str(station), "--json"])
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    backend = [f for f in findings if f["rule"] == "backends"]
    assert backend
    assert "choose one of: memory" in backend[0]["message"]


def test_the_console_script_loads_plugin_commands():
    done = subprocess.run(
        [sys.executable, "-c", "from fengqiao_core.cli.commands import main; main()", "--help"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0
    assert "plugins" in done.stdout


def test_plugins_json_names_the_commands_each_plugin_adds():
    import json

    from typer.testing import CliRunner

    from fengqiao_core.cli.commands import app

    result = CliRunner().invoke(app, ["plugins", "--json"])
    assert result.exit_code == 0
    listed = {p["name"]: p["commands"] for p in json.loads(result.stdout)}
    assert set(listed["open311"]) >= {"export open311", "import open311", "serve open311"}
    assert "import roster" in listed["roster_xlsx"]
    assert listed["sqlite"] == []
