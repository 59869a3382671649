"""What a simulated station lives through 模拟计划: streams of matters and how each one goes.

A :class:`SimulationPlan` declares streams of matters (kind, category, how many a year, when
red stewards are asked), the shares of outcomes and the exact counts the article states
(detentions, banners). :func:`plan_matters` turns it, with a seed, into one
:class:`PlannedMatter` per matter: its arrival time (by weekday and hour), its place inside the
jurisdiction, its parties and its fate. The plan says what *should* happen; the figures are
computed afterwards from what the station stored.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from attrs import field, frozen

from fengqiao_core.model import MatterKind, Severity, Source, StationData

__all__ = ["MIAOSHAN_PLAN", "PlannedMatter", "SimulationPlan", "Stream", "plan_matters"]

_K, _S = MatterKind, Severity
_DAY_HOURS = (0, 0, 0, 0, 0, 0, 1, 2, 9, 10, 10, 8, 2, 2, 9, 10, 10, 8, 9, 9, 8, 2, 1, 0)
_ALL_HOURS = (3, 2, 2, 1, 1, 1, 2, 3, 5, 6, 6, 6, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 5, 4)
HOURS: Mapping[MatterKind, tuple[int, ...]] = {
    _K.HELP_REQUEST: _DAY_HOURS,
    _K.DISPUTE: _DAY_HOURS,
    _K.INCIDENT: _ALL_HOURS,
    _K.TIP: _DAY_HOURS,
}
"""Arrival weights by hour of day, per kind (incidents come at any hour)."""
WEEKDAYS = (10, 10, 10, 10, 11, 8, 7)
"""Arrival weights by weekday, Monday first."""


@frozen
class Stream:
    """A stream of matters 事项流: one kind and category, how many each year, how asked.

    ``stewards_from`` is the first day red stewards are asked for (``None``: never);
    ``criminal`` marks incidents with criminal signs; ``since``/``until`` bound the days the
    stream flows (inclusive).
    """

    kind: MatterKind
    category: str
    yearly: Mapping[int, int]
    severity: Severity = Severity.GENERAL
    source: Source = Source.WALK_IN
    criminal: bool = False
    stewards_from: dt.date | None = None
    since: dt.date | None = None
    until: dt.date | None = None


@frozen
class SimulationPlan:
    """A station's two years 模拟计划: streams, outcome shares and the exact article counts.

    Attributes:
        first: The first simulated day; ``last`` the last one (local dates).
        streams: The matters that arrive.
        detentions: Per year, how many criminal incidents end with a case opened 刑事拘留.
        banners: ``(first day, last day, count)``: banners given for matters reported then.
        success: Share of mediated disputes that reach an agreement.
        court: Share of failed disputes referred to a court (taken beyond the station).
        rejected: Share of disputes rejected at registration; ``withdrawn`` withdrawn.
        transferred: Share of help requests transferred to a department.
        feedback: Share of resolved matters with feedback; ``closed`` share closed after it.
    """

    first: dt.date
    last: dt.date
    streams: tuple[Stream, ...]
    detentions: Mapping[int, int] = field(factory=dict)
    banners: tuple[tuple[dt.date, dt.date, int], ...] = ()
    success: float = 0.9
    court: float = 0.3
    rejected: float = 0.03
    withdrawn: float = 0.02
    transferred: float = 0.05
    feedback: float = 0.3
    closed: float = 0.8


@frozen
class PlannedMatter:
    """One planned matter 计划事项: when it arrives, where, who, and its fate."""

    index: int
    at: dt.datetime
    stream: Stream
    place: str
    stewards: bool
    fate: str
    parties: int = 0
    feedback: int | None = None
    closed: bool = False
    banner: bool = False


def _arrivals(
    rng: random.Random, stream: Stream, year: int, count: int, plan: SimulationPlan, zone: ZoneInfo
) -> list[dt.datetime]:
    start = max(dt.date(year, 1, 1), plan.first, stream.since or plan.first)
    end = min(dt.date(year, 12, 31), plan.last, stream.until or plan.last)
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    if not days or count <= 0:
        return []
    weights = [WEEKDAYS[d.weekday()] for d in days]
    chosen = rng.choices(days, weights, k=count)
    hours = rng.choices(range(24), HOURS[stream.kind], k=count)
    return [
        dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), zone)
        for day, hour in zip(chosen, hours, strict=True)
    ]


def _fate(rng: random.Random, stream: Stream, plan: SimulationPlan) -> str:
    draw = rng.random()
    if stream.kind is MatterKind.DISPUTE:
        if draw < plan.rejected:
            return "rejected"
        if draw < plan.rejected + plan.withdrawn:
            return "withdrawn"
        if rng.random() < plan.success:
            return "agreed"
        return "court" if rng.random() < plan.court else "terminated"
    if stream.kind is MatterKind.HELP_REQUEST:
        return "transferred" if draw < plan.transferred else "resolved"
    if stream.kind is MatterKind.TIP:
        return "confirmed" if draw < 0.6 else "unfounded"
    return "resolved"


def _pick_exact(
    rng: random.Random, matters: list[PlannedMatter], count: int, test: object
) -> set[int]:
    eligible = [m.index for m in matters if callable(test) and test(m)]
    return set(rng.sample(eligible, min(count, len(eligible))))


def plan_matters(plan: SimulationPlan, station: StationData, seed: int) -> list[PlannedMatter]:
    """Every matter of the plan, in arrival order, the same for the same seed and station."""
    rng = random.Random(seed)
    zone = ZoneInfo(station.station.timezone)
    places = sorted(p.id for p in station.places if not p.kind.is_settlement)
    raw: list[tuple[dt.datetime, Stream]] = []
    for stream in plan.streams:
        for year, count in sorted(stream.yearly.items()):
            raw += [(at, stream) for at in _arrivals(rng, stream, year, count, plan, zone)]
    raw.sort(key=lambda pair: pair[0])
    matters = []
    for index, (at, stream) in enumerate(raw):
        fate = _fate(rng, stream, plan)
        asked = stream.stewards_from is not None and at.date() >= stream.stewards_from
        feedback = rng.choice((3, 4, 5, 5, 5)) if rng.random() < plan.feedback else None
        matters.append(
            PlannedMatter(
                index=index, at=at, stream=stream, place=rng.choice(places), stewards=asked,
                fate=fate, parties=2 if stream.kind is MatterKind.DISPUTE else 0,
                feedback=feedback, closed=rng.random() < plan.closed,
            )
        )  # fmt: skip
    detained: set[int] = set()
    open_by = plan.last - dt.timedelta(days=1)  # the case opens hours later, inside the plan
    for year, count in plan.detentions.items():
        detained |= _pick_exact(
            rng,
            matters,
            count,
            lambda m, y=year: m.stream.criminal and m.at.year == y and m.at.date() <= open_by,
        )
    banners: set[int] = set()
    latest = plan.last - dt.timedelta(days=21)  # resolved, and thanked, before the plan ends
    for first, last, count in plan.banners:
        until = min(last, latest)
        banners |= _pick_exact(
            rng, matters, count,
            lambda m, a=first, b=until: a <= m.at.date() <= b
            and m.fate in ("agreed", "resolved") and m.stream.kind is not MatterKind.INCIDENT,
        )  # fmt: skip
    out = []
    for m in matters:
        fate = "case_opened" if m.index in detained else m.fate
        out.append(
            PlannedMatter(
                index=m.index, at=m.at, stream=m.stream, place=m.place, stewards=m.stewards,
                fate=fate, parties=m.parties, feedback=m.feedback, closed=m.closed,
                banner=m.index in banners,
            )
        )  # fmt: skip
    return out


_JULY = dt.date(2022, 7, 1)
_JUNE = dt.date(2022, 6, 30)


def _s(kind: MatterKind, code: str, y22: int, y23: int, **options: object) -> Stream:
    return Stream(kind, f"{kind.value}:{code}", {2022: y22, 2023: y23}, **options)  # type: ignore[arg-type]


MIAOSHAN_PLAN = SimulationPlan(
    first=dt.date(2022, 1, 1),
    last=dt.date(2023, 12, 31),
    streams=(
        _s(_K.HELP_REQUEST, "lost_property", 200, 0, until=_JUNE),
        _s(_K.HELP_REQUEST, "lost_property", 300, 615, stewards_from=_JULY, since=_JULY),
        _s(_K.HELP_REQUEST, "access", 145, 300, stewards_from=_JULY, since=_JULY),
        _s(_K.HELP_REQUEST, "other", 108, 215, stewards_from=_JULY, since=_JULY),
        _s(_K.HELP_REQUEST, "welfare", 120, 130, stewards_from=_JULY),
        _s(_K.HELP_REQUEST, "missing_person", 30, 30, severity=_S.MAJOR),
        _s(_K.DISPUTE, "neighbour", 232, 278, stewards_from=_JULY),
        _s(_K.DISPUTE, "marriage_family", 176, 203, stewards_from=_JULY),
        _s(_K.DISPUTE, "property_management", 111, 130, stewards_from=_JULY),
        _s(_K.DISPUTE, "labour", 40, 45, severity=_S.MAJOR),
        _s(_K.DISPUTE, "consumer", 37, 41, stewards_from=_JULY),
        _s(_K.INCIDENT, "burglary", 64, 32, severity=_S.MAJOR, source=Source.CALL_110,
           criminal=True),
        _s(_K.INCIDENT, "telecom_fraud", 150, 101, severity=_S.MAJOR, source=Source.CALL_110,
           criminal=True),
        _s(_K.INCIDENT, "theft", 90, 95, source=Source.CALL_110, criminal=True),
        _s(_K.INCIDENT, "fight", 60, 55, source=Source.CALL_110),
        _s(_K.TIP, "fraud", 40, 50, source=Source.GROUP),
    ),
    detentions={2022: 50, 2023: 56},
    banners=((dt.date(2022, 1, 1), dt.date(2022, 6, 30), 6),
             (_JULY, dt.date(2023, 12, 27), 46)),
)  # fmt: skip
"""Miaoshan 庙山 2022-2023, tuned to the seed article: stewards from July 2022, burglaries
−50 %, telecom fraud −32 %, criminal detentions +14 % (50 → 57), 46 banners. The demo stores
the six stories first, one of them a telecom fraud with a case opened in August 2023: the plan
leaves room for it (101 and 56 here, 102 and 57 with the stories)."""
