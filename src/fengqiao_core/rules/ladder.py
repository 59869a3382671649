"""The resolution ladder 化解层级 and its ceilings (rules L2 and L3).

Rungs, lowest first: ``GRID`` → ``COMMUNITY`` (``PARK`` for park matters) → ``STATION`` (with
the joint mediation panel 阳光联调小组) → ``DEPARTMENT`` → ``BEYOND``. "小事不出社区，大事不出园区":
``GENERAL`` matters close at ``COMMUNITY``/``PARK`` or below, ``MAJOR`` and ``SERIOUS`` at
``STATION`` or below. Closing above the ceiling is allowed but recorded as a ceiling breach, and
``BEYOND`` counts against "矛盾不上交".
"""

from __future__ import annotations

from attrs import field, frozen

from fengqiao_core.errors import RuleViolation
from fengqiao_core.model import LabelledEnum, LadderLevel, Severity

__all__ = [
    "LadderSettings",
    "SkipReason",
    "ceiling",
    "check_escalation",
    "counts_against_no_escalation",
    "initial_level",
    "is_ceiling_breached",
    "next_level",
]

_CEILINGS = {
    Severity.GENERAL: LadderLevel.COMMUNITY,
    Severity.MAJOR: LadderLevel.STATION,
    Severity.SERIOUS: LadderLevel.STATION,
}


class SkipReason(LabelledEnum):
    """Reasons a rule names for skipping rungs (rule L3) 越级理由."""

    CRIMINAL_SIGNS = "criminal_signs", "涉嫌犯罪，直接移交办案"
    SERIOUS_AT_INTAKE = "serious_at_intake", "重大事项，派出所直接受理"


_SKIP_TARGETS = {
    SkipReason.CRIMINAL_SIGNS: LadderLevel.STATION,
    SkipReason.SERIOUS_AT_INTAKE: LadderLevel.STATION,
}


def _level(value: LadderLevel | str) -> LadderLevel:
    return value if isinstance(value, LadderLevel) else LadderLevel.parse(value)


@frozen(kw_only=True)
class LadderSettings:
    """Where triage puts a matter first, per severity (rule L2, a [proposal]: configurable).

    ``PARK`` replaces ``COMMUNITY`` for matters in a park or campus.

    Attributes:
        general: First rung of ``GENERAL`` matters (default ``community``).
        major: First rung of ``MAJOR`` matters (default ``community``).
        serious: First rung of ``SERIOUS`` matters (default ``station``).
    """

    general: LadderLevel = field(default=LadderLevel.COMMUNITY, converter=_level)
    major: LadderLevel = field(default=LadderLevel.COMMUNITY, converter=_level)
    serious: LadderLevel = field(default=LadderLevel.STATION, converter=_level)

    def first(self, severity: Severity) -> LadderLevel:
        """The configured first rung for ``severity``."""
        return {Severity.GENERAL: self.general, Severity.MAJOR: self.major}.get(
            severity, self.serious
        )


def ceiling(severity: Severity) -> LadderLevel:
    """Rule L2: the highest rung a matter of ``severity`` should close at."""
    return _CEILINGS[severity]


def is_ceiling_breached(severity: Severity, level: LadderLevel | None) -> bool:
    """Rule L2: whether handling at ``level`` is above the ceiling of ``severity``."""
    return level is not None and level.rank > ceiling(severity).rank


def counts_against_no_escalation(level: LadderLevel | None) -> bool:
    """Rule L2: whether the matter left the station's reach ("矛盾不上交" is broken)."""
    return level is LadderLevel.BEYOND


def initial_level(
    severity: Severity, *, park: bool, settings: LadderSettings | None = None
) -> LadderLevel:
    """Rule L2: the rung triage starts a matter at; ``COMMUNITY`` becomes ``PARK`` in a park."""
    level = (settings or LadderSettings()).first(severity)
    if park and level is LadderLevel.COMMUNITY:
        return LadderLevel.PARK
    return level


def next_level(current: LadderLevel, *, park: bool) -> LadderLevel:
    """Rule L3: the rung directly above ``current`` (``GRID`` → ``COMMUNITY``/``PARK`` …).

    Raises:
        RuleViolation: ``BEYOND`` is the top rung.
    """
    if current is LadderLevel.BEYOND:
        raise RuleViolation("L3", "the matter is already beyond the station; no higher rung")
    if current is LadderLevel.GRID:
        return LadderLevel.PARK if park else LadderLevel.COMMUNITY
    order = (LadderLevel.STATION, LadderLevel.DEPARTMENT, LadderLevel.BEYOND)
    return order[current.rank - 1]


def check_escalation(
    current: LadderLevel, target: LadderLevel, *, park: bool, skip: SkipReason | None = None
) -> None:
    """Rule L3: escalate one rung at a time, unless a named reason allows the skip.

    Args:
        current: The matter's rung now.
        target: The rung asked for.
        park: Whether the matter is a park matter (``PARK`` instead of ``COMMUNITY``).
        skip: The rule's reason for skipping rungs, if any.

    Raises:
        RuleViolation: ``target`` is not above ``current``, skips a rung without a reason, or
            the reason does not allow that target.
    """
    if target.rank <= current.rank:
        raise RuleViolation(
            "L3", f"escalation must go up: {current.value} → {target.value} does not"
        )
    if skip is not None:
        allowed = _SKIP_TARGETS[skip]
        if target is not allowed:
            raise RuleViolation(
                "L3", f"{skip.value} allows a skip to {allowed.value}, not to {target.value}"
            )
        return
    expected = next_level(current, park=park)
    if target.rank != expected.rank:
        raise RuleViolation(
            "L3",
            f"escalate one rung at a time: from {current.value} the next is {expected.value}; "
            "name a skip reason to go further",
        )
