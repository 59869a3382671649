"""Mediation use cases 调解用例: sessions, refusals, agreements and their legal checks.

- M1: a party's explicit refusal is recorded (:meth:`MediationUseCases.refuse_mediation`) and
  blocks every later session and agreement with that matter;
- M2: terminating records that the parties were told their other routes;
- M3: an agreement takes effect only when every party of the matter and the mediator signed
  and the committee sealed it; archiving needs the records;
- M4: judicial confirmation is applied for within 30 days of the agreement;
- M5 and T4: police mediation 治安调解 is an officer's (never an auxiliary's, a lawyer's or a
  mediator's); every session needs both sides' consent, no excluding circumstance, a guardian
  for a party under 16, and the working-day limits of the first and second session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from fengqiao_core.errors import RuleViolation, ValidationError
from fengqiao_core.model import (
    Actor,
    Linkage,
    Matter,
    MatterEvent,
    MatterKind,
    MediationRefused,
    Participant,
    ParticipantAdded,
    Role,
    SessionRecorded,
    StateChanged,
)
from fengqiao_core.ports import UnitOfWork
from fengqiao_core.rules.deadlines import check_police_session
from fengqiao_core.rules.lifecycle import Action
from fengqiao_core.rules.linkages import ResolutionPath
from fengqiao_core.rules.mediation import (
    Agreement,
    PoliceMediationBar,
    check_archivable,
    check_judicial_confirmation,
    check_police_mediation,
    check_termination,
    is_effective,
)
from fengqiao_core.station import arguments as args
from fengqiao_core.station.core import StationCore
from fengqiao_core.station.values import state_names

__all__ = ["MediationUseCases"]

A = Action
_POLICE = (Role.OFFICER, Role.SYSTEM)


def _check_refusals(matter: Matter) -> None:
    if matter.refused_by:
        raise RuleViolation(
            "M1",
            f"parties {', '.join(matter.refused_by)} refused mediation; route the matter to "
            "arbitration, administrative or judicial channels",
        )


def _police(matter: Matter) -> bool:
    return (
        matter.kind is MatterKind.INCIDENT or matter.path == ResolutionPath.POLICE_MEDIATION.value
    )


class MediationUseCases(StationCore):
    """The mediation edges and their legal checks 调解 (a mixin over the core, combined once)."""

    def refuse_mediation(self, actor: Actor, matter_id: str, *, parties: Sequence[str]) -> Matter:
        """拒绝调解 Record that parties explicitly refuse mediation (rule M1)."""
        refusing = list(args.codes(parties, "parties"))

        def event(matter: Matter, at: dt.datetime) -> MediationRefused:
            unknown = set(refusing) - {p.id for p in matter.parties}
            if unknown or not refusing:
                raise ValidationError(
                    "parties", f"name parties of the matter ({len(unknown)} are not)"
                )
            return MediationRefused(
                matter_id=matter.id, version=matter.version + 1, at=at, actor=actor,
                parties=tuple(refusing),
            )  # fmt: skip

        return self._annotate(actor, matter_id, "refuse_mediation", event, resolved=False)

    def record_session(
        self,
        actor: Actor,
        matter_id: str,
        *,
        summary: str,
        consenting: Sequence[str] = (),
        guardians: Sequence[str] = (),
        bars: Iterable[PoliceMediationBar] = (),
    ) -> Matter:
        """调解 Record a mediation session (M1; for police mediation also M5 and T4).

        For police mediation name the ``consenting`` parties, the ``guardians`` present for
        parties under 16 and any excluding circumstances (``bars``).
        """
        consent = list(args.codes(consenting, "consenting"))
        present = list(args.codes(guardians, "guardians"))
        words = args.text(summary, "summary")
        if not isinstance(bars, list | tuple | set | frozenset) or not all(
            isinstance(b, PoliceMediationBar) for b in bars
        ):
            raise ValidationError("bars", "expected PoliceMediationBar values")
        excluded = list(bars)

        def guard(matter: Matter, uow: UnitOfWork) -> None:
            _check_refusals(matter)
            if not _police(matter):
                return
            if actor.role not in _POLICE:
                raise RuleViolation(
                    "T4", f"police mediation is an officer's, not a {actor.role.value}'s"
                )
            now = self.now()
            check_police_mediation(
                matter.parties, consenting=consent, bars=excluded, guardians=present, on=now.date()
            )
            history = uow.matters.history(matter.id)
            starts = [
                e.at
                for e in history
                if isinstance(e, StateChanged) and e.state in ("accepted", "handling")
            ]
            earlier = [e.at for e in history if isinstance(e, SessionRecorded)]
            check_police_session(
                now, accepted_at=starts[0] if starts else matter.reported_at,
                earlier_sessions=earlier, calendar=self.calendar,
                zone=self.config.station.timezone,
            )  # fmt: skip

        def extra(matter: Matter, version: int, at: dt.datetime) -> list[MatterEvent]:
            return [
                SessionRecorded(
                    matter_id=matter.id, version=version, at=at, actor=actor,
                    summary=words,
                )
            ]  # fmt: skip

        return self._change(actor, matter_id, A.RECORD_SESSION, guard=guard, extra=extra)

    def agree(self, actor: Actor, matter_id: str) -> Matter:
        """达成协议 Record an agreement (dispute) or a police-mediated settlement (incident).

        Refused mediation (M1) blocks it; a police-mediated settlement needs an officer (T4)
        and at least one recorded session (M5).
        """

        def guard(matter: Matter, uow: UnitOfWork) -> None:
            _check_refusals(matter)
            if _police(matter) and actor.role not in _POLICE:
                raise RuleViolation("T4", "a police-mediated settlement is an officer's")
            if matter.sessions < 1:
                raise RuleViolation("M3", "an agreement needs at least one recorded session")

        return self._change(actor, matter_id, A.AGREE, guard=guard)

    def make_effective(self, actor: Actor, matter_id: str, *, agreement: Agreement) -> Matter:
        """协议生效 Every party of the matter and the mediator signed, the seal applied (M3)."""
        if not isinstance(agreement, Agreement):
            raise ValidationError("agreement", "expected an Agreement")

        def guard(matter: Matter, uow: UnitOfWork) -> None:
            if set(agreement.parties) != {p.id for p in matter.parties}:
                raise RuleViolation("M3", "the agreement must name exactly the matter's parties")
            if not is_effective(agreement):
                raise RuleViolation(
                    "M3", "every party and the mediator must sign and the seal apply"
                )

        return self._change(actor, matter_id, A.MAKE_EFFECTIVE, guard=guard)

    def record_performance(self, actor: Actor, matter_id: str, *, performed: bool) -> Matter:
        """履行 Record whether the agreement was performed (not performed may later reopen)."""
        performed = args.flag(performed, "performed")
        return self._change(actor, matter_id, A.PERFORM if performed else A.NOT_PERFORM)

    def fail(self, actor: Actor, matter_id: str, *, reason: str) -> Matter:
        """调解不成 Record that mediation failed."""
        why = args.text(reason, "reason")
        return self._change(actor, matter_id, A.FAIL, reason=why)

    def terminate(self, actor: Actor, matter_id: str, *, routes_told: Sequence[str]) -> Matter:
        """终止调解 Terminate a failed or refused mediation, recording the routes told (M1, M2).

        Before any session (accepted or assigned) only a recorded refusal (M1) allows it.
        """
        told = list(args.codes(routes_told, "routes_told"))

        def guard(matter: Matter, uow: UnitOfWork) -> None:
            if str(matter.state.value) in ("accepted", "assigned") and not matter.refused_by:
                raise RuleViolation("M2", "only a failed or refused mediation is terminated")
            check_termination(told)

        note = f"routes told: {', '.join(sorted(set(told)))}"
        return self._change(actor, matter_id, A.TERMINATE, reason=note, guard=guard)

    def request_confirmation(self, actor: Actor, matter_id: str, *, court: str) -> Matter:
        """司法确认 Apply jointly for judicial confirmation within 30 days (rule M4).

        The application is dated by the station's clock; ``court`` is a department with
        ``court = true``; a matter is confirmed once.
        """
        court = args.code(court, "court")
        if not any(d.id == court and d.court for d in self.config.departments):
            raise ValidationError("court", "not a court of the station's departments")

        def event(matter: Matter, at: dt.datetime) -> ParticipantAdded:
            if any(p.role == "judicial_confirmation" for p in matter.participants):
                raise RuleViolation("M4", "judicial confirmation was already applied for")
            with self._storage.unit_of_work() as uow:
                agreed = [
                    e.at for e in uow.matters.history(matter.id)
                    if isinstance(e, StateChanged) and e.state == "agreed"
                ]  # fmt: skip
            if not agreed:
                raise RuleViolation("M4", "there is no agreement to confirm")
            check_judicial_confirmation(agreed[-1].date(), at.date())
            joined = Participant(court, "judicial_confirmation", Linkage.JOINT_MEDIATION, "M4")
            return ParticipantAdded(
                matter_id=matter.id, version=matter.version + 1, at=at, actor=actor,
                participant=joined,
            )  # fmt: skip

        return self._annotate(actor, matter_id, "request_confirmation", event, resolved=None)

    def archive(self, actor: Actor, matter_id: str) -> Matter:
        """归档 Archive a closed dispute once its records are complete (rule M3)."""

        def guard(matter: Matter, uow: UnitOfWork) -> None:
            seen = state_names(uow.matters.history(matter.id))
            if "rejected" in seen and "accepted" not in seen:
                return
            check_archivable(
                registered="registered" in seen,
                sessions=matter.sessions,
                agreement="agreed" in seen,
                terminated="terminated" in seen,
            )

        return self._change(actor, matter_id, A.ARCHIVE, guard=guard)
