"""Per-matter facts 事项指标要素 the aggregates count: one definition for every backend.

The memory reference (:mod:`fengqiao_core.metrics.aggregate`) evaluates these on each matter; the
SQLite projection stores them as columns computed by the same functions, so SQL over them gives
the reference's numbers.
"""

from __future__ import annotations

import datetime as dt

from fengqiao_core.model import LadderLevel, Matter, Severity

__all__ = [
    "STEWARD_ROLE",
    "hours_between",
    "is_criminal",
    "micros",
    "over_ceiling",
    "sla_elapsed",
    "with_stewards",
    "yes_no",
]

STEWARD_ROLE = "steward"
"""The participant role of a red steward 红色管家 (set by triage's steward matching, rule L8)."""

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_CEILING_RANK = {Severity.GENERAL: 1, Severity.MAJOR: 2, Severity.SERIOUS: 2}
"""Rule L2 ceilings as ladder ranks: general matters at community/park, others at the station."""


def micros(moment: dt.datetime) -> int:
    """Microseconds since the Unix epoch (orders instants across offsets)."""
    return (moment - _EPOCH) // _MICROSECOND


def hours_between(start: dt.datetime, end: dt.datetime | None) -> float | None:
    """Hours from ``start`` to ``end`` (``None`` without an end)."""
    return None if end is None else (end - start).total_seconds() / 3600


def over_ceiling(matter: Matter) -> bool:
    """Rule L2: whether the matter is handled above its severity's ceiling 越过层级上限."""
    level: LadderLevel | None = matter.level
    return level is not None and level.rank > _CEILING_RANK[matter.severity]


def with_stewards(matter: Matter) -> bool:
    """Whether a red steward 红色管家 takes part in the matter."""
    return any(p.role == STEWARD_ROLE for p in matter.participants)


def is_criminal(matter: Matter) -> bool:
    """Whether the matter is an incident with criminal signs 刑事警情."""
    return bool(getattr(matter, "criminal", False))


def yes_no(flag: bool) -> str:
    """The group key of a flag dimension: ``"yes"`` or ``"no"``."""
    return "yes" if flag else "no"


def sla_elapsed(matter: Matter, as_of: dt.datetime | None) -> tuple[int, int] | None:
    """Rule D2 over a closed window: ``(elapsed, allowed)`` in microseconds, or ``None``.

    ``allowed`` runs from ``reported_at`` to ``due``; ``elapsed`` to ``resolved_at``, else to
    ``as_of``. ``None`` when there is no ``due``, no end or no time allowed.
    """
    if matter.due is None:
        return None
    end = matter.resolved_at or as_of
    if end is None:
        return None
    start = micros(matter.reported_at)
    allowed = micros(matter.due) - start
    if allowed <= 0:
        return None
    return micros(end) - start, allowed
