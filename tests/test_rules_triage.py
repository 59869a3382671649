"""Rules L1, L4, L5, L6, L8 and the one body / five micro: triage decisions on real stations."""

import datetime as dt
import pathlib

import pytest

from fengqiao_core import model as m
from fengqiao_core.ports import TriageAdvice
from fengqiao_core.rules.linkages import ResolutionPath
from fengqiao_core.rules.matching import rank_stewards, skills_for
from fengqiao_core.rules.triage import TriageSettings, triage
from fengqiao_core.station.file import load_station_config
from rules_helpers import TZ, matter

HOME_CELL = "420115101008001"  # 湖畔社区第1网格 (PG01), where compound H01 lies
PARK_CELL = "420115101001001"  # the cell of industrial park P1 and enterprise E0001


@pytest.fixture(scope="module")
def miaoshan():
    return load_station_config("miaoshan")


def roles(decision):
    return {(p.role, p.linkage, p.rule) for p in decision.participants}


def test_l1_triage_locates_the_cell_police_grid_community_and_owner(miaoshan):
    decision = triage(matter(), miaoshan, cell=HOME_CELL)
    assert (decision.police_grid, decision.community) == ("PG01", "C01")
    assert decision.owner == "O01"
    assert ("owner", m.Linkage.ONE_BODY, "L1") in roles(decision)
    assert decision.one_body.responsible == miaoshan.station.id
    assert decision.one_body.main_body == "C01"
    assert {"L1", "L2", "L4", "D1"} <= set(decision.rules())


def test_l1_unlocated_matters_go_to_the_duty_officer(miaoshan):
    unlocated = triage(matter(), miaoshan, cell=None)
    duty = sorted(o.id for o in miaoshan.officers if o.post is m.OfficerPost.DUTY)[0]
    assert unlocated.owner == duty
    assert "micro_grid" not in unlocated.pillars
    (why,) = [r.note for r in unlocated.reasons if r.part == "owner"]
    assert "the duty officer owns it" in why


def test_l1_a_station_without_a_duty_officer_says_nobody_owns_an_unlocated_matter(miaoshan):
    import attrs

    officers = tuple(o for o in miaoshan.officers if o.post is not m.OfficerPost.DUTY)
    unstaffed = attrs.evolve(miaoshan, officers=officers)
    unlocated = triage(matter(), unstaffed, cell=None)
    assert unlocated.owner is None
    (why,) = [r.note for r in unlocated.reasons if r.part == "owner"]
    assert "no duty officer" in why
    assert "owns it" not in why


def test_l4_small_dispute_is_mediated_on_site_by_the_team(miaoshan):
    decision = triage(matter(category="dispute:marriage_family"), miaoshan, cell=HOME_CELL)
    assert decision.path is ResolutionPath.ON_SITE
    assert decision.level is m.LadderLevel.COMMUNITY
    assert ("steward", m.Linkage.ONE_BODY, "T2") in roles(decision)
    assert {"micro_grid", "micro_mediation", "micro_publicity"} <= set(decision.pillars)


def test_l4_departmental_resolution_joins_the_panel_at_the_station(miaoshan):
    wages = matter(category="dispute:labour", severity=m.Severity.MAJOR)
    decision = triage(wages, miaoshan, cell=HOME_CELL)
    assert decision.path is ResolutionPath.DEPARTMENTAL
    assert decision.level is m.LadderLevel.STATION
    joined = {p.ref for p in decision.participants if p.linkage is m.Linkage.JOINT_MEDIATION}
    assert {"judicial_office", "labour_inspection"} <= joined


def test_l4_serious_dispute_gets_a_case_owner(miaoshan):
    decision = triage(matter(severity=m.Severity.SERIOUS), miaoshan, cell=HOME_CELL)
    assert decision.path is ResolutionPath.CASE_OWNERSHIP
    assert decision.owner == miaoshan.mediation_panels[0].leader


def test_l4_a_legal_question_without_a_lawyer_on_the_panel_says_why_it_goes_elsewhere(miaoshan):
    import attrs

    panels = tuple(attrs.evolve(p, lawyers=()) for p in miaoshan.mediation_panels)
    no_lawyers = attrs.evolve(miaoshan, mediation_panels=panels)
    legal = triage(matter(category="dispute:contract"), no_lawyers, cell=HOME_CELL)
    assert legal.path is not ResolutionPath.LEGAL
    assert "no lawyer" in " ".join(r.note for r in legal.reasons if r.part == "path")
    with_lawyers = triage(matter(category="dispute:contract"), miaoshan, cell=HOME_CELL)
    assert "no lawyer" not in " ".join(r.note for r in with_lawyers.reasons)


def test_l4_legal_question_gets_a_lawyer_and_110_calls_get_police_mediation(miaoshan):
    legal = triage(matter(category="dispute:contract"), miaoshan, cell=HOME_CELL)
    assert legal.path is ResolutionPath.LEGAL
    assert any(
        p.role == "lawyer" and p.ref in miaoshan.mediation_panels[0].lawyers
        for p in legal.participants
    )
    fight = matter(
        category="dispute:damages",
        severity=m.Severity.MAJOR,
        source=m.Source.CALL_110,
        place="E0001",
    )
    police = triage(fight, miaoshan, cell=PARK_CELL)
    assert police.path is ResolutionPath.POLICE_MEDIATION
    assert police.park
    assert police.level is m.LadderLevel.PARK


