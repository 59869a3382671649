"""``fengqiao import roster`` and the station's ``import_people`` use case."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from fengqiao_roster_xlsx import _core
from fengqiao_roster_xlsx.cli import import_actor, import_group, register
from fengqiao_roster_xlsx.xlsxwrite import SheetData

from fengqiao_core.errors import PermissionDenied, StorageError, ValidationError
from fengqiao_core.model import Actor, RedSteward, Role

SAMPLE = Path(__file__).resolve().parent / "data" / "miaoshan_roster.xlsx"
HEADER = ["姓名", "手机号", "社区", "职业", "党员", "技能", "服务时间", "身份"]
GOOD = [
    ["王晓春", 13400001111, "东湖村", "医生", "是", "医疗", "工作日 9:00-17:00", "红色管家"],
    ["李秋", "+86 147 0000 2222", "V02", "教师", "否", "教育", "周末全天", ""],
    ["张云海", "15700003333", "V03", "", "", "", "每周二四晚上", ""],
]


def roster(rows, title="名册"):
    cells = {1: ["庙山红色管家名册"], 2: HEADER}
    cells.update({3 + i: row for i, row in enumerate(rows)})
    return [SheetData(title, cells, merged=("A1:H1",))]


def stored(miaoshan, db, secret):
    config = miaoshan.with_backends(storage=f"sqlite:///{db}")
    with (
        _core.open_station(config, secret=secret) as service,
        service._storage.unit_of_work() as uow,
    ):
        return list(uow.people.stream()), list(uow.audit.stream())


def run_json(cli, *args):
    result = cli("import", "roster", *args, "--json")
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def test_plugins_json_lists_the_plugin_and_its_backend():
    script = shutil.which("fengqiao", path=str(Path(sys.executable).parent))
    listing = json.loads(subprocess.run([script, "plugins", "--json"], capture_output=True,
                                        check=True, text=True).stdout)  # fmt: skip
    mine = [p for p in listing if p["name"] == "roster_xlsx"]
    assert mine
    assert mine[0]["distribution"] == "fengqiao-roster-xlsx"
    assert {"port": "volunteers", "name": "xlsx", "schemes": ["xlsx"]} in mine[0]["backends"]
    assert "fengqiao_register_commands" in mine[0]["hooks"]


def test_sample_import_adds_exactly_its_stewards(cli, secret, miaoshan, generator, tmp_path):
    db = tmp_path / "station.db"
    code, report = run_json(cli, SAMPLE, "--station", "miaoshan", "--db", db)
    sample = generator.sample_rows()
    assert code == 0
    assert report["reports"] == []
    assert (report["added"], report["updated"], report["unchanged"]) == (len(sample), 0, 0)
    people, audit = stored(miaoshan, db, secret)
    assert all(isinstance(p, RedSteward) for p in people)
    assert sorted(p.phone.reveal() for p in people) == sorted(r["phone"] for r in sample)
    by_phone = {p.phone.reveal(): p for p in people}
    assert all(by_phone[r["phone"]].community == r["community_id"] for r in sample)
    assert all(by_phone[r["phone"]].name.reveal() == r["name"] for r in sample)
    assert [e.action for e in audit] == ["import_people"]
    assert (audit[0].actor, audit[0].role) == (miaoshan.access.admins[0], Role.ADMIN)


def test_an_import_acts_as_an_administrator_on_the_roster_only(cli, miaoshan, secret, tmp_path):
    db = tmp_path / "station.db"
    code, report = run_json(cli, SAMPLE, "--station", "miaoshan", "--db", db, "--as", "nobody")
    assert code == 2
    assert "admin" in report["error"]["message"]
    officer = next(o.id for o in miaoshan.officers)
    code, report = run_json(cli, SAMPLE, "--station", "miaoshan", "--db", db, "--as", officer)
    assert code == 2
    assert import_actor(miaoshan, "AD9").person_id == "AD9"


def test_the_sample_is_what_the_generator_writes(generator, tmp_path):
    generator.write_sample(tmp_path / "again.xlsx")
    assert (tmp_path / "again.xlsx").read_bytes() == SAMPLE.read_bytes()


def test_reimport_changes_nothing_and_a_changed_row_updates_that_person(
    cli, secret, miaoshan, workbook, tmp_path
):
    db = tmp_path / "station.db"
    path = workbook(roster(GOOD))
    assert run_json(cli, path, "--station", "miaoshan", "--db", db)[1]["added"] == 3
    again = run_json(cli, path, "--station", "miaoshan", "--db", db)[1]
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 3)
    _, audit_before = stored(miaoshan, db, secret)
    changed = [list(r) for r in GOOD]
    changed[1][6] = "周六上午"
    path = workbook(roster(changed), name="changed.xlsx")
    report = run_json(cli, path, "--station", "miaoshan", "--db", db)[1]
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 1, 2)
    after, audit_after = stored(miaoshan, db, secret)
    versions = {p.phone.reveal(): p.version for p in after}
    assert versions == {"13400001111": 1, "14700002222": 2, "15700003333": 1}
    moved = next(p for p in after if p.phone.reveal() == "14700002222")
    assert [(w.weekday, w.start.hour, w.end.hour) for w in moved.availability] == [(5, 8, 12)]
    assert len(audit_after) == len(audit_before) + 1 == 2


def test_dry_run_counts_but_stores_nothing(cli, secret, miaoshan, workbook, tmp_path):
    db = tmp_path / "station.db"
    code, report = run_json(cli, workbook(roster(GOOD)), "--station", "miaoshan", "--db", db,
                            "--dry-run")  # fmt: skip
    assert code == 0
    assert report["dry_run"]
    assert report["added"] == 3
    assert stored(miaoshan, db, secret) == ([], [])


def test_bad_rows_are_reported_and_good_rows_imported(cli, secret, miaoshan, workbook, tmp_path):
    bad = [
        ["赵一", 13400004444, "V99", "", "", "", "", ""],
        ["钱二", "1340000", "V01", "", "", "", "", ""],
        ["王晓春", "134 0000 1111", "V01", "", "", "", "", ""],
        ["孙三", 13400005555, "V01", "", "", "飞行", "", ""],
        ["", "", "", "", "", "", "", ""],
    ]
    db = tmp_path / "station.db"
    code, report = run_json(cli, workbook(roster(GOOD + bad)), "--station", "miaoshan",
                            "--db", db)  # fmt: skip
    assert code == 1
    found = {
        (r["sheet"], r["row"], r["column"], r["reason"].split(" (")[0]) for r in report["reports"]
    }
    assert found == {
        ("名册", 6, "C", "unknown community"),
        ("名册", 7, "B", "malformed phone"),
        ("名册", 8, "B", "duplicate person"),
        ("名册", 9, "F", "unknown skill"),
    }
    assert report["added"] == 3
    assert report["refused_rows"] == 4
    people, _ = stored(miaoshan, db, secret)
    assert sorted(p.name.reveal() for p in people) == sorted(r[0] for r in GOOD)


def test_output_is_masked_and_terminal_safe(cli, secret, workbook, tmp_path):
    rows = [*GOOD, ["周\u202e恶意", "13400009999", "V98", "", "", "", "", ""]]
    path = workbook(roster(rows, title="名册\u202e\u2066"))
    result = cli("import", "roster", path, "--station", "miaoshan", "--db", tmp_path / "s.db")
    assert result.exit_code == 1
    text = result.output
    assert "\u202e" not in text
    assert "\u2066" not in text
    assert "\\u202e" in text
    for row in rows:
        assert str(row[1]).replace(" ", "")[-8:] not in text.replace(" ", "")
        assert row[0] not in text
    assert "3 were added" in text


def test_an_unreadable_station_or_secretless_import_is_a_clear_error(cli, workbook, monkeypatch):
    monkeypatch.delenv("FENGQIAO_SECRET", raising=False)
    path = workbook(roster(GOOD))
    result = cli("import", "roster", path, "--station", "miaoshan", "--db", "x.db")
    assert result.exit_code == 2
    assert "FENGQIAO_SECRET" in result.output
    result = cli("import", "roster", path, "--station", "/no/such/station.toml")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_import_people_is_for_administrators_only_and_audits_a_denial(miaoshan, secret):
    config = miaoshan.with_backends(storage="memory")
    with _core.open_station(config, secret=secret) as service:
        steward = miaoshan.red_stewards[0]
        officer = next(o.id for o in miaoshan.officers)
        with pytest.raises(PermissionDenied):
            service.import_people(Actor(person_id=officer, role=Role.OFFICER), [steward])
        with pytest.raises(PermissionDenied):  # an administrator the roster does not know
            service.import_people(Actor(person_id="roster-import", role=Role.ADMIN), [steward])
        with pytest.raises(ValidationError):
            service.import_people(import_actor(miaoshan, None), [steward, steward])
        with service._storage.unit_of_work() as uow:
            assert [(e.action, e.outcome) for e in uow.audit.stream()] == [
                ("import_people", "denied"),
                ("import_people", "denied"),
            ]
            assert list(uow.people.stream()) == []


def test_a_failing_store_leaves_nothing_half_written(miaoshan, secret, tmp_path, monkeypatch):
    config = miaoshan.with_backends(storage=f"sqlite:///{tmp_path / 's.db'}")
    with _core.open_station(config, secret=secret) as service:
        original = service._storage.unit_of_work

        def failing():
            uow = original()
            add, calls = uow.people.add, []

            def add_then_fail(person):
                calls.append(person)
                if len(calls) == 3:
                    raise StorageError("disk full")
                return add(person)

            uow.people.add = add_then_fail
            return uow

        monkeypatch.setattr(service._storage, "unit_of_work", failing)
        with pytest.raises(StorageError):
            service.import_people(import_actor(miaoshan, None), list(miaoshan.red_stewards[:5]))
        monkeypatch.setattr(service._storage, "unit_of_work", original)
        with service._storage.unit_of_work() as uow:
            assert list(uow.people.stream()) == []
            assert list(uow.audit.stream()) == []
        admin = import_actor(miaoshan, None)
        counts = service.import_people(admin, list(miaoshan.red_stewards[:5]))
        assert (counts.added, counts.updated, counts.unchanged) == (5, 0, 0)


def test_the_import_group_is_shared_with_other_plugins():
    app = typer.Typer()
    other = typer.Typer(name="import")

    @other.command("open311")
    def open311():
        """Another plugin's import."""

    app.add_typer(other, name="import")
    register(app)
    assert [g.name for g in app.registered_groups] == ["import"]
    assert import_group(app) is other
    assert {c.name for c in other.registered_commands} == {"open311", "roster"}
    fresh = typer.Typer()
    register(fresh)
    assert [g.name for g in fresh.registered_groups] == ["import"]
