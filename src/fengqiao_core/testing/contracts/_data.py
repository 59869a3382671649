"""Builders of test data for the storage contract: matters through events, entries, messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from fengqiao_core import model as m
from fengqiao_core.model.personal import FreeText, PersonName
from fengqiao_core.ports import AuditEntry, OutboxMessage, UnitOfWork

__all__ = ["AT", "audit_entry", "message", "person", "report", "state_changed", "store", "triage"]

AT = dt.datetime(2026, 11, 28, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
ACTOR = m.Actor("desk", m.Role.OFFICER)


def report(
    matter_id: str,
    *,
    at: dt.datetime = AT,
    description: str = "邻里漏水纠纷",
    reference: str | None = None,
    category: str = "dispute:neighbour",
    reason: str | None = None,
) -> m.MatterReported:
    """A dispute's ``MatterReported`` (version 1)."""
    return m.MatterReported(
        matter_id=matter_id,
        version=1,
        at=at,
        actor=ACTOR,
        reason=reason,
        kind=m.MatterKind.DISPUTE,
        category=category,
        severity=m.Severity.GENERAL,
        source=m.Source.WALK_IN,
        location=m.Location(place="p1"),
        description=FreeText(description),
        reference=reference,
    )


def triage(
    matter_id: str, version: int, *, owner: str = "o1", at: dt.datetime = AT
) -> m.MatterEvent:
    """A ``MatterTriaged`` at ``version`` putting the matter in cell ``…001`` at grid level."""
    return m.MatterTriaged(
        matter_id=matter_id,
        version=version,
        at=at,
        actor=ACTOR,
        cell="420115001001001",
        police_grid="pg1",
        community="c1",
        level=m.LadderLevel.GRID,
        owner=owner,
    )


def state_changed(
    matter_id: str, version: int, state: str, *, at: dt.datetime = AT
) -> m.MatterEvent:
    """A ``StateChanged`` to ``state`` (e.g. ``"closed"``) at ``version``."""
    return m.StateChanged(
        matter_id=matter_id, version=version, at=at, actor=ACTOR, action=state, state=state
    )


def person(person_id: str, name: str = "王小明") -> m.Person:
    """A mediator (a :class:`~fengqiao_core.model.Person`) with the given name."""
    return m.Mediator(id=person_id, name=PersonName(name), community="c1")


def audit_entry(seq: int, *, action: str = "report", object_id: str = "m1") -> AuditEntry:
    """An audit entry with sequence number ``seq``."""
    return AuditEntry(
        seq=seq,
        at=AT,
        actor="desk",
        role=m.Role.OFFICER,
        action=action,
        object_type="matter",
        object_id=object_id,
    )


def message(
    message_id: str, *, text: str = "请到社区调解室", target: str = "group-1"
) -> OutboxMessage:
    """An undelivered outbox message created at :data:`AT`."""
    return OutboxMessage(id=message_id, target=target, text=FreeText(text), created_at=AT)


def store(uow: UnitOfWork, histories: Sequence[Sequence[m.MatterEvent]]) -> list[m.Matter]:
    """Append each history as one new matter in ``uow`` (not committed); returns the states."""
    return [uow.matters.append(list(events), 0) for events in histories]
