"""People 人员: officers, auxiliaries, red stewards, grid workers, mediators, lawyers, parties.

Names, phone numbers, ID numbers and addresses are :mod:`fengqiao_core.model.personal` types, masked
wherever they are shown.
"""

from __future__ import annotations

import datetime as dt

import attrs
from attrs import define, field

from fengqiao_core.model.base import Entity
from fengqiao_core.model.labels import LabelledEnum
from fengqiao_core.model.personal import Address, IdNumber, PersonName, PhoneNumber
from fengqiao_core.model.values import Skill, TimeWindow, code, of_type

__all__ = [
    "AuxiliaryOfficer",
    "GridWorker",
    "Lawyer",
    "Mediator",
    "Occupation",
    "Officer",
    "OfficerPost",
    "Party",
    "Person",
    "RedSteward",
]

_opt_code = attrs.validators.optional(code)
_codes = attrs.validators.deep_iterable(code, of_type(tuple))


def _of(kind: type) -> attrs.validators._ValidatorType:  # type: ignore[name-defined]
    return of_type(kind)


@define(kw_only=True, eq=False)
class Person(Entity):
    """Anyone the station works with 人员: a masked name and an optional mobile number."""

    name: PersonName = field(validator=_of(PersonName))
    phone: PhoneNumber | None = field(
        default=None, validator=attrs.validators.optional(_of(PhoneNumber))
    )


class OfficerPost(LabelledEnum):
    """An officer's post 岗位."""

    COMMUNITY = "community", "社区民警"
    CRIMINAL = "criminal", "刑警"
    CASE_HANDLING = "case_handling", "办案民警"
    DUTY = "duty", "值班民警"
    COMMAND = "command", "指挥室民警"


@define(kw_only=True, eq=False)
class Officer(Person):
    """A police officer 民警 with a post and the police grids 警格 they serve."""

    post: OfficerPost = field(validator=_of(OfficerPost))
    police_grids: tuple[str, ...] = field(default=(), validator=_codes)


@define(kw_only=True, eq=False)
class AuxiliaryOfficer(Person):
    """An auxiliary officer 辅警: assists officers, has no enforcement power (rule T4)."""

    police_grid: str | None = field(default=None, validator=_opt_code)
    supervisor: str | None = field(default=None, validator=_opt_code)


class Occupation(LabelledEnum):
    """What a red steward does in daily life 职业."""

    RESIDENT = "resident", "社区居民"
    SHOP_OWNER = "shop_owner", "超市老板"
    DOCTOR = "doctor", "医生"
    TEACHER = "teacher", "教师"
    STUDENT = "student", "大学生"
    VETERAN = "veteran", "退役军人"
    OTHER = "other", "其他"


@define(kw_only=True, eq=False)
class RedSteward(Person):
    """A "red steward" 红色管家 volunteer of a community's "1+1+N" team.

    ``availability`` holds weekly windows in the station's local time; ``skills`` drive
    volunteer matching (rule L8).
    """

    community: str = field(validator=code)
    occupation: Occupation = field(default=Occupation.RESIDENT, validator=_of(Occupation))
    party_member: bool = field(default=False, validator=_of(bool))
    skills: tuple[Skill, ...] = ()
    availability: tuple[TimeWindow, ...] = ()
    joined: dt.date | None = None

    def available_at(self, local: dt.datetime) -> bool:
        """Whether one of the steward's weekly windows contains this local time."""
        return any(window.contains(local) for window in self.availability)


@define(kw_only=True, eq=False)
class GridWorker(Person):
    """A grid worker 网格员 of one or more grid cells; ``leader`` marks a grid leader 网格长."""

    cells: tuple[str, ...] = field(default=(), validator=_codes)
    leader: bool = False


@define(kw_only=True, eq=False)
class Mediator(Person):
    """A people's mediator 人民调解员 of the community mediation team 民调团队."""

    community: str | None = field(default=None, validator=_opt_code)


@define(kw_only=True, eq=False)
class Lawyer(Person):
    """A lawyer 律师 of the legal mediation team 法调团队."""

    firm: str | None = None


@define(kw_only=True, eq=False)
class Party(Person):
    """A party 当事人 to a matter: a resident with personal data (all masked when shown).

    ``id`` is local to the matter; ``person`` names the person record (a resident the station
    knows) the party is, so that "my matters" means the same person across matters.
    ``birth_date`` falls back to the one encoded in ``id_number``; a party under 16 needs a
    guardian in police mediation (rule M5). It is never shown in a ``repr`` (with a masked ID
    number it would give the number back); masked reads withhold it.
    """

    person: str | None = field(default=None, validator=_opt_code)
    id_number: IdNumber | None = field(
        default=None, validator=attrs.validators.optional(_of(IdNumber))
    )
    address: Address | None = field(default=None, validator=attrs.validators.optional(_of(Address)))
    birth_date: dt.date | None = field(default=None, repr=False)

    def age_on(self, day: dt.date) -> int | None:
        """Age in whole years on ``day``, or ``None`` when no birth date is known."""
        born = self.birth_date or (self.id_number.birth_date if self.id_number else None)
        if born is None:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
