"""Matter events 事件 and the fold that turns a matter's history into its current state.

Events are immutable facts with the matter id, a version (1 for the report, then +1 each),
the zone-aware time, the :class:`~fengqiao_core.model.values.Actor` and a reason. Which events
are *allowed* in which state is the business of :mod:`fengqiao_core.rules`; the fold here
only applies them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs
from attrs import field, frozen

from fengqiao_core.errors import ValidationError
from fengqiao_core.model.matters import (
    Dispute,
    HelpRequest,
    Incident,
    LadderLevel,
    Location,
    Matter,
    MatterKind,
    Participant,
    Severity,
    Source,
    Tip,
)
from fengqiao_core.model.people import Party
from fengqiao_core.model.personal import FreeText
from fengqiao_core.model.values import Actor, amount, aware, code, of_type, score

__all__ = [
    "MATTER_TYPES",
    "OUTCOME_STATES",
    "RESOLVED_STATES",
    "Commended",
    "FeedbackRecorded",
    "HoldChanged",
    "MatterAssigned",
    "MatterEscalated",
    "MatterEvent",
    "MatterReported",
    "MatterTriaged",
    "MediationRefused",
    "ParticipantAdded",
    "SessionRecorded",
    "StateChanged",
    "apply_event",
    "replay",
]

OUTCOME_STATES = frozenset(
    {"resolved", "department_replied", "agreed", "effective", "performed", "not_performed"}
    | {"failed", "terminated", "referred", "rejected", "case_opened", "mediated", "confirmed"}
    | {"unfounded", "withdrawn"}
)
"""States that record a matter's outcome 办理结果 (the latest one entered is kept)."""

RESOLVED_STATES = frozenset(
    {"resolved", "department_replied", "performed", "not_performed", "terminated", "referred"}
    | {"rejected", "case_opened", "mediated", "confirmed", "unfounded"}
)
"""States whose first entry sets ``resolved_at`` 化解/办结 (the lifecycle's resolved states)."""

_FOLLOW_UP_STATES = frozenset({"followed_up", "feedback"})

MATTER_TYPES: dict[MatterKind, type[Matter]] = {
    MatterKind.HELP_REQUEST: HelpRequest,
    MatterKind.DISPUTE: Dispute,
    MatterKind.INCIDENT: Incident,
    MatterKind.TIP: Tip,
}


