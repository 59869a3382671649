"""Topology and team rules T1-T3 拓扑与团队规则 (DOMAIN.md §3).

Pure functions over a :class:`~fengqiao_core.model.StationData` and the rules' own
:class:`TopologySettings`. The data already guarantees unique ids and resolvable references
(a cell names one declared police grid and one declared village or community); these rules
check the rest and return :class:`~fengqiao_core.rules.findings.Finding` s that name ids and
place names, never personal data.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

import attrs
from attrs import field, frozen

from fengqiao_core.errors import ValidationError, describe_value
from fengqiao_core.model import OfficerPost, PlaceKind, StationData
from fengqiao_core.rules.findings import Finding, FindingSeverity

__all__ = [
    "TopologySettings",
    "check_t1_partition",
    "check_t2_teams",
    "check_t3_grid_workers",
    "check_topology",
]

ERROR, WARNING, INFO = FindingSeverity.ERROR, FindingSeverity.WARNING, FindingSeverity.INFO
_HOUSEHOLDS_UNIT = 500


def _int_at_least(low: int) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 10_000:
            raise ValidationError(
                attribute.name, f"{describe_value(value)} is not a whole number in [{low}, 10000]"
            )

    return check


def _density(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not math.isfinite(number) or not 0 <= number <= 500:
        raise ValidationError(
            attribute.name, f"{describe_value(value)} is not a number in [0, 500]"
        )


@frozen(kw_only=True)
class TopologySettings:
    """Settings of the topology rules T2/T3 拓扑参数 (keys of the station file's ``[rules]``).

    Attributes:
        team_min_stewards: T2: the least N of a "1+1+N" team (N >= 1 by default).
        village_teams: T2: villages 行政村 need a "1+1+N" team too, not only communities 社区.
        grid_workers_per_cell: T3: the least number of grid workers 网格员 per grid cell.
        steward_density_per_500: T3: target red stewards per 500 households (reported only).
    """

    team_min_stewards: int = field(default=1, validator=_int_at_least(1))
    village_teams: bool = field(default=False, validator=attrs.validators.instance_of(bool))
    grid_workers_per_cell: int = field(default=1, validator=_int_at_least(1))
    steward_density_per_500: float = field(default=2.0, validator=_density)


def check_topology(config: StationData, settings: TopologySettings) -> list[Finding]:
    """Run every topology rule 拓扑检查 (T1, T2, T3) in order.

    Args:
        config: The station's declared data.
        settings: The topology settings (a station file's ``[rules]``).

    Returns:
        The findings of T1, then T2, then T3.
    """
    return [
        *check_t1_partition(config),
        *check_t2_teams(config, settings),
        *check_t3_grid_workers(config, settings),
    ]


def check_t1_partition(config: StationData) -> list[Finding]:
    """Rule T1 警格网格划分: police grids partition the cells; every place lies in one cell.

    Errors: a place that is not a village or community lies in no cell; a village or community
    names a cell it lies in (they contain cells instead). Warnings: a police grid covers no cell;
    a village or community has no cell; a cell's code is not in the station's division; a place
    lies in a cell of another community than its parent. Info: the fan-out (cells per police
    grid).

    Args:
        config: The station's declared data.

    Returns:
        The T1 findings.
    """
    found: list[Finding] = []
    per_grid = Counter(cell.police_grid for cell in config.cells)
    for grid in config.police_grids:
        if not per_grid[grid.id]:
            found.append(
                Finding(
                    "T1",
                    WARNING,
                    f"police grid {grid.id} covers no grid cell",
                    f"警格 {grid.id} 未覆盖任何网格",
                )
            )
    division = config.station.division
    cell_community = {cell.id: cell.community for cell in config.cells}
    with_cells = set(cell_community.values())
    for cell in config.cells:
        if cell.code.division != division:
            found.append(
                Finding(
                    "T1",
                    WARNING,
                    f"grid cell {cell.id} is coded for division {cell.code.division}, "
                    f"not the station's {division}",
                    f"网格 {cell.id} 的区划代码为 {cell.code.division}，不是本所的 {division}",
                )
            )
    settlements = {p.id for p in config.places if p.kind.is_settlement}
    for place in config.places:
        what = f"{place.kind.value} {place.id} ({place.name})"
        what_zh = f"{place.kind.label_zh} {place.id}（{place.name}）"
        if place.kind.is_settlement:
            if place.cell is not None:
                found.append(
                    Finding(
                        "T1",
                        ERROR,
                        f"{what} contains grid cells and cannot lie in one",
                        f"{what_zh} 包含网格，不能位于某一网格内",
                    )
                )
            if place.id not in with_cells:
                found.append(
                    Finding("T1", WARNING, f"{what} has no grid cell", f"{what_zh} 没有网格")
                )
        elif place.cell is None:
            found.append(
                Finding("T1", ERROR, f"{what} lies in no grid cell", f"{what_zh} 不在任何网格内")
            )
        elif place.parent in settlements and cell_community[place.cell] != place.parent:
            found.append(
                Finding(
                    "T1",
                    WARNING,
                    f"{what} belongs to {place.parent} but lies in grid cell {place.cell} "
                    f"of {cell_community[place.cell]}",
                    f"{what_zh} 属于 {place.parent}，却位于 {cell_community[place.cell]} 的网格 "
                    f"{place.cell}",
                )
            )
    if config.police_grids:
        ratio = len(config.cells) / len(config.police_grids)
        found.append(
            Finding(
                "T1",
                INFO,
                f"{len(config.police_grids)} police grids partition {len(config.cells)} grid "
                f"cells ({ratio:.1f} cells per police grid)",
                f"{len(config.police_grids)} 个警格划分 {len(config.cells)} 个网格"
                f"（每个警格 {ratio:.1f} 个网格）",
            )
        )
    return found


def check_t2_teams(config: StationData, settings: TopologySettings) -> list[Finding]:
    """Rule T2 "1+1+N" 党员警务团队: every community has a 1+1+N team.

    A team is one community officer 社区民警 + one community lead 社区负责人 (party secretary or
    grid leader) + N red stewards 红色管家, with N at least ``rules.team_min_stewards``. Its
    officer must serve a police grid that covers the community (a police grid of one of its
    cells). Villages need a team too when ``rules.village_teams`` is set.

    Errors: a community (or village) without a team; an officer who is not a community officer
    or serves none of the covering police grids; a lead who is the officer; fewer than N
    stewards. Warnings: more than one team for a community; a steward from another community.

    Args:
        config: The station's declared data.
        settings: The topology settings.

    Returns:
        The T2 findings.
    """
    found: list[Finding] = []
    need = {PlaceKind.COMMUNITY} | ({PlaceKind.VILLAGE} if settings.village_teams else set())
    teams_of = Counter(team.community for team in config.teams)
    for place in config.places:
        if place.kind in need and not teams_of[place.id]:
            found.append(
                Finding(
                    "T2",
                    ERROR,
                    f"{place.kind.value} {place.id} ({place.name}) has no team",
                    f"{place.kind.label_zh} {place.id}（{place.name}）没有 1+1+N 团队",
                )
            )
        elif teams_of[place.id] > 1:
            found.append(
                Finding(
                    "T2",
                    WARNING,
                    f"{place.id} has {teams_of[place.id]} teams, expected one",
                    f"{place.id} 有 {teams_of[place.id]} 个团队，应为一个",
                )
            )
    officers = {officer.id: officer for officer in config.officers}
    steward_community = {steward.id: steward.community for steward in config.red_stewards}
    covering: defaultdict[str, set[str]] = defaultdict(set)
    for cell in config.cells:
        covering[cell.community].add(cell.police_grid)
    minimum = settings.team_min_stewards
    for team in config.teams:
        officer = officers[team.officer]
        grids = covering[team.community]
        if officer.post is not OfficerPost.COMMUNITY:
            found.append(
                Finding(
                    "T2",
                    ERROR,
                    f"team {team.id}: officer {officer.id} is a {officer.post.value} officer, "
                    "not a community officer",
                    f"团队 {team.id}：民警 {officer.id} 的岗位是{officer.post.label_zh}，"
                    "不是社区民警",
                )
            )
        if grids and not grids & set(officer.police_grids):
            found.append(
                Finding(
                    "T2",
                    ERROR,
                    f"team {team.id}: officer {officer.id} serves none of the police grids "
                    f"covering {team.community} ({', '.join(sorted(grids))})",
                    f"团队 {team.id}：民警 {officer.id} 不负责覆盖 {team.community} 的任何警格"
                    f"（{'、'.join(sorted(grids))}）",
                )
            )
        if team.lead == team.officer:
            found.append(
                Finding(
                    "T2",
                    ERROR,
                    f"team {team.id}: the lead must not be the officer",
                    f"团队 {team.id}：负责人不能是民警本人",
                )
            )
        stewards = set(team.stewards) - {team.lead}
        if len(stewards) < minimum:
            found.append(
                Finding(
                    "T2",
                    ERROR,
                    f"team {team.id}: {len(stewards)} red stewards, at least {minimum} required",
                    f"团队 {team.id}：红色管家 {len(stewards)} 名，至少需要 {minimum} 名",
                )
            )
        elsewhere = sorted(s for s in stewards if steward_community[s] != team.community)
        if elsewhere:
            found.append(
                Finding(
                    "T2",
                    WARNING,
                    f"team {team.id}: red stewards of another community: {', '.join(elsewhere)}",
                    f"团队 {team.id}：有其他社区的红色管家：{'、'.join(elsewhere)}",
                )
            )
    return found


def check_t3_grid_workers(config: StationData, settings: TopologySettings) -> list[Finding]:
    """Rule T3 网格员配备: every grid cell has grid workers; steward density is reported.

    Errors: a cell with fewer grid workers 网格员 than ``rules.grid_workers_per_cell``.
    Warnings: a village or community whose red steward density is below
    ``rules.steward_density_per_500`` stewards per 500 households (reported, not enforced).
    Info: the station's overall steward density.

    Args:
        config: The station's declared data.
        settings: The topology settings.

    Returns:
        The T3 findings.
    """
    found: list[Finding] = []
    workers = Counter(cell for worker in config.grid_workers for cell in set(worker.cells))
    minimum = settings.grid_workers_per_cell
    for cell in config.cells:
        if workers[cell.id] < minimum:
            found.append(
                Finding(
                    "T3",
                    ERROR,
                    f"grid cell {cell.id} has {workers[cell.id]} grid workers, "
                    f"at least {minimum} required",
                    f"网格 {cell.id} 有网格员 {workers[cell.id]} 名，至少需要 {minimum} 名",
                )
            )
    target = settings.steward_density_per_500
    households: Counter[str] = Counter()
    for cell in config.cells:
        households[cell.community] += cell.households
    stewards = Counter(steward.community for steward in config.red_stewards)
    for place in config.places:
        homes = households[place.id]
        if place.kind.is_settlement and homes:
            density = stewards[place.id] * _HOUSEHOLDS_UNIT / homes
            if density < target:
                found.append(
                    Finding(
                        "T3",
                        WARNING,
                        f"{place.kind.value} {place.id} ({place.name}): {density:.1f} red "
                        f"stewards per {_HOUSEHOLDS_UNIT} households, target {target:g}",
                        f"{place.kind.label_zh} {place.id}（{place.name}）：每 {_HOUSEHOLDS_UNIT} "
                        f"户红色管家 {density:.1f} 名，目标 {target:g} 名",
                    )
                )
    total = sum(households.values())
    if total:
        density = len(config.red_stewards) * _HOUSEHOLDS_UNIT / total
        message = (
            f"{len(config.red_stewards)} red stewards for {total} households: {density:.1f} per "
            f"{_HOUSEHOLDS_UNIT} (target {target:g})"
        )
        message_zh = (
            f"红色管家 {len(config.red_stewards)} 名，服务 {total} 户：每 {_HOUSEHOLDS_UNIT} 户 "
            f"{density:.1f} 名（目标 {target:g} 名）"
        )
    else:
        message = "no households declared: steward density not computed"
        message_zh = "未申报户数：不计算红色管家密度"
    found.append(Finding("T3", INFO, message, message_zh))
    return found
