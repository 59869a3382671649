"""Queries 查询: what a station can tell — within each actor's scope, denials audited.

One matter's state, history and triage explanation; open and overdue matters (D1/D2); and, for
the auditor only, the audit log and its verification.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TypeVar

from fengqiao_core.errors import ValidationError
from fengqiao_core.model import (
    Actor,
    LadderLevel,
    Matter,
    MatterEvent,
    MatterKind,
    MatterTriaged,
)
from fengqiao_core.ports import AuditEntry, MatterFilter
from fengqiao_core.rules.deadlines import SlaStatus, matter_sla_status
from fengqiao_core.rules.lifecycle import is_open
from fengqiao_core.security.access import READ, READ_AUDIT, READ_PERSONAL
from fengqiao_core.security.verification import StoreContent
from fengqiao_core.security.views import (
    SCREENING_READERS,
    masked,
    without_screening,
    without_screening_events,
)
from fengqiao_core.security.witness import AuditReport, Checkpoint, check_chain, sign_head
from fengqiao_core.station import arguments as args
from fengqiao_core.station.core import StationCore
from fengqiao_core.station.recording import covering_unit
from fengqiao_core.station.sealed import withheld_matters

__all__ = ["StationQueries"]

T = TypeVar("T")
_AT_ENTRY = frozenset({"broken_link", "altered_event"})


class StationQueries(StationCore):
    """The read side of the Station service 查询 (a mixin over the core, combined once)."""

    def get(self, actor: Actor, matter_id: str, *, purpose: str | None = None) -> Matter:
        """One matter's current state (within the actor's scope).

        Without a ``purpose`` personal values are withheld (masked, ``reveal()`` refused). With
        one — why the values are needed, e.g. ``"call the parties to the session"`` — they are
        shown and the read is audited (who, which matter, which fields, the purpose).
        """
        why = self._purpose(actor, purpose, matter_id)
        matter = self._read(actor, matter_id, lambda uow, found: found, masked=why is None)
        if actor.role not in SCREENING_READERS:
            matter = without_screening(matter)
        return self._personal(actor, matter_id, matter, why)

    def history(
        self, actor: Actor, matter_id: str, *, purpose: str | None = None
    ) -> list[MatterEvent]:
        """One matter's full history: every event with actor, time and reason (as :meth:`get`)."""
        why = self._purpose(actor, purpose, matter_id)
        events = self._read(
            actor,
            matter_id,
            lambda uow, _: withheld_matters(uow, masked=why is None).history(matter_id),
        )
        if actor.role not in SCREENING_READERS:
            events = without_screening_events(events)
        return self._personal(actor, matter_id, events, why)

    def explain(self, actor: Actor, matter_id: str) -> tuple[str, ...]:
        """Why the matter was triaged as it was: each part with its rule id (latest triage)."""
        triaged = [e for e in self.history(actor, matter_id) if isinstance(e, MatterTriaged)]
        return triaged[-1].reasons if triaged else ()

    def _purpose(self, actor: Actor, purpose: object, matter_id: object) -> str | None:
        """A read's purpose, validated and authorised before anything is read."""
        if purpose is None:
            return None
        why = args.purpose(purpose)
        self._authorise(actor, READ_PERSONAL, "matter", args.code(matter_id, "matter_id"))
        return why

    def _personal(self, actor: Actor, matter_id: str, value: T, purpose: str | None) -> T:
        """``value`` masked, or (with a purpose) shown after auditing the read."""
        if purpose is None:
            return masked(value)
        self._record_denial(
            actor, READ_PERSONAL, "matter", matter_id, outcome="success", detail=purpose
        )
        return value

    def open_matters(
        self,
        actor: Actor,
        *,
        cell: str | None = None,
        level: LadderLevel | None = None,
        state: str | None = None,
    ) -> Iterator[Matter]:
        """Open matters in the actor's scope: optionally one cell, level or state (streamed)."""
        cell, state = args.optional_code(cell, "cell"), args.optional_code(state, "state")
        if level is not None:
            args.choice(level, LadderLevel, "level")
        self._authorise(actor, READ, "matter", "*")
        where = MatterFilter(
            cells=(cell,) if cell else (),
            levels=(level.value,) if level else (),
            states=(state,) if state else (),
        )
        shown = f"open matters: cell={cell or '*'} level={level.value if level else '*'}"
        self._record_denial(
            actor, "list", "matter", "*", outcome="success", detail=f"{shown} state={state or '*'}"
        )
        return self._stream_open(actor, where)

    def matters(
        self,
        actor: Actor,
        *,
        kinds: tuple[MatterKind, ...] = (),
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> Iterator[Matter]:
        """Matters in the actor's scope, open and closed, reported in ``[since, until)`` (masked).

        ``kinds`` narrows to some kinds (all by default). One audit entry records the filter.
        """
        if not isinstance(kinds, tuple):
            raise ValidationError("kinds", "expected a tuple of MatterKind")
        chosen = tuple(args.choice(k, MatterKind, f"kinds[{i}]") for i, k in enumerate(kinds))
        for name, moment in (("since", since), ("until", until)):
            if moment is not None and (
                not isinstance(moment, dt.datetime) or moment.utcoffset() is None
            ):
                raise ValidationError(name, "expected a zone-aware datetime")
        self._authorise(actor, READ, "matter", "*")
        shown = ",".join(k.value for k in chosen) or "*"
        period = f"{since.isoformat() if since else '*'}..{until.isoformat() if until else '*'}"
        self._record_denial(
            actor, "list", "matter", "*", outcome="success", detail=f"matters: {shown} {period}"
        )
        where = MatterFilter(kinds=tuple(k.value for k in chosen), since=since, until=until)
        return self._stream_scoped(actor, where)

    def by_reference(self, actor: Actor, reference: str) -> Matter:
        """The matter reported under a source's ``reference`` (masked; ``NotFound`` otherwise)."""
        reference = args.code(reference, "reference")
        self._authorise(actor, READ, "matter", "*")
        with self._storage.unit_of_work() as uow:
            found = withheld_matters(uow).find_by_reference(reference)
        if found is None or not self.in_scope(actor, found):
            raise self._hidden(actor, READ, found.id if found else "*")
        return self._shown(actor, found)

    def _stream_scoped(self, actor: Actor, where: MatterFilter) -> Iterator[Matter]:
        with self._storage.unit_of_work() as uow:
            for matter in withheld_matters(uow).stream(where):
                if self.in_scope(actor, matter):
                    yield self._shown(actor, matter)

    def _stream_open(self, actor: Actor, where: MatterFilter) -> Iterator[Matter]:
        with self._storage.unit_of_work() as uow:
            for matter in withheld_matters(uow).stream(where):
                if is_open(matter) and self.in_scope(actor, matter):
                    yield self._shown(actor, matter)

    def overdue(self, actor: Actor) -> list[tuple[Matter, SlaStatus]]:
        """Open matters past their yellow or red warning threshold (rules D1, D2), oldest first."""
        now = self.now()
        zone = self.config.station.timezone
        found: list[tuple[Matter, SlaStatus]] = []
        for matter in self.open_matters(actor):
            status = matter_sla_status(matter, now, self.settings.deadlines, zone=zone)
            if status is not SlaStatus.GREEN:
                found.append((matter, status))
        return found

    def audit_log(self, actor: Actor) -> list[AuditEntry]:
        """Every audit entry in order (the auditor's; entries hold ids and roles, no values)."""
        self._authorise(actor, READ_AUDIT, "audit", "*")
        with self._storage.unit_of_work() as uow:
            return list(uow.audit.stream())

    def verify_audit(self, actor: Actor) -> int | None:
        """Check the audit chain and what it covers: ``None`` if all holds, else a position.

        The position is the first entry that is broken or whose events were altered; a
        problem of the store no entry names (events or records no entry covers) is reported
        as the position after the last entry. :meth:`check_audit` says what was found.
        """
        report = self.check_audit(actor)
        if report.ok:
            return None
        return report.position if report.problem in _AT_ENTRY else report.entries + 1

    def audit_checkpoint(self, actor: Actor) -> Checkpoint:
        """The audit chain's head signed with the witness key 审计检查点 (an auditor's).

        Write it to a witness file outside the store
        (:func:`~fengqiao_core.security.witness.write_witness`); :meth:`check_audit` then
        finds a cut-off tail, a deleted log or a restored older backup.
        """
        self._authorise(actor, READ_AUDIT, "audit", "*")
        with self._storage.unit_of_work() as uow:
            head = uow.audit.last()
        return sign_head(
            head,
            station=self.config.station.id,
            secret=self.keys,
            at=self.now(),
            algorithms=self.algorithms,
        )

    def check_audit(self, actor: Actor, witness: Checkpoint | None = None) -> AuditReport:
        """Check the audit chain 审计核验 (an auditor's), what it covers and its head.

        Link by link, the events and records each entry covers against the store as stored,
        and the head against a ``witness``. Entries and events are streamed in one unit of
        work of the backend itself (no masking, no unsealing), so the first edited, deleted,
        swapped or inserted entry or event is named whatever the store's size.
        """
        self._authorise(actor, READ_AUDIT, "audit", "*")
        with self._storage.unit_of_work() as uow:
            covering = covering_unit(uow)
            stored = uow if covering is None else covering.raw
            return check_chain(
                stored.audit.stream(),
                self.keys,
                self.algorithms,
                station=self.config.station.id,
                witness=witness,
                store=StoreContent(stored, self.converter, self.algorithms),
            )
