"""``fengqiao report``, ``fengqiao matters`` and the charts, on a small simulated store."""

import csv
import datetime as dt
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

import fengqiao_core.station
from fengqiao_core.cli.commands import app
from fengqiao_core.station import open_station
from fengqiao_core.station.file import load_station_config
from fengqiao_core.testing.simulation import SimulationClock, simulate
from test_simulation import SECRET, SMALL

runner = CliRunner()
PERIOD = ["--from", "2022-11-01", "--to", "2023-01-31"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("figures")
    db = folder / "miaoshan.db"
    (folder / "miaoshan.key").write_bytes(SECRET)
    (folder / "miaoshan.key").chmod(0o600)
    config = load_station_config("miaoshan").with_backends(storage=f"sqlite:///{db}")
    clock = SimulationClock(dt.datetime(2022, 11, 1, tzinfo=ZoneInfo("Asia/Shanghai")))
    with open_station(config, secret=SECRET, clock=clock, dispatch=False) as station:
        simulate(station, clock, SMALL, seed=3)
    return db


def report(store, *options):
    return runner.invoke(
        app, ["report", "--station", "miaoshan", "--db", str(store), *PERIOD, *options]
    )


def test_report_as_json_holds_every_kpi_and_year_on_year(store):
    result = report(store, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kpis"]["matters_reported"] == 69  # 35 + 18 + 10 + 6 planned
    assert data["kpis"]["incidents"] == 10
    assert "burglary" in data["kpis"]["yoy"]
    assert all(line["source"] for line in data["lines"])


def test_report_scopes_narrow_it(store):
    result = report(store, "--format", "json", "--scope", "category:incident:burglary")
    assert json.loads(result.stdout)["kpis"]["matters_reported"] == 10


def test_report_as_csv_markdown_and_table(store):
    rows = list(csv.DictReader(io.StringIO(report(store, "--format", "csv").stdout)))
    assert {r["id"] for r in rows} >= {"resolution_rate", "containment_rate", "commendations"}
    markdown = report(store, "--format", "markdown", "--lang", "en").stdout
    assert markdown.splitlines()[0].startswith("| KPI | value |")
    table = report(store).stdout
    for heading in (
        "发案少",
        "秩序好",
        "社会稳定",
        "群众满意",
        "矛盾不上交",
        "平安不出事",
        "服务不缺位",
    ):
        assert heading in table


def test_report_refuses_bad_arguments(store):
    assert report(store, "--format", "xml").exit_code == 2
    bad = runner.invoke(app, ["report", "--station", "miaoshan", "--from", "x", "--to", "y"])
    assert bad.exit_code == 2
    assert report(store, "--scope", "nowhere").exit_code == 1


def test_charts_are_readable_pngs(store, tmp_path):
    image = pytest.importorskip("matplotlib.image")
    result = report(store, "--charts", str(tmp_path), "--lang", "en")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == [
        "containment_ladder.png", "matters_per_month.png", "sla_warnings.png",
        "yoy_by_category.png",
    ]  # fmt: skip
    for path in tmp_path.glob("*.png"):
        pixels = image.imread(path)
        assert path.stat().st_size > 10_000
        assert pixels.shape[0] >= 400
        assert pixels.shape[1] >= 700
        assert pixels[..., :3].std() > 0.05, f"{path.name} looks blank"


def test_matters_list_show_and_overdue_are_masked(store):
    base = ["--station", "miaoshan", "--db", str(store)]
    listed = runner.invoke(app, ["matters", "list", *base, "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert rows
    dispute = (
        next(r for r in rows if r["kind"] == "dispute")
        if any(r["kind"] == "dispute" for r in rows)
        else rows[0]
    )
    shown = runner.invoke(app, ["matters", "show", dispute["id"], *base])
    assert shown.exit_code == 0, shown.output
    assert "MatterReported" in shown.stdout
    assert "模拟居民" not in shown.stdout  # party names are masked
    overdue = runner.invoke(app, ["matters", "overdue", *base, "--json"])
    assert all(r["sla"] in ("yellow", "red") for r in json.loads(overdue.stdout))
    resident = runner.invoke(app, ["matters", "list", *base, "--as", "nobody", "--json"])
    assert resident.exit_code == 1  # a resident may not list the station's matters
    assert resident.stdout == ""


@pytest.mark.slow
def test_demo_json_holds_the_article_figures_and_writes_the_charts(tmp_path):
    result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    kpis = data["kpis"]
    for key in ("help_requests", "disputes_resolved", "commendations", "resolution_rate",
                "containment_rate", "mediation_success_rate", "escalated_out"):  # fmt: skip
        assert key in kpis
    assert kpis["help_requests"] == pytest.approx(1480, rel=0.05)
    assert kpis["disputes_resolved"] == pytest.approx(879, rel=0.05)
    assert kpis["commendations"] == pytest.approx(46, rel=0.05)
    assert kpis["yoy"]["burglary"] == pytest.approx(-50, abs=3)
    assert kpis["yoy"]["telecom_fraud"] == pytest.approx(-32, abs=3)
    assert kpis["yoy"]["criminal_detentions"] == pytest.approx(14, abs=3)
    assert len(data["charts"]) == 4


def test_an_officer_who_is_also_an_administrator_reads_in_the_role_named(store, tmp_path):
    config = load_station_config("miaoshan")
    duty = next(o.id for o in config.officers if o.post.value == "duty")
    preset = Path(fengqiao_core.station.__file__).parent / "presets" / "miaoshan.toml"
    text = preset.read_text(encoding="utf-8")
    text = text.replace('admins = ["AD1"]', f'admins = ["AD1", "{duty}"]')
    text = text.replace('auditors = ["AU1"]', f'auditors = ["{duty}", "AU1"]')
    station_file = store.parent / "two-roles.toml"
    station_file.write_text(text, encoding="utf-8")
    base = ["--station", str(station_file), "--db", str(store), "--json"]

    by_default = runner.invoke(app, ["matters", "list", *base])  # the duty officer, as officer
    assert by_default.exit_code == 0, by_default.output
    ambiguous = runner.invoke(app, ["matters", "list", *base, "--as", duty])
    assert ambiguous.exit_code == 1
    assert "several roles" in ambiguous.output
    named = runner.invoke(app, ["matters", "list", *base, "--as", duty, "--role", "officer"])
    assert named.exit_code == 0, named.output
    assert json.loads(named.stdout) == json.loads(by_default.stdout)
    bogus = runner.invoke(app, ["matters", "list", *base, "--as", duty, "--role", "chief"])
    assert bogus.exit_code == 1
    assert "role" in bogus.output
    figures = runner.invoke(
        app,
        ["report", "--station", str(station_file), "--db", str(store), *PERIOD, "--format", "json"],
    )  # read by the first auditor, in that role
    assert figures.exit_code == 0, figures.output


def test_a_scope_the_station_does_not_declare_is_reported_with_a_notice(store):
    typo = report(store, "--format", "json", "--scope", "police_grid:nope", "--lang", "en")
    assert typo.exit_code == 0, typo.output
    assert "declares no police_grid:nope" in typo.stderr
    assert json.loads(typo.stdout)["kpis"]["matters_reported"] == 0
    known = report(store, "--format", "json", "--scope", "category:incident:burglary")
    assert "declares no" not in known.stderr
    assert "站点文件中没有" not in known.stderr
