"""Use cases 业务用例: one named method per lifecycle edge of DOMAIN.md §4.

Each takes the ``actor`` and the matter id, applies the rules that guard its edge (T4, L3,
L6, M1-M5) and returns the matter's new state. There is no generic ``transition()``; the table
in ``docs/use-cases.md`` maps every edge to its method.
"""

from __future__ import annotations

import datetime as dt

from fengqiao_core.errors import PermissionDenied, RuleViolation, ValidationError
from fengqiao_core.model import (
    Actor,
    AuxiliaryOfficer,
    Commended,
    FeedbackRecorded,
    LadderLevel,
    Linkage,
    Matter,
    MatterAssigned,
    MatterEscalated,
    MatterEvent,
    MatterKind,
    Participant,
    ParticipantAdded,
    Role,
)
from fengqiao_core.ports import UnitOfWork
from fengqiao_core.rules.ladder import SkipReason
from fengqiao_core.rules.lifecycle import Action
from fengqiao_core.rules.mediation import (
    check_owner,
)
from fengqiao_core.station import arguments as args
from fengqiao_core.station.core import StationCore

__all__ = ["LifecycleUseCases"]

A = Action


class LifecycleUseCases(StationCore):
    """The lifecycle edges as named use cases 生命周期 (a mixin over the core, combined once)."""

    def _no_auxiliary(self, person_id: str | None, step: str) -> None:
        """Rule T4 on a person named as owner."""
        person = next((a for a in self.config.auxiliary_officers if a.id == person_id), None)
        if isinstance(person, AuxiliaryOfficer):
            check_owner(person, step=step)

    def register(self, actor: Actor, matter_id: str) -> Matter:
        """登记 Register a reported dispute."""
        return self._change(actor, matter_id, A.REGISTER)

    def reject(self, actor: Actor, matter_id: str, *, reason: str) -> Matter:
        """不予受理 Reject a registered dispute (the reason is recorded)."""
        return self._change(actor, matter_id, A.REJECT, reason=args.text(reason, "reason"))

    def accept(self, actor: Actor, matter_id: str) -> Matter:
        """受理 Accept a registered dispute for mediation (not once a party refused it: M1)."""

        def guard(matter: Matter, uow: UnitOfWork) -> None:
            if matter.refused_by:
                raise RuleViolation("M1", "a party refused mediation: terminate and refer instead")

        return self._change(actor, matter_id, A.ACCEPT, guard=guard)

    def triage(self, actor: Actor, matter_id: str) -> Matter:
        """分流 Confirm a help request's triage (also re-triages a reopened one)."""
        return self._change(actor, matter_id, A.TRIAGE, notify=True)

    def dispatch(self, actor: Actor, matter_id: str) -> Matter:
        """派遣 Send people to a help request or an incident."""
        return self._change(actor, matter_id, A.DISPATCH, notify=True)

    def arrive(self, actor: Actor, matter_id: str) -> Matter:
        """到场 Record arrival on site (help request: on site; incident: handling)."""
        return self._change(actor, matter_id, A.ARRIVE)

    def assign(self, actor: Actor, matter_id: str, *, owner: str | None = None) -> Matter:
        """指派 Give a dispute an owner 包案人 at its level (rule T4: never an auxiliary)."""
        owner = args.optional_code(owner, "owner")

        def extra(matter: Matter, version: int, at: dt.datetime) -> list[MatterEvent]:
            chosen = owner or matter.owner
            if chosen is None:
                raise ValidationError("owner", "the matter has no owner yet; name one")
            self._no_auxiliary(chosen, "a dispute")
            if chosen not in {o.id for o in self.config.officers}:
                raise ValidationError("owner", "the owner is not an officer of the station")
            level = matter.level or LadderLevel.COMMUNITY
            return [
                MatterAssigned(
                    matter_id=matter.id, version=version, at=at, actor=actor, owner=chosen,
                    level=level,
                )
            ]  # fmt: skip

        return self._change(actor, matter_id, A.ASSIGN, extra=extra, notify=True)

    def escalate(
        self,
        actor: Actor,
        matter_id: str,
        *,
        reason: str,
        to_level: LadderLevel | None = None,
        skip: SkipReason | None = None,
    ) -> Matter:
        """上报 Move a matter one rung up the ladder (rule L3; ``skip`` names why to jump)."""
        why = args.text(reason, "reason")
        if to_level is not None:
            args.choice(to_level, LadderLevel, "to_level")
        if skip is not None:
            args.choice(skip, SkipReason, "skip")
        return self._change(
            actor, matter_id, A.ESCALATE, reason=why, to_level=to_level, skip=skip, notify=True
        )

    def refer(self, actor: Actor, matter_id: str, *, to: str, reason: str) -> Matter:
        """移交/转办 Refer a matter to a competent department or force (rule L6).

        A referral moves the matter to the ``DEPARTMENT`` rung (``BEYOND`` for a court).
        """
        to = args.code(to, "to")
        why = args.text(reason, "reason")
        court = any(d.id == to and d.court for d in self.config.departments)
        known = {d.id for d in self.config.departments} | {f.id for f in self.config.forces}

        def extra(matter: Matter, version: int, at: dt.datetime) -> list[MatterEvent]:
            if to not in known:
                raise ValidationError("to", "not a department or force of the station")
            target = LadderLevel.BEYOND if court else LadderLevel.DEPARTMENT
            joined = Participant(to, "referred_to", Linkage.JOINT_GOVERNANCE, "L6")
            events: list[MatterEvent] = [
                ParticipantAdded(
                    matter_id=matter.id, version=version, at=at, actor=actor, reason=why,
                    participant=joined,
                )
            ]  # fmt: skip
            if (matter.level or LadderLevel.GRID).rank < target.rank:
                events.append(
                    MatterEscalated(
                        matter_id=matter.id, version=version + 1, at=at, actor=actor,
                        reason=why, to_level=target, rule="L6",
                    )
                )  # fmt: skip
            return events

        return self._change(actor, matter_id, A.REFER, reason=why, extra=extra)

    def department_reply(self, actor: Actor, matter_id: str, *, reason: str) -> Matter:
        """部门回复 Record the competent department's reply to a transferred help request."""
        return self._change(
            actor, matter_id, A.DEPARTMENT_REPLY, reason=args.text(reason, "reason")
        )

    def open_case(self, actor: Actor, matter_id: str) -> Matter:
        """立案 Open a criminal or administrative case (rule T4: only an officer)."""

        def guard(matter: Matter, uow: UnitOfWork) -> None:
            if actor.role is Role.AUXILIARY:
                raise RuleViolation(
                    "T4", f"auxiliary officer {actor.person_id} may not open a case"
                )

        return self._change(actor, matter_id, A.OPEN_CASE, guard=guard)

    def resolve(self, actor: Actor, matter_id: str) -> Matter:
        """解决 Resolve a help request on site or an incident."""
        return self._change(actor, matter_id, A.RESOLVE)

    def verify_tip(self, actor: Actor, matter_id: str) -> Matter:
        """核查 Start verifying a tip."""
        return self._change(actor, matter_id, A.VERIFY)

    def confirm_tip(self, actor: Actor, matter_id: str, *, reason: str) -> Matter:
        """查实 The tip is confirmed (report the matter it becomes, or link it)."""
        return self._change(actor, matter_id, A.CONFIRM, reason=args.text(reason, "reason"))

    def dismiss_tip(self, actor: Actor, matter_id: str, *, reason: str) -> Matter:
        """查无实据 The tip is unfounded."""
        return self._change(actor, matter_id, A.DISMISS, reason=args.text(reason, "reason"))

    def follow_up(self, actor: Actor, matter_id: str) -> Matter:
        """回访 Follow a dispute up with its parties."""
        return self._change(actor, matter_id, A.FOLLOW_UP)

    def close(self, actor: Actor, matter_id: str) -> Matter:
        """办结 Close a matter."""
        return self._change(actor, matter_id, A.CLOSE)

    def withdraw(self, actor: Actor, matter_id: str, *, reason: str) -> Matter:
        """撤回 The reporter withdraws the matter before resolution (with a reason).

        Outside the station's own staff only the person who reported it may withdraw it.
        """
        why = args.text(reason, "reason")

        def guard(matter: Matter, uow: UnitOfWork) -> None:
            staff = actor.role in (Role.OFFICER, Role.AUXILIARY, Role.SYSTEM)
            if not staff and matter.reported_by != actor.person_id:
                raise PermissionDenied(f"only the reporter may withdraw matter {matter.id}")

        return self._change(actor, matter_id, A.WITHDRAW, reason=why, guard=guard)

    def reopen(self, actor: Actor, matter_id: str, *, reason: str) -> Matter:
        """重启 A closed matter comes back (e.g. an agreement was not performed)."""
        return self._change(
            actor, matter_id, A.REOPEN, reason=args.text(reason, "reason"), notify=True
        )

    def feedback(
        self, actor: Actor, matter_id: str, *, score: int, comment: str | None = None
    ) -> Matter:
        """评价 Record the resident's satisfaction (1-5).

        A resolved help request moves to ``FEEDBACK``; other resolved matters keep their state.
        The comment is the resident's words, stored as text that masks itself.
        """
        matter_id = args.code(matter_id, "matter_id")
        score = args.whole(score, "score", low=1, high=5)
        note = args.optional_text(comment, "comment")

        def event(matter: Matter, version: int, at: dt.datetime) -> FeedbackRecorded:
            return FeedbackRecorded(
                matter_id=matter.id, version=version, at=at, actor=actor, score=score, comment=note
            )

        kind = self._read(actor, matter_id, lambda uow, matter: matter.kind, A.FEEDBACK.value)
        if kind is MatterKind.HELP_REQUEST:
            return self._change(
                actor, matter_id, A.FEEDBACK, extra=lambda m, v, at: [event(m, v, at)]
            )
        return self._annotate(
            actor, matter_id, A.FEEDBACK.value, lambda m, at: event(m, m.version + 1, at)
        )

    def involve(
        self,
        actor: Actor,
        matter_id: str,
        *,
        ref: str,
        role: str,
        linkage: Linkage,
        rule: str,
        reason: str | None = None,
    ) -> Matter:
        """参与 Add someone to an open matter: who, in what role, through which linkage and rule.

        For people the rules did not call at triage — an employer who stands guarantor, a
        co-worker who helps mediate (T4 holds: an auxiliary officer is never added as owner).
        Only people the station knows can be added: the station file's people, its forces,
        departments, panels and places, and recorded residents. Only an officer may add a body,
        a place, a recorded resident, or a steward of another community than the matter's.
        """
        ref, role = args.code(ref, "ref"), args.code(role, "role")
        linkage, rule = args.choice(linkage, Linkage, "linkage"), args.code(rule, "rule")
        note = args.optional_text(reason, "reason")
        if role == "owner":
            self._no_auxiliary(ref, "a matter")
        joined = Participant(ref, role, linkage, rule)

        def event(matter: Matter, at: dt.datetime) -> ParticipantAdded:
            self._check_involved(actor, matter, ref)
            return ParticipantAdded(
                matter_id=matter.id, version=matter.version + 1, at=at, actor=actor,
                reason=note, participant=joined,
            )  # fmt: skip

        return self._annotate(actor, matter_id, "involve", event, resolved=False)

    def _check_involved(self, actor: Actor, matter: Matter, ref: str) -> None:
        """Who may be added to a matter, by whom (no delegation beyond the roster)."""
        config = self.config
        bodies = {b.id for b in (*config.forces, *config.departments, *config.mediation_panels)}
        officer = actor.role is Role.OFFICER
        recorded = None if ref in self.roster.roles else self._recorded(ref)
        if ref in self.roster.roles or (recorded is not None and recorded[0] is Role.STEWARD):
            home = next((s.community for s in config.red_stewards if s.id == ref), None)
            if recorded is not None:
                home = recorded[1]
            if officer or home in (None, matter.community):
                return
            raise PermissionDenied("only an officer adds a steward of another community")
        known = ref in bodies or ref in self.places or recorded is not None
        if not known:
            raise ValidationError("ref", "not a person, body or place the station knows")
        if not officer:
            raise PermissionDenied("only an officer adds a body, a place or a resident")

    def commend(
        self, actor: Actor, matter_id: str, *, recipient: str, inscription: str = ""
    ) -> Matter:
        """锦旗 Record a banner given for a resolved matter to an officer, steward or station."""
        recipient = args.code(recipient, "recipient")
        words = args.optional_text(inscription, "inscription")
        return self._annotate(
            actor,
            matter_id,
            "commend",
            lambda m, at: Commended(
                matter_id=m.id,
                version=m.version + 1,
                at=at,
                actor=actor,
                recipient=recipient,
                inscription=words,
            ),
        )
