"""Volunteer matching 志愿者匹配 (rule L8, a [proposal]): which red stewards to call.

Available stewards of the matter's own community first, then of neighbouring communities;
within each, those with more of the wanted skills first (a doctor for health, a teacher for
school matters …), then the least loaded; ties by id, so matching is deterministic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from fengqiao_core.model import RedSteward, Skill

__all__ = ["DEFAULT_SKILLS", "rank_stewards", "skills_for"]

DEFAULT_SKILLS: Mapping[str, tuple[str, ...]] = {
    "dispute:medical": ("medical",),
    "help_request:welfare": ("medical",),
    "dispute:marriage_family": ("mediation",),
    "dispute:neighbour": ("mediation",),
    "help_request:lost_property": (),
}
"""Rule L8: skills wanted per category (configurable; categories not listed want none)."""


def skills_for(
    category: str, table: Mapping[str, tuple[str, ...]] = DEFAULT_SKILLS
) -> tuple[Skill, ...]:
    """Rule L8: the skills a matter of ``category`` wants."""
    return tuple(Skill(code) for code in table.get(category, ()))


def rank_stewards(
    candidates: Sequence[RedSteward],
    *,
    community: str | None,
    neighbours: Sequence[str] = (),
    skills: Sequence[Skill] = (),
    loads: Mapping[str, int] | None = None,
    at_local: dt.datetime,
    limit: int = 3,
) -> list[RedSteward]:
    """Rule L8: rank available stewards for a matter.

    Args:
        candidates: Stewards to choose from (e.g. from the volunteer backend).
        community: The matter's community; its stewards come first.
        neighbours: Neighbouring communities, next in line; others are not called.
        skills: Wanted skills; more matches rank higher (none are required).
        loads: Current assignments per steward id.
        at_local: The time of need, in the station's zone (availability is local).
        limit: How many to return.
    """
    loads = loads or {}
    wanted = set(skills)
    circle: dict[str | None, int] = {n: 1 for n in neighbours if n != community}
    circle[community] = 0
    eligible = [s for s in candidates if s.community in circle and s.available_at(at_local)]
    eligible.sort(
        key=lambda s: (
            circle[s.community],
            -len(wanted.intersection(s.skills)),
            loads.get(s.id, 0),
            s.id,
        )
    )
    return eligible[:limit]
