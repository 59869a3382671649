"""Lifecycles 生命周期 of the four matter kinds as explicit transition tables (DOMAIN.md §4).

Each table maps ``(state, action)`` to the next state. :func:`next_state` raises
:class:`~fengqiao_core.errors.TransitionError` for an illegal action, naming the matter, its state
and the actions allowed there. Every kind can be withdrawn 撤回 before resolution and reopened
重启 after closing; a reopened matter re-enters the state its table names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping

from fengqiao_core.errors import TransitionError
from fengqiao_core.model import (
    Actor,
    FreeText,
    LabelledEnum,
    LadderLevel,
    Matter,
    MatterEscalated,
    MatterEvent,
    MatterKind,
    StateChanged,
)
from fengqiao_core.model import DisputeState as DS
from fengqiao_core.model import HelpRequestState as HS
from fengqiao_core.model import IncidentState as IS
from fengqiao_core.model import TipState as TS
from fengqiao_core.rules.ladder import SkipReason, check_escalation, next_level

__all__ = ["TABLES", "Action", "act", "allowed_actions", "edges", "is_open", "next_state"]


class Action(LabelledEnum):
    """What can be done to a matter 操作; each is one public use case of the Station service."""

    REGISTER = "register", "登记"
    REJECT = "reject", "不予受理"
    ACCEPT = "accept", "受理"
    TRIAGE = "triage", "分流"
    DISPATCH = "dispatch", "派遣"
    ARRIVE = "arrive", "到场"
    ASSIGN = "assign", "指派"
    ESCALATE = "escalate", "上报"
    REFER = "refer", "移交"
    DEPARTMENT_REPLY = "department_reply", "部门回复"
    OPEN_CASE = "open_case", "立案"
    RECORD_SESSION = "record_session", "调解"
    AGREE = "agree", "达成协议"
    MAKE_EFFECTIVE = "make_effective", "协议生效"
    PERFORM = "perform", "履行"
    NOT_PERFORM = "not_perform", "未履行"
    FAIL = "fail", "调解不成"
    TERMINATE = "terminate", "终止调解"
    RESOLVE = "resolve", "解决"
    VERIFY = "verify", "核查"
    CONFIRM = "confirm", "查实"
    DISMISS = "dismiss", "查无实据"
    FOLLOW_UP = "follow_up", "回访"
    FEEDBACK = "feedback", "评价"
    CLOSE = "close", "办结"
    ARCHIVE = "archive", "归档"
    WITHDRAW = "withdraw", "撤回"
    REOPEN = "reopen", "重启"


A = Action
Table = Mapping[tuple[LabelledEnum, Action], LabelledEnum]


def _table(
    edges: list[tuple[LabelledEnum, Action, LabelledEnum]],
    *,
    withdrawable: tuple[LabelledEnum, ...],
    withdrawn: LabelledEnum,
    closed: LabelledEnum,
    reopened: LabelledEnum,
    reenter: tuple[Action, LabelledEnum],
    escalate_in: tuple[LabelledEnum, ...] = (),
) -> dict[tuple[LabelledEnum, Action], LabelledEnum]:
    table = {(state, action): target for state, action, target in edges}
    table.update({(state, A.WITHDRAW): withdrawn for state in withdrawable})
    table.update({(state, A.ESCALATE): state for state in escalate_in})
    table[(withdrawn, A.CLOSE)] = closed
    table[(closed, A.REOPEN)] = reopened
    table[(reopened, reenter[0])] = reenter[1]
    return table


DISPUTE: Table = _table(
    [
        (DS.REPORTED, A.REGISTER, DS.REGISTERED),
        (DS.REGISTERED, A.REJECT, DS.REJECTED),
        (DS.REGISTERED, A.ACCEPT, DS.ACCEPTED),
        (DS.ACCEPTED, A.ASSIGN, DS.ASSIGNED),
        (DS.ASSIGNED, A.RECORD_SESSION, DS.MEDIATING),
        (DS.MEDIATING, A.RECORD_SESSION, DS.MEDIATING),
        (DS.MEDIATING, A.AGREE, DS.AGREED),
        (DS.AGREED, A.MAKE_EFFECTIVE, DS.EFFECTIVE),
        (DS.EFFECTIVE, A.PERFORM, DS.PERFORMED),
        (DS.EFFECTIVE, A.NOT_PERFORM, DS.NOT_PERFORMED),
        (DS.MEDIATING, A.FAIL, DS.FAILED),
        (DS.FAILED, A.TERMINATE, DS.TERMINATED),
        (DS.ACCEPTED, A.TERMINATE, DS.TERMINATED),
        (DS.ASSIGNED, A.TERMINATE, DS.TERMINATED),
        (DS.TERMINATED, A.REFER, DS.REFERRED),
        (DS.ASSIGNED, A.ESCALATE, DS.ESCALATED),
        (DS.MEDIATING, A.ESCALATE, DS.ESCALATED),
        (DS.FAILED, A.ESCALATE, DS.ESCALATED),
        (DS.ESCALATED, A.ASSIGN, DS.ASSIGNED),
        (DS.REJECTED, A.FOLLOW_UP, DS.FOLLOWED_UP),
        (DS.PERFORMED, A.FOLLOW_UP, DS.FOLLOWED_UP),
        (DS.NOT_PERFORMED, A.FOLLOW_UP, DS.FOLLOWED_UP),
        (DS.TERMINATED, A.FOLLOW_UP, DS.FOLLOWED_UP),
        (DS.REFERRED, A.FOLLOW_UP, DS.FOLLOWED_UP),
        (DS.FOLLOWED_UP, A.CLOSE, DS.CLOSED),
        (DS.CLOSED, A.ARCHIVE, DS.ARCHIVED),
    ],
    withdrawable=(DS.REPORTED, DS.REGISTERED, DS.ACCEPTED, DS.ASSIGNED, DS.MEDIATING, DS.ESCALATED),
    withdrawn=DS.WITHDRAWN,
    closed=DS.CLOSED,
    reopened=DS.REOPENED,
    reenter=(A.ASSIGN, DS.ASSIGNED),
)
"""Dispute 矛盾纠纷: register → accept → assign → mediate → agree → effective → performed …"""

HELP_REQUEST: Table = _table(
    [
        (HS.RECEIVED, A.TRIAGE, HS.TRIAGED),
        (HS.TRIAGED, A.DISPATCH, HS.DISPATCHED),
        (HS.DISPATCHED, A.ARRIVE, HS.ON_SITE),
        (HS.ON_SITE, A.RESOLVE, HS.RESOLVED),
        (HS.TRIAGED, A.REFER, HS.TRANSFERRED),
        (HS.TRANSFERRED, A.DEPARTMENT_REPLY, HS.DEPARTMENT_REPLIED),
        (HS.RESOLVED, A.FEEDBACK, HS.FEEDBACK),
        (HS.DEPARTMENT_REPLIED, A.FEEDBACK, HS.FEEDBACK),
        (HS.FEEDBACK, A.CLOSE, HS.CLOSED),
    ],
    withdrawable=(HS.RECEIVED, HS.TRIAGED, HS.DISPATCHED, HS.ON_SITE, HS.TRANSFERRED),
    withdrawn=HS.WITHDRAWN,
    closed=HS.CLOSED,
    reopened=HS.REOPENED,
    reenter=(A.TRIAGE, HS.TRIAGED),
    escalate_in=(HS.TRIAGED, HS.DISPATCHED, HS.ON_SITE),
)
"""Help request 求助: triage → dispatch → on site → resolved (or transferred) → feedback."""

INCIDENT: Table = _table(
    [
        (IS.REPORTED, A.DISPATCH, IS.DISPATCHED),
        (IS.DISPATCHED, A.ARRIVE, IS.HANDLING),
        (IS.HANDLING, A.OPEN_CASE, IS.CASE_OPENED),
        (IS.HANDLING, A.RECORD_SESSION, IS.HANDLING),
        (IS.HANDLING, A.AGREE, IS.MEDIATED),
        (IS.HANDLING, A.RESOLVE, IS.RESOLVED),
        (IS.CASE_OPENED, A.CLOSE, IS.CLOSED),
        (IS.MEDIATED, A.CLOSE, IS.CLOSED),
        (IS.RESOLVED, A.CLOSE, IS.CLOSED),
    ],
    withdrawable=(IS.REPORTED, IS.DISPATCHED, IS.HANDLING),
    withdrawn=IS.WITHDRAWN,
    closed=IS.CLOSED,
    reopened=IS.REOPENED,
    reenter=(A.DISPATCH, IS.DISPATCHED),
    escalate_in=(IS.DISPATCHED, IS.HANDLING),
)
"""Incident 警情: dispatch → handling (police-mediation sessions) → case opened, mediated or
resolved → closed."""

TIP: Table = _table(
    [
        (TS.RECEIVED, A.VERIFY, TS.VERIFYING),
        (TS.VERIFYING, A.CONFIRM, TS.CONFIRMED),
        (TS.VERIFYING, A.DISMISS, TS.UNFOUNDED),
        (TS.CONFIRMED, A.CLOSE, TS.CLOSED),
        (TS.UNFOUNDED, A.CLOSE, TS.CLOSED),
    ],
    withdrawable=(TS.RECEIVED, TS.VERIFYING),
    withdrawn=TS.WITHDRAWN,
    closed=TS.CLOSED,
    reopened=TS.REOPENED,
    reenter=(A.VERIFY, TS.VERIFYING),
)
"""Tip 线索: verifying → confirmed (becomes or links to a matter) or unfounded → closed."""

TABLES: Mapping[MatterKind, Table] = {
    MatterKind.DISPUTE: DISPUTE,
    MatterKind.HELP_REQUEST: HELP_REQUEST,
    MatterKind.INCIDENT: INCIDENT,
    MatterKind.TIP: TIP,
}

_FINAL_VALUES = frozenset({"closed", "archived", "withdrawn"})
_RESOLVED_VALUES = frozenset(
    {"resolved", "department_replied", "feedback", "performed", "not_performed", "terminated"}
    | {"referred", "rejected", "followed_up", "case_opened", "mediated", "confirmed", "unfounded"}
)


def next_state(matter: Matter, action: Action) -> LabelledEnum:
    """The state ``action`` leads to from the matter's current state (DOMAIN.md §4).

    Raises:
        TransitionError: The action is not allowed in this state; names the allowed ones.
    """
    try:
        return TABLES[matter.kind][(matter.state, action)]
    except KeyError:
        raise TransitionError(
            matter.id,
            str(matter.state.value),
            action.value,
            allowed=(a.value for a in allowed_actions(matter)),
        ) from None


def allowed_actions(matter: Matter) -> list[Action]:
    """The actions allowed in the matter's current state, in declaration order."""
    table = TABLES[matter.kind]
    return [action for action in Action if (matter.state, action) in table]


