"""Value objects shared by the whole model: points, time windows, skills, grid codes, actors."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

import attrs
from attrs import field, frozen

from fengqiao_core.errors import ValidationError, describe_value
from fengqiao_core.model.labels import LabelledEnum

__all__ = [
    "MAX_AMOUNT_YUAN",
    "Actor",
    "CoordinateSystem",
    "GeoPoint",
    "GridCode",
    "Role",
    "Skill",
    "TimeWindow",
    "amount",
    "aware",
    "code",
    "is_ascii_digits",
    "non_negative",
    "of_type",
    "score",
]

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_SLUG = re.compile(r"[a-z][a-z0-9_]{0,39}")


def of_type(*kinds: type) -> Any:
    """Attrs validator: the value is an instance of one of ``kinds``.

    Like ``attrs.validators.instance_of`` but raising :class:`ValidationError` that names the
    field and the expected and actual types — never the value, which may be personal.
    """
    names = " or ".join(k.__name__ for k in kinds)

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise ValidationError(attribute.name, f"expected {names}, got {type(value).__name__}")

    return check


def score(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: a satisfaction score, a whole number from 1 to 5."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError(attribute.name, f"{describe_value(value)} is not a score from 1 to 5")


def plain_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: short plain text a program wrote (1-200 characters, none invisible).

    For labels and explanations that plugins or rules write (not people's words, which are
    :class:`~fengqiao_core.model.personal.FreeText`): control, format and surrogate characters
    are refused so that such text is safe in any terminal and any store.
    """
    if not isinstance(value, str) or not 1 <= len(value) <= 200:
        kind = (
            f"text of {len(value)} characters" if isinstance(value, str) else type(value).__name__
        )
        raise ValidationError(attribute.name, f"{kind} is not 1-200 characters of text")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in value):
        raise ValidationError(attribute.name, "holds control, format or unassigned characters")


def code_or_any(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: a :func:`code`, or ``"*"`` (every object of a kind)."""
    if value != "*":
        code(_, attribute, value)


def aware(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: a zone-aware ``datetime`` (times are never naive in fengqiao_core)."""
    if not isinstance(value, dt.datetime):
        raise ValidationError(attribute.name, f"must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(attribute.name, f"{value.isoformat()} has no time zone")


def code(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: an identifier or code (1-64 characters: letters, digits, ``_.:-``)."""
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        kind = (
            f"text of {len(value)} characters" if isinstance(value, str) else type(value).__name__
        )
        raise ValidationError(
            attribute.name, f"{kind} is not a code (1-64 letters, digits or _.:- )"
        )


def non_negative(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: an ``int`` that is zero or more (``bool`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(attribute.name, f"{describe_value(value)} is not a count >= 0")


MAX_AMOUNT_YUAN = 10**15
"""The largest sum a matter may name (a thousand trillion yuan): exact in JSON and in SQL."""


def amount(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: ``None``, or whole yuan from 0 to :data:`MAX_AMOUNT_YUAN`."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT_YUAN:
        raise ValidationError(
            attribute.name, f"{describe_value(value)} is not whole yuan from 0 to 10^15"
        )


class Role(LabelledEnum):
    """The role an actor acts in; access rules and audit entries are keyed by it."""

    OFFICER = "officer", "民警"
    AUXILIARY = "auxiliary", "辅警"
    STEWARD = "steward", "红色管家"
    GRID_WORKER = "grid_worker", "网格员"
    MEDIATOR = "mediator", "人民调解员"
    LAWYER = "lawyer", "律师"
    ADMIN = "admin", "管理员"
    AUDITOR = "auditor", "审计员"
    RESIDENT = "resident", "群众"
    SYSTEM = "system", "系统"


@frozen
class Actor:
    """Who does something 操作人: a person id (or a system name) and the role they act in."""

    person_id: str = field(validator=code)
    role: Role = field(validator=of_type(Role))


class CoordinateSystem(LabelledEnum):
    """Coordinate reference of a point: WGS-84 (GPS) or GCJ-02 (国测局坐标, Chinese web maps)."""

    WGS84 = "wgs84", "WGS-84 大地坐标"
    GCJ02 = "gcj02", "GCJ-02 国测局坐标"


def _finite_between(low: float, high: float) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(float(value)) or not low <= float(value) <= high:  # type: ignore[arg-type]
            raise ValidationError(
                attribute.name, f"{describe_value(value)} is not a number in [{low}, {high}]"
            )

    return check


@frozen
class GeoPoint:
    """A location on the map 坐标点: longitude and latitude in degrees, and their system."""

    lon: float = field(validator=_finite_between(-180.0, 180.0))
    lat: float = field(validator=_finite_between(-90.0, 90.0))
    crs: CoordinateSystem = CoordinateSystem.WGS84


@frozen
class TimeWindow:
    """A weekly availability window 可服务时段: weekday (0 = Monday) and a local time range."""

    weekday: int = field(validator=attrs.validators.in_(range(7)))
    start: dt.time
    end: dt.time

    def __attrs_post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValidationError("start", "window times are local times without a zone")
        if not self.start < self.end:
            raise ValidationError("end", f"{self.end} is not after start {self.start}")

    def contains(self, local: dt.datetime) -> bool:
        """Whether a local (station-zone) datetime falls in this window."""
        return local.weekday() == self.weekday and self.start <= local.time() < self.end


@frozen
class Skill:
    """A volunteer's skill 专长 (open vocabulary): e.g. ``medical``, ``education``, ``legal``."""

    code: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.code, str) or not _SLUG.fullmatch(self.code):
            raise ValidationError(
                "skill", f"{describe_value(self.code)} is not a skill code (a-z, 0-9, _)"
            )


def is_ascii_digits(value: object, length: int) -> bool:
    """Whether ``value`` is a string of exactly ``length`` ASCII digits (no full-width ones)."""
    return isinstance(value, str) and len(value) == length and value.isascii() and value.isdigit()


@frozen
class GridCode:
    """A 15-digit grid cell code 网格编码 (CJ/T 213-2005 practice).

    6 digits administrative division (GB/T 2260, e.g. Jiangxia 420115) + 3 street + 3 community
    + 3 sequence.
    """

    value: str

    def __attrs_post_init__(self) -> None:
        if not is_ascii_digits(self.value, 15):
            raise ValidationError(
                "code", f"{describe_value(self.value)} is not a 15-digit grid code"
            )

    @property
    def division(self) -> str:
        """The 6-digit administrative division code."""
        return self.value[:6]

    @property
    def street(self) -> str:
        """The 3-digit street (街道/乡镇) part."""
        return self.value[6:9]

    @property
    def community(self) -> str:
        """The 3-digit community or village part."""
        return self.value[9:12]

    @property
    def sequence(self) -> str:
        """The 3-digit sequence of the cell within its community."""
        return self.value[12:]

    def __str__(self) -> str:
        return self.value
