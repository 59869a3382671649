"""The seed's six stories 案例, run end to end on a station (what ``fengqiao demo`` shows).

Each story reports a matter as the article tells it, takes it through the use cases and returns
a :class:`StoryResult`: every step with the state and ladder rung it led to, who took part and
through which linkage, whether a ceiling was breached, and the outcome. The people are
invented; only the facts (sums, the way the station worked) come from the article. The places,
officers and court come from the station itself (:class:`Cast`), so the stories run on any
station file. A rerun on the same store carries each story on from where it was left (after a
crash, say) and ends in the same state as an uninterrupted run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from attrs import define, frozen

import fengqiao_core.model as m
from fengqiao_core.errors import ConfigurationError, ConflictError
from fengqiao_core.model.personal import FreeText, PersonName, PhoneNumber
from fengqiao_core.rules.ladder import counts_against_no_escalation, is_ceiling_breached
from fengqiao_core.rules.mediation import Agreement
from fengqiao_core.station.intake import MatterDraft
from fengqiao_core.station.service import StationService

__all__ = ["Cast", "SettableClock", "Step", "StoryResult", "run_stories"]

TZ = dt.timezone(dt.timedelta(hours=8))
ROUTES = ("arbitration", "administrative", "judicial")


@define
class SettableClock:
    """A clock the stories move: each story happens on its own day, steps minutes apart."""

    now: dt.datetime = dt.datetime(2023, 8, 1, 9, tzinfo=TZ)

    def __call__(self) -> dt.datetime:
        """The current story time."""
        return self.now

    def set(self, when: dt.datetime) -> None:
        """Jump to ``when``."""
        self.now = when

    def advance(self, **delta: float) -> None:
        """Move forward by a ``timedelta(**delta)``."""
        self.now += dt.timedelta(**delta)


@frozen
class Step:
    """One use case of a story: what was done, and the state and rung it led to."""

    action: str
    state: str
    level: str | None


@frozen
class StoryResult:
    """A story's outcome: the final matter, its path and the verdicts the article cares about."""

    key: str
    title_en: str
    title_zh: str
    matter: m.Matter
    steps: tuple[Step, ...]
    ceiling_breached: bool
    against_no_escalation: bool

    @property
    def participants(self) -> tuple[m.Participant, ...]:
        """Who took part, each with the linkage that called them and the deciding rule."""
        return self.matter.participants


@frozen
class Cast:
    """Who and where the stories happen at a station 案例角色: taken from its station file.

    Attributes:
        officer: The first community officer 社区民警 (any officer if none).
        duty_officer: The first duty officer 值班民警 (else :attr:`officer`).
        compounds: Non-settlement places, compounds 小区 first (at least one).
        workplace: An enterprise 企业 or industrial park 工业园区 (else the first compound).
        referral: A court among the departments (else any department or force), or ``None``.
    """

    officer: str
    duty_officer: str
    compounds: tuple[str, ...]
    workplace: str
    referral: str | None

    @classmethod
    def of(cls, station: m.StationData) -> Cast:
        """The cast of ``station``.

        Raises:
            ConfigurationError: The station declares no officer or no place outside its
                villages and communities.
        """
        if not station.officers:
            raise ConfigurationError("the stories need at least one officer in the station file")
        posts = {post: [o.id for o in station.officers if o.post is post] for post in m.OfficerPost}
        officer = (posts[m.OfficerPost.COMMUNITY] or [station.officers[0].id])[0]
        duty = (posts[m.OfficerPost.DUTY] or [officer])[0]
        kinds = [m.PlaceKind.COMPOUND, *(k for k in m.PlaceKind if k is not m.PlaceKind.COMPOUND)]
        places = [p.id for k in kinds if not k.is_settlement for p in station.places_of(k)]
        if not places:
            raise ConfigurationError("the stories need a place (a compound, campus or site)")
        work = [*station.places_of(m.PlaceKind.ENTERPRISE)]
        work += station.places_of(m.PlaceKind.INDUSTRIAL_PARK)
        courts = [d.id for d in station.departments if d.court]
        bodies = courts + [d.id for d in station.departments] + [f.id for f in station.forces]
        return cls(
            officer, duty, tuple(places), work[0].id if work else places[0],
            bodies[0] if bodies else None,
        )  # fmt: skip

    def place(self, n: int) -> str:
        """The ``n``-th compound (cycling when the station has fewer)."""
        return self.compounds[n % len(self.compounds)]


