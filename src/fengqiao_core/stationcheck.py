"""Integrity of a station configuration 配置完整性: unique ids, resolvable references, safe text.

Used by :class:`fengqiao_core.stationconfig.StationConfig` when it is built; every problem has a
path such as ``$.cells[3].police_grid`` and never echoes personal data.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
import zoneinfo
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs

from fengqiao_core.errors import Problem, describe_value
from fengqiao_core.privacy import Sensitive

if TYPE_CHECKING:
    from fengqiao_core.stationconfig import StationConfig

__all__ = ["ENTITY_KINDS", "PEOPLE_KINDS", "integrity_problems"]

PEOPLE_KINDS = (
    "officers",
    "auxiliary_officers",
    "red_stewards",
    "grid_workers",
    "mediators",
    "lawyers",
)
"""The tuples of :class:`StationConfig` that hold people; their ids share one id space."""

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


def integrity_problems(config: StationConfig) -> list[Problem]:
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


def _id_spaces(config: StationConfig) -> tuple[dict[str, set[str]], list[Problem]]:
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


def _station_problems(config: StationConfig) -> Iterator[Problem]:
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


def _cycle_problems(config: StationConfig) -> Iterator[Problem]:
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
