"""A readable summary of a station 派出所概况: jurisdiction, teams and 一体三联五微.

Plain data (titled sections of label/value rows) that ``fengqiao demo`` renders; it names ids,
place names and counts, never personal data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from attrs import frozen

from fengqiao_core.model import GroupCategory, OfficerPost, micro_pillar_registry
from fengqiao_core.station.config import StationConfig, counts

__all__ = ["Section", "summarise"]


@frozen
class Section:
    """One titled part of a station summary 概况栏目: rows of (label, value) text."""

    title: str
    rows: tuple[tuple[str, str], ...]


def summarise(config: StationConfig) -> tuple[Section, ...]:
    """Summarise a station 派出所概况 for people to read.

    Args:
        config: The station configuration.

    Returns:
        Sections: jurisdiction, police grids, "1+1+N" teams, 一体, 三联 and 五微.
    """
    return (
        _jurisdiction(config),
        _police_grids(config),
        _teams(config),
        _one_body(config),
        _three_linkages(config),
        _five_micro(config),
    )


def _jurisdiction(config: StationConfig) -> Section:
    station, n = config.station, counts(config)
    places = " · ".join(f"{n[key]} {key.replace('_', ' ')}" for key in _PLACE_KEYS)
    return Section(
        f"辖区 Jurisdiction: {station.name} ({station.id})",
        (
            ("上级 parent", station.parent or "-"),
            ("成立 founded", str(station.founded or "-")),
            ("面积 area", f"{station.area_km2:g} km²" if station.area_km2 else "-"),
            ("场所 places", places),
            ("警格·网格 grids", f"{n['police_grids']} police grids → {n['grid_cells']} cells"),
            (
                "人员 people",
                f"{n['officers']} officers ({n['community_officers']} community) · "
                f"{n['auxiliary_officers']} auxiliary officers · {n['red_stewards']} red "
                f"stewards · {n['grid_workers']} grid workers",
            ),
        ),
    )


_PLACE_KEYS = (
    "villages",
    "communities",
    "compounds",
    "universities",
    "industrial_parks",
    "enterprises",
)


def _police_grids(config: StationConfig) -> Section:
    names = {place.id: place.name for place in config.places}
    rows = []
    for grid in config.police_grids:
        cells = [cell for cell in config.cells if cell.police_grid == grid.id]
        settlements = dict.fromkeys(names[cell.community] for cell in cells)
        officers = [o.id for o in config.officers if grid.id in o.police_grids]
        rows.append(
            (
                f"{grid.id} {grid.name}",
                f"{len(cells)} cells · {', '.join(settlements) or '-'} · "
                f"officers {', '.join(officers) or '-'}",
            )
        )
    return Section("警格 Police grids", tuple(rows))


def _teams(config: StationConfig) -> Section:
    names = {place.id: place.name for place in config.places}
    rows = tuple(
        (
            f"{team.id} {names[team.community]}",
            f"officer {team.officer} + lead {team.lead} + {len(team.stewards)} red stewards",
        )
        for team in config.teams
    )
    return Section('"1+1+N" 党员警务团队 Teams', rows)


def _one_body(config: StationConfig) -> Section:
    posts = Counter(officer.post for officer in config.officers)
    inside = " · ".join(f"{posts[p]} {p.label_zh}" for p in OfficerPost if posts[p])
    forces = ", ".join(force.name for force in config.forces) or "-"
    return Section(
        "一体 One body",
        (
            ("格局 structure", "管委会主导 · 派出所主责 · 社区(村)主体"),
            (f"综治力量 {len(config.forces)} forces", forces),
            ("所内一体 inside the station", inside or "-"),
        ),
    )


def _three_linkages(config: StationConfig) -> Section:
    posts = Counter(officer.post for officer in config.officers)
    panels = " · ".join(
        f"{panel.name}: {len(panel.departments)} departments, {len(panel.lawyers)} lawyers "
        f"(法调), {len(panel.mediators)} mediators (民调)"
        for panel in config.mediation_panels
    )
    return Section(
        "三联 Three linkages",
        (
            (
                "联动 joint action",
                f"{posts[OfficerPost.DUTY]} duty, {posts[OfficerPost.COMMAND]} command room, "
                f"{posts[OfficerPost.CASE_HANDLING]} case-handling officers · "
                f"{len(config.auxiliary_officers)} auxiliary officers",
            ),
            (
                "联治 joint governance",
                f"{len(config.forces)} forces · {len(config.departments)} departments: "
                + (", ".join(d.name for d in config.departments) or "-"),
            ),
            ("联调 joint mediation", panels or "no panel declared"),
        ),
    )


def _five_micro(config: StationConfig) -> Section:
    n = counts(config)
    categories = {group.category for group in config.resident_groups}
    vanguard = " · ".join(
        f"{team.name} ({len(team.members)} members"
        + (f", certified {team.certified_on:%Y-%m}" if team.certified_on else "")
        + ")"
        for team in config.vanguard_teams
    )
    evidence: dict[str, Callable[[], str]] = {
        "micro_grid": lambda: f"{n['police_grids']} police grids → {n['grid_cells']} cells",
        "micro_group": lambda: (
            f"{n['resident_groups']} resident groups in {len(categories)} of "
            f"{len(GroupCategory)} categories: "
            + ", ".join(c.label_zh for c in GroupCategory if c in categories)
        ),
        "micro_mediation": lambda: f"{n['mediators']} mediators · {n['lawyers']} lawyers",
        "micro_publicity": lambda: vanguard or "-",
        "micro_service": lambda: f"{n['red_stewards']} red stewards in {len(config.teams)} teams",
    }
    rows = tuple(
        (f"{p.label_zh} {p.label_en}", evidence[p.code]() if p.code in evidence else p.description)
        for p in micro_pillar_registry()
    )
    return Section("五微 Five micro", rows)