class _Story:
    """Runs one story; steps already stored (same reference) are not taken again."""

    def __init__(self, station: StationService, clock: SettableClock, actor: m.Actor) -> None:
        self.station, self.clock, self.actor = station, clock, actor
        self.matter: m.Matter | None = None
        self.done: list[str] = []

    def report(self, draft: MatterDraft) -> None:
        self.matter = self.station.report(self.actor, draft)
        history = self.station.history(self.actor, self.matter.id)
        self.done = [step.action for step in _steps(history)[1:]]

    def do(self, name: str, call: Callable[..., m.Matter], **options: object) -> None:
        assert self.matter is not None
        self.clock.advance(minutes=20)
        if self.done:  # stored by an earlier run: carry on after it
            if self.done.pop(0) != name:
                raise ConfigurationError("the store holds a different story under its reference")
            return
        self.matter = call(self.actor, self.matter.id, **options)

    def result(self, key: str, title_en: str, title_zh: str) -> StoryResult:
        assert self.matter is not None
        matter = self.matter
        return StoryResult(
            key, title_en, title_zh, matter, _steps(self.station.history(self.actor, matter.id)),
            is_ceiling_breached(matter.severity, matter.level),
            counts_against_no_escalation(matter.level),
        )  # fmt: skip


def _steps(history: list[m.MatterEvent]) -> tuple[Step, ...]:
    """The story's steps from its stored history: the report, then every edge and addition."""
    steps: list[Step] = []
    state: m.Matter | None = None
    for event in history:
        state = m.apply_event(state, event)
        name = {
            m.MatterReported: "report",
            m.StateChanged: getattr(event, "action", ""),
            m.ParticipantAdded: "involve",
        }.get(type(event))
        if name and not (
            isinstance(event, m.ParticipantAdded) and steps and steps[-1].action == "refer"
        ):
            level = state.level.value if state.level else None
            steps.append(Step(name, str(state.state.value), level))
        elif isinstance(event, (m.MatterTriaged, m.MatterEscalated)) and steps:
            last = steps[-1]
            steps[-1] = Step(last.action, last.state, state.level.value if state.level else None)
    return tuple(steps)


def _party(pid: str, name: str, phone: str) -> m.Party:
    return m.Party(id=pid, name=PersonName(name), phone=PhoneNumber(phone))


def _draft(
    kind: m.MatterKind, category: str, severity: m.Severity, **fields: object
) -> MatterDraft:
    values: dict[str, object] = {"source": m.Source.CALL_110, "stewards_wanted": True}
    values.update(fields)
    return MatterDraft(kind=kind, category=category, severity=severity, **values)  # type: ignore[arg-type]


def _coworker(station: StationService, officer: m.Actor, person_id: str) -> None:
    """Record the co-worker who helps mediate as a person (once; a rerun finds the record)."""
    with contextlib.suppress(ConflictError):
        station.register_person(officer, m.Person(id=person_id, name=PersonName("工友甲")))


def _mediate_to_close(story: _Story, sessions: list[str]) -> None:
    s = story.station
    for name in ("register", "accept", "assign"):
        story.do(name, getattr(s, name))
    assert story.matter is not None
    consenting = [p.id for p in story.matter.parties]
    for summary in sessions:
        story.do("record_session", s.record_session, summary=summary, consenting=consenting)
    story.do("agree", s.agree)
    assert story.matter is not None
    today = story.clock.now.date()
    signed = Agreement(
        parties=tuple(p.id for p in story.matter.parties),
        signed_by=tuple(p.id for p in story.matter.parties),
        mediator_signed=True, sealed=True, signed_on=today,
    )  # fmt: skip
    story.do("make_effective", s.make_effective, agreement=signed)
    story.do("perform", s.record_performance, performed=True)
    story.do("follow_up", s.follow_up)
    story.do("close", s.close)


