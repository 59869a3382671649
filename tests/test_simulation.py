"""The seeded simulation: deterministic, driven through the use cases, resumable after a crash.

A small plan over two months keeps these fast; the Miaoshan preset's article figures are
checked in the slow test at the end (``--run-slow``) and by ``fengqiao demo``.
"""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fengqiao_core.metrics.scope import Period
from fengqiao_core.model import Actor, Location, MatterKind, Role, Severity, Source
from fengqiao_core.model.personal import FreeText
from fengqiao_core.station import MatterDraft, open_station
from fengqiao_core.station.file import load_station_config
from fengqiao_core.testing.simulation import MIAOSHAN_PLAN, SimulationClock, simulate
from fengqiao_core.testing.simulation_plan import SimulationPlan, Stream

ZONE = ZoneInfo("Asia/Shanghai")
SECRET = b"simulation-tests-secret-8b3e05d17fa29c64"
SMALL = SimulationPlan(
    first=dt.date(2022, 11, 1),
    last=dt.date(2023, 1, 31),
    streams=(
        Stream(MatterKind.HELP_REQUEST, "help_request:lost_property", {2022: 20, 2023: 15},
               stewards_from=dt.date(2022, 11, 1)),
        Stream(MatterKind.DISPUTE, "dispute:property_management", {2022: 10, 2023: 8},
               stewards_from=dt.date(2022, 11, 1)),
        Stream(MatterKind.INCIDENT, "incident:burglary", {2022: 6, 2023: 4},
               severity=Severity.MAJOR, source=Source.CALL_110, criminal=True),
        Stream(MatterKind.TIP, "tip:fraud", {2022: 3, 2023: 3}, source=Source.GROUP),
    ),
    detentions={2022: 2, 2023: 3},
    banners=((dt.date(2022, 11, 1), dt.date(2022, 12, 31), 2),),
)  # fmt: skip
WHOLE = Period.of_dates(dt.date(2022, 11, 1), dt.date(2023, 1, 31), ZONE)


def run(path, plan=SMALL, seed=3, progress=None):
    config = load_station_config("miaoshan").with_backends(storage=f"sqlite:///{path}")
    clock = SimulationClock(dt.datetime.combine(plan.first, dt.time(), ZONE))
    with open_station(config, secret=SECRET, clock=clock, dispatch=False) as station:
        summary = simulate(station, clock, plan, seed=seed, progress=progress)
        officer = Actor(config.officers[0].id, Role.OFFICER)
        return summary, station.kpis(officer, WHOLE).as_dict()


def test_the_same_seed_gives_the_same_station(tmp_path):
    first, figures = run(tmp_path / "a.db")
    again, same = run(tmp_path / "b.db")
    assert first == again
    assert figures == same
    assert first.refused == 0
    assert figures["matters_reported"] == first.planned == 69
    assert figures["commendations"] == 2
    assert figures["incidents"] == 10


def test_figures_come_from_what_the_station_stored(tmp_path):
    path = tmp_path / "s.db"
    _, before = run(path)
    config = load_station_config("miaoshan").with_backends(storage=f"sqlite:///{path}")
    clock = SimulationClock(dt.datetime(2023, 1, 20, 10, tzinfo=ZONE))
    with open_station(config, secret=SECRET, clock=clock, dispatch=False) as station:
        officer = Actor(config.officers[0].id, Role.OFFICER)
        place = next(p.id for p in config.places if not p.kind.is_settlement)
        station.report(officer, MatterDraft(
            kind=MatterKind.INCIDENT, category="incident:burglary", severity=Severity.MAJOR,
            source=Source.CALL_110, location=Location(place=place),
            description=FreeText("另一起"), criminal=True,
        ))  # fmt: skip
        after = station.kpis(officer, WHOLE).as_dict()
    assert after["incidents_burglary"] == before["incidents_burglary"] + 1
    assert after["matters_reported"] == before["matters_reported"] + 1


class Crash(Exception):
    pass


def test_a_rerun_after_a_crash_carries_on(tmp_path):
    _, whole = run(tmp_path / "whole.db")
    path = tmp_path / "crashed.db"

    def crash(done, total):
        if done > 30:
            raise Crash

    with pytest.raises(Crash):
        run(path, progress=crash)
    summary, resumed = run(path)
    assert summary.refused == 0
    assert resumed == whole


@pytest.mark.slow
def test_the_miaoshan_preset_gives_the_article_figures(tmp_path):
    config = load_station_config("miaoshan").with_backends(storage=f"sqlite:///{tmp_path}/m.db")
    clock = SimulationClock(dt.datetime(2022, 1, 1, tzinfo=ZONE))
    with open_station(config, secret=SECRET, clock=clock, dispatch=False) as station:
        summary = simulate(station, clock, MIAOSHAN_PLAN, seed=7)
        officer = Actor(config.officers[0].id, Role.OFFICER)
        steward_window = station.kpis(
            officer, Period.of_dates(dt.date(2022, 7, 1), dt.date(2023, 12, 27), ZONE)
        )
        year = station.kpis(
            officer, Period.of_dates(dt.date(2023, 1, 1), dt.date(2023, 12, 31), ZONE)
        )
    assert summary.refused == 0
    assert steward_window.get("help_requests").value == pytest.approx(1480, rel=0.05)
    assert steward_window.get("disputes_resolved").value == pytest.approx(879, rel=0.05)
    assert steward_window.get("commendations").value == pytest.approx(46, rel=0.05)
    assert year.get("incidents_burglary").change.percent == pytest.approx(-50, abs=3)
    assert year.get("incidents_telecom_fraud").change.percent == pytest.approx(-32, abs=3)
    assert year.get("criminal_detentions").change.percent == pytest.approx(14, abs=3)


def test_any_station_file_can_be_simulated(tmp_path):
    source = Path(__file__).parent / "data" / "lakeside.toml"
    config = load_station_config(source).with_backends(storage=f"sqlite:///{tmp_path}/l.db")
    clock = SimulationClock(dt.datetime(2022, 11, 1, tzinfo=ZONE))
    with open_station(config, secret=SECRET, clock=clock, dispatch=False) as station:
        summary = simulate(station, clock, SMALL, seed=5)
        officer = Actor(config.officers[0].id, Role.OFFICER)
        figures = station.kpis(officer, WHOLE).as_dict()
    assert summary.refused == 0
    assert figures["matters_reported"] == summary.planned


def test_a_station_without_departments_or_court_refers_nobody_and_refuses_nothing(tmp_path):
    import attrs

    source = Path(__file__).parent / "data" / "lakeside.toml"
    config = load_station_config(source).with_backends(storage=f"sqlite:///{tmp_path}/r.db")
    config = attrs.evolve(config, departments=(), mediation_panels=())
    clock = SimulationClock(dt.datetime(2022, 11, 1, tzinfo=ZONE))
    with open_station(config, secret=SECRET, clock=clock, dispatch=False) as station:
        summary = simulate(station, clock, SMALL, seed=5)
        officer = Actor(config.officers[0].id, Role.OFFICER)
        figures = station.kpis(officer, WHOLE).as_dict()
    assert summary.refusals == {}
    assert summary.refused == 0
    assert figures["matters_reported"] == summary.planned