def edges(kind: MatterKind) -> Iterator[tuple[LabelledEnum, Action, LabelledEnum]]:
    """Every edge ``(from, action, to)`` of a kind's table."""
    for (state, action), target in TABLES[kind].items():
        yield state, action, target


def is_open(matter: Matter) -> bool:
    """Whether the matter still needs work: not resolved, closed, archived or withdrawn."""
    value = str(matter.state.value)
    return value not in _FINAL_VALUES and value not in _RESOLVED_VALUES


def act(
    matter: Matter,
    action: Action,
    *,
    actor: Actor,
    at: dt.datetime,
    reason: str | FreeText | None = None,
    to_level: LadderLevel | None = None,
    skip: SkipReason | None = None,
) -> list[MatterEvent]:
    """The events of taking ``action`` on ``matter``: every transition is an event (§4).

    ``ESCALATE`` also records a :class:`~fengqiao_core.model.MatterEscalated` to the next rung
    (rule L3), or to ``to_level`` when ``skip`` names why rungs may be skipped.

    Raises:
        TransitionError: The action is not allowed in the matter's state.
        RuleViolation: An escalation that breaks rule L3.
    """
    state = next_state(matter, action)
    events: list[MatterEvent] = [
        StateChanged(
            matter_id=matter.id,
            version=matter.version + 1,
            at=at,
            actor=actor,
            reason=reason,
            action=action.value,
            state=str(state.value),
        )
    ]
    if action is Action.ESCALATE:
        current = matter.level or LadderLevel.GRID
        park = current is LadderLevel.PARK
        target = to_level or next_level(current, park=park)
        check_escalation(current, target, park=park, skip=skip)
        events.append(
            MatterEscalated(
                matter_id=matter.id,
                version=matter.version + 2,
                at=at,
                actor=actor,
                reason=reason,
                to_level=target,
                rule="L3" if skip is None else f"L3:{skip.value}",
            )
        )
    return events
