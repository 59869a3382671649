"""What a station declares 辖区、人员与组织: :class:`StationData`, checked for integrity when built.

:class:`StationData` holds the :class:`~fengqiao_core.model.Station` and a tuple of every
entity kind; the rules read it. The station file's configuration
(:class:`fengqiao_core.station.config.StationConfig`) extends it with backends and rule
settings. Building one runs :func:`integrity_problems`: unique ids, resolvable references, safe
text; every problem has a path such as ``$.cells[3].police_grid`` and never echoes personal data.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
import zoneinfo
from collections.abc import Iterator
from typing import Any

import attrs
from attrs import frozen

from fengqiao_core.errors import Problem, ValidationError, describe_value
from fengqiao_core.model.jurisdiction import GridCell, Place, PlaceKind, PoliceGrid, Station
from fengqiao_core.model.organisation import (
    CommunityTeam,
    Department,
    Force,
    MediationPanel,
    ResidentGroup,
    VanguardTeam,
)
from fengqiao_core.model.people import (
    AuxiliaryOfficer,
    GridWorker,
    Lawyer,
    Mediator,
    Officer,
    RedSteward,
)
from fengqiao_core.model.personal import Sensitive

__all__ = ["ENTITY_KINDS", "PEOPLE_KINDS", "StationData", "integrity_problems"]

PEOPLE_KINDS = (
    "officers",
    "auxiliary_officers",
    "red_stewards",
    "grid_workers",
    "mediators",
    "lawyers",
)
"""The tuples of :class:`StationData` that hold people; their ids share one id space."""

ENTITY_KINDS = (
    "police_grids",
    "cells",
    "places",
    *PEOPLE_KINDS,
    "forces",
    "departments",
    "teams",
    "mediation_panels",
    "resident_groups",
    "vanguard_teams",
)
"""Every entity tuple of :class:`StationConfig`, in station-file order."""

# (kind, attribute, target id space); an attribute holds None, one id or a tuple of ids.
_REFERENCES = (
    ("cells", "police_grid", "police_grids"),
    ("cells", "community", "settlements"),
    ("cells", "dedicated_to", "places"),
    ("places", "parent", "places"),
    ("places", "cell", "cells"),
    ("officers", "police_grids", "police_grids"),
    ("auxiliary_officers", "police_grid", "police_grids"),
    ("auxiliary_officers", "supervisor", "officers"),
    ("red_stewards", "community", "settlements"),
    ("grid_workers", "cells", "cells"),
    ("mediators", "community", "settlements"),
    ("teams", "community", "settlements"),
    ("teams", "officer", "officers"),
    ("teams", "lead", "people"),
    ("teams", "stewards", "red_stewards"),
    ("mediation_panels", "leader", "people"),
    ("mediation_panels", "departments", "departments"),
    ("mediation_panels", "lawyers", "lawyers"),
    ("mediation_panels", "mediators", "mediators"),
    ("resident_groups", "owner", "officers"),
    ("resident_groups", "cells", "cells"),
    ("vanguard_teams", "leader", "officers"),
    ("vanguard_teams", "members", "people"),
)
_TARGET_LABEL = {
    "settlements": "declared village or community",
    "people": "declared person",
}
_MAX_TEXT = 200


@frozen(kw_only=True, repr=False)
class StationData:
    """What a station declares 辖区、人员与组织: its facts, jurisdiction, people and organisation.

    Construction checks that ids are unique per kind (people share one id space), that every
    reference names a declared entity of the right kind, that place parents do not form a
    cycle and that names hold no control characters; it raises one
    :class:`~fengqiao_core.errors.ValidationError` whose problems have paths such as
    ``$.cells[3].police_grid``. Its ``repr`` shows only the station id and counts.
    """

    station: Station
    police_grids: tuple[PoliceGrid, ...] = ()
    cells: tuple[GridCell, ...] = ()
    places: tuple[Place, ...] = ()
    officers: tuple[Officer, ...] = ()
    auxiliary_officers: tuple[AuxiliaryOfficer, ...] = ()
    red_stewards: tuple[RedSteward, ...] = ()
    grid_workers: tuple[GridWorker, ...] = ()
    mediators: tuple[Mediator, ...] = ()
    lawyers: tuple[Lawyer, ...] = ()
    forces: tuple[Force, ...] = ()
    departments: tuple[Department, ...] = ()
    teams: tuple[CommunityTeam, ...] = ()
    mediation_panels: tuple[MediationPanel, ...] = ()
    resident_groups: tuple[ResidentGroup, ...] = ()
    vanguard_teams: tuple[VanguardTeam, ...] = ()

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = integrity_problems(self)
        if problems:
            raise ValidationError.from_problems(problems)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(station={self.station.id!r}, "
            f"cells={len(self.cells)}, places={len(self.places)})"
        )

    def places_of(self, kind: PlaceKind) -> tuple[Place, ...]:
        """The declared places of one kind 场所, in file order."""
        return tuple(p for p in self.places if p.kind is kind)


def integrity_problems(config: StationData) -> list[Problem]:
    """Check a station configuration's integrity 配置完整性.

    Args:
        config: The configuration being built.

    Returns:
        Every problem found (empty when the configuration is consistent).
    """
    ids, problems = _id_spaces(config)
    problems.extend(_station_problems(config))
    for kind, attribute, target in _REFERENCES:
        label = _TARGET_LABEL.get(target, f"declared {target[:-1].replace('_', ' ')}")
        for index, entity in enumerate(getattr(config, kind)):
            value = getattr(entity, attribute)
            refs = value if isinstance(value, tuple) else (value,)
            for position, ref in enumerate(refs):
                if ref is not None and ref not in ids[target]:
                    where = f"[{position}]" if isinstance(value, tuple) else ""
                    problems.append(
                        Problem(
                            f"$.{kind}[{index}].{attribute}{where}",
                            f"{describe_value(ref)} is not the id of a {label}",
                        )
                    )
    problems.extend(_cycle_problems(config))
    for kind in ENTITY_KINDS:
        for index, entity in enumerate(getattr(config, kind)):
            problems.extend(_text_problems(f"$.{kind}[{index}]", entity))
    return problems


def _id_spaces(config: StationData) -> tuple[dict[str, set[str]], list[Problem]]:
    problems: list[Problem] = []
    ids: dict[str, set[str]] = {}
    people: dict[str, str] = {}
    for kind in ENTITY_KINDS:
        first: dict[str, str] = {}
        for index, entity in enumerate(getattr(config, kind)):
            path = f"$.{kind}[{index}].id"
            earlier = first.get(entity.id) or (
                people.get(entity.id) if kind in PEOPLE_KINDS else None
            )
            if earlier:
                problems.append(
                    Problem(path, f"duplicate id {describe_value(entity.id)}, already at {earlier}")
                )
            first.setdefault(entity.id, path)
            if kind in PEOPLE_KINDS:
                people.setdefault(entity.id, path)
        ids[kind] = set(first)
    ids["people"] = set(people)
    ids["settlements"] = {p.id for p in config.places if p.kind.is_settlement}
    return ids, problems


def _station_problems(config: StationData) -> Iterator[Problem]:
    station = config.station
    yield from _text_problems("$.station", station)
    try:
        zoneinfo.ZoneInfo(station.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        yield Problem(
            "$.station.timezone", f"{describe_value(station.timezone)} is not an IANA time zone"
        )
    founded = station.founded
    if founded is not None and not 1900 <= founded <= dt.date.today().year:
        yield Problem("$.station.founded", f"{describe_value(founded)} is not a year since 1900")
    area = station.area_km2
    if area is not None and not (math.isfinite(area) and 0 < area <= 100_000):
        yield Problem("$.station.area_km2", f"{describe_value(area)} is not an area in (0, 100000]")


def _cycle_problems(config: StationData) -> Iterator[Problem]:
    parents = {p.id: p.parent for p in config.places}
    for index, place in enumerate(config.places):
        seen = {place.id}
        parent = place.parent
        while parent is not None and parent in parents:
            if parent in seen:
                yield Problem(
                    f"$.places[{index}].parent",
                    f"{describe_value(place.parent)} leads back to {describe_value(place.id)}",
                )
                break
            seen.add(parent)
            parent = parents[parent]


def _text_problems(path: str, entity: Any) -> Iterator[Problem]:
    for attribute in attrs.fields(type(entity)):
        value = getattr(entity, attribute.name)
        where = f"{path}.{attribute.name}"
        if isinstance(value, Sensitive):
            text, shown = value.reveal(), "the value"
        elif isinstance(value, str):
            text, shown = value, describe_value(value)
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            for position, item in enumerate(value):
                yield from _text_problems_of(f"{where}[{position}]", item, describe_value(item))
            continue
        else:
            continue
        yield from _text_problems_of(where, text, shown)


def _text_problems_of(where: str, text: str, shown: str) -> Iterator[Problem]:
    if not text.strip():
        yield Problem(where, "must not be blank")
    elif len(text) > _MAX_TEXT:
        yield Problem(where, f"is {len(text)} characters long, more than {_MAX_TEXT}")
    elif any(unicodedata.category(c)[0] == "C" for c in text):
        yield Problem(where, f"{shown} contains control or format characters")
