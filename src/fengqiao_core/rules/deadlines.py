"""Time limits 办理时限: rule D1 (per severity), D2 (yellow and red warnings), M5 (sessions).

All times are zone-aware datetimes; each function converts them to the station's zone
(``Asia/Shanghai`` by default) first. Limits in days (D1) are wall-clock days in that zone; limits
in working days (M5) count calendar dates in that zone on a
:class:`~fengqiao_core.rules.calendar.WorkingCalendar`.

The M5 functions raise rather than return findings: a third or late police mediation session is
a :class:`~fengqiao_core.errors.RuleViolation` the caller must not record, exactly like an illegal
state transition. A session is judged by counting the working days from the start to the
session's own date (:func:`check_police_session`), so an on-time session never needs calendar
data beyond its own date.
"""

from __future__ import annotations

import calendar as gregorian
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
from attrs import field, frozen

from fengqiao_core.errors import ConfigurationError, RuleViolation, ValidationError
from fengqiao_core.model.labels import LabelledEnum
from fengqiao_core.model.matters import Matter, Severity
from fengqiao_core.rules.calendar import STATUTORY_CALENDAR, WorkingCalendar

__all__ = [
    "DEFAULT_ZONE",
    "M5_FIRST_SESSION_WORKING_DAYS",
    "M5_MAX_SESSIONS",
    "M5_SECOND_SESSION_WORKING_DAYS",
    "DeadlineSettings",
    "SessionCheck",
    "SessionDeadline",
    "SlaStatus",
    "WarningThresholds",
    "check_police_session",
    "matter_sla_status",
    "people_mediation_due",
    "police_session_deadline",
    "resolution_due",
    "sla_status",
]

DEFAULT_ZONE = "Asia/Shanghai"
M5_FIRST_SESSION_WORKING_DAYS = 3
"""Rule M5: the first police mediation session is held within 3 working days of acceptance."""
M5_SECOND_SESSION_WORKING_DAYS = 7
"""Rule M5: the second session is held within 7 working days of the first."""
M5_MAX_SESSIONS = 2
"""Rule M5: police mediation 治安调解 allows at most two sessions."""


class SlaStatus(LabelledEnum):
    """Rule D2: the warning colour 预警等级 of a matter or stage against its time limit."""

    GREEN = "green", "正常"
    YELLOW = "yellow", "黄色预警"
    RED = "red", "红色预警"


_MOST = 3660
"""The longest time limit in days or months (ten years of days): limits are weeks and months."""


