"""The five micro pillars 五微 as they apply to a matter (an open set; DOMAIN.md §1 [proposal]).

- 微网格 micro-grid: the matter is located in a grid cell (11 police grids in 51 cells);
- 微群 micro-group: it came from a "群管万家" resident group;
- 微调解 micro-mediation: a dispute mediated on site or by people's mediators;
- 微宣传 micro-publicity: law is explained 释法明理 in every mediation;
- 微服务 micro-service: red stewards serve a help request.

Plugins add pillars to the registry (``fengqiao_register_micro_pillars``) and attach them to
matters through triage advice; :func:`pillars_for` names the five defaults.
"""

from __future__ import annotations

from fengqiao_core.model import Linkage, Matter, MatterKind, Participant, Source
from fengqiao_core.rules.linkages import ResolutionPath

__all__ = ["pillars_for"]

_MEDIATION_PATHS = frozenset(
    {
        ResolutionPath.ON_SITE,
        ResolutionPath.PEOPLES_MEDIATION,
        ResolutionPath.LEGAL,
        ResolutionPath.DEPARTMENTAL,
        ResolutionPath.CASE_OWNERSHIP,
        ResolutionPath.POLICE_MEDIATION,
    }
)


def pillars_for(
    matter: Matter,
    *,
    cell: str | None,
    path: ResolutionPath,
    participants: tuple[Participant, ...],
) -> tuple[str, ...]:
    """The codes of the default micro pillars 五微 a triaged matter exercises, in pillar order."""
    stewards = any(p.role == "steward" for p in participants)
    flags = (
        ("micro_grid", cell is not None),
        ("micro_group", matter.source is Source.GROUP),
        (
            "micro_mediation",
            path in (ResolutionPath.ON_SITE, ResolutionPath.PEOPLES_MEDIATION),
        ),
        ("micro_publicity", path in _MEDIATION_PATHS),
        (
            "micro_service",
            matter.kind is MatterKind.HELP_REQUEST
            and (stewards or any(p.linkage is Linkage.ONE_BODY for p in participants)),
        ),
    )
    return tuple(code for code, applies in flags if applies)
