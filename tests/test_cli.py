"""The fengqiao command: --version, check (text and --json, exit codes 0/1/2) and demo."""

import datetime
import json
import pathlib
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from fengqiao_core import __version__
from fengqiao_core.cli.commands import app
from fengqiao_core.rules import calendar as calendar_rules
from fengqiao_core.rules.calendar import CalendarSettings
from fengqiao_core.station.file import COUNT_KEYS

LAKESIDE = pathlib.Path(__file__).resolve().parent / "data" / "lakeside.toml"
runner = CliRunner()
DAY = datetime.timedelta(days=1)


def run(*args):
    return runner.invoke(app, list(args))


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"fengqiao {__version__}"


def pin_today(monkeypatch, day):
    """Fix the date the calendar check judges from (it reads the clock in one place)."""
    monkeypatch.setattr(calendar_rules, "_today", lambda zone: day)


def test_check_miaoshan_text(monkeypatch):
    pin_today(monkeypatch, calendar_rules.known_through(CalendarSettings()) - 200 * DAY)
    result = run("check", "miaoshan")
    assert result.exit_code == 0, result.output
    assert "庙山派出所 (miaoshan)" in result.stdout
    assert "grid_cells              51" in result.stdout
    assert "OK: 0 errors, 0 warnings, 2 infos" in result.stdout


def test_check_json_is_exactly_one_object_with_the_documented_shape():
    result = run("check", str(LAKESIDE), "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert list(report) == ["station", "counts", "findings"]
    assert report["station"] == {"code": "lakeside", "name": "湖西派出所"}
    assert list(report["counts"]) == list(COUNT_KEYS)
    assert report["counts"]["grid_cells"] == 5
    assert report["counts"]["industrial_parks"] == 0
    assert all(set(f) == {"rule", "severity", "message"} for f in report["findings"])
    assert result.stderr == ""


def test_check_miaoshan_json_counts():
    report = json.loads(run("check", "miaoshan", "--json").stdout)
    assert report["counts"]["police_grids"] == 11
    assert report["counts"]["red_stewards"] >= 1500


def test_check_with_error_findings_exits_1(tmp_path):
    text = LAKESIDE.read_text("utf-8").replace(
        'community = "maple"\nofficer', 'community = "reed"\nofficer'
    )
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 1
    assert "[T2] error: community maple (枫林社区) has no team" in result.stdout
    assert "FAILED: 1 error" in result.stdout
    report = json.loads(run("check", str(path), "--json").stdout)
    assert {
        "rule": "T2",
        "severity": "error",
        "message": "community maple (枫林社区) has no team",
    } in report["findings"]


def test_check_malformed_file_exits_1_with_paths(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[station]\nid = "x"\nname = 3\ndivision = "420115"\n', encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 1
    assert f"{path}: $.station.name: expected str, got int 3" in result.stderr
    assert "Traceback" not in result.output
    report = json.loads(run("check", str(path), "--json").stdout)
    assert report["error"]["kind"] == "validation"
    assert report["error"]["problems"] == [
        {"path": f"{path}: $.station.name", "message": "expected str, got int 3"}
    ]


def test_check_many_problems_are_capped(tmp_path):
    cells = "".join(
        f'[[cells]]\nid = "x{i}"\nname = "c"\npolice_grid = "p"\ncommunity = "c"\n'
        for i in range(60)
    )
    path = tmp_path / "many.toml"
    path.write_text(
        f'[station]\nid = "x"\nname = "n"\ndivision = "420115"\n{cells}', encoding="utf-8"
    )
    result = run("check", str(path))
    assert result.exit_code == 1
    assert "error: 60 problem(s) in the station file" in result.stderr
    assert "… and 10 more" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such station file"),
        (b"\xff\xfe", "is not UTF-8 text"),
        (b"[station\n", "is not valid TOML"),
    ],
)
def test_check_unreadable_exits_2(tmp_path, content, message):
    path = tmp_path / "s.toml"
    if content is not None:
        path.write_bytes(content)
    result = run("check", str(path))
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    report = json.loads(run("check", str(path), "--json").stdout)
    assert report["error"]["kind"] == "configuration"
    assert message in report["error"]["message"]


def test_hostile_markup_in_names_is_printed_literally(tmp_path):
    text = LAKESIDE.read_text("utf-8").replace(
        'name = "柳岸社区"', 'name = "[bold]柳岸[/bold]社区"'
    )
    text = text.replace('community = "willow"\nofficer', 'community = "reed"\nofficer')
    path = tmp_path / "markup.toml"
    path.write_text(text, encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 1
    assert "community willow ([bold]柳岸[/bold]社区) has no team" in result.stdout


def test_demo_summarises_the_shipped_station():
    result = run("demo", "--no-simulate")
    assert result.exit_code == 0, result.output
    for text in ("一体", "三联", "五微", "阳光联调小组", "T-C01"):
        assert text in result.stdout
    assert "11 个警格 → 51 个网格" in result.stdout
    assert "管委会主导" in result.stdout


def test_the_summary_names_the_station_s_own_lead_body():
    import attrs

    from fengqiao_core.station.file import load_station_config
    from fengqiao_core.station.summary import summarise

    config = load_station_config("miaoshan")
    config = attrs.evolve(config, rules=attrs.evolve(config.rules, lead_body="Harbour Office"))
    for lang in ("zh", "en"):
        one_body = summarise(config, lang)[3]
        structure = one_body.rows[0][1]  # who leads, who is responsible, who acts
        assert structure.startswith("Harbour Office")
        assert "管委会" not in structure
        assert "park committee" not in structure


def test_no_arguments_shows_help():
    result = run()
    assert result.exit_code == 2
    assert "check" in result.output
    assert "demo" in result.output


def test_console_script_runs():
    script = pathlib.Path(sys.executable).parent / "fengqiao"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"fengqiao {__version__}"


def test_check_warns_when_the_calendar_runs_out_within_60_days(monkeypatch):
    """Rule M5: on 30 Nov 2026 with data to 2026, check warns and names the notice to add."""
    end = calendar_rules.known_through(CalendarSettings())
    pin_today(monkeypatch, end - 31 * DAY)
    result = run("check", "miaoshan")
    assert result.exit_code == 0, result.output
    assert f"[calendar.{end.year + 1}]" in result.stdout
    assert "1 warnings" in result.stdout or "1 warning" in result.stdout
    report = json.loads(run("check", "miaoshan", "--json").stdout)
    assert [f["rule"] for f in report["findings"] if f["severity"] == "warning"] == ["M5"]


def test_check_is_quiet_once_the_station_file_adds_next_years_notice(monkeypatch, tmp_path):
    """Rule M5: a [calendar.YEAR] table extends the known years, so the warning goes away."""
    end = calendar_rules.known_through(CalendarSettings())
    pin_today(monkeypatch, end - 31 * DAY)
    year = end.year + 1
    station = tmp_path / "lakeside.toml"
    notice = f"\n[calendar.{year}]\nholidays = [{year}-01-01]\nworkdays = []\n"
    station.write_text(LAKESIDE.read_text("utf-8") + notice, "utf-8")
    report = json.loads(run("check", str(station), "--json").stdout)
    assert not [f for f in report["findings"] if f["rule"] == "M5"]
    report = json.loads(run("check", str(LAKESIDE), "--json").stdout)
    assert [f for f in report["findings"] if f["rule"] == "M5"]