def _positive(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= _MOST:
        raise ValidationError(attribute.name, f"{value!r:.60} is not a whole number 1-{_MOST}")


def _fraction(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise ValidationError(attribute.name, f"{value!r:.60} is not a finite share > 0")


@frozen
class WarningThresholds:
    """Rule D2: the yellow and red warning thresholds 黄色/红色预警阈值 of one stage.

    Each is a share of the stage's allowed time: at ``yellow_at`` (default 70 %) of it elapsed
    the stage turns yellow, at ``red_at`` (default 100 %, i.e. overdue) red.
    """

    yellow_at: float = field(default=0.7, validator=_fraction)
    red_at: float = field(default=1.0, validator=_fraction)

    def __attrs_post_init__(self) -> None:
        if self.yellow_at >= self.red_at:
            raise ValidationError(
                "yellow_at", f"{self.yellow_at} must be below red_at ({self.red_at})"
            )


def _stage_map(value: Mapping[str, WarningThresholds]) -> Mapping[str, WarningThresholds]:
    for stage, thresholds in value.items():
        if not isinstance(thresholds, WarningThresholds):
            raise ValidationError(f"stage_warnings.{stage}", "must be WarningThresholds")
    return MappingProxyType(dict(value))


@frozen
class DeadlineSettings:
    """Rules D1 and D2: a station's time limits 办理时限 and warning thresholds (all defaults).

    Attributes:
        general_days: D1 limit for ``GENERAL`` 一般 matters ("一般一周结").
        major_days: D1 limit for ``MAJOR`` 较大 matters ("较大一月清").
        serious_days: D1 limit for ``SERIOUS`` 重大 matters ("重大三月了").
        people_mediation_months: D1 limit of people's mediation 人民调解, in calendar months.
        warnings: D2 thresholds for any stage not named in ``stage_warnings``.
        stage_warnings: D2 thresholds per stage, keyed by state value (e.g. ``"mediating"``).
    """

    general_days: int = field(default=7, validator=_positive)
    major_days: int = field(default=30, validator=_positive)
    serious_days: int = field(default=90, validator=_positive)
    people_mediation_months: int = field(default=1, validator=_positive)
    warnings: WarningThresholds = field(
        factory=WarningThresholds, validator=attrs.validators.instance_of(WarningThresholds)
    )
    stage_warnings: Mapping[str, WarningThresholds] = field(
        factory=dict, converter=_stage_map, hash=False
    )

    def limit_for(self, severity: Severity) -> dt.timedelta:
        """Rule D1: the time allowed to resolve a matter of this severity 办结时限."""
        days: int = getattr(self, f"{severity.value}_days")
        return dt.timedelta(days=days)

    def thresholds_for(self, stage: str) -> WarningThresholds:
        """Rule D2: the warning thresholds of a stage (its own, else the station default)."""
        return self.stage_warnings.get(stage, self.warnings)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"unknown time zone {name!r:.60}: use an IANA name such as 'Asia/Shanghai'"
        ) from None


def _aware(value: object, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise ValidationError(name, f"must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(name, f"{value.isoformat()} has no time zone")
    return value


def _local(value: object, name: str, zone: str) -> dt.datetime:
    """Check ``value`` is a zone-aware datetime and express it in the station's zone."""
    return _aware(value, name).astimezone(_zone(zone))


def resolution_due(
    severity: Severity,
    reported_at: dt.datetime,
    settings: DeadlineSettings = DeadlineSettings(),
    *,
    zone: str = DEFAULT_ZONE,
) -> dt.datetime:
    """Rule D1: when a matter of this severity 等级 must be resolved 办结时限.

    Returns ``reported_at`` plus the severity's limit in ``settings`` (7, 30 or 90 days by
    default) as wall-clock days in the station's ``zone``, expressed in that zone.
    """
    return _local(reported_at, "reported_at", zone) + settings.limit_for(severity)


def people_mediation_due(
    accepted_at: dt.datetime,
    settings: DeadlineSettings = DeadlineSettings(),
    *,
    zone: str = DEFAULT_ZONE,
) -> dt.datetime:
    """Rule D1: when a people's mediation 人民调解 must end (1 calendar month by default).

    Returns ``accepted_at`` plus ``settings.people_mediation_months`` in the station's ``zone``:
    the same day of the month, or the month's last day when it has no such day (31 January + 1
    month = 28 or 29 February).
    """
    local = _local(accepted_at, "accepted_at", zone)
    years, month0 = divmod(local.month - 1 + settings.people_mediation_months, 12)
    year, month = local.year + years, month0 + 1
    day = min(local.day, gregorian.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def sla_status(
    started_at: dt.datetime,
    due_at: dt.datetime,
    now: dt.datetime,
    thresholds: WarningThresholds = WarningThresholds(),
) -> SlaStatus:
    """Rule D2: the warning colour 预警 at ``now`` of a stage from ``started_at`` to ``due_at``.

    Returns ``RED`` once the share ``thresholds.red_at`` of the allowed time has elapsed,
    ``YELLOW`` from ``yellow_at``, else ``GREEN``. ``due_at`` must be after ``started_at``.
    """
    start = _aware(started_at, "started_at").astimezone(dt.UTC)
    allowed = _aware(due_at, "due_at").astimezone(dt.UTC) - start
    if allowed <= dt.timedelta(0):
        raise ValidationError("due_at", "must be after started_at")
    elapsed = (_aware(now, "now").astimezone(dt.UTC) - start) / allowed
    if elapsed >= thresholds.red_at:
        return SlaStatus.RED
    if elapsed >= thresholds.yellow_at:
        return SlaStatus.YELLOW
    return SlaStatus.GREEN


def matter_sla_status(
    matter: Matter,
    now: dt.datetime,
    settings: DeadlineSettings = DeadlineSettings(),
    *,
    zone: str = DEFAULT_ZONE,
) -> SlaStatus:
    """Rules D1 and D2: a matter's warning colour 预警 at ``now`` against its resolution limit.

    The limit runs from ``matter.reported_at`` to ``matter.due`` when triage set one, else to
    its D1 due time (:func:`resolution_due` in ``zone``); the thresholds in ``settings`` are
    those of the stage (state) the matter is in.
    """
    due = matter.due or resolution_due(matter.severity, matter.reported_at, settings, zone=zone)
    thresholds = settings.thresholds_for(str(matter.state.value))
    return sla_status(matter.reported_at, due, now, thresholds)


@frozen
class SessionDeadline:
    """Rule M5: when a police mediation session 治安调解 may be held.

    Attributes:
        session: Which session, 1 or 2.
        opens_at: Acceptance, or the previous session: the session cannot come before it.
        last_day: The last allowed date in the station's zone (inclusive).
        estimated: True when the calendar estimated a year it does not know.
    """

    session: int
    opens_at: dt.datetime
    last_day: dt.date
    estimated: bool = False


@frozen
class SessionCheck:
    """Rule M5: a police mediation session 治安调解 found on time.

    Attributes:
        session: Which session, 1 or 2.
        opens_at: Acceptance, or the previous session.
        held_on: The session's date in the station's zone.
        working_days_before: Working days after the start (acceptance, or the first session)
            and before ``held_on``; on time means fewer than ``allowed``, since the session
            may be held on the last allowed working day or any day before it.
        allowed: The working days M5 allows (3 or 7).
        estimated: True when the count used an estimated year.
    """

    session: int
    opens_at: dt.datetime
    held_on: dt.date
    working_days_before: int
    allowed: int
    estimated: bool = False


def _next_session(
    accepted_at: dt.datetime, earlier_sessions: Sequence[dt.datetime], zone: str
) -> tuple[int, dt.datetime, dt.date, int]:
    """The next session's number, its earliest time, the date counted from and its limit."""
    accepted = _local(accepted_at, "accepted_at", zone)
    held = sorted(_local(t, f"earlier_sessions[{i}]", zone) for i, t in enumerate(earlier_sessions))
    if len(held) >= M5_MAX_SESSIONS:
        raise RuleViolation(
            "M5",
            f"police mediation allows at most {M5_MAX_SESSIONS} sessions and {len(held)} were "
            "held; terminate it and tell the parties their other routes (M2)",
        )
    if not held:
        return 1, accepted, accepted.date(), M5_FIRST_SESSION_WORKING_DAYS
    if held[0] < accepted:
        raise ValidationError("earlier_sessions", "a session is before accepted_at")
    return 2, held[-1], held[0].date(), M5_SECOND_SESSION_WORKING_DAYS


def police_session_deadline(
    accepted_at: dt.datetime,
    earlier_sessions: Sequence[dt.datetime] = (),
    *,
    calendar: WorkingCalendar = STATUTORY_CALENDAR,
    zone: str = DEFAULT_ZONE,
) -> SessionDeadline:
    """Rule M5: when the next police mediation session 治安调解 is due.

    The first within 3 working days of acceptance, the second within 7 working days of the
    first, counted on ``calendar`` (strict statutory by default) in the station's ``zone``.

    Args:
        accepted_at: When the station accepted the matter for police mediation.
        earlier_sessions: When the sessions already held took place.
        calendar: The working calendar.
        zone: The station's time zone.

    Returns:
        The next session's deadline.

    Raises:
        RuleViolation: ``M5`` when two sessions were already held.
        ValidationError: An earlier session is before acceptance.
        CalendarError: The deadline falls in a year the strict calendar does not know; to judge
            a session that was held use :func:`check_police_session`, which never looks past
            the session's date.
    """
    session, opens_at, start, allowed = _next_session(accepted_at, earlier_sessions, zone)
    due = calendar.add_working_days(start, allowed)
    return SessionDeadline(session, opens_at, due.date, due.estimated)


def check_police_session(
    held_at: dt.datetime,
    *,
    accepted_at: dt.datetime,
    earlier_sessions: Sequence[dt.datetime] = (),
    calendar: WorkingCalendar = STATUTORY_CALENDAR,
    zone: str = DEFAULT_ZONE,
) -> SessionCheck:
    """Rule M5: refuse a third or a late police mediation session 治安调解 held at ``held_at``.

    The session is judged by counting the working days from acceptance (or the first session)
    up to the session's own date, so it needs the calendar only up to the day before it: a
    session on 30 December is judged even when the next year is not yet known. The other
    arguments are those of :func:`police_session_deadline`.

    Returns:
        The count the session meets.

    Raises:
        RuleViolation: ``M5`` for a third session, or one held after its last day.
        ValidationError: The session is before acceptance or an earlier session.
        CalendarError: The days before the session are in a year the strict calendar does not
            know.
    """
    session, opens_at, start, allowed = _next_session(accepted_at, earlier_sessions, zone)
    held = _local(held_at, "held_at", zone)
    if held < opens_at:
        raise ValidationError("held_at", "is before acceptance or an earlier session")
    # Late means the allowed-th working day came before the session's date: count the working
    # days before that date (a session on a rest day after the last day is late too).
    used = calendar.working_days_between(start, held.date() - dt.timedelta(days=1))
    if used.days >= allowed:
        # The last day lies before the session's date, so this needs no further calendar data.
        due = calendar.add_working_days(start, allowed)
        estimate = " (estimated: the year is not in the statutory calendar data)"
        raise RuleViolation(
            "M5",
            f"session {session} on {held.date().isoformat()} is late: it was due by "
            f"{due.date.isoformat()}{estimate if due.estimated else ''}",
        )
    return SessionCheck(session, opens_at, held.date(), max(used.days, 0), allowed, used.estimated)