def run_stories(station: StationService, clock: SettableClock) -> list[StoryResult]:
    """Run the six stories of the seed on ``station`` (whose clock is ``clock``).

    Places, officers and the court come from the station's own file (:class:`Cast`); a rerun on
    the same store carries every story on from where an earlier run stopped.
    """
    cast = Cast.of(station.config)
    officer = m.Actor(cast.officer, m.Role.OFFICER)
    zone = ZoneInfo(station.config.station.timezone)  # the stories' hours are local hours
    results = []

    clock.set(dt.datetime(2023, 10, 10, 15, tzinfo=zone))
    a = _Story(station, clock, officer)
    a.report(_draft(
        m.MatterKind.HELP_REQUEST, "help_request:lost_property", m.Severity.GENERAL,
        location=m.Location(place=cast.place(0)), reference="story-a",
        description=FreeText("学生在公交站搬运行李时，一袋教材被拾废品的老人捡走"),
        parties=(_party("pa1", "林晓雨", "13700000001"),),
    ))  # fmt: skip
    for name in ("triage", "dispatch", "arrive", "resolve"):
        a.do(name, getattr(station, name))
    a.do("feedback", station.feedback, score=5, comment="总算失而复得")
    a.do("close", station.close)
    results.append(a.result("a", "Lost textbooks found at a recycling station", "失物追回"))

    clock.set(dt.datetime(2023, 9, 5, 23, 30, tzinfo=zone))
    b = _Story(station, clock, m.Actor(cast.duty_officer, m.Role.OFFICER))
    b.report(_draft(
        m.MatterKind.INCIDENT, "incident:telecom_fraud", m.Severity.SERIOUS, criminal=True,
        source=m.Source.WALK_IN, location=m.Location(place=cast.place(1)), reference="story-b",
        description=FreeText("母亲深夜来所求助：女儿疑被诱骗至辖区小区"),
    ))  # fmt: skip
    for name in ("dispatch", "arrive", "open_case", "close"):
        b.do(name, getattr(station, name))
    results.append(b.result("b", "A lured daughter found, a fraud ring taken down", "一体联动"))

    clock.set(dt.datetime(2023, 10, 17, 10, tzinfo=zone))
    c = _Story(station, clock, officer)
    c.report(_draft(
        m.MatterKind.DISPUTE, "dispute:damages", m.Severity.MAJOR,
        location=m.Location(place=cast.workplace), reference="story-c",
        description=FreeText("科技园员工长期积怨打架，保卫部门调解后仍有威胁"),
        parties=(_party("pc1", "方志强", "13700000003"), _party("pc2", "孟凡东", "13700000004")),
    ))  # fmt: skip
    c.do(
        "involve", station.involve, ref=cast.workplace, role="employer_guarantee",
        linkage=m.Linkage.JOINT_GOVERNANCE, rule="L6",
    )  # fmt: skip
    _coworker(station, officer, "pc-coworker")
    c.do(
        "involve", station.involve, ref="pc-coworker", role="coworker_mediator",
        linkage=m.Linkage.JOINT_MEDIATION, rule="L4",
    )  # fmt: skip
    _mediate_to_close(c, ["民警释法明理，老板为其担保", "工友从中斡旋，二人握手言和"])
    results.append(c.result("c", "A fight in the tech park settled", "联防调宣"))

    clock.set(dt.datetime(2023, 8, 14, 9, tzinfo=zone))
    d = _Story(station, clock, officer)
    d.report(_draft(
        m.MatterKind.DISPUTE, "dispute:labour", m.Severity.MAJOR, source=m.Source.WALK_IN,
        location=m.Location(place=cast.place(2)), amount_yuan=120_000, reference="story-d",
        description=FreeText("物业工人薪资纠纷，共计12万元"),
        parties=(_party("pd1", "韩秋生", "13700000005"),),
    ))  # fmt: skip
    _mediate_to_close(d, ["司法所、劳动监察大队介入，当天协调结清"])
    results.append(d.result("d", "¥120,000 of wages settled the same day", "部门化解"))

    clock.set(dt.datetime(2023, 8, 21, 19, tzinfo=zone))
    e = _Story(station, clock, officer)
    e.report(_draft(
        m.MatterKind.DISPUTE, "dispute:marriage_family", m.Severity.GENERAL,
        source=m.Source.GROUP, location=m.Location(place=cast.place(3)), reference="story-e",
        description=FreeText("婆媳因育儿问题长期争执"),
        parties=(_party("pe1", "宋桂兰", "13700000006"), _party("pe2", "许静", "13700000007")),
    ))  # fmt: skip
    _mediate_to_close(e, ["红色管家与社区民警上门，双方解开心结"])
    results.append(e.result("e", "A family quarrel mediated on the spot", "微调解"))

    clock.set(dt.datetime(2023, 11, 6, 9, tzinfo=zone))
    f = _Story(station, clock, officer)
    f.report(_draft(
        m.MatterKind.DISPUTE, "dispute:neighbour", m.Severity.GENERAL, source=m.Source.VISIT,
        location=m.Location(place=cast.place(4)), reference="story-f",
        description=FreeText("邻里通道占用纠纷，多次调解未果"),
    ))  # fmt: skip
    for name in ("register", "accept", "assign"):
        f.do(name, getattr(station, name))
    for why in ("community mediation failed", "the joint panel could not settle it"):
        f.do("escalate", station.escalate, reason=why)
        f.do("assign", station.assign)
    f.do("record_session", station.record_session, summary="部门调解仍未达成")
    f.do("fail", station.fail, reason="no agreement")
    f.do("terminate", station.terminate, routes_told=ROUTES)
    if cast.referral is not None:
        f.do("refer", station.refer, to=cast.referral, reason="parties go to court")
    f.do("follow_up", station.follow_up)
    f.do("close", station.close)
    results.append(f.result("f", "A small dispute that left the community", "矛盾上交"))
    return results
