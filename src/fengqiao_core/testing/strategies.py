"""Hypothesis strategies for every model type and for whole valid jurisdictions.

All people are invented: names are drawn from common characters, phone and ID numbers are
syntactically valid (GB 11643 check digit included) but random. Use :func:`strategy_for` to
get the strategy of any model class, e.g. in a property test over every type.
"""

from __future__ import annotations

import datetime as dt
import string
from typing import Any, TypeVar

from hypothesis import strategies as st

from fengqiao_core import model as m
from fengqiao_core.model.personal import Address, FreeText, IdNumber, PersonName, PhoneNumber
from fengqiao_core.testing.jurisdictions import Jurisdiction, jurisdictions_with
from fengqiao_core.testing.lifecycles import lawful_histories

__all__ = [
    "Jurisdiction",
    "addresses",
    "aware_datetimes",
    "codes",
    "free_texts",
    "id_numbers",
    "jurisdictions",
    "lawful_histories",
    "matter_events",
    "matters",
    "person_names",
    "phone_numbers",
    "strategy_for",
]

T = TypeVar("T")
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯"
    "邓曹彭曾萧田董袁蔡蒋余于杜叶魏苏吕丁任沈"
)
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟明超兰霞"
    "平刚桂华建国文辉玲红云飞鹏宇浩然欣怡梓轩子涵思雨晨阳嘉琪"
)
_STREETS = [
    "光谷大道",
    "文化路",
    "庙山一路",
    "藏龙大道",
    "汤逊湖北路",
    "江夏大道",
    "阳光大道",
    "高新四路",
]
_DIVISIONS = ("420115", "420102", "420111", "110105", "310101", "440305", "510107")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_TZ = dt.timezone(dt.timedelta(hours=8))

codes = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12).map(
    lambda s: f"x{s}"
)
"""Identifier codes of entities (``x…``: letters and digits)."""

person_names = st.builds(
    lambda s, g: PersonName(s + g),
    st.sampled_from(_SURNAMES),
    st.text(_GIVEN, min_size=1, max_size=2),
)
"""Invented two- or three-character Chinese names."""

phone_numbers = st.builds(
    lambda p, rest: PhoneNumber(f"1{p}{rest:09d}"),
    st.sampled_from("3456789"),
    st.integers(0, 999_999_999),
)
"""Valid mainland mobile numbers."""


def _id_number(division: str, born: dt.date, seq: int) -> IdNumber:
    body = f"{division}{born:%Y%m%d}{seq:03d}"
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return IdNumber(body + "10X98765432"[total % 11])


id_numbers = st.builds(
    _id_number,
    st.sampled_from(_DIVISIONS),
    st.dates(dt.date(1930, 1, 1), dt.date(2015, 12, 31)),
    st.integers(0, 999),
)
"""Valid resident ID numbers (region, birth date and check digit)."""

addresses = st.builds(
    lambda street, no, bld, room: Address(f"湖北省武汉市江夏区{street}{no}号{bld}栋{room}室"),
    st.sampled_from(_STREETS),
    st.integers(1, 999),
    st.integers(1, 40),
    st.integers(101, 3299),
)
"""Invented street addresses in Jiangxia."""

free_texts = st.text(max_size=200).map(FreeText)
"""Statements and descriptions (any text, hostile characters included)."""

aware_datetimes = st.datetimes(
    dt.datetime(2000, 1, 1), dt.datetime(2035, 12, 31), timezones=st.just(_TZ)
)
"""Zone-aware datetimes in the station zone (UTC+8)."""

_grid_codes = st.integers(0, 999_999_999).map(lambda n: f"420115{n:09d}")
_skills = st.sampled_from(["medical", "education", "legal", "mediation", "repair", "language"])
_short = st.text(min_size=1, max_size=30).filter(str.strip)


