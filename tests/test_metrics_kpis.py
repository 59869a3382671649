"""Every KPI on a small hand-built dataset, the expected number worked out here, on both stores.

Eleven matters: eight reported in 2023 (the period), three in 2022 (the year before). Each
test states the arithmetic from the list below.

2023: H1 help (steward) resolved +2 h, feedback 5, closed, community level, due +7 d
      H2 help open, due +7 d (overdue at the period's end: red)
      D1 dispute (steward) agreed→effective→performed +30 h→followed up→closed, grid, banner,
         feedback 3, due +30 d
      D2 dispute (steward) failed→terminated +100 h→referred→followed up→closed, escalated
         BEYOND, due +7 d
      D3 dispute rejected +1 h (no triage)
      I1 incident burglary, criminal, case opened +10 h, closed, station level, major, due +30 d
      I2 incident telecom fraud, criminal, handling, due +30 d, reported 2023-12-10 (yellow)
      T1 tip withdrawn, closed
2022: I3 burglary criminal case opened; I4 burglary resolved; H3 help (steward) received
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from fengqiao_core import model as m
from fengqiao_core.builtin.memory import MemoryStorage
from fengqiao_core.builtin.sqlite import SqliteStorage
from fengqiao_core.metrics.report import compute_report, year_on_year
from fengqiao_core.metrics.scope import Period, Scope
from fengqiao_core.metrics.scorecard import HEADINGS, scorecard
from fengqiao_core.model.personal import FreeText
from fengqiao_core.serialization import make_converter

Z = dt.timezone(dt.timedelta(hours=8))
ACTOR = m.Actor("o1", m.Role.OFFICER)
STEWARD = m.Participant("s1", "steward", m.Linkage.JOINT_GOVERNANCE, "L8")
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
PERIOD = Period(dt.datetime(2023, 1, 1, tzinfo=Z), dt.datetime(2024, 1, 1, tzinfo=Z))


class History:
    """Builds one matter's events with versions and times."""

    _ids = itertools.count(1)

    def __init__(self, kind, category, at, *, severity=m.Severity.GENERAL, criminal=False):
        self.id = f"m{next(self._ids)}"
        self.at = at
        self.events = [
            m.MatterReported(
                matter_id=self.id, version=1, at=at, actor=ACTOR, kind=kind,
                category=category, severity=severity, source=m.Source.WALK_IN,
                location=m.Location(place="p1"), description=FreeText("x"), criminal=criminal,
            )
        ]  # fmt: skip

    def _head(self, after):
        return {"matter_id": self.id, "version": len(self.events) + 1,
                "at": self.at + after, "actor": ACTOR}  # fmt: skip

    def triage(self, level, due_after, stewards=False):
        self.events.append(m.MatterTriaged(
            **self._head(dt.timedelta(0)), cell="c1", police_grid="pg1", community="k1",
            level=level, owner="o1", due=self.at + due_after,
            participants=(STEWARD,) if stewards else (),
        ))  # fmt: skip
        return self

    def state(self, after, *states):
        for state in states:
            self.events.append(m.StateChanged(**self._head(after), action="x", state=state))
        return self

    def feedback(self, after, score):
        self.events.append(m.FeedbackRecorded(**self._head(after), score=score))
        return self

    def commend(self, after):
        self.events.append(m.Commended(**self._head(after), recipient="o1"))
        return self

    def escalate(self, after, level):
        self.events.append(m.MatterEscalated(**self._head(after), to_level=level))
        return self


