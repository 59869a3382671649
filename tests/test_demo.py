import pathlib
import sqlite3

from typer.testing import CliRunner

from fengqiao_core.cli.commands import app

runner = CliRunner()
INVENTED = ("林晓雨", "方志强", "孟凡东", "韩秋生", "宋桂兰", "许静", "13700000001", "13700000005")


def counts(db):
    with sqlite3.connect(db) as connection:
        return [
            connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("matters", "events", "audit")
        ]


def test_demo_runs_the_six_stories_into_sqlite_without_personal_data(tmp_path):
    result = runner.invoke(app, ["demo", "--no-simulate", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stdout
    for key in "abcdef":
        assert f"({key})" in result.stdout
    assert "越过层级上限，矛盾上交" in result.stdout
    assert "部门化解" in result.stdout
    db = tmp_path / "miaoshan.db"
    assert f"案例已存入 {db}" in result.stdout
    assert counts(db)[0] == 6
    assert not any(value in result.stdout for value in INVENTED)


def test_running_the_demo_twice_into_one_database_duplicates_nothing(tmp_path):
    db = tmp_path / "stations" / "demo.db"
    first = runner.invoke(app, ["demo", "--no-simulate", "--db", str(db), "--lang", "en"])
    before = counts(db)
    second = runner.invoke(app, ["demo", "--no-simulate", "--db", str(db), "--lang", "en"])
    assert first.exit_code == second.exit_code == 0
    assert counts(db) == before
    assert "ceiling breached; counts against 'disputes not passed up' (矛盾不上交)" in second.stdout
    assert "joint mediation [L4 joint mediation panel]" in second.stdout


def test_demo_refuses_an_unknown_language(tmp_path):
    result = runner.invoke(app, ["demo", "--lang", "fr", "--out", str(tmp_path)])
    assert result.exit_code == 2


def test_backup_copies_a_live_database(tmp_path):
    db = tmp_path / "miaoshan.db"
    assert runner.invoke(app, ["demo", "--no-simulate", "--db", str(db)]).exit_code == 0
    copy = tmp_path / "copy.db"
    result = runner.invoke(app, ["backup", "--db", str(db), "--to", str(copy)])
    assert result.exit_code == 0
    assert counts(copy) == counts(db)
    missing = runner.invoke(app, ["backup", "--db", str(tmp_path / "nope.db"), "--to", str(copy)])
    assert missing.exit_code == 2


def test_demo_runs_the_stories_on_any_station_file(tmp_path):
    lakeside = tmp_path.parent / "lakeside-copy.toml"
    source = pathlib.Path(__file__).parent / "data" / "lakeside.toml"
    lakeside.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "demo",
            "--no-simulate",
            "--station",
            str(lakeside),
            "--out",
            str(tmp_path),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code in (0, 1), result.stdout
    assert "E0001" not in result.stdout  # no Miaoshan ids
    assert "people_court" not in result.stdout
    assert counts(tmp_path / "lakeside.db")[0] == 6
    key = tmp_path / "lakeside.key"
    assert key.stat().st_mode & 0o077 == 0  # the demo's secret is the owner's only
    again = runner.invoke(
        app,
        [
            "demo",
            "--no-simulate",
            "--station",
            str(lakeside),
            "--out",
            str(tmp_path),
            "--lang",
            "en",
        ],
    )
    assert again.exit_code == result.exit_code
    assert counts(tmp_path / "lakeside.db")[0] == 6


def test_the_simulated_years_on_another_station_say_whose_workload_they_replay(
    tmp_path, monkeypatch
):
    from fengqiao_core.testing import simulation
    from test_simulation import SMALL

    monkeypatch.setattr(simulation, "MIAOSHAN_PLAN", SMALL)  # two months, not two years
    source = pathlib.Path(__file__).parent / "data" / "lakeside.toml"
    lakeside = tmp_path / "lakeside.toml"
    lakeside.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    args = ["demo", "--station", str(lakeside), "--out", str(out), "--lang", "en"]
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 1), result.stdout
    assert "Miaoshan's workload and rates replayed on this station's map" in result.stdout
    assert "refused by a rule" not in result.stdout
