"""Organisation 组织: governance forces, departments, teams, the joint panel and resident groups."""

from __future__ import annotations

import datetime as dt

import attrs
from attrs import define, field

from fengqiao_core.model.base import Entity
from fengqiao_core.model.labels import LabelledEnum
from fengqiao_core.model.values import code, non_negative, of_type

__all__ = [
    "CommunityTeam",
    "Department",
    "Force",
    "GroupCategory",
    "MediationPanel",
    "ResidentGroup",
    "VanguardTeam",
]

_codes = attrs.validators.deep_iterable(code, of_type(tuple))
_str = of_type(str)


@define(kw_only=True, eq=False)
class Force(Entity):
    """A grassroots governance force 综治力量 (平安办, 综治办, 网格中心 …; eight at Miaoshan).

    ``competences`` are matter-category keys (``"dispute:labour"``) it acts on in 联治.
    """

    name: str = field(validator=_str)
    competences: tuple[str, ...] = ()


@define(kw_only=True, eq=False)
class Department(Entity):
    """A government department 部门 (司法所, 劳动监察大队, 街道, court …) and its competences.

    ``court`` marks a people's court 人民法院/法庭: a referral to it takes the matter beyond the
    station (the ``BEYOND`` rung, counted against "矛盾不上交").
    """

    name: str = field(validator=_str)
    competences: tuple[str, ...] = ()
    court: bool = field(default=False, validator=of_type(bool))


@define(kw_only=True, eq=False)
class CommunityTeam(Entity):
    """A community's "1+1+N" team 党员警务团队 (rule T2).

    One community officer, one community lead (party secretary or grid leader) and N >= 1 red
    stewards.
    """

    community: str = field(validator=code)
    officer: str = field(validator=code)
    lead: str = field(validator=code)
    stewards: tuple[str, ...] = field(default=(), validator=_codes)


@define(kw_only=True, eq=False)
class MediationPanel(Entity):
    """The joint mediation panel 阳光联调小组: departments, lawyers 法调 and mediators 民调."""

    name: str = field(validator=_str)
    leader: str | None = None
    departments: tuple[str, ...] = field(default=(), validator=_codes)
    lawyers: tuple[str, ...] = field(default=(), validator=_codes)
    mediators: tuple[str, ...] = field(default=(), validator=_codes)


class GroupCategory(LabelledEnum):
    """Categories of the "群管万家" resident groups."""

    LANDLORD = "landlord", "房东群"
    INDUSTRY = "industry", "行业群"
    UNIT = "unit", "单位群"
    SCHOOL = "school", "学校群"
    GRID_WORKER = "grid_worker", "网格员群"
    VOLUNTEER = "volunteer", "志愿者群"


@define(kw_only=True, eq=False)
class ResidentGroup(Entity):
    """A "群管万家" resident group 微信群: real-name, owned by an officer, scoped to cells."""

    name: str = field(validator=_str)
    category: GroupCategory = field(validator=of_type(GroupCategory))
    owner: str = field(validator=code)
    cells: tuple[str, ...] = field(default=(), validator=_codes)
    members: int = field(default=0, validator=non_negative)
    real_name: bool = True


@define(kw_only=True, eq=False)
class VanguardTeam(Entity):
    """A political-legal vanguard team 政法先锋队 led by an officer."""

    name: str = field(validator=_str)
    leader: str = field(validator=code)
    members: tuple[str, ...] = field(default=(), validator=_codes)
    certified_on: dt.date | None = None
