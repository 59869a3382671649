"""The seed's six stories end to end on the Miaoshan station (issue: stories)."""

import pytest

from fengqiao_core import model as m
from fengqiao_core.station import open_station
from fengqiao_core.station.stories import SettableClock, run_stories
from station_helpers import MIAOSHAN, PLUGINS, SECRET

L = m.Linkage
ROOT_DATA = __import__("pathlib").Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def stories():
    clock = SettableClock()
    station = open_station(MIAOSHAN, secret=SECRET, clock=clock, dispatch=False, plugins=PLUGINS)
    with station:
        yield {story.key: story for story in run_stories(station, clock)}


def called(story):
    return {(p.role, p.linkage, p.rule) for p in story.participants}


def test_a_lost_textbooks_community_joint_action_with_feedback(stories):
    a = stories["a"]
    assert (a.matter.kind, a.matter.severity) == (m.MatterKind.HELP_REQUEST, m.Severity.GENERAL)
    assert ("owner", L.ONE_BODY, "L1") in called(a)
    assert ("video_review", L.JOINT_ACTION, "L5") in called(a)
    assert [s.action for s in a.steps] == [
        "report", "triage", "dispatch", "arrive", "resolve", "feedback", "close",
    ]  # fmt: skip
    assert a.matter.level is m.LadderLevel.COMMUNITY
    assert a.matter.feedback_score == 5
    assert not a.ceiling_breached
    assert a.matter.state is m.HelpRequestState.CLOSED


def test_b_lured_daughter_serious_incident_case_opened_at_the_station(stories):
    b = stories["b"]
    assert (b.matter.kind, b.matter.severity) == (m.MatterKind.INCIDENT, m.Severity.SERIOUS)
    roles = {p.role for p in b.participants if p.linkage is L.JOINT_ACTION}
    assert roles == {"duty", "video_review", "property_management", "case_team"}
    assert "open_case" in [s.action for s in b.steps]
    assert b.matter.level is m.LadderLevel.STATION
    assert not b.ceiling_breached
    assert b.matter.state is m.IncidentState.CLOSED


def test_c_tech_park_fight_police_mediation_two_sessions_closed_in_the_park(stories):
    c = stories["c"]
    assert (c.matter.kind, c.matter.severity) == (m.MatterKind.DISPUTE, m.Severity.MAJOR)
    assert c.matter.path == "police_mediation"
    assert c.matter.sessions == 2
    assert ("employer_guarantee", L.JOINT_GOVERNANCE, "L6") in called(c)
    assert ("coworker_mediator", L.JOINT_MEDIATION, "L4") in called(c)
    assert "agree" in [s.action for s in c.steps]
    assert c.matter.level is m.LadderLevel.PARK
    assert not c.ceiling_breached
    assert c.matter.state is m.DisputeState.CLOSED


def test_d_wages_departmental_resolution_same_day_at_the_station(stories):
    d = stories["d"]
    assert d.matter.amount_yuan == 120_000
    assert d.matter.path == "departmental"
    joined = {p.ref for p in d.participants if p.linkage is L.JOINT_MEDIATION}
    assert {"judicial_office", "labour_inspection"} <= joined
    assert d.matter.level is m.LadderLevel.STATION  # joining the panel is not a referral
    assert not d.ceiling_breached
    assert d.matter.closed_at.date() == d.matter.reported_at.date()


def test_e_family_dispute_micro_mediation_by_a_steward_and_the_officer(stories):
    e = stories["e"]
    assert (e.matter.kind, e.matter.severity) == (m.MatterKind.DISPUTE, m.Severity.GENERAL)
    assert e.matter.path == "on_site"
    assert ("steward", L.ONE_BODY, "T2") in called(e)
    assert ("owner", L.ONE_BODY, "L1") in called(e)
    assert e.matter.level is m.LadderLevel.COMMUNITY
    assert not e.ceiling_breached
    assert e.matter.state is m.DisputeState.CLOSED


