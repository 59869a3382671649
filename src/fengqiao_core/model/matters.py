"""Matters 事项: help requests, disputes, incidents and tips, with feedback and banners.

A matter is an aggregate whose state is the fold of its events (see
:mod:`fengqiao_core.model.events`); the classes here are that folded state.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import attrs
from attrs import define, field, frozen

from fengqiao_core.errors import ValidationError
from fengqiao_core.model.base import Entity
from fengqiao_core.model.labels import LabelledEnum, Registry
from fengqiao_core.model.method import Linkage
from fengqiao_core.model.people import Party
from fengqiao_core.model.personal import Address, FreeText
from fengqiao_core.model.states import DisputeState, HelpRequestState, IncidentState, TipState
from fengqiao_core.model.values import GeoPoint, amount, aware, code, of_type, score

__all__ = [
    "DEFAULT_CATEGORIES",
    "Commendation",
    "Dispute",
    "DisputeState",
    "Feedback",
    "HelpRequest",
    "HelpRequestState",
    "Incident",
    "IncidentState",
    "LadderLevel",
    "Location",
    "Matter",
    "MatterCategory",
    "MatterKind",
    "Participant",
    "Severity",
    "Source",
    "Tip",
    "TipState",
    "category_registry",
]

_of = of_type
_opt_code = attrs.validators.optional(code)


class MatterKind(LabelledEnum):
    """The four kinds of matter 事项."""

    HELP_REQUEST = "help_request", "求助"
    DISPUTE = "dispute", "矛盾纠纷"
    INCIDENT = "incident", "警情"
    TIP = "tip", "线索"


class Severity(LabelledEnum):
    """How grave a matter is 等级."""

    GENERAL = "general", "一般"
    MAJOR = "major", "较大"
    SERIOUS = "serious", "重大"


class Source(LabelledEnum):
    """Where a matter came from 来源."""

    CALL_110 = "call_110", "110报警"
    WALK_IN = "walk_in", "来所求助"
    GROUP = "group", "群管万家"
    VISIT = "visit", "走访"
    SCREENING = "screening", "排查"
    REFERRAL = "referral", "转办"


class LadderLevel(LabelledEnum):
    """The rung of the resolution ladder 化解层级 a matter is handled at (rule L2).

    ``COMMUNITY`` and ``PARK`` share a rank: park matters stay in the park, others in the
    community.
    """

    GRID = "grid", "网格"
    COMMUNITY = "community", "社区"
    PARK = "park", "园区"
    STATION = "station", "派出所"
    DEPARTMENT = "department", "部门"
    BEYOND = "beyond", "上交"

    @property
    def rank(self) -> int:
        """0 for ``GRID`` up to 4 for ``BEYOND``; ``COMMUNITY`` and ``PARK`` are both 1."""
        return _RANKS[self]


_RANKS = {
    LadderLevel.GRID: 0,
    LadderLevel.COMMUNITY: 1,
    LadderLevel.PARK: 1,
    LadderLevel.STATION: 2,
    LadderLevel.DEPARTMENT: 3,
    LadderLevel.BEYOND: 4,
}


@frozen
class MatterCategory:
    """A category of matter 事项类别 (an open registry: plugins add their own).

    The key is ``"<kind>:<code>"``, e.g. ``"dispute:labour"``.
    """

    kind: MatterKind
    code: str
    label_en: str
    label_zh: str

    @property
    def key(self) -> str:
        """``"<kind value>:<code>"``."""
        return f"{self.kind.value}:{self.code}"


def _categories(kind: MatterKind, *rows: tuple[str, str, str]) -> tuple[MatterCategory, ...]:
    return tuple(MatterCategory(kind, c, en, zh) for c, en, zh in rows)


DEFAULT_CATEGORIES: tuple[MatterCategory, ...] = (
    *_categories(
        MatterKind.HELP_REQUEST,
        ("lost_property", "lost property", "失物寻找"),
        ("missing_person", "missing person", "寻人"),
        ("welfare", "welfare", "生活救助"),
        ("access", "access and unlocking", "出入求助"),
        ("other", "other help", "其他求助"),
    ),
    *_categories(
        MatterKind.DISPUTE,
        ("marriage_family", "marriage and family", "婚姻家庭"),
        ("neighbour", "neighbours", "邻里"),
        ("housing", "housing and homestead", "房屋宅基地"),
        ("contract", "contract", "合同"),
        ("business", "business operations", "生产经营"),
        ("damages", "damages", "损害赔偿"),
        ("land", "forest and land", "山林土地"),
        ("demolition", "land acquisition and demolition", "征地拆迁"),
        ("pollution", "environmental pollution", "环境污染"),
        ("labour", "labour and wages", "劳动争议"),
        ("consumer", "consumer", "消费"),
        ("medical", "medical", "医疗"),
        ("traffic", "road traffic", "道路交通"),
        ("property_management", "property management", "物业"),
        ("other", "other dispute", "其他纠纷"),
    ),
    *_categories(
        MatterKind.INCIDENT,
        ("burglary", "burglary", "入室盗窃"),
        ("telecom_fraud", "telecom fraud", "电信诈骗"),
        ("fight", "fight", "打架斗殴"),
        ("theft", "theft", "盗窃"),
        ("other", "other incident", "其他警情"),
    ),
    *_categories(
        MatterKind.TIP,
        ("fraud", "fraud lead", "涉诈线索"),
        ("hazard", "safety hazard", "安全隐患"),
        ("dispute_risk", "dispute risk", "矛盾隐患"),
        ("other", "other tip", "其他线索"),
    ),
)


def category_registry(extra: tuple[MatterCategory, ...] = ()) -> Registry[MatterCategory]:
    """The default categories plus ``extra`` (from plugins), refusing duplicate keys."""
    return Registry.of("matter category", DEFAULT_CATEGORIES + extra)


@frozen
class Location:
    """Where a matter happened 地点: a point, an address and/or a place id (at least one)."""

    point: GeoPoint | None = field(default=None, validator=attrs.validators.optional(_of(GeoPoint)))
    address: Address | None = field(default=None, validator=attrs.validators.optional(_of(Address)))
    place: str | None = field(default=None, validator=_opt_code)

    def __attrs_post_init__(self) -> None:
        if self.point is None and self.address is None and self.place is None:
            raise ValidationError("location", "give a point, an address or a place")


@frozen
class Participant:
    """Someone who joined a matter 参与方, the linkage that called them and the deciding rule.

    ``ref`` is a person, force, department or panel id; ``role`` says what they do there
    (e.g. ``"owner"``, ``"video_review"``, ``"labour_inspection"``).
    """

    ref: str = field(validator=code)
    role: str = field(validator=code)
    linkage: Linkage = field(validator=of_type(Linkage))
    rule: str = field(validator=code)


@define(kw_only=True, eq=False)
class Matter(Entity):
    """A matter 事项, the aggregate the station's work revolves around.

    ``category`` is a :class:`MatterCategory` key. ``level`` is the ladder rung it is handled
    at; ``owner`` the person who owns it 包案人. Triage fills ``cell``, ``police_grid``,
    ``community`` and ``due``. ``updated_at`` is the time of the last event; ``closed_at`` is set
    when the matter enters its ``closed`` state and cleared when it is reopened. ``path`` is the
    resolution path triage chose; ``commendations`` counts banners 锦旗 given for it;
    ``related`` and ``alert`` are the matters and alert colour linked screening found (L7);
    ``reported_by`` is the person who reported it; ``refused_by`` the parties who refused
    mediation (rule M1). ``outcome`` is the last outcome state the matter entered 办理结果
    (``performed``, ``failed``, ``referred``, ``case_opened`` …, or ``withdrawn``) and stays
    when it closes; ``resolved_at`` is when it was first resolved; ``followed_up`` whether the
    resident was visited back or gave feedback 回访. A reopening clears all three.
    ``legal_hold`` 诉讼保全/法定保留: while set, retention never erases the matter's personal data.
    """

    kind: ClassVar[MatterKind]
    states: ClassVar[type[LabelledEnum]]

    category: str
    state: LabelledEnum
    severity: Severity = field(validator=_of(Severity))
    source: Source = field(validator=_of(Source))
    location: Location = field(validator=_of(Location))
    description: FreeText = field(validator=_of(FreeText))
    reported_at: dt.datetime = field(validator=aware)
    parties: tuple[Party, ...] = ()
    reference: str | None = None
    level: LadderLevel | None = None
    owner: str | None = field(default=None, validator=_opt_code)
    cell: str | None = None
    police_grid: str | None = None
    community: str | None = None
    due: dt.datetime | None = None
    participants: tuple[Participant, ...] = ()
    sessions: int = 0
    feedback_score: int | None = None
    updated_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    path: str | None = None
    commendations: int = 0
    related: tuple[str, ...] = ()
    alert: str | None = None
    reported_by: str | None = None
    refused_by: tuple[str, ...] = ()
    outcome: str | None = None
    resolved_at: dt.datetime | None = None
    followed_up: bool = False
    legal_hold: bool = False


@define(kw_only=True, eq=False)
class HelpRequest(Matter):
    """A help request 求助 (lost property, missing person, welfare, access …)."""

    kind: ClassVar[MatterKind] = MatterKind.HELP_REQUEST
    states: ClassVar[type[LabelledEnum]] = HelpRequestState
    state: HelpRequestState = HelpRequestState.RECEIVED


@define(kw_only=True, eq=False)
class Dispute(Matter):
    """A dispute 矛盾纠纷 to mediate; ``amount_yuan`` is the sum in question, if any."""

    kind: ClassVar[MatterKind] = MatterKind.DISPUTE
    states: ClassVar[type[LabelledEnum]] = DisputeState
    state: DisputeState = DisputeState.REPORTED
    amount_yuan: int | None = field(default=None, validator=amount)


@define(kw_only=True, eq=False)
class Incident(Matter):
    """A police incident 警情; ``criminal`` separates criminal from administrative ones."""

    kind: ClassVar[MatterKind] = MatterKind.INCIDENT
    states: ClassVar[type[LabelledEnum]] = IncidentState
    state: IncidentState = IncidentState.REPORTED
    criminal: bool = False


@define(kw_only=True, eq=False)
class Tip(Matter):
    """A tip 线索 from a group, a visit or screening; may become or link to another matter."""

    kind: ClassVar[MatterKind] = MatterKind.TIP
    states: ClassVar[type[LabelledEnum]] = TipState
    state: TipState = TipState.RECEIVED
    linked_matter: str | None = field(default=None, validator=_opt_code)


@define(kw_only=True, eq=False)
class Feedback(Entity):
    """A resident's feedback 回访评价 on a matter: a score from 1 to 5 and a comment."""

    matter_id: str = field(validator=code)
    score: int = field(validator=score)
    given_at: dt.datetime = field(validator=aware)
    comment: FreeText | None = None


@define(kw_only=True, eq=False)
class Commendation(Entity):
    """A banner 锦旗 given to the station, an officer or a steward, maybe for one matter."""

    recipient: str = field(validator=code)
    given_at: dt.datetime = field(validator=aware)
    matter_id: str | None = field(default=None, validator=_opt_code)
    inscription: FreeText | None = field(
        default=None, validator=attrs.validators.optional(_of(FreeText))
    )
