import datetime as dt

import attrs
import pytest
from hypothesis import given

from fengqiao_core import model as m
from fengqiao_core.errors import NotFound, ValidationError
from fengqiao_core.model.personal import FreeText, PersonName
from fengqiao_core.testing.strategies import jurisdictions, strategy_for

TZ = dt.timezone(dt.timedelta(hours=8))
AT = dt.datetime(2026, 8, 1, 9, 30, tzinfo=TZ)
OFFICER = m.Actor("off1", m.Role.OFFICER)


def reported(**overrides):
    fields = {
        "matter_id": "m1",
        "version": 1,
        "at": AT,
        "actor": OFFICER,
        "kind": m.MatterKind.DISPUTE,
        "category": "dispute:labour",
        "severity": m.Severity.MAJOR,
        "source": m.Source.WALK_IN,
        "location": m.Location(place="compound1"),
        "description": FreeText("工资拖欠"),
        "amount_yuan": 120_000,
    }
    return m.MatterReported(**(fields | overrides))


def test_replay_folds_events_into_the_current_state():
    events = [
        reported(),
        m.MatterTriaged(
            matter_id="m1",
            version=2,
            at=AT,
            actor=OFFICER,
            cell="420115001001001",
            police_grid="pg1",
            community="c1",
            level=m.LadderLevel.STATION,
            owner="off1",
        ),
        m.StateChanged(
            matter_id="m1", version=3, at=AT, actor=OFFICER, action="register", state="registered"
        ),
        m.ParticipantAdded(
            matter_id="m1",
            version=4,
            at=AT,
            actor=OFFICER,
            participant=m.Participant(
                "labour", "labour_inspection", m.Linkage.JOINT_MEDIATION, "L4"
            ),
        ),
        m.SessionRecorded(matter_id="m1", version=5, at=AT, actor=OFFICER, summary=FreeText("x")),
        m.MatterEscalated(
            matter_id="m1", version=6, at=AT, actor=OFFICER, to_level=m.LadderLevel.DEPARTMENT
        ),
        m.FeedbackRecorded(matter_id="m1", version=7, at=AT, actor=OFFICER, score=5),
        m.MatterAssigned(
            matter_id="m1",
            version=8,
            at=AT,
            actor=OFFICER,
            owner="off2",
            level=m.LadderLevel.STATION,
        ),
    ]
    matter = m.replay(events)
    assert isinstance(matter, m.Dispute)
    assert matter.version == 8
    assert matter.state is m.DisputeState.REGISTERED
    assert matter.amount_yuan == 120_000
    assert matter.cell == "420115001001001"
    assert matter.level is m.LadderLevel.STATION
    assert matter.owner == "off2"
    assert matter.sessions == 1
    assert matter.feedback_score == 5
    assert [p.ref for p in matter.participants] == ["labour"]


def test_apply_event_does_not_change_its_input():
    first = m.replay([reported()])
    second = m.apply_event(
        first,
        m.StateChanged(
            matter_id="m1", version=2, at=AT, actor=OFFICER, action="register", state="registered"
        ),
    )
    assert first.state is m.DisputeState.REPORTED
    assert second.state is m.DisputeState.REGISTERED


@pytest.mark.parametrize(
    ("events", "field"),
    [
        ([], "events"),
        ([reported(version=2)], "events"),
        (
            [
                reported(),
                m.FeedbackRecorded(matter_id="m1", version=3, at=AT, actor=OFFICER, score=3),
            ],
            "version",
        ),
        (
            [
                reported(),
                m.FeedbackRecorded(matter_id="m2", version=2, at=AT, actor=OFFICER, score=3),
            ],
            "matter_id",
        ),
        (
            [
                reported(),
                m.StateChanged(
                    matter_id="m1", version=2, at=AT, actor=OFFICER, action="x", state="nope"
                ),
            ],
            "state",
        ),
    ],
)
def test_broken_histories_are_refused(events, field):
    with pytest.raises(ValidationError) as info:
        m.replay(events)
    assert info.value.field == field


@given(strategy_for(m.MatterReported))
def test_every_report_folds_to_its_kind_in_its_first_state(event):
    event = attrs.evolve(event, version=1)
    matter = m.replay([event])
    assert matter.kind is event.kind
    assert matter.state == next(iter(matter.states))
    assert matter.version == 1
    assert matter.description == event.description