def dataset():
    K = m.MatterKind
    L = m.LadderLevel
    y23, y22 = dt.datetime(2023, 3, 1, 9, tzinfo=Z), dt.datetime(2022, 5, 1, 9, tzinfo=Z)
    return [
        History(K.HELP_REQUEST, "help_request:lost_property", y23)
        .triage(L.COMMUNITY, 7 * D, stewards=True)
        .state(2 * H, "dispatched", "on_site", "resolved")
        .feedback(3 * H, 5).state(4 * H, "feedback", "closed"),
        History(K.HELP_REQUEST, "help_request:welfare", y23).triage(L.COMMUNITY, 7 * D),
        History(K.DISPUTE, "dispute:neighbour", y23)
        .triage(L.GRID, 30 * D, stewards=True)
        .state(20 * H, "registered", "accepted", "assigned", "mediating", "agreed", "effective")
        .state(30 * H, "performed").commend(31 * H).feedback(40 * H, 3)
        .state(41 * H, "followed_up", "closed"),
        History(K.DISPUTE, "dispute:labour", y23)
        .triage(L.COMMUNITY, 7 * D, stewards=True)
        .state(50 * H, "registered", "accepted", "assigned", "mediating", "failed")
        .escalate(60 * H, L.BEYOND)
        .state(100 * H, "terminated", "referred", "followed_up", "closed"),
        History(K.DISPUTE, "dispute:contract", y23).state(H, "registered", "rejected"),
        History(K.INCIDENT, "incident:burglary", y23, severity=m.Severity.MAJOR, criminal=True)
        .triage(L.STATION, 30 * D)
        .state(10 * H, "dispatched", "handling", "case_opened", "closed"),
        History(K.INCIDENT, "incident:telecom_fraud", dt.datetime(2023, 12, 10, tzinfo=Z),
                criminal=True)
        .triage(L.STATION, 30 * D).state(H, "dispatched", "handling"),
        History(K.TIP, "tip:other", y23).state(H, "withdrawn", "closed"),
        History(K.INCIDENT, "incident:burglary", y22, criminal=True)
        .triage(L.STATION, 30 * D).state(H, "dispatched", "handling", "case_opened"),
        History(K.INCIDENT, "incident:burglary", y22)
        .triage(L.STATION, 30 * D).state(H, "dispatched", "handling", "resolved"),
        History(K.HELP_REQUEST, "help_request:other", y22).triage(L.GRID, 7 * D, stewards=True),
    ]  # fmt: skip


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    backend = (
        MemoryStorage()
        if request.param == "memory"
        else SqliteStorage(tmp_path / "kpi.db", converter=make_converter())
    )
    with backend.unit_of_work() as uow:
        for history in dataset():
            uow.matters.append(history.events, 0)
        uow.commit()
    yield backend
    backend.close()


@pytest.fixture
def report(store):
    with store.unit_of_work() as uow:
        return compute_report(uow.matters.aggregate, PERIOD)


def test_counts(report):
    assert report.get("matters_reported").value == 8  # H1 H2 D1 D2 D3 I1 I2 T1
    assert report.get("matters_reported").previous == 3  # I3 I4 H3
    assert report.get("help_requests").value == 1  # H1 (H2 has no steward)
    assert report.get("help_requests").change.percent == 0.0  # 1 vs H3
    assert report.get("disputes_resolved").value == 2  # D1 performed, D2 terminated; D3 no steward
    assert report.get("commendations").value == 1  # D1's banner
    assert report.get("escalated_out").value == 1  # D2 at BEYOND


def test_rates(report):
    # accepted = 8 − D3 (rejected) − T1 (withdrawn) = 6; resolved = H1 D1 D2 I1 = 4
    assert report.get("resolution_rate").value == pytest.approx(4 / 6)
    # agreement: D1; mediation ended: D1, D2 (referred)
    assert report.get("mediation_success_rate").value == pytest.approx(1 / 2)
    # resolved by due: H1 D1 D2 (100 h < 7 d) I1 = 4 of 5 resolved (H1 D1 D2 D3 I1; D3 no due)
    assert report.get("on_time_rate").value == pytest.approx(4 / 5)
    # closed: H1 D1 D2 I1 T1 = 5; D2 is BEYOND, above the general ceiling → 4 contained
    assert report.get("containment_rate").value == pytest.approx(4 / 5)
    # followed up: H1 (feedback), D1, D2 = 3 of 5 resolved
    assert report.get("follow_up_rate").value == pytest.approx(3 / 5)
    assert report.get("mean_feedback").value == pytest.approx((5 + 3) / 2)


def test_sla_warnings_are_judged_at_the_period_end(report):
    # H2: open, 7 d allowed, ten months elapsed → red; I2: 21.6 d of 30 d = 72 % → yellow
    assert report.get("sla_red").value == 1
    assert report.get("sla_yellow").value == 1


