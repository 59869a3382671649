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


def summarise(config: StationConfig, lang: str = "zh") -> tuple[Section, ...]:
    """Summarise a station 派出所概况 for people to read, in Chinese (``zh``) or English (``en``).

    Args:
        config: The station configuration.
        lang: ``zh`` or ``en``; names of places and bodies are shown as declared.

    Returns:
        Sections: jurisdiction, police grids, "1+1+N" teams, 一体, 三联 and 五微.
    """
    w = _Words(lang)
    return (
        _jurisdiction(config, w),
        _police_grids(config, w),
        _teams(config, w),
        _one_body(config, w),
        _three_linkages(config, w),
        _five_micro(config, w),
    )


@frozen
class _Words:
    lang: str

    def __call__(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en


_PLACE_NAMES = {
    "villages": ("个村", "villages"),
    "communities": ("个社区", "communities"),
    "compounds": ("个小区", "compounds"),
    "universities": ("所高校", "universities"),
    "industrial_parks": ("个工业园区", "industrial parks"),
    "enterprises": ("家企业", "enterprises"),
}


def _grids(n: dict[str, int], w: _Words) -> str:
    return w(
        f"{n['police_grids']} 个警格 → {n['grid_cells']} 个网格",
        f"{n['police_grids']} police grids → {n['grid_cells']} cells",
    )


def _jurisdiction(config: StationConfig, w: _Words) -> Section:
    station, n = config.station, counts(config)
    places = " · ".join(
        f"{n[key]}{'' if w.lang == 'zh' else ' '}{w(*names)}" for key, names in _PLACE_NAMES.items()
    )
    people = w(
        f"民警 {n['officers']} 名（社区民警 {n['community_officers']} 名）· 辅警 "
        f"{n['auxiliary_officers']} 名 · 红色管家 {n['red_stewards']} 名 · 网格员 "
        f"{n['grid_workers']} 名",
        f"{n['officers']} officers ({n['community_officers']} community) · "
        f"{n['auxiliary_officers']} auxiliary officers · {n['red_stewards']} red "
        f"stewards · {n['grid_workers']} grid workers",
    )
    return Section(
        w(f"辖区：{station.name}（{station.id}）", f"Jurisdiction: {station.name} ({station.id})"),
        (
            (w("上级", "parent"), station.parent or "-"),
            (w("成立", "founded"), str(station.founded or "-")),
            (w("面积", "area"), f"{station.area_km2:g} km²" if station.area_km2 else "-"),
            (w("场所", "places"), places),
            (w("警格·网格", "grids"), _grids(n, w)),
            (w("人员", "people"), people),
        ),
    )


def _police_grids(config: StationConfig, w: _Words) -> Section:
    names = {place.id: place.name for place in config.places}
    rows = []
    for grid in config.police_grids:
        cells = [cell for cell in config.cells if cell.police_grid == grid.id]
        settlements = ", ".join(dict.fromkeys(names[cell.community] for cell in cells)) or "-"
        officers = ", ".join(o.id for o in config.officers if grid.id in o.police_grids) or "-"
        rows.append(
            (
                f"{grid.id} {grid.name}",
                w(
                    f"{len(cells)} 个网格 · {settlements} · 民警 {officers}",
                    f"{len(cells)} cells · {settlements} · officers {officers}",
                ),
            )
        )
    return Section(w("警格", "Police grids"), tuple(rows))


def _teams(config: StationConfig, w: _Words) -> Section:
    names = {place.id: place.name for place in config.places}
    rows = tuple(
        (
            f"{team.id} {names[team.community]}",
            w(
                f"民警 {team.officer} + 负责人 {team.lead} + 红色管家 {len(team.stewards)} 名",
                f"officer {team.officer} + lead {team.lead} + {len(team.stewards)} red stewards",
            ),
        )
        for team in config.teams
    )
    return Section(w('"1+1+N" 党员警务团队', '"1+1+N" party-member police teams'), rows)


_POSTS_EN = {
    OfficerPost.COMMUNITY: "community officers",
    OfficerPost.CRIMINAL: "criminal investigators",
    OfficerPost.CASE_HANDLING: "case-handling officers",
    OfficerPost.DUTY: "duty officers",
    OfficerPost.COMMAND: "command-room officers",
}


def _one_body(config: StationConfig, w: _Words) -> Section:
    posts = Counter(officer.post for officer in config.officers)
    inside = " · ".join(
        f"{posts[p]} {w(p.label_zh, _POSTS_EN.get(p, p.value))}" for p in OfficerPost if posts[p]
    )
    forces = ", ".join(force.name for force in config.forces) or "-"
    return Section(
        w("一体", "One body (一体)"),
        (
            (
                w("格局", "structure"),
                w(
                    f"{config.rules.lead_body}主导 · 派出所主责 · 社区(村)主体",
                    f"{_lead_en(config.rules.lead_body)} leads · the station is responsible · "
                    "communities act",
                ),
            ),
            (w(f"综治力量 {len(config.forces)} 支", f"{len(config.forces)} forces"), forces),
            (w("所内一体", "inside the station"), inside or "-"),
        ),
    )


def _lead_en(lead_body: str) -> str:
    """The lead body in English: Miaoshan's 管委会 translated, a station's own name as written."""
    return "the park committee (管委会)" if lead_body == "管委会" else lead_body


def _three_linkages(config: StationConfig, w: _Words) -> Section:
    posts = Counter(officer.post for officer in config.officers)
    panels = " · ".join(
        w(
            f"{panel.name}：{len(panel.departments)} 个部门，律师 {len(panel.lawyers)} 名"
            f"（法调），调解员 {len(panel.mediators)} 名（民调）",
            f"{panel.name}: {len(panel.departments)} departments, {len(panel.lawyers)} lawyers "
            f"(legal), {len(panel.mediators)} mediators (people's mediation)",
        )
        for panel in config.mediation_panels
    )
    departments = ", ".join(d.name for d in config.departments) or "-"
    action = w(
        f"值班 {posts[OfficerPost.DUTY]} 名、指挥室 {posts[OfficerPost.COMMAND]} 名、办案民警 "
        f"{posts[OfficerPost.CASE_HANDLING]} 名 · 辅警 {len(config.auxiliary_officers)} 名",
        f"{posts[OfficerPost.DUTY]} duty, {posts[OfficerPost.COMMAND]} command room, "
        f"{posts[OfficerPost.CASE_HANDLING]} case-handling officers · "
        f"{len(config.auxiliary_officers)} auxiliary officers",
    )
    governance = w(
        f"综治力量 {len(config.forces)} 支 · 部门 {len(config.departments)} 个：{departments}",
        f"{len(config.forces)} forces · {len(config.departments)} departments: {departments}",
    )
    return Section(
        w("三联", "Three linkages (三联)"),
        (
            (w("联动", "joint action"), action),
            (w("联治", "joint governance"), governance),
            (w("联调", "joint mediation"), panels or w("未设联调小组", "no panel declared")),
        ),
    )


_GROUPS_EN = {
    GroupCategory.LANDLORD: "landlords",
    GroupCategory.INDUSTRY: "trades",
    GroupCategory.UNIT: "work units",
    GroupCategory.SCHOOL: "schools",
    GroupCategory.GRID_WORKER: "grid workers",
    GroupCategory.VOLUNTEER: "volunteers",
}


def _five_micro(config: StationConfig, w: _Words) -> Section:
    n = counts(config)
    categories = {group.category for group in config.resident_groups}
    vanguard = " · ".join(
        w(
            f"{team.name}（{len(team.members)} 人"
            + (f"，{team.certified_on:%Y-%m} 授牌" if team.certified_on else "")
            + "）",
            f"{team.name} ({len(team.members)} members"
            + (f", certified {team.certified_on:%Y-%m}" if team.certified_on else "")
            + ")",
        )
        for team in config.vanguard_teams
    )
    shown = ", ".join(
        w(c.label_zh, _GROUPS_EN.get(c, c.value)) for c in GroupCategory if c in categories
    )
    evidence: dict[str, Callable[[], str]] = {
        "micro_grid": lambda: _grids(n, w),
        "micro_group": lambda: w(
            f"居民群 {n['resident_groups']} 个，覆盖 {len(GroupCategory)} 类中的 "
            f"{len(categories)} 类：{shown}",
            f"{n['resident_groups']} resident groups in {len(categories)} of "
            f"{len(GroupCategory)} categories: {shown}",
        ),
        "micro_mediation": lambda: w(
            f"调解员 {n['mediators']} 名 · 律师 {n['lawyers']} 名",
            f"{n['mediators']} mediators · {n['lawyers']} lawyers",
        ),
        "micro_publicity": lambda: vanguard or "-",
        "micro_service": lambda: w(
            f"红色管家 {n['red_stewards']} 名，{len(config.teams)} 个团队",
            f"{n['red_stewards']} red stewards in {len(config.teams)} teams",
        ),
    }
    rows = tuple(
        (w(p.label_zh, p.label_en), evidence[p.code]() if p.code in evidence else p.description)
        for p in micro_pillar_registry()
    )
    return Section(w("五微", "Five micro (五微)"), rows)