def test_l5_fraud_plan_calls_duty_command_property_and_case_team(miaoshan):
    fraud = matter(
        m.MatterKind.INCIDENT,
        category="incident:telecom_fraud",
        severity=m.Severity.SERIOUS,
        criminal=True,
    )
    decision = triage(fraud, miaoshan, cell=HOME_CELL)
    called = {p.role for p in decision.participants if p.linkage is m.Linkage.JOINT_ACTION}
    assert called == {"duty", "video_review", "property_management", "case_team"}
    assert any(p.ref == "H01" and p.role == "property_management" for p in decision.participants)
    assert decision.path is ResolutionPath.CASE_HANDLING
    assert decision.level is m.LadderLevel.STATION


def test_l3_criminal_signs_skip_to_the_station(miaoshan):
    theft = matter(m.MatterKind.INCIDENT, criminal=True, category="incident:burglary")
    decision = triage(theft, miaoshan, cell=HOME_CELL)
    assert decision.level is m.LadderLevel.STATION
    assert decision.skip is not None
    assert "L3" in decision.rules()


def test_l6_competent_forces_join_through_joint_governance(miaoshan):
    welfare = matter(m.MatterKind.HELP_REQUEST, category="help_request:welfare")
    decision = triage(welfare, miaoshan, cell=HOME_CELL)
    governance = {p.ref for p in decision.participants if p.linkage is m.Linkage.JOINT_GOVERNANCE}
    assert {"grid_centre", "social_affairs"} <= governance
    assert decision.path is ResolutionPath.TRANSFER


def test_l5_l8_lost_property_calls_video_review_and_matched_stewards(miaoshan):
    lost = matter(m.MatterKind.HELP_REQUEST, category="help_request:lost_property")
    decision = triage(lost, miaoshan, cell=HOME_CELL, stewards=["S0100", "S0101"])
    stewards = [p.ref for p in decision.participants if p.role == "steward"]
    assert stewards == ["S0100", "S0101"]
    assert "L8" in decision.rules()
    assert "micro_service" in decision.pillars


def test_advice_adds_participants_and_raises_but_never_lowers(miaoshan):
    helper = m.Participant("vol-x", "translator", m.Linkage.JOINT_ACTION, "X1")
    up = TriageAdvice(reason="demolition", participants=(helper,), raise_to=m.LadderLevel.STATION)
    down = TriageAdvice(reason="keep it small", raise_to=m.LadderLevel.GRID)
    decision = triage(matter(), miaoshan, cell=HOME_CELL, advice=[("a", up), ("b", down)])
    assert decision.level is m.LadderLevel.STATION
    assert helper in decision.participants
    assert "plugin:b" in decision.rules()


def test_d1_due_time_comes_from_the_severity(miaoshan):
    decision = triage(matter(severity=m.Severity.MAJOR), miaoshan, cell=HOME_CELL)
    assert decision.due - matter().reported_at == dt.timedelta(days=30)
    shorter = TriageSettings()
    assert triage(matter(), miaoshan, cell=HOME_CELL, settings=shorter).due.tzinfo is not None


def test_triage_works_on_a_differently_shaped_station():
    lakeside = load_station_config(pathlib.Path(__file__).parent / "data" / "lakeside.toml")
    cell = lakeside.cells[0]
    decision = triage(matter(place="nowhere"), lakeside, cell=cell.id)
    assert decision.police_grid == cell.police_grid
    assert decision.owner is not None


def test_l8_own_community_first_then_neighbours_skills_then_load():
    def steward(sid, community, skills=(), day=0):
        window = m.TimeWindow(weekday=day, start=dt.time(8), end=dt.time(20))
        from fengqiao_core.model.personal import PersonName

        return m.RedSteward(
            id=sid, name=PersonName("钱多多"), community=community,
            skills=tuple(m.Skill(s) for s in skills), availability=(window,),
        )  # fmt: skip

    monday = dt.datetime(2026, 11, 30, 10, tzinfo=TZ)
    pool = [
        steward("a", "C02"),
        steward("b", "C01"),
        steward("c", "C01", ["medical"]),
        steward("d", "C01", ["medical"]),
        steward("e", "C01", day=1),
        steward("f", "C09"),
    ]
    ranked = rank_stewards(
        pool, community="C01", neighbours=["C02"], skills=skills_for("dispute:medical"),
        loads={"c": 2}, at_local=monday, limit=10,
    )  # fmt: skip
    assert [s.id for s in ranked] == ["d", "c", "b", "a"]


def test_advice_cannot_send_a_new_matter_beyond_the_station(miaoshan):
    out = TriageAdvice(reason="send it up", raise_to=m.LadderLevel.BEYOND)
    decision = triage(matter(), miaoshan, cell=HOME_CELL, advice=[("eager", out)])
    assert decision.level is m.LadderLevel.COMMUNITY
    assert any("escalation (L3)" in r.note for r in decision.reasons)
