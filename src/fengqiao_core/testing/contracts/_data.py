"""Builders of test data for the storage contract: matters through events, entries, messages."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

import attrs

from fengqiao_core import model as m
from fengqiao_core.model.personal import FreeText, PersonName
from fengqiao_core.ports import AuditEntry, Covered, OutboxMessage, UnitOfWork

__all__ = [
    "AT",
    "audit_entry",
    "message",
    "person",
    "report",
    "state_changed",
    "store",
    "triage",
    "varied_histories",
]

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
    """An audit entry with sequence number ``seq`` covering events 1-2 of ``object_id``."""
    return AuditEntry(
        seq=seq,
        at=AT,
        actor="desk",
        role=m.Role.OFFICER,
        action=action,
        object_type="matter",
        object_id=object_id,
        digest_algorithm="sha256",
        covers=(Covered("matter", object_id, 1, 2, f"{seq:064x}"),),
    )


def message(
    message_id: str, *, text: str = "请到社区调解室", target: str = "group-1"
) -> OutboxMessage:
    """An undelivered outbox message created at :data:`AT`."""
    return OutboxMessage(id=message_id, target=target, text=FreeText(text), created_at=AT)


def store(uow: UnitOfWork, histories: Sequence[Sequence[m.MatterEvent]]) -> list[m.Matter]:
    """Append each history as one new matter in ``uow`` (not committed); returns the states."""
    return [uow.matters.append(list(events), 0) for events in histories]


_KINDS = tuple(m.MatterKind)
_CELLS = ("420115001001001", "420115001001002", "420115001002001", None)
_GRIDS = ("pg1", "pg2", None)
_COMMUNITIES = ("C1", "C10", None)
_OWNERS = ("o1", "o2", "o3", None)
_TIMES = 37
"""How many distinct report instants :func:`varied_histories` draws from: many ties."""


def varied_histories(count: int, *, seed: int = 0) -> list[list[m.MatterEvent]]:
    """``count`` lawful histories in shuffled id order, for tests that need volume.

    The matters share a few dozen report instants (given half in +08:00, half in UTC), so the
    promised stream order ``(reported_at, id)`` has many ties broken by id, and neither the
    id order nor the order of the list is that order. About a quarter are never triaged (their
    cell, police grid and community are ``None``); the others spread over a few cells, grids,
    communities (``C1`` and ``C10``), levels and owners; some are closed hours later. Plain
    ``random.Random(seed)``: the same data on every run.
    """
    rng = random.Random(seed)
    ids = [f"m{n:05d}" for n in range(count)]
    rng.shuffle(ids)
    histories: list[list[m.MatterEvent]] = []
    for matter_id in ids:
        at = AT + dt.timedelta(hours=7 * rng.randrange(_TIMES))
        if rng.random() < 0.5:
            at = at.astimezone(dt.UTC)
        kind = rng.choice(_KINDS)
        first = attrs.evolve(
            report(matter_id, at=at, reference=f"ref-{matter_id}" if rng.random() < 0.7 else None),
            kind=kind,
            category=rng.choice([c.key for c in m.DEFAULT_CATEGORIES if c.kind is kind]),
            severity=rng.choice(tuple(m.Severity)),
            source=rng.choice(tuple(m.Source)),
        )
        events: list[m.MatterEvent] = [first]
        if rng.random() < 0.75:
            events.append(
                m.MatterTriaged(
                    matter_id=matter_id,
                    version=2,
                    at=at + dt.timedelta(minutes=5),
                    actor=ACTOR,
                    cell=rng.choice(_CELLS),
                    police_grid=rng.choice(_GRIDS),
                    community=rng.choice(_COMMUNITIES),
                    level=rng.choice(tuple(m.LadderLevel)),
                    owner=rng.choice(_OWNERS),
                )
            )
        if rng.random() < 0.4:
            later = at + dt.timedelta(hours=rng.randrange(1, 400))
            events.append(state_changed(matter_id, len(events) + 1, "closed", at=later))
        histories.append(events)
    return histories
