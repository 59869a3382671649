"""A deterministic, seeded simulation of station life 派出所模拟, driven through its use cases.

:func:`simulate` takes an open station whose clock is a :class:`SimulationClock` and a
:class:`~fengqiao_core.testing.simulation_plan.SimulationPlan`. Matters arrive hour by hour and
are reported with ``report_many`` (one batch per hour); every later step — triage, dispatch,
arrival, sessions on working days, agreements, referrals, cases, feedback, banners, closing —
is a use case call at its own simulated time, in time order. Nothing is written around the
station: what the figures later count is what the use cases stored.

Resumable: each matter's reference (``sim<seed>-<index>``) makes reporting idempotent, and a
matter found already stored skips the steps up to its last stored event, so a rerun after a
crash carries on where the store stopped.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterator
from itertools import groupby
from typing import Any

from attrs import define, frozen

from fengqiao_core.errors import FengqiaoError
from fengqiao_core.model import Actor, Location, Matter, MatterKind, Party, Role
from fengqiao_core.model.personal import FreeText, PersonName
from fengqiao_core.rules.mediation import EXIT_ROUTES, Agreement
from fengqiao_core.testing.simulation_plan import (
    MIAOSHAN_PLAN,
    PlannedMatter,
    SimulationPlan,
    plan_matters,
)

__all__ = ["MIAOSHAN_PLAN", "SimulationClock", "SimulationSummary", "simulate"]

_M = dt.timedelta(minutes=1)
Progress = Callable[[int, int], None]


@define
class SimulationClock:
    """A settable zone-aware clock 模拟时钟 for the station the simulation drives."""

    at: dt.datetime

    def __call__(self) -> dt.datetime:
        """The simulated time."""
        return self.at


@frozen
class SimulationSummary:
    """What a simulation did: matters planned and stored, steps taken, steps refused.

    ``refusals`` counts refused steps by ``"verb: error type"`` (a refused step ends that
    matter's script: the station said no, and the simulation does not insist).
    """

    planned: int
    reported: int
    steps: int
    refused: int
    resumed: int
    refusals: dict[str, int]


Step = tuple[dt.datetime, int, str, str, tuple[tuple[str, Any], ...]]


def _working_day(station: Any, day: dt.date) -> dt.date:
    for _ in range(30):
        day += dt.timedelta(days=1)
        try:
            if station.calendar.is_working_day(day):
                return day
        except FengqiaoError:
            if day.weekday() < 5:
                return day
    return day


def _help(
    p: PlannedMatter, t: dt.datetime, hands: str, transfer: bool
) -> Iterator[tuple[dt.datetime, str, Any]]:
    yield t + 15 * _M, "triage", {}
    if p.fate == "transferred" and transfer:  # no department to transfer to: handled here
        yield t + 40 * _M, "refer", {"to": "*department", "reason": "转相关部门办理"}
        yield t + dt.timedelta(days=3), "department_reply", {"reason": "部门已答复"}
        end = t + dt.timedelta(days=3)
    else:
        yield t + 30 * _M, "dispatch", {}
        yield t + 60 * _M, "arrive", {"by": hands}
        yield t + 150 * _M, "resolve", {"by": hands}
        end = t + 150 * _M
    yield from _after(p, end)


def _after(p: PlannedMatter, end: dt.datetime) -> Iterator[tuple[dt.datetime, str, Any]]:
    if p.banner:
        yield end + dt.timedelta(days=1), "commend", {}
    if p.feedback is not None:
        yield end + dt.timedelta(days=2), "feedback", {"score": p.feedback}
        if p.closed and p.stream.kind is MatterKind.HELP_REQUEST:
            yield end + dt.timedelta(days=2, minutes=10), "close", {}


def _dispute(
    p: PlannedMatter, t: dt.datetime, session: dt.datetime
) -> Iterator[tuple[dt.datetime, str, Any]]:
    yield t + 20 * _M, "register", {}
    if p.fate == "rejected":
        yield t + 60 * _M, "reject", {"reason": "不属于受理范围"}
        return
    if p.fate == "withdrawn":
        yield t + 90 * _M, "withdraw", {"reason": "当事人撤回"}
        yield t + 100 * _M, "close", {}
        return
    yield t + 40 * _M, "accept", {}
    yield t + 60 * _M, "assign", {}
    yield session, "record_session", {}
    if p.fate == "agreed":
        yield session + 60 * _M, "agree", {}
        yield session + 70 * _M, "make_effective", {}
        end = session + dt.timedelta(days=7)
        yield end, "record_performance", {}
    else:
        yield session + 60 * _M, "fail", {"reason": "调解不成"}
        yield session + 70 * _M, "terminate", {}
        end = session + 70 * _M
        if p.fate == "court":
            end = session + dt.timedelta(days=1)
            yield end, "refer", {"to": "*court", "reason": "告知诉讼途径"}
    yield from _after(p, end)
    if p.closed:
        yield end + dt.timedelta(days=10), "follow_up", {}
        yield end + dt.timedelta(days=10, minutes=10), "close", {}


def _incident(p: PlannedMatter, t: dt.datetime) -> Iterator[tuple[dt.datetime, str, Any]]:
    yield t + 5 * _M, "dispatch", {}
    yield t + 20 * _M, "arrive", {}
    yield t + 6 * 60 * _M, "open_case" if p.fate == "case_opened" else "resolve", {}
    if p.closed:
        yield t + dt.timedelta(days=3), "close", {}


def _tip(p: PlannedMatter, t: dt.datetime) -> Iterator[tuple[dt.datetime, str, Any]]:
    yield t + 60 * _M, "verify_tip", {}
    verb = "confirm_tip" if p.fate == "confirmed" else "dismiss_tip"
    yield t + dt.timedelta(days=2), verb, {"reason": "核查完毕"}
    if p.closed:
        yield t + dt.timedelta(days=2, minutes=10), "close", {}


class _Driver:
    def __init__(self, station: Any, clock: SimulationClock, plan: SimulationPlan) -> None:
        self.station, self.clock, self.plan = station, clock, plan
        config = station.config
        self.officer = Actor(config.officers[0].id, Role.OFFICER)
        departments = list(config.departments)
        court = next((d.id for d in departments if d.court), None)
        other = next((d.id for d in departments if not d.court), None)
        self.targets = {"*court": court or other, "*department": other or court}
        self.parties: dict[str, tuple[str, ...]] = {}

    def draft(self, p: PlannedMatter, seed: int) -> Any:
        from fengqiao_core.station.intake import MatterDraft

        parties = tuple(
            Party(id=f"sim{seed}-{p.index}-{n}", name=PersonName(f"模拟居民{p.index}-{n}"))
            for n in range(p.parties)
        )
        return MatterDraft(
            kind=p.stream.kind, category=p.stream.category, severity=p.stream.severity,
            source=p.stream.source, location=Location(place=p.place),
            description=FreeText("模拟事项"), parties=parties, reference=f"sim{seed}-{p.index}",
            criminal=p.stream.criminal, stewards_wanted=p.stewards,
        )  # fmt: skip

    def steps(self, p: PlannedMatter, matter: Matter) -> list[tuple[dt.datetime, str, Any]]:
        t = p.at
        steward = next((x.ref for x in matter.participants if x.role == "steward"), None)
        kind = p.stream.kind
        if kind is MatterKind.HELP_REQUEST:
            found = list(_help(p, t, steward or "", self.targets["*department"] is not None))
        elif kind is MatterKind.DISPUTE:
            session = dt.datetime.combine(
                _working_day(self.station, t.date()), dt.time(10), t.tzinfo
            )
            found = list(_dispute(p, t, session))
        elif kind is MatterKind.INCIDENT:
            found = list(_incident(p, t))
        else:
            found = list(_tip(p, t))
        self.parties[matter.id] = tuple(x.id for x in matter.parties)
        if steward:
            self.parties[f"{matter.id}:steward"] = (steward,)
        last = matter.updated_at or t
        return [
            s
            for s in found
            if last < s[0] <= self.end and (s[1] != "refer" or self.targets[s[2]["to"]])
        ]  # a station without departments or court refers nobody

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(
            self.plan.last + dt.timedelta(days=1), dt.time(), self.clock.at.tzinfo
        )

    def run(self, matter_id: str, verb: str, options: dict[str, Any]) -> None:
        s, actor = self.station, self.officer
        by = options.pop("by", "")
        if by:
            actor = Actor(by, Role.STEWARD)
        if "to" in options:
            options["to"] = self.targets[options["to"]]
        if verb == "record_session":
            parties = self.parties.get(matter_id, ())
            s.record_session(actor, matter_id, summary="调解会", consenting=parties)
        elif verb == "make_effective":
            parties = self.parties.get(matter_id, ())
            deal = Agreement(
                parties=parties, signed_by=parties, mediator_signed=True, sealed=True,
                signed_on=self.clock.at.date(),
            )  # fmt: skip
            s.make_effective(actor, matter_id, agreement=deal)
        elif verb == "record_performance":
            s.record_performance(actor, matter_id, performed=True)
        elif verb == "terminate":
            s.terminate(actor, matter_id, routes_told=tuple(EXIT_ROUTES))
        elif verb == "commend":
            recipient = self.parties.get(f"{matter_id}:steward", (actor.person_id,))[0]
            s.commend(actor, matter_id, recipient=recipient, inscription="为民解忧")
        else:
            getattr(s, verb)(actor, matter_id, **options)


def simulate(
    station: Any,
    clock: SimulationClock,
    plan: SimulationPlan = MIAOSHAN_PLAN,
    *,
    seed: int = 7,
    progress: Progress | None = None,
) -> SimulationSummary:
    """Live through ``plan`` on ``station`` (opened with ``clock``), deterministically.

    Args:
        station: An open :class:`~fengqiao_core.station.service.StationService`.
        clock: The station's clock; the simulation moves it.
        plan: What happens (the Miaoshan preset by default).
        seed: The same seed and station give the same matters, times and fates.
        progress: Called with ``(done, total)`` planned matters as they are reported.

    Returns:
        Counts of what happened; a step a rule refused is counted, not raised.
    """
    driver = _Driver(station, clock, plan)
    planned = plan_matters(plan, station.config, seed)
    queue: list[Step] = []
    counter = 0
    steps = refused = resumed = reported = 0
    broken: set[str] = set()
    refusals: dict[str, int] = {}

    def drain(until: dt.datetime) -> None:
        nonlocal steps, refused
        while queue and queue[0][0] < until:
            at, _, matter_id, verb, options = heapq.heappop(queue)
            if matter_id in broken:
                continue
            clock.at = at
            try:
                driver.run(matter_id, verb, dict(options))
                steps += 1
            except FengqiaoError as exc:
                refused += 1
                broken.add(matter_id)
                why = f"{verb}: {type(exc).__name__} {getattr(exc, 'rule', '')}".strip()
                refusals[why] = refusals.get(why, 0) + 1

    hour = dt.timedelta(hours=1)
    for _, group in groupby(planned, key=lambda p: p.at.replace(minute=0)):
        batch = list(group)
        drain(batch[0].at)
        clock.at = batch[0].at
        stored = station.report_many(driver.officer, [driver.draft(p, seed) for p in batch])
        for p, matter in zip(batch, stored, strict=True):
            resumed += matter.updated_at is not None and matter.updated_at > p.at + hour
            for at, verb, options in driver.steps(p, matter):
                counter += 1
                heapq.heappush(queue, (at, counter, matter.id, verb, tuple(options.items())))
        reported += len(batch)
        if progress is not None:
            progress(reported, len(planned))
    drain(driver.end)
    return SimulationSummary(len(planned), reported, steps, refused, resumed, refusals)