def _positive(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(attribute.name, f"{value!r:.40} is not a version >= 1")


def _free_text(value: object, name: str) -> FreeText | None:
    """People's words (class S2): plain text is wrapped so it masks itself."""
    if value is None or isinstance(value, FreeText):
        return value
    if isinstance(value, str):
        return FreeText(value)
    raise ValidationError(name, f"expected text, got {type(value).__name__}")


def _reason(value: object) -> FreeText | None:
    return _free_text(value, "reason")


def _inscription(value: object) -> FreeText | None:
    return _free_text(value, "inscription")


def _comment(value: object) -> FreeText | None:
    return _free_text(value, "comment")


@frozen(kw_only=True)
class MatterEvent:
    """Base of every matter event: which matter, its new version, when, who and why.

    ``reason`` is free text in someone's words: it is masked wherever it is shown.
    """

    matter_id: str = field(validator=code)
    version: int = field(validator=_positive)
    at: dt.datetime = field(validator=aware)
    actor: Actor = field(validator=of_type(Actor))
    reason: FreeText | None = field(default=None, converter=_reason)


@frozen(kw_only=True)
class MatterReported(MatterEvent):
    """A matter was reported 报告 (version 1): everything known at intake."""

    kind: MatterKind
    category: str
    severity: Severity
    source: Source
    location: Location
    description: FreeText
    parties: tuple[Party, ...] = ()
    reference: str | None = None
    amount_yuan: int | None = field(default=None, validator=amount)
    criminal: bool = False


@frozen(kw_only=True)
class MatterTriaged(MatterEvent):
    """Triage 分流 located the matter and set its level, owner, due time and participants (L1).

    ``reasons`` explain each part with its rule id (``"L1: …"``), for the triage explanation;
    ``related`` and ``alert`` are what linked screening (rule L7) found.
    """

    cell: str | None
    police_grid: str | None
    community: str | None
    level: LadderLevel
    owner: str | None
    due: dt.datetime | None = None
    path: str | None = None
    reasons: tuple[str, ...] = ()
    participants: tuple[Participant, ...] = ()
    related: tuple[str, ...] = ()
    alert: str | None = None


@frozen(kw_only=True)
class MatterAssigned(MatterEvent):
    """The matter got an owner 包案人 at a level."""

    owner: str
    level: LadderLevel


@frozen(kw_only=True)
class MatterEscalated(MatterEvent):
    """The matter moved up the ladder 上报; ``rule`` names the rule that allowed a skip."""

    to_level: LadderLevel
    rule: str | None = None


@frozen(kw_only=True)
class ParticipantAdded(MatterEvent):
    """Someone joined the matter through a linkage."""

    participant: Participant


@frozen(kw_only=True)
class StateChanged(MatterEvent):
    """A lifecycle edge was taken: ``action`` (e.g. ``"accept"``) led to ``state`` (a value)."""

    action: str
    state: str


@frozen(kw_only=True)
class SessionRecorded(MatterEvent):
    """A mediation session 调解 was held; the summary is the parties' words (masked)."""

    summary: FreeText


@frozen(kw_only=True)
class Commended(MatterEvent):
    """A banner 锦旗 was given for the matter to ``recipient`` (an officer, steward or station)."""

    recipient: str = field(validator=code)
    inscription: FreeText | None = field(default=None, converter=_inscription)


@frozen(kw_only=True)
class MediationRefused(MatterEvent):
    """Parties explicitly refused mediation 拒绝调解 (rule M1): no mediation with them."""

    parties: tuple[str, ...] = field(validator=attrs.validators.deep_iterable(code, of_type(tuple)))


@frozen(kw_only=True)
class FeedbackRecorded(MatterEvent):
    """The resident's satisfaction score 满意度 (1-5) was recorded on the matter.

    ``comment`` is the resident's words (masked wherever shown).
    """

    score: int = field(validator=score)
    comment: FreeText | None = field(default=None, converter=_comment)


@frozen(kw_only=True)
class HoldChanged(MatterEvent):
    """A legal hold 法定保留 was set (``held``) or cleared: held matters are never purged."""

    held: bool = field(validator=of_type(bool))


def _reported(event: MatterReported) -> Matter:
    extra: dict[str, Any] = {}
    if event.kind is MatterKind.DISPUTE:
        extra["amount_yuan"] = event.amount_yuan
    if event.kind is MatterKind.INCIDENT:
        extra["criminal"] = event.criminal
    return MATTER_TYPES[event.kind](
        id=event.matter_id,
        version=event.version,
        category=event.category,
        severity=event.severity,
        source=event.source,
        location=event.location,
        description=event.description,
        reported_at=event.at,
        parties=event.parties,
        reference=event.reference,
        reported_by=event.actor.person_id,
        updated_at=event.at,
        **extra,
    )


def _state_changed(matter: Matter, event: StateChanged) -> dict[str, Any]:
    state = matter.states.parse(event.state, field_name="state")
    value = str(state.value)
    closed = {"closed": event.at, "reopened": None}.get(value, matter.closed_at)
    changes: dict[str, Any] = {"state": state, "closed_at": closed}
    if value == "reopened":
        changes.update(outcome=None, resolved_at=None, followed_up=False)
    if value in OUTCOME_STATES:
        changes["outcome"] = value
    if value in RESOLVED_STATES and matter.resolved_at is None:
        changes["resolved_at"] = event.at
    if value in _FOLLOW_UP_STATES:
        changes["followed_up"] = True
    return changes


def _changes(matter: Matter, event: MatterEvent) -> dict[str, Any]:
    match event:
        case MatterTriaged():
            return {
                "cell": event.cell,
                "police_grid": event.police_grid,
                "community": event.community,
                "level": event.level,
                "owner": event.owner,
                "due": event.due,
                "path": event.path,
                "related": event.related,
                "alert": event.alert,
                "participants": tuple(dict.fromkeys((*matter.participants, *event.participants))),
            }
        case MatterAssigned():
            return {"owner": event.owner, "level": event.level}
        case MatterEscalated():
            return {"level": event.to_level}
        case ParticipantAdded():
            return {"participants": (*matter.participants, event.participant)}
        case StateChanged():
            return _state_changed(matter, event)
        case SessionRecorded():
            return {"sessions": matter.sessions + 1}
        case FeedbackRecorded():
            return {"feedback_score": event.score, "followed_up": True}
        case Commended():
            return {"commendations": matter.commendations + 1}
        case HoldChanged():
            return {"legal_hold": event.held}
        case MediationRefused():
            return {"refused_by": tuple(dict.fromkeys((*matter.refused_by, *event.parties)))}
    raise ValidationError("event", f"{type(event).__name__} cannot be applied to a matter")


def apply_event(matter: Matter | None, event: MatterEvent) -> Matter:
    """Apply one event to a matter's state (``None`` before the report).

    Args:
        matter: The state so far, or ``None`` for a new matter.
        event: The next event; its version must be the state's version + 1.

    Returns:
        The new state (a new object; ``matter`` is not changed).

    Raises:
        ValidationError: The event does not follow (wrong matter, version or first event).
    """
    if matter is None:
        if not isinstance(event, MatterReported) or event.version != 1:
            raise ValidationError("events", "a matter's history starts with MatterReported v1")
        return _reported(event)
    if event.matter_id != matter.id:
        raise ValidationError("matter_id", f"event for {event.matter_id}, not {matter.id}")
    if event.version != matter.version + 1:
        raise ValidationError(
            "version", f"event version {event.version} does not follow {matter.version}"
        )
    return attrs.evolve(
        matter, version=event.version, updated_at=event.at, **_changes(matter, event)
    )


def replay(events: Iterable[MatterEvent], *, start: Matter | None = None) -> Matter:
    """Fold a matter's events, in version order, into its current state.

    Raises:
        ValidationError: No events, or events that do not follow one another.
    """
    state = start
    for event in events:
        state = apply_event(state, event)
    if state is None:
        raise ValidationError("events", "no events to replay")
    return state