def test_entities_compare_by_id_and_values_by_value():
    a = m.PoliceGrid(id="pg1", name="一")
    b = m.PoliceGrid(id="pg1", name="二", version=3)
    assert a == b
    assert hash(a) == hash(b)
    assert a != m.PoliceGrid(id="pg2", name="一")
    assert m.Actor("a", m.Role.OFFICER) == m.Actor("a", m.Role.OFFICER)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        m.Actor("a", m.Role.OFFICER).role = m.Role.ADMIN  # type: ignore[misc]


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: m.GridCell(id="42011500100100", name="x", police_grid="p", community="c"), "code"),
        (lambda: m.GeoPoint(lon=float("nan"), lat=30.0), "lon"),
        (lambda: m.GeoPoint(lon=114.0, lat=91.0), "lat"),
        (lambda: m.TimeWindow(weekday=1, start=dt.time(10), end=dt.time(9)), "end"),
        (lambda: m.Skill("Not A Slug"), "skill"),
        (lambda: m.Location(), "location"),
        (lambda: m.Station(id="s", name="x", division="4201"), "division"),
        (lambda: m.PoliceGrid(id="bad id!", name="x"), "id"),
        (
            lambda: m.Feedback(id="f", matter_id="m", score=1, given_at=dt.datetime(2026, 1, 1)),
            "given_at",
        ),
        (
            lambda: m.ResidentGroup(
                id="g", name="x", category=m.GroupCategory.UNIT, owner="o", members=-1
            ),
            "members",
        ),
    ],
)
def test_bad_values_raise_validation_error_naming_the_field(build, field):
    with pytest.raises(ValidationError) as info:
        build()
    assert info.value.field == field


def test_labelled_enums_have_english_values_and_chinese_labels():
    assert m.Severity.GENERAL.value == "general"
    assert m.Severity.GENERAL.label_zh == "一般"
    assert m.Severity.parse("major") is m.Severity.MAJOR
    with pytest.raises(ValidationError, match="choose one of: general, major, serious"):
        m.Severity.parse("huge", field_name="severity")


def test_ladder_ranks_put_community_and_park_on_one_rung():
    ranks = [level.rank for level in m.LadderLevel]
    assert ranks == [0, 1, 1, 2, 3, 4]


def test_registries_are_open_but_refuse_duplicates():
    registry = m.category_registry()
    assert registry.get("dispute:labour").label_zh == "劳动争议"
    extra = m.MatterCategory(m.MatterKind.DISPUTE, "pets", "pets", "宠物")
    assert "dispute:pets" in m.category_registry((extra,))
    with pytest.raises(ValidationError, match="duplicate"):
        m.category_registry((extra, extra))
    with pytest.raises(NotFound):
        registry.get("dispute:pets")
    pillars = m.micro_pillar_registry((m.MicroPillar("micro_patrol", "micro-patrol", "微巡防"),))
    assert [p.label_zh for p in pillars][:5] == ["微网格", "微群", "微调解", "微宣传", "微服务"]
    assert len(pillars) == 6


def test_party_age_comes_from_birth_date_or_id_number():
    from fengqiao_core.model.personal import IdNumber

    party = m.Party(id="p", name=PersonName("赵六"), id_number=IdNumber("11010519491231002X"))
    assert party.age_on(dt.date(2026, 12, 30)) == 76
    assert party.age_on(dt.date(2026, 12, 31)) == 77
    assert m.Party(id="q", name=PersonName("钱七")).age_on(dt.date(2026, 1, 1)) is None


def test_steward_availability_uses_weekly_windows():
    steward = m.RedSteward(
        id="s",
        name=PersonName("孙八"),
        community="c",
        availability=(m.TimeWindow(weekday=0, start=dt.time(9), end=dt.time(12)),),
    )
    assert steward.available_at(dt.datetime(2026, 11, 30, 10, tzinfo=TZ))  # a Monday
    assert not steward.available_at(dt.datetime(2026, 11, 30, 12, tzinfo=TZ))
    assert not steward.available_at(dt.datetime(2026, 12, 1, 10, tzinfo=TZ))


@given(jurisdictions())
def test_generated_jurisdictions_are_valid(j):
    cell_ids = {c.id for c in j.cells}
    grid_ids = {g.id for g in j.police_grids}
    settlements = {p.id for p in j.places if p.kind.is_settlement}
    assert {c.police_grid for c in j.cells} == grid_ids
    assert all(c.community in settlements for c in j.cells)
    assert all(p.cell in cell_ids for p in j.places if not p.kind.is_settlement)
    assert len(cell_ids) == len(j.cells)
