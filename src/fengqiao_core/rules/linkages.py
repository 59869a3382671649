"""One body, three linkages 一体三联 (rules L4, L5, L6): who takes part in a matter and why.

- 一体 one body: the management committee leads 管委会主导, the station is responsible
  派出所主责, the community or village is the main body 社区(村)主体; its community officer owns
  the matter and its "1+1+N" team works on site.
- 联动 joint action (L5): plans per category — missing person and fraud signs call the duty
  officer, the command room's video review, the property management of the place and the
  case team; lost property calls the command room's video review and nearby stewards.
- 联治 joint governance (L6): forces and departments act on what is in their competence;
  non-police help requests are transferred to them with a reply required.
- 联调 joint mediation (L4): the joint panel's resolution paths — 部门化解 (a department's
  competence), 包案化解 (a serious matter gets a leader who owns it), 法治化解 (a lawyer for a
  legal question) — plus police mediation 治安调解 and people's mediation 民调.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from attrs import frozen

from fengqiao_core.model import (
    LabelledEnum,
    Linkage,
    Matter,
    MatterKind,
    OfficerPost,
    Participant,
    Severity,
    Source,
)
from fengqiao_core.rules.index import StationIndex

if TYPE_CHECKING:
    from fengqiao_core.model import StationData

__all__ = [
    "DEFAULT_LEGAL_CATEGORIES",
    "JOINT_ACTION_PLANS",
    "OneBody",
    "ResolutionPath",
    "joint_action",
    "joint_governance",
    "one_body",
    "resolution_path",
]


class ResolutionPath(LabelledEnum):
    """How a matter is meant to be resolved 化解路径 (rule L4 and the kinds' own paths)."""

    ON_SITE = "on_site", "就地化解（微调解）"
    PEOPLES_MEDIATION = "peoples_mediation", "人民调解"
    LEGAL = "legal", "法治化解"
    DEPARTMENTAL = "departmental", "部门化解"
    CASE_OWNERSHIP = "case_ownership", "包案化解"
    POLICE_MEDIATION = "police_mediation", "治安调解"
    CASE_HANDLING = "case_handling", "打击办案"
    JOINT_ACTION = "joint_action", "联动处置"
    TRANSFER = "transfer", "转办（联治）"
    SERVICE = "service", "服务（微服务）"
    POLICE_HANDLING = "police_handling", "民警处置"
    VERIFICATION = "verification", "线索核查"


@frozen
class OneBody:
    """The one body 一体 of a matter: who leads, who is responsible, who is the main body."""

    lead: str
    responsible: str
    main_body: str | None


DEFAULT_LEGAL_CATEGORIES: tuple[str, ...] = tuple(
    f"dispute:{code}"
    for code in ("contract", "damages", "housing", "land", "demolition", "medical", "traffic")
)
"""Dispute categories that carry a legal question by default (L4 法治化解; configurable)."""

_FRAUD_PLAN = ("duty", "video_review", "property_management", "case_team")
JOINT_ACTION_PLANS: dict[str, tuple[str, ...]] = {
    "help_request:missing_person": _FRAUD_PLAN,
    "incident:telecom_fraud": _FRAUD_PLAN,
    "tip:fraud": _FRAUD_PLAN,
    "help_request:lost_property": ("video_review", "stewards"),
}
"""Rule L5: the roles each category's 联动 plan calls (a [seed] reading; plugins add more)."""

_POSTS = {
    "duty": OfficerPost.DUTY,
    "video_review": OfficerPost.COMMAND,
    "case_team": OfficerPost.CASE_HANDLING,
}


def one_body(config: StationData, community: str | None, lead: str = "管委会") -> OneBody:
    """The one body 一体 of a matter in ``community`` (the station is always responsible)."""
    return OneBody(lead=lead, responsible=config.station.id, main_body=community)


def joint_action(
    matter: Matter, index: StationIndex, stewards: Iterable[str] = ()
) -> list[Participant]:
    """Rule L5: the participants of the category's 联动 plan (empty without a plan).

    Args:
        matter: The matter being triaged.
        index: The station's look-ups (officers by post, enclosing compounds).
        stewards: Ids of matched red stewards (rule L8), used by plans that call stewards.
    """
    found: list[Participant] = []
    for role in JOINT_ACTION_PLANS.get(matter.category, ()):
        if role in _POSTS:
            officer = index.first_by_post.get(_POSTS[role])
            if officer is not None:
                found.append(Participant(officer, role, Linkage.JOINT_ACTION, "L5"))
        elif role == "property_management":
            place = index.compound_of.get(matter.location.place or "")
            if place is not None:
                found.append(Participant(place, role, Linkage.JOINT_ACTION, "L5"))
        else:
            found.extend(Participant(s, "steward", Linkage.JOINT_ACTION, "L5") for s in stewards)
    return found


def joint_governance(matter: Matter, index: StationIndex) -> list[Participant]:
    """Rule L6: forces (and, for help requests, departments) competent for the category."""
    bodies = set(index.competent_forces.get(matter.category, ()))
    if matter.kind is MatterKind.HELP_REQUEST:
        bodies.update(index.competent_departments.get(matter.category, ()))
    return [
        Participant(body, "competent_body", Linkage.JOINT_GOVERNANCE, "L6")
        for body in sorted(bodies)
    ]


def resolution_path(
    matter: Matter,
    index: StationIndex,
    *,
    legal_categories: Iterable[str] = DEFAULT_LEGAL_CATEGORIES,
) -> tuple[ResolutionPath, list[Participant]]:
    """Rule L4 (and the kinds' own paths): how to resolve the matter, and who joins for it.

    Disputes, in order: 包案化解 for a ``SERIOUS`` one (the panel's leader owns it, competent
    departments join); 治安调解 when it came from a 110 call (a public-order incident);
    部门化解 when a department on the joint panel is competent for a ``MAJOR`` one (it joins the
    panel; small matters stay in the community); 法治化解 with a lawyer for a legal question;
    人民调解 with a mediator for a ``MAJOR`` one; otherwise micro-mediation on site. Incidents
    with criminal signs go to case handling; help requests and tips follow their plans.
    """
    if matter.kind is MatterKind.DISPUTE:
        return _dispute_path(matter, index, frozenset(legal_categories))
    if matter.kind is MatterKind.INCIDENT:
        criminal = getattr(matter, "criminal", False) or matter.category == "incident:telecom_fraud"
        if criminal:
            return ResolutionPath.CASE_HANDLING, []
        return ResolutionPath.POLICE_HANDLING, []
    if matter.kind is MatterKind.TIP:
        return ResolutionPath.VERIFICATION, []
    if matter.category in JOINT_ACTION_PLANS:
        return ResolutionPath.JOINT_ACTION, []
    if joint_governance(matter, index):
        return ResolutionPath.TRANSFER, []
    return ResolutionPath.SERVICE, []


def _dispute_path(
    matter: Matter, index: StationIndex, legal: frozenset[str]
) -> tuple[ResolutionPath, list[Participant]]:
    panel = index.panel
    departments = [
        Participant(d, "panel_department", Linkage.JOINT_MEDIATION, "L4")
        for d in index.panel_departments.get(matter.category, ())
    ]
    if departments and panel is not None:
        departments.insert(0, Participant(panel.id, "joint_panel", Linkage.JOINT_MEDIATION, "L4"))
    if matter.severity is Severity.SERIOUS and panel is not None and panel.leader:
        owner = Participant(panel.leader, "case_owner", Linkage.JOINT_MEDIATION, "L4")
        return ResolutionPath.CASE_OWNERSHIP, [owner, *departments]
    if matter.source is Source.CALL_110:
        return ResolutionPath.POLICE_MEDIATION, []
    if departments and matter.severity is not Severity.GENERAL:
        return ResolutionPath.DEPARTMENTAL, departments
    if matter.category in legal and panel is not None and panel.lawyers:
        lawyer = _spread(panel.lawyers, matter.id)
        return ResolutionPath.LEGAL, [Participant(lawyer, "lawyer", Linkage.JOINT_MEDIATION, "L4")]
    if matter.severity is Severity.MAJOR and panel is not None and panel.mediators:
        mediator = _spread(panel.mediators, matter.id)
        joined = [Participant(mediator, "mediator", Linkage.JOINT_MEDIATION, "L4")]
        return ResolutionPath.PEOPLES_MEDIATION, joined
    return ResolutionPath.ON_SITE, []


def _spread(ids: tuple[str, ...], key: str) -> str:
    """Pick one of ``ids`` deterministically, spreading matters over the people."""
    return sorted(ids)[sum(key.encode()) % len(ids)]
