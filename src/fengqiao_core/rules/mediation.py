"""Mediation law 调解法律规则 (rules M1-M5 and T4).

- M1 人民调解法 第17条: no mediation when a party explicitly refuses it;
- M2 第3、26条: every state keeps the exits to arbitration, administrative and judicial routes;
  a failed mediation is terminated with a record that the parties were told their routes;
- M3 第27-29条: registration, session records and an agreement or termination note before
  archiving; an agreement is effective when all parties and the mediator have signed and the
  committee has sealed it;
- M4 第33条: judicial confirmation is applied for jointly within 30 days of the agreement;
- M5 公通字〔2007〕81号 police mediation 治安调解: both consent; excluded for hired violence,
  gang fights, 寻衅滋事 and repeat offenders; a party under 16 needs a guardian (the session
  limits in working days are in :mod:`fengqiao_core.rules.deadlines`);
- T4: an auxiliary officer 辅警 may assist but never own a police mediation or an enforcement
  step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from attrs import frozen

from fengqiao_core.errors import RuleViolation
from fengqiao_core.model import AuxiliaryOfficer, LabelledEnum, Party, Person

__all__ = [
    "EXIT_ROUTES",
    "JUDICIAL_CONFIRMATION_DAYS",
    "Agreement",
    "PoliceMediationBar",
    "check_archivable",
    "check_consent",
    "check_judicial_confirmation",
    "check_owner",
    "check_police_mediation",
    "check_termination",
    "is_effective",
]

JUDICIAL_CONFIRMATION_DAYS = 30
EXIT_ROUTES: tuple[str, ...] = ("arbitration", "administrative", "judicial")
"""Rule M2: the routes a party may always take instead of (or after) mediation."""


def check_consent(parties: Sequence[str], refusing: Iterable[str]) -> None:
    """Rule M1: refuse mediation when any party explicitly refuses it.

    Args:
        parties: Ids of the parties to the dispute.
        refusing: Ids of parties who said no.

    Raises:
        RuleViolation: Naming the refusing party ids; route the matter elsewhere (M2).
    """
    refused = sorted(set(refusing) & set(parties))
    if refused:
        raise RuleViolation(
            "M1",
            f"parties {', '.join(refused)} refuse mediation; record it and route the matter to "
            f"one of: {', '.join(EXIT_ROUTES)}",
        )


def check_termination(routes_told: Iterable[str]) -> None:
    """Rule M2: a mediation is terminated only with a record that every exit route was told.

    Raises:
        RuleViolation: Naming the routes the parties were not told.
    """
    missing = [route for route in EXIT_ROUTES if route not in set(routes_told)]
    if missing:
        raise RuleViolation(
            "M2", f"tell the parties their other routes first: {', '.join(missing)}"
        )


@frozen(kw_only=True)
class Agreement:
    """A mediation agreement 调解协议 (rule M3): who signed, sealed, when."""

    parties: tuple[str, ...]
    signed_by: tuple[str, ...]
    mediator_signed: bool
    sealed: bool
    signed_on: dt.date


def is_effective(agreement: Agreement) -> bool:
    """Rule M3: effective once every party and the mediator signed and the committee sealed."""
    return (
        set(agreement.parties) <= set(agreement.signed_by)
        and agreement.mediator_signed
        and agreement.sealed
    )


def check_archivable(*, registered: bool, sessions: int, agreement: bool, terminated: bool) -> None:
    """Rule M3: registration, session records and an agreement or termination note first.

    Raises:
        RuleViolation: Naming what is missing.
    """
    missing = [
        what
        for what, present in (
            ("registration", registered),
            ("session record", sessions > 0),
            ("agreement or termination note", agreement or terminated),
        )
        if not present
    ]
    if missing:
        raise RuleViolation("M3", f"cannot archive without: {', '.join(missing)}")


def check_judicial_confirmation(agreed_on: dt.date, applied_on: dt.date) -> None:
    """Rule M4: the joint application for judicial confirmation is due within 30 days.

    Raises:
        RuleViolation: The application is late or dated before the agreement.
    """
    days = (applied_on - agreed_on).days
    if not 0 <= days <= JUDICIAL_CONFIRMATION_DAYS:
        raise RuleViolation(
            "M4",
            f"judicial confirmation must be applied for within {JUDICIAL_CONFIRMATION_DAYS} days "
            f"of the agreement ({agreed_on.isoformat()}); applied after {days} days",
        )


class PoliceMediationBar(LabelledEnum):
    """Circumstances that exclude police mediation 不适用治安调解的情形 (rule M5)."""

    HIRED_VIOLENCE = "hired_violence", "雇凶伤害"
    GANG_FIGHT = "gang_fight", "结伙斗殴"
    PICKING_QUARRELS = "picking_quarrels", "寻衅滋事"
    REPEAT_OFFENDER = "repeat_offender", "多次违反治安管理"


def check_police_mediation(
    parties: Sequence[Party],
    *,
    consenting: Iterable[str],
    bars: Iterable[PoliceMediationBar] = (),
    guardians: Iterable[str] = (),
    on: dt.date,
) -> None:
    """Rule M5: police mediation needs both sides' consent, no bar, and guardians for minors.

    Args:
        parties: The parties.
        consenting: Ids of parties who consent.
        bars: Circumstances of the case that exclude police mediation.
        guardians: Ids of parties under 16 whose guardian takes part.
        on: The day of mediation (for ages).

    Raises:
        RuleViolation: Naming the missing consent, the bar or the minor without a guardian.
    """
    found = sorted(bar.value for bar in set(bars))
    if found:
        raise RuleViolation("M5", f"police mediation is excluded: {', '.join(found)}")
    missing = sorted(p.id for p in parties if p.id not in set(consenting))
    if missing:
        raise RuleViolation("M5", f"both sides must consent; missing: {', '.join(missing)}")
    minors = sorted(
        p.id
        for p in parties
        if (age := p.age_on(on)) is not None and age < 16 and p.id not in set(guardians)
    )
    if minors:
        raise RuleViolation("M5", f"parties under 16 need a guardian: {', '.join(minors)}")


def check_owner(person: Person, *, step: str) -> None:
    """Rule T4: an auxiliary officer may assist but never own a police mediation or enforcement.

    Args:
        person: Who would own the step.
        step: What is owned, e.g. ``"police_mediation"`` or ``"open_case"``.

    Raises:
        RuleViolation: ``person`` is an auxiliary officer.
    """
    if isinstance(person, AuxiliaryOfficer):
        raise RuleViolation("T4", f"auxiliary officer {person.id} may assist but not own {step}")
