"""The xlsx backend inside a station: a roster beside the station file, exact communities."""

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

from fengqiao_roster_xlsx import XlsxVolunteers, _core

SAMPLE = Path(__file__).resolve().parent / "data" / "miaoshan_roster.xlsx"
PRESET = Path(__file__).resolve().parents[3] / "src/fengqiao_core/station/presets"
MONDAY_10 = dt.datetime(2026, 11, 30, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def station_beside_its_roster(tmp_path):
    text = (PRESET / "miaoshan.toml").read_text("utf-8")
    text = text.replace('volunteers = "declared"', 'volunteers = "xlsx://roster.xlsx"', 1)
    (tmp_path / "station.toml").write_text(text, "utf-8")
    shutil.copyfile(SAMPLE, tmp_path / "roster.xlsx")
    return tmp_path / "station.toml"


def test_a_station_serves_stewards_from_the_roster_beside_its_file(
    tmp_path, monkeypatch, secret, generator
):
    monkeypatch.chdir(Path("/"))  # the roster is found from the station file, not the cwd
    with _core.open_station(station_beside_its_roster(tmp_path), secret=secret) as station:
        backend = station.volunteers
        assert isinstance(backend, XlsxVolunteers)
        sample = generator.sample_rows()
        weekday = [r for r in sample if r["availability"] == "工作日 9:00-17:00"]
        community = weekday[0]["community_id"]
        found = backend.candidates(community, [], MONDAY_10, limit=50)
        # at 10:00 on a Monday only the 工作日 9:00-17:00 form is open (每天 8:00-10:00 has ended)
        expected = {r["phone"] for r in weekday if r["community_id"] == community}
        assert {s.phone.reveal() for s in found} == expected
        assert all(s.community == community for s in found)
        assert backend.candidates(community[:-1], [], MONDAY_10) == []  # never a prefix
        assert backend.candidates(community + "0", [], MONDAY_10) == []


def test_backend_ids_are_the_ids_the_import_stores(tmp_path, secret, cli, miaoshan, generator):
    station_file = station_beside_its_roster(tmp_path)
    db = tmp_path / "imported.db"
    result = cli("import", "roster", SAMPLE, "--station", "miaoshan", "--db", db)
    assert result.exit_code == 0
    config = miaoshan.with_backends(storage=f"sqlite:///{db}")
    with (
        _core.open_station(config, secret=secret) as service,
        service._storage.unit_of_work() as uow,
    ):
        stored = {p.id for p in uow.people.stream()}
    communities = {r["community_id"] for r in generator.sample_rows()}
    with _core.open_station(station_file, secret=secret) as station:
        served = {
            s.id
            for community in communities
            for day in range(7)
            for hour in range(24)
            for s in station.volunteers.candidates(
                community, [], MONDAY_10 + dt.timedelta(days=day, hours=hour - 10), limit=99
            )
        }
    assert len(served) == len(stored)
    assert served == stored
