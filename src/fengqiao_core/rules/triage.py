"""Triage 分流 (rule L1 with L2-L8 and D1): the whole decision for a new matter, as a value.

:func:`triage` is pure: the grid backend has already located the matter (``cell``), the
volunteer backend has proposed stewards (rule L8) and plugins have given advice. The
:class:`TriageDecision` says where the matter belongs, at which rung, who owns it, who takes
part and through which linkage, how it should be resolved, by when, and which rule decided
each part — so a person can see why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from attrs import Factory, field, frozen

from fengqiao_core.model import (
    LadderLevel,
    Linkage,
    Matter,
    MatterKind,
    OfficerPost,
    Participant,
)
from fengqiao_core.ports import TriageAdvice
from fengqiao_core.rules import linkages as lk
from fengqiao_core.rules.deadlines import DeadlineSettings, resolution_due
from fengqiao_core.rules.index import StationIndex
from fengqiao_core.rules.ladder import LadderSettings, SkipReason, initial_level
from fengqiao_core.rules.micro import pillars_for

if TYPE_CHECKING:
    from fengqiao_core.model import StationData

__all__ = ["Reason", "TriageDecision", "TriageSettings", "triage"]


@frozen
class Reason:
    """Why one part of a decision is what it is: the part, the deciding rule id and a note."""

    part: str
    rule: str
    note: str


@frozen(kw_only=True)
class TriageSettings:
    """Configurable triage parameters (the station file's ``[rules]`` feeds them).

    Attributes:
        ladder: First rung per severity (L2).
        deadlines: Time limits per severity (D1).
        legal_categories: Dispute categories with a legal question (L4 法治化解).
        lead_body: Who leads the one body 一体 (管委会主导 at Miaoshan).
    """

    ladder: LadderSettings = Factory(LadderSettings)
    deadlines: DeadlineSettings = Factory(DeadlineSettings)
    legal_categories: tuple[str, ...] = lk.DEFAULT_LEGAL_CATEGORIES
    lead_body: str = "管委会"


@frozen(kw_only=True)
class TriageDecision:
    """The triage of one matter 分流结果, every part with the rule that decided it."""

    cell: str | None
    police_grid: str | None
    community: str | None
    park: bool
    level: LadderLevel
    skip: SkipReason | None
    owner: str | None
    one_body: lk.OneBody
    participants: tuple[Participant, ...]
    path: lk.ResolutionPath
    due: dt.datetime
    pillars: tuple[str, ...]
    reasons: tuple[Reason, ...] = field(default=())

    def rules(self) -> tuple[str, ...]:
        """The rule ids that decided this triage, in order of first use."""
        return tuple(dict.fromkeys(r.rule for r in self.reasons))


def _owner(index: StationIndex, police_grid: str | None) -> tuple[str | None, Reason]:
    serving = index.community_officers.get(police_grid or "", ())
    if serving:
        return serving[0], Reason("owner", "L1", f"community officer of police grid {police_grid}")
    duty = index.first_by_post.get(OfficerPost.DUTY)
    if duty is None:
        note = "no community officer serves the location and the station has no duty officer"
    else:
        note = "no community officer serves the location; the duty officer owns it"
    return duty, Reason("owner", "L1", note)


def triage(
    matter: Matter,
    config: StationData,
    *,
    cell: str | None,
    stewards: Sequence[str] = (),
    advice: Sequence[tuple[str, TriageAdvice]] = (),
    settings: TriageSettings | None = None,
    index: StationIndex | None = None,
) -> TriageDecision:
    """Rule L1: decide where a new matter belongs and who handles it, and why.

    Args:
        matter: The matter as reported.
        config: The station.
        cell: The grid cell the grid backend located it in, or ``None``.
        stewards: Ids of red stewards matched for it (rule L8), best first.
        advice: ``(plugin, advice)`` pairs; advice adds participants or raises the level up to
            ``STATION``, never lowers it nor sends a new matter beyond the station (such advice
            is ignored, with a reason: leaving the station is escalation, rule L3).
        settings: Triage parameters; defaults when omitted.
        index: The station's look-ups (:meth:`StationIndex.of` when omitted).

    Returns:
        The decision, with a :class:`Reason` for every part.
    """
    settings = settings or TriageSettings()
    index = index or StationIndex.of(config)
    grid_cell = index.cells.get(cell or "")
    police_grid = grid_cell.police_grid if grid_cell else None
    community = grid_cell.community if grid_cell else None
    park = (matter.location.place in index.park_places) or bool(
        grid_cell and grid_cell.dedicated_to
    )
    reasons = [
        Reason("cell", "L1", f"located in cell {cell}" if cell else "not located in any cell")
    ]
    owner, why_owner = _owner(index, police_grid)
    reasons.append(why_owner)
    level = initial_level(matter.severity, park=park, settings=settings.ladder)
    reasons.append(Reason("level", "L2", f"{matter.severity.value} starts at {level.value}"))
    path, joined = lk.resolution_path(matter, index, legal_categories=settings.legal_categories)
    reasons.append(Reason("path", "L4", f"resolution path {path.value}"))
    panel = index.panel
    if (
        matter.kind is MatterKind.DISPUTE
        and matter.category in settings.legal_categories
        and path is not lk.ResolutionPath.LEGAL
        and not (panel is not None and panel.lawyers)
    ):
        reasons.append(Reason("path", "L4", "a legal question, but the panel has no lawyer"))
    skip = None
    panel_paths = (lk.ResolutionPath.DEPARTMENTAL, lk.ResolutionPath.CASE_OWNERSHIP)
    if path in panel_paths and level.rank < LadderLevel.STATION.rank:
        level = LadderLevel.STATION
        reasons.append(Reason("level", "L4", "the joint mediation panel sits at the station"))
    if path is lk.ResolutionPath.CASE_HANDLING and level.rank < LadderLevel.STATION.rank:
        level, skip = LadderLevel.STATION, SkipReason.CRIMINAL_SIGNS
        reasons.append(Reason("level", "L3", "criminal signs: police case handling at once"))
    if path is lk.ResolutionPath.CASE_OWNERSHIP and joined:
        owner = joined[0].ref
        reasons.append(Reason("owner", "L4", "包案化解: the panel's leader owns it to the end"))
    participants: list[Participant] = []
    if owner is not None:
        participants.append(Participant(owner, "owner", Linkage.ONE_BODY, "L1"))
    participants += joined
    participants += lk.joint_action(matter, index, stewards)
    if path is lk.ResolutionPath.ON_SITE or (
        path is lk.ResolutionPath.SERVICE and matter.kind is MatterKind.HELP_REQUEST
    ):
        team = index.teams.get(community or "")
        local = list(stewards[:1]) or (list(team.stewards[:1]) if team else [])
        participants += [Participant(s, "steward", Linkage.ONE_BODY, "T2") for s in local]
    participants += lk.joint_governance(matter, index)
    if stewards:
        reasons.append(Reason("participants", "L8", f"{len(stewards)} steward(s) matched"))
    for plugin, said in advice:
        participants += said.participants
        wanted = said.raise_to
        if wanted is not None and wanted.rank > LadderLevel.STATION.rank:
            note = (
                f"advice to start at {wanted.value} ignored: leaving the station is escalation (L3)"
            )
            reasons.append(Reason("level", f"plugin:{plugin}", note))
        elif wanted is not None and wanted.rank > level.rank:
            level = wanted
            reasons.append(Reason("level", f"plugin:{plugin}", said.reason))
        elif wanted is not None:
            note = f"advice to use {wanted.value} ignored: never below what rules decided"
            reasons.append(Reason("level", f"plugin:{plugin}", note))
    unique = tuple(dict.fromkeys(participants))
    due = resolution_due(
        matter.severity, matter.reported_at, settings.deadlines, zone=config.station.timezone
    )
    reasons.append(Reason("due", "D1", f"{matter.severity.value}: due {due.isoformat()}"))
    return TriageDecision(
        cell=cell,
        police_grid=police_grid,
        community=community,
        park=park,
        level=level,
        skip=skip,
        owner=owner,
        one_body=lk.one_body(config, community, settings.lead_body),
        participants=unique,
        path=path,
        due=due,
        pillars=pillars_for(matter, cell=cell, path=path, participants=unique),
        reasons=tuple(reasons),
    )