def test_median_time_to_resolve(report):
    # resolved hours: D3 1, H1 2, I1 10, D1 30, D2 100 → the middle is 10
    assert report.get("median_hours_to_resolve").value == pytest.approx(10.0)


def test_year_on_year_by_category_and_detentions(report):
    assert report.get("incidents").value == 2
    assert report.get("incidents").previous == 2
    assert report.get("incidents_burglary").change.percent == pytest.approx(-50.0)  # 1 vs 2
    assert report.get("incidents_telecom_fraud").change.new  # 1 vs 0
    assert report.get("incidents_telecom_fraud").change.text() == "new"
    assert report.get("criminal_detentions").value == 1  # I1 (I2 no case opened)
    assert report.get("criminal_detentions").change.percent == 0.0  # I3 in 2022


def test_year_on_year_arithmetic():
    assert year_on_year(114, 100).percent == pytest.approx(14.0)
    assert year_on_year(0, 0).percent == 0.0
    assert year_on_year(3, 0).new
    assert year_on_year(3, 0).percent is None
    assert year_on_year(0.9, 0.8, points=True).percent == pytest.approx(10.0)
    assert year_on_year(None, 1).text() == "—"


def test_scopes_narrow_the_figures(store):
    with store.unit_of_work() as uow:
        labour = compute_report(
            uow.matters.aggregate, PERIOD, [Scope("category", "dispute:labour")]
        )
        nowhere = compute_report(uow.matters.aggregate, PERIOD, [Scope("cell", "nowhere")])
    assert labour.get("matters_reported").value == 1
    assert labour.get("escalated_out").value == 1
    assert nowhere.get("matters_reported").value == 0
    assert nowhere.get("resolution_rate").value is None  # a rate over nothing


def test_structure_kpis(report, store):
    from fengqiao_core.station.file import load_station_config

    station = load_station_config("miaoshan")
    with store.unit_of_work() as uow:
        got = compute_report(uow.matters.aggregate, PERIOD, station=station)
    cells = len(station.cells)
    covered = len(
        {c for w in station.grid_workers for c in w.cells} & {c.id for c in station.cells}
    )
    grids = len({c.police_grid for c in station.cells})
    assert got.get("fan_out").value == pytest.approx(cells / grids)
    assert got.get("grid_coverage").value == pytest.approx(covered / cells)
    assert got.get("steward_density").value == pytest.approx(len(station.red_stewards) / cells)
    assert got.get("fan_out").change.percent is None  # declared, not yearly


def test_scorecard_groups_evidence_under_goals_and_slogans(report):
    card = scorecard(report)
    labels = [heading.label_zh for heading, _ in card.sections]
    assert labels == [
        "发案少",
        "秩序好",
        "社会稳定",
        "群众满意",
        "矛盾不上交",
        "平安不出事",
        "服务不缺位",
    ]
    for heading, lines in card.sections:
        assert [line.kpi.id for line in lines] == list(heading.kpis)
        assert all(line.source for line in lines)
    assert len(HEADINGS) == 7


def test_periods_lie_within_1901_to_9998_and_compare_with_the_year_before():
    import datetime as dt
    from zoneinfo import ZoneInfo

    from fengqiao_core.errors import ValidationError
    from fengqiao_core.metrics.scope import Period

    zone = ZoneInfo("Asia/Shanghai")
    first = Period.of_dates(dt.date(1901, 1, 1), dt.date(1901, 12, 31), zone)
    assert first.previous_year().label() == "1900-01-01..1900-12-31"
    last = Period.of_dates(dt.date(9998, 1, 1), dt.date(9998, 12, 31), zone)
    assert last.label() == "9998-01-01..9998-12-31"
    for since, until, field in [
        (dt.date(1900, 12, 31), dt.date(1901, 1, 1), "since"),
        (dt.date(9998, 1, 1), dt.date(9999, 12, 31), "until"),
    ]:
        with pytest.raises(ValidationError) as refused:
            Period.of_dates(since, until, zone)
        assert refused.value.field == field