def test_f_a_general_dispute_escalated_past_its_ceiling_counts_against_no_escalation(stories):
    f = stories["f"]
    levels = [s.level for s in f.steps if s.action in ("escalate", "refer")]
    assert levels == ["station", "department", "beyond"]
    assert f.ceiling_breached
    assert f.against_no_escalation
    assert f.matter.state is m.DisputeState.CLOSED


def test_running_the_stories_again_on_the_same_store_adds_nothing():
    from fengqiao_core.builtin.memory import MemoryStorage

    store = MemoryStorage()
    clock = SettableClock()
    runs = []
    for _ in range(2):
        station = open_station(
            MIAOSHAN, secret=SECRET, clock=clock, dispatch=False, plugins=PLUGINS,
            backends={"storage": store},
        )  # fmt: skip
        runs.append(run_stories(station, clock))
    first, second = runs
    assert [s.matter.id for s in first] == [s.matter.id for s in second]
    assert [s.steps for s in first] == [s.steps for s in second]
    with store.unit_of_work() as uow:
        assert len(list(uow.matters.stream())) == 6


def _final(station, clock):
    return [
        (s.key, s.matter.state.value, s.matter.level, tuple(x.action for x in s.steps))
        for s in run_stories(station, clock)
    ]


def test_the_stories_run_on_another_station_with_its_own_places_and_people():
    from fengqiao_core.station.file import load_station_config
    from fengqiao_core.station.stories import Cast

    lakeside = load_station_config(ROOT_DATA / "lakeside.toml").with_backends(storage="memory")
    cast = Cast.of(lakeside)
    declared = {p.id for p in lakeside.places} | {o.id for o in lakeside.officers}
    assert {cast.officer, cast.duty_officer, cast.workplace, *cast.compounds} <= declared
    clock = SettableClock()
    with open_station(lakeside, secret=SECRET, clock=clock, dispatch=False) as station:
        results = run_stories(station, clock)
    assert [r.key for r in results] == ["a", "b", "c", "d", "e", "f"]
    assert all(r.matter.location.place in declared for r in results)
    assert results[0].matter.state is m.HelpRequestState.CLOSED


def test_the_stories_happen_at_the_station_s_local_hours():
    import attrs

    from fengqiao_core.station.file import load_station_config

    lakeside = load_station_config(ROOT_DATA / "lakeside.toml").with_backends(storage="memory")
    west = attrs.evolve(lakeside, station=attrs.evolve(lakeside.station, timezone="Asia/Urumqi"))
    clock = SettableClock()
    with open_station(west, secret=SECRET, clock=clock, dispatch=False) as station:
        results = {r.key: r for r in run_stories(station, clock)}
    reported = results["b"].matter.reported_at  # the mother comes in late at night
    assert (reported.hour, reported.minute) == (23, 30)
    assert reported.utcoffset().total_seconds() == 6 * 3600


def test_a_rerun_after_a_crash_carries_every_story_on_to_the_same_end(tmp_path, monkeypatch):
    from fengqiao_core.station import stories as module

    config = MIAOSHAN.with_backends(storage=f"sqlite:///{tmp_path / 'crash.db'}")
    clock = SettableClock()
    with open_station(MIAOSHAN, secret=SECRET, clock=clock, dispatch=False) as clean:
        expected = _final(clean, clock)

    real_do, calls = module._Story.do, {"n": 0, "at": 0}

    def crashing(self, name, call, **options):
        calls["n"] += 1
        if calls["n"] == calls["at"]:
            raise KeyboardInterrupt  # a kill between two committed steps
        return real_do(self, name, call, **options)

    monkeypatch.setattr(module._Story, "do", crashing)
    for crash_at in (3, 17, 31):
        calls.update(n=0, at=crash_at)
        clock = SettableClock()
        station = open_station(config, secret=SECRET, clock=clock, dispatch=False)
        with station, pytest.raises(KeyboardInterrupt):
            run_stories(station, clock)
    monkeypatch.setattr(module._Story, "do", real_do)
    clock = SettableClock()
    with open_station(config, secret=SECRET, clock=clock, dispatch=False) as station:
        assert _final(station, clock) == expected
        with station._storage.unit_of_work() as uow:
            assert len(list(uow.matters.stream())) == 6