def _entity(cls: type[T], **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[T]:
    return st.builds(cls, id=codes, version=st.integers(0, 1000), **fields)


def _person(cls: type[T], **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[T]:
    return _entity(cls, name=person_names, phone=st.none() | phone_numbers, **fields)


_code_tuples = st.lists(codes, max_size=4).map(tuple)
_windows = st.builds(
    lambda day, start, hours: m.TimeWindow(
        weekday=day, start=dt.time(start), end=dt.time(start + hours)
    ),
    st.integers(0, 6),
    st.integers(0, 20),
    st.integers(1, 3),
)
_points = st.builds(
    m.GeoPoint,
    lon=st.floats(114.2, 114.5),
    lat=st.floats(30.3, 30.5),
    crs=st.sampled_from(m.CoordinateSystem),
)
_locations = st.builds(
    m.Location, point=st.none() | _points, address=st.none() | addresses, place=codes
)
_participants = st.builds(
    m.Participant,
    ref=codes,
    role=st.sampled_from(["owner", "video_review", "mediator", "labour_inspection"]),
    linkage=st.sampled_from(m.Linkage),
    rule=st.sampled_from(["L1", "L4", "L5", "L8"]),
)
_actors = st.builds(m.Actor, person_id=codes, role=st.sampled_from(m.Role))
_parties = _person(
    m.Party,
    id_number=st.none() | id_numbers,
    address=st.none() | addresses,
    birth_date=st.none() | st.dates(dt.date(1930, 1, 1), dt.date(2020, 1, 1)),
)


def _matter(cls: type[m.Matter], state_enum: type[m.LabelledEnum], **extra: Any) -> Any:
    kind = cls.kind
    keys = [c.key for c in m.DEFAULT_CATEGORIES if c.kind is kind]
    return _entity(
        cls,
        category=st.sampled_from(keys),
        state=st.sampled_from(state_enum),
        severity=st.sampled_from(m.Severity),
        source=st.sampled_from(m.Source),
        location=_locations,
        description=free_texts,
        reported_at=aware_datetimes,
        parties=st.lists(_parties, max_size=2).map(tuple),
        reference=st.none() | codes,
        level=st.none() | st.sampled_from(m.LadderLevel),
        owner=st.none() | codes,
        participants=st.lists(_participants, max_size=3).map(tuple),
        updated_at=st.none() | aware_datetimes,
        closed_at=st.none() | aware_datetimes,
        **extra,
    )


_STRATEGIES: dict[type, st.SearchStrategy[Any]] = {
    m.Actor: _actors,
    m.GeoPoint: _points,
    m.TimeWindow: _windows,
    m.Skill: _skills.map(m.Skill),
    m.GridCode: _grid_codes.map(m.GridCode),
    m.Location: _locations,
    m.Participant: _participants,
    m.MatterCategory: st.sampled_from(m.DEFAULT_CATEGORIES),
    m.MicroPillar: st.sampled_from(m.DEFAULT_MICRO_PILLARS),
    m.Station: _entity(
        m.Station,
        name=_short,
        division=st.sampled_from(_DIVISIONS),
        parent=st.none() | _short,
        founded=st.none() | st.integers(1949, 2026),
        area_km2=st.none() | st.floats(0.1, 1000),
    ),
    m.PoliceGrid: _entity(m.PoliceGrid, name=_short),
    m.GridCell: st.builds(
        m.GridCell,
        id=_grid_codes,
        version=st.integers(0, 1000),
        name=_short,
        police_grid=codes,
        community=codes,
        households=st.integers(0, 2000),
        dedicated_to=st.none() | codes,
    ),
    m.Place: _entity(
        m.Place,
        name=_short,
        kind=st.sampled_from(m.PlaceKind),
        parent=st.none() | codes,
        cell=st.none() | _grid_codes,
        point=st.none() | _points,
    ),
    m.Officer: _person(m.Officer, post=st.sampled_from(m.OfficerPost), police_grids=_code_tuples),
    m.AuxiliaryOfficer: _person(
        m.AuxiliaryOfficer, police_grid=st.none() | codes, supervisor=st.none() | codes
    ),
    m.RedSteward: _person(
        m.RedSteward,
        community=codes,
        occupation=st.sampled_from(m.Occupation),
        party_member=st.booleans(),
        skills=st.lists(_skills.map(m.Skill), max_size=3, unique=True).map(tuple),
        availability=st.lists(_windows, max_size=3).map(tuple),
        joined=st.none() | st.dates(dt.date(2022, 7, 1), dt.date(2026, 11, 1)),
    ),
    m.GridWorker: _person(m.GridWorker, cells=st.lists(_grid_codes, max_size=3).map(tuple)),
    m.Mediator: _person(m.Mediator, community=st.none() | codes),
    m.Lawyer: _person(m.Lawyer, firm=st.none() | _short),
    m.Party: _parties,
    m.Force: _entity(m.Force, name=_short, competences=_code_tuples),
    m.Department: _entity(m.Department, name=_short, competences=_code_tuples),
    m.CommunityTeam: _entity(
        m.CommunityTeam,
        community=codes,
        officer=codes,
        lead=codes,
        stewards=st.lists(codes, min_size=1, max_size=5).map(tuple),
    ),
    m.MediationPanel: _entity(
        m.MediationPanel,
        name=_short,
        leader=st.none() | codes,
        departments=_code_tuples,
        lawyers=_code_tuples,
        mediators=_code_tuples,
    ),
    m.ResidentGroup: _entity(
        m.ResidentGroup,
        name=_short,
        category=st.sampled_from(m.GroupCategory),
        owner=codes,
        cells=st.lists(_grid_codes, max_size=3).map(tuple),
        members=st.integers(0, 500),
        real_name=st.booleans(),
    ),
    m.VanguardTeam: _entity(
        m.VanguardTeam,
        name=_short,
        leader=codes,
        members=_code_tuples,
        certified_on=st.none() | st.dates(dt.date(2020, 1, 1), dt.date(2026, 1, 1)),
    ),
    m.HelpRequest: _matter(m.HelpRequest, m.HelpRequestState),
    m.Dispute: _matter(
        m.Dispute, m.DisputeState, amount_yuan=st.none() | st.integers(0, 10_000_000)
    ),
    m.Incident: _matter(m.Incident, m.IncidentState, criminal=st.booleans()),
    m.Tip: _matter(m.Tip, m.TipState, linked_matter=st.none() | codes),
    m.Feedback: _entity(
        m.Feedback,
        matter_id=codes,
        score=st.integers(1, 5),
        given_at=aware_datetimes,
        comment=st.none() | free_texts,
    ),
    m.Commendation: _entity(
        m.Commendation,
        recipient=codes,
        given_at=aware_datetimes,
        matter_id=st.none() | codes,
        inscription=st.none() | free_texts,
    ),
}

matters: st.SearchStrategy[m.Matter] = st.one_of(
    *(_STRATEGIES[cls] for cls in (m.HelpRequest, m.Dispute, m.Incident, m.Tip))
)
"""Any matter of any kind, in any state (not necessarily a lawful history)."""


def _event(cls: type[T], **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[T]:
    return st.builds(
        cls,
        matter_id=codes,
        version=st.integers(1, 10_000),
        at=aware_datetimes,
        actor=_actors,
        reason=st.none() | free_texts,
        **fields,
    )


_levels = st.sampled_from(m.LadderLevel)
_STRATEGIES.update(
    {
        m.MatterReported: _event(
            m.MatterReported,
            kind=st.sampled_from(m.MatterKind),
            category=st.sampled_from([c.key for c in m.DEFAULT_CATEGORIES]),
            severity=st.sampled_from(m.Severity),
            source=st.sampled_from(m.Source),
            location=_locations,
            description=free_texts,
            parties=st.lists(_parties, max_size=2).map(tuple),
            reference=st.none() | codes,
            amount_yuan=st.none() | st.integers(0, 10_000_000),
            criminal=st.booleans(),
        ),
        m.MatterTriaged: _event(
            m.MatterTriaged,
            cell=st.none() | _grid_codes,
            police_grid=st.none() | codes,
            community=st.none() | codes,
            level=_levels,
            owner=st.none() | codes,
            due=st.none() | aware_datetimes,
        ),
        m.MatterAssigned: _event(m.MatterAssigned, owner=codes, level=_levels),
        m.MatterEscalated: _event(m.MatterEscalated, to_level=_levels, rule=st.none() | codes),
        m.ParticipantAdded: _event(m.ParticipantAdded, participant=_participants),
        m.StateChanged: _event(m.StateChanged, action=codes, state=codes),
        m.SessionRecorded: _event(m.SessionRecorded, summary=free_texts),
        m.FeedbackRecorded: _event(m.FeedbackRecorded, score=st.integers(1, 5)),
        m.Commended: _event(m.Commended, recipient=codes, inscription=st.none() | free_texts),
        m.MediationRefused: _event(m.MediationRefused, parties=_code_tuples),
    }
)

matter_events: st.SearchStrategy[m.MatterEvent] = st.one_of(
    *(s for cls, s in _STRATEGIES.items() if issubclass(cls, m.MatterEvent))
)
"""Any single matter event (values valid one by one; not a lawful sequence)."""


def strategy_for(cls: type[T]) -> st.SearchStrategy[T]:
    """Return the strategy generating valid instances of a model class.

    Args:
        cls: A class of :mod:`fengqiao_core.model` (entity, value or event).

    Raises:
        KeyError: No strategy is known for ``cls``.
    """
    return _STRATEGIES[cls]


def jurisdictions() -> st.SearchStrategy[Jurisdiction]:
    """Valid jurisdictions 辖区: 1-12 settlements, their cells and 1-6 police grids.

    See :func:`fengqiao_core.testing.jurisdictions.jurisdictions_with`.
    """
    return jurisdictions_with(stations=_STRATEGIES[m.Station])
