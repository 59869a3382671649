"""Jurisdiction 辖区: the station, its police grids, grid cells and places."""

from __future__ import annotations

import attrs
from attrs import define, field

from fengqiao_core.errors import ValidationError, describe_value
from fengqiao_core.model.base import Entity
from fengqiao_core.model.labels import LabelledEnum
from fengqiao_core.model.values import (
    GeoPoint,
    GridCode,
    code,
    is_ascii_digits,
    non_negative,
    of_type,
)

__all__ = ["GridCell", "Place", "PlaceKind", "PoliceGrid", "Station"]

_str = of_type(str)
_opt_code = attrs.validators.optional(code)


def _division(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not is_ascii_digits(value, 6):
        raise ValidationError(
            attribute.name, f"{describe_value(value)} is not a 6-digit division code"
        )


@define(kw_only=True, eq=False)
class Station(Entity):
    """A police station 派出所: the facts a station states about itself.

    ``division`` is its GB/T 2260 county code (Jiangxia: ``420115``); ``timezone`` is the zone
    of its clock and calendar (``Asia/Shanghai``).
    """

    name: str = field(validator=_str)
    division: str = field(validator=_division)
    parent: str | None = None
    founded: int | None = None
    area_km2: float | None = None
    timezone: str = "Asia/Shanghai"


@define(kw_only=True, eq=False)
class PoliceGrid(Entity):
    """A police grid 警格 (警务区): the area one community officer is responsible for."""

    name: str = field(validator=_str)


class PlaceKind(LabelledEnum):
    """The kinds of place 场所 in a jurisdiction."""

    VILLAGE = "village", "行政村"
    COMMUNITY = "community", "社区"
    COMPOUND = "compound", "小区"
    UNIVERSITY = "university", "高校"
    INDUSTRIAL_PARK = "industrial_park", "工业园区"
    ENTERPRISE = "enterprise", "企业"

    @property
    def is_settlement(self) -> bool:
        """Villages and communities contain grid cells; every other place lies in one."""
        return self in (PlaceKind.VILLAGE, PlaceKind.COMMUNITY)


@define(kw_only=True, eq=False)
class GridCell(Entity):
    """A governance grid cell 网格: ~150-500 households in exactly one community or village.

    ``id`` is the 15-digit grid code. ``police_grid`` is the 警格 that covers it and
    ``community`` the id of its village or community place. A dedicated cell 专属网格 names the
    park or campus it serves in ``dedicated_to``.
    """

    name: str = field(validator=_str)
    police_grid: str = field(validator=code)
    community: str = field(validator=code)
    households: int = field(default=0, validator=non_negative)
    dedicated_to: str | None = field(default=None, validator=_opt_code)

    def __attrs_post_init__(self) -> None:
        GridCode(self.id)

    @property
    def code(self) -> GridCode:
        """The cell's grid code with its parts."""
        return GridCode(self.id)


@define(kw_only=True, eq=False)
class Place(Entity):
    """A place 场所: village, community, compound, university, industrial park or enterprise.

    ``parent`` is the enclosing place (a compound's community); ``cell`` the grid cell it lies
    in (every place that is not a village or community lies in exactly one cell).
    """

    name: str = field(validator=_str)
    kind: PlaceKind = field(validator=of_type(PlaceKind))
    parent: str | None = field(default=None, validator=_opt_code)
    cell: str | None = field(default=None, validator=_opt_code)
    point: GeoPoint | None = None
