"""A station's look-up tables 索引, built once so that per-matter rules stay fast.

Triage runs for every reported matter (``report_many`` imports hundreds of thousands): it must
not scan a thousand places or every officer each time. :class:`StationIndex` precomputes what
the rules look up; :meth:`StationIndex.of` caches one per configuration object.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from attrs import frozen

from fengqiao_core.model import (
    CommunityTeam,
    Department,
    Force,
    GridCell,
    MediationPanel,
    OfficerPost,
    Place,
    PlaceKind,
)

if TYPE_CHECKING:
    from fengqiao_core.model import StationData

__all__ = ["StationIndex"]

_PARK_KINDS = (PlaceKind.INDUSTRIAL_PARK, PlaceKind.UNIVERSITY)
_cache: dict[int, tuple[StationData, StationIndex]] = {}
_lock = threading.Lock()


def _in_park(places: Mapping[str, Place], place: Place) -> bool:
    seen: set[str] = set()
    current: Place | None = place
    while current is not None and current.id not in seen:
        if current.kind in _PARK_KINDS:
            return True
        seen.add(current.id)
        current = places.get(current.parent or "")
    return False


def _compound(places: Mapping[str, Place], place: Place) -> str | None:
    current: Place | None = place
    seen: set[str] = set()
    while current is not None and current.id not in seen:
        if current.kind in (PlaceKind.COMPOUND, PlaceKind.ENTERPRISE):
            return current.id
        seen.add(current.id)
        current = places.get(current.parent or "")
    return None


@frozen
class StationIndex:
    """Precomputed look-ups over a :class:`~fengqiao_core.model.StationData`.

    Attributes:
        cells: Cells by id.
        park_places: Ids of places in a park or campus (or that are one).
        compound_of: The compound or enterprise enclosing each place (for property management).
        community_officers: Community officers' ids per police grid, sorted.
        first_by_post: The first officer id (sorted) of each post.
        teams: The "1+1+N" team of each community or village.
        panel: The joint mediation panel (the first by id), if any.
        panel_departments: Departments on a panel competent for each category key.
        competent_forces: Forces competent for each category key.
        competent_departments: Departments competent for each category key.
    """

    cells: Mapping[str, GridCell]
    park_places: frozenset[str]
    compound_of: Mapping[str, str]
    community_officers: Mapping[str, tuple[str, ...]]
    first_by_post: Mapping[OfficerPost, str]
    teams: Mapping[str, CommunityTeam]
    panel: MediationPanel | None
    panel_departments: Mapping[str, tuple[str, ...]]
    competent_forces: Mapping[str, tuple[str, ...]]
    competent_departments: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, config: StationData) -> StationIndex:
        """The index of ``config``, built on first use and cached while ``config`` lives."""
        with _lock:
            cached = _cache.get(id(config))
            if cached is not None and cached[0] is config:
                return cached[1]
            index = cls.build(config)
            _cache[id(config)] = (config, index)
            return index

    @classmethod
    def build(cls, config: StationData) -> StationIndex:
        """Build the index (prefer :meth:`of`, which caches)."""
        places = {p.id: p for p in config.places}
        officers: dict[str, list[str]] = {}
        for officer in config.officers:
            if officer.post is OfficerPost.COMMUNITY:
                for grid in officer.police_grids:
                    officers.setdefault(grid, []).append(officer.id)
        first: dict[OfficerPost, str] = {}
        for officer in sorted(config.officers, key=lambda o: o.id):
            first.setdefault(officer.post, officer.id)
        panel = min(config.mediation_panels, key=lambda p: p.id, default=None)
        on_panel = {d for p in config.mediation_panels for d in p.departments}
        return cls(
            cells={c.id: c for c in config.cells},
            park_places=frozenset(p.id for p in config.places if _in_park(places, p)),
            compound_of={
                p.id: found for p in config.places if (found := _compound(places, p)) is not None
            },
            community_officers={grid: tuple(sorted(ids)) for grid, ids in officers.items()},
            first_by_post=first,
            teams={t.community: t for t in sorted(config.teams, key=lambda t: t.id, reverse=True)},
            panel=panel,
            panel_departments=_competence(d for d in config.departments if d.id in on_panel),
            competent_forces=_competence(config.forces),
            competent_departments=_competence(config.departments),
        )


def _competence(bodies: Iterable[Force | Department]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for body in bodies:
        for category in body.competences:
            found.setdefault(category, []).append(body.id)
    return {category: tuple(sorted(ids)) for category, ids in found.items()}
