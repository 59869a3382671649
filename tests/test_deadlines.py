"""Rules D1 (time limits), D2 (yellow and red warnings) and M5 (police mediation sessions)."""

import datetime as dt
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao_core.errors import ConfigurationError, RuleViolation, ValidationError
from fengqiao_core.model import Dispute, DisputeState, Location, Severity, Source
from fengqiao_core.model.personal import FreeText
from fengqiao_core.rules.calendar import (
    STATUTORY_CALENDAR,
    CalendarError,
    CalendarSettings,
    WorkingCalendar,
    YearArrangement,
)
from fengqiao_core.rules.deadlines import (
    M5_MAX_SESSIONS,
    DeadlineSettings,
    SessionCheck,
    SessionDeadline,
    SlaStatus,
    WarningThresholds,
    check_police_session,
    matter_sla_status,
    people_mediation_due,
    police_session_deadline,
    resolution_due,
    sla_status,
)

SH = ZoneInfo("Asia/Shanghai")
D = dt.date
DAY = dt.timedelta(days=1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SH)


def dispute(severity: Severity, reported_at: dt.datetime, **changes: object) -> Dispute:
    return Dispute(
        id="d-1",
        category="dispute:neighbour",
        severity=severity,
        source=Source.WALK_IN,
        location=Location(place="compound-1"),
        description=FreeText("noise at night"),
        reported_at=reported_at,
        **changes,  # type: ignore[arg-type]
    )


# --- D1 ---------------------------------------------------------------------------------


def test_d1_default_limits_per_severity() -> None:
    """Rule D1: 一般一周结、较大一月清、重大三月了: 7, 30, 90 days; people's mediation 1 month."""
    settings = DeadlineSettings()
    assert settings.limit_for(Severity.GENERAL) == 7 * DAY
    assert settings.limit_for(Severity.MAJOR) == 30 * DAY
    assert settings.limit_for(Severity.SERIOUS) == 90 * DAY
    assert settings.people_mediation_months == 1


def test_d1_resolution_due_is_in_the_station_zone() -> None:
    """Rule D1: the due time is reported_at plus the limit, expressed in the station zone."""
    reported = dt.datetime(2025, 3, 1, 10, tzinfo=dt.UTC)
    due = resolution_due(Severity.GENERAL, reported)
    assert due == at(2025, 3, 8, 18)
    assert due.tzinfo == SH
    assert resolution_due(Severity.SERIOUS, reported) - reported == 90 * DAY
    tokyo = resolution_due(Severity.MAJOR, reported, zone="Asia/Tokyo")
    assert tokyo.utcoffset() == dt.timedelta(hours=9)
    assert tokyo - reported == 30 * DAY


def test_d1_limits_are_configurable() -> None:
    """Rule D1: a station's [rules] table can change each limit."""
    settings = DeadlineSettings(general_days=5, major_days=20, serious_days=60)
    reported = at(2025, 6, 1, 9)
    assert resolution_due(Severity.GENERAL, reported, settings) == at(2025, 6, 6, 9)
    assert resolution_due(Severity.MAJOR, reported, settings) == at(2025, 6, 21, 9)
    assert resolution_due(Severity.SERIOUS, reported, settings) == at(2025, 7, 31, 9)


@pytest.mark.parametrize(
    ("accepted", "months", "due"),
    [
        (at(2024, 1, 31, 9), 1, at(2024, 2, 29, 9)),
        (at(2025, 1, 31, 9), 1, at(2025, 2, 28, 9)),
        (at(2025, 12, 15, 14), 1, at(2026, 1, 15, 14)),
        (at(2025, 11, 30, 8), 3, at(2026, 2, 28, 8)),
        (at(2025, 5, 10, 8), 12, at(2026, 5, 10, 8)),
    ],
)
def test_d1_people_mediation_due_in_calendar_months(
    accepted: dt.datetime, months: int, due: dt.datetime
) -> None:
    """Rule D1: people's mediation 人民调解 ends a calendar month later, clamped to month end."""
    settings = DeadlineSettings(people_mediation_months=months)
    assert people_mediation_due(accepted, settings) == due


@pytest.mark.parametrize("name", ["general_days", "major_days", "people_mediation_months"])
@pytest.mark.parametrize("bad", [0, -3, True, 7.5, "7"])
def test_d1_settings_refuse_bad_limits(name: str, bad: object) -> None:
    """Rule D1: limits are whole numbers of days (or months) above zero; errors name the field."""
    with pytest.raises(ValidationError) as caught:
        DeadlineSettings(**{name: bad})  # type: ignore[arg-type]
    assert caught.value.field == name


def test_d1_times_must_be_aware_and_zones_known() -> None:
    """Rule D1: a naive time is a ValidationError, an unknown zone a ConfigurationError."""
    with pytest.raises(ValidationError, match="no time zone") as caught:
        resolution_due(Severity.GENERAL, dt.datetime(2025, 1, 1, 9))
    assert caught.value.field == "reported_at"
    with pytest.raises(ConfigurationError, match="Mars/Olympus"):
        resolution_due(Severity.GENERAL, at(2025, 1, 1, 9), zone="Mars/Olympus")


@given(
    st.sampled_from(Severity),
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1)),
    st.integers(min_value=1, max_value=400),
)
def test_d1_due_minus_reported_is_the_limit(
    severity: Severity, naive: dt.datetime, days: int
) -> None:
    """Rule D1: in Asia/Shanghai (no DST) the due time is exactly the limit after reporting."""
    settings = attrs.evolve(DeadlineSettings(), **{f"{severity.value}_days": days})  # type: ignore[arg-type]
    reported = naive.replace(tzinfo=dt.UTC)
    assert resolution_due(severity, reported, settings) - reported == days * DAY


# --- D2 ---------------------------------------------------------------------------------


def test_d2_colours_at_70_and_100_percent_by_default() -> None:
    """Rule D2: green below 70 % of the allowed time, yellow from 70 %, red from 100 %."""
    start, due = at(2025, 3, 1, 0), at(2025, 3, 11, 0)
    colour = [
        sla_status(start, due, start + hours * dt.timedelta(hours=1))
        for hours in (-5, 0, 167, 168, 239, 240, 1000)
    ]
    assert colour == [SlaStatus.GREEN] * 3 + [SlaStatus.YELLOW] * 2 + [SlaStatus.RED] * 2
    assert [s.label_zh for s in SlaStatus] == ["正常", "黄色预警", "红色预警"]


def test_d2_thresholds_are_configurable_per_stage() -> None:
    """Rule D2: each stage may have its own yellow and red thresholds, else the default."""
    settings = DeadlineSettings(
        warnings=WarningThresholds(0.5, 0.9),
        stage_warnings={"mediating": WarningThresholds(yellow_at=0.8, red_at=1.2)},
    )
    assert settings.thresholds_for("mediating") == WarningThresholds(0.8, 1.2)
    assert settings.thresholds_for("registered") == WarningThresholds(0.5, 0.9)
    start, due = at(2025, 3, 1, 0), at(2025, 3, 11, 0)
    now = at(2025, 3, 10, 12)  # 95 % elapsed
    assert sla_status(start, due, now, settings.thresholds_for("registered")) is SlaStatus.RED
    assert sla_status(start, due, now, settings.thresholds_for("mediating")) is SlaStatus.YELLOW
    with pytest.raises(TypeError):
        settings.stage_warnings["new"] = WarningThresholds()  # type: ignore[index]
    assert hash(settings) == hash(attrs.evolve(settings))


@pytest.mark.parametrize(
    ("yellow", "red", "field"),
    [
        (1.0, 1.0, "yellow_at"),
        (0.9, 0.5, "yellow_at"),
        (0, 1, "yellow_at"),
        (0.5, float("nan"), "red_at"),
        (0.5, float("inf"), "red_at"),
        (True, 1, "yellow_at"),
    ],
)
def test_d2_threshold_validation(yellow: float, red: float, field: str) -> None:
    """Rule D2: thresholds are finite shares above zero and yellow comes before red."""
    with pytest.raises(ValidationError) as caught:
        WarningThresholds(yellow, red)
    assert caught.value.field == field


def test_d2_due_must_follow_start() -> None:
    """Rule D2: a stage due before it starts is a ValidationError naming due_at."""
    with pytest.raises(ValidationError) as caught:
        sla_status(at(2025, 3, 2, 0), at(2025, 3, 1, 0), at(2025, 3, 1, 0))
    assert caught.value.field == "due_at"


def test_d2_matter_colour_uses_d1_limit_and_its_stage() -> None:
    """Rules D1/D2: a matter without a due time is judged against its severity's limit."""
    reported = at(2025, 4, 1, 9)
    matter = dispute(Severity.GENERAL, reported, state=DisputeState.MEDIATING)
    assert matter_sla_status(matter, reported + 4 * DAY) is SlaStatus.GREEN
    assert matter_sla_status(matter, reported + 5 * DAY) is SlaStatus.YELLOW
    assert matter_sla_status(matter, reported + 7 * DAY) is SlaStatus.RED
    lenient = DeadlineSettings(stage_warnings={"mediating": WarningThresholds(0.9, 1.5)})
    assert matter_sla_status(matter, reported + 7 * DAY, lenient) is SlaStatus.YELLOW
    triaged = dispute(Severity.GENERAL, reported, due=reported + 2 * DAY)
    assert matter_sla_status(triaged, reported + 2 * DAY) is SlaStatus.RED


@given(
    st.integers(min_value=1, max_value=10**7),
    st.lists(st.integers(min_value=-(10**7), max_value=2 * 10**7), min_size=2, max_size=2),
)
def test_d2_colour_never_improves_as_time_passes(allowed: int, offsets: list[int]) -> None:
    """Rule D2: later is never greener: the colour is monotone in now."""
    start = at(2025, 1, 1, 0)
    due = start + dt.timedelta(seconds=allowed)
    early, late = (start + dt.timedelta(seconds=s) for s in sorted(offsets))
    order = list(SlaStatus)
    assert order.index(sla_status(start, due, early)) <= order.index(sla_status(start, due, late))


# --- M5 ---------------------------------------------------------------------------------


def test_m5_first_session_within_3_working_days_across_national_day_2025() -> None:
    """Rule M5: accepted Tue Sep 30 2025, the 3rd working day is the make-up Sat Oct 11."""
    deadline = police_session_deadline(at(2025, 9, 30, 15))
    assert deadline == SessionDeadline(1, at(2025, 9, 30, 15), D(2025, 10, 11))
    assert check_police_session(at(2025, 10, 11, 23, 59), accepted_at=at(2025, 9, 30, 15))
    with pytest.raises(RuleViolation, match="2025-10-11") as caught:
        check_police_session(at(2025, 10, 12, 9), accepted_at=at(2025, 9, 30, 15))
    assert caught.value.rule == "M5"


def test_m5_first_session_across_spring_festival_2024() -> None:
    """Rule M5: accepted Thu Feb 8 2024, the 3 working days are Feb 9, Sun Feb 18 and Feb 19."""
    assert police_session_deadline(at(2024, 2, 8, 10)).last_day == D(2024, 2, 19)


def test_m5_second_session_within_7_working_days_of_the_first() -> None:
    """Rule M5: the second session counts 7 working days from the first (National Day 2025)."""
    accepted, first = at(2025, 9, 25, 9), at(2025, 9, 26, 10)
    deadline = police_session_deadline(accepted, [first])
    assert deadline == SessionDeadline(2, first, D(2025, 10, 13))
    assert check_police_session(
        at(2025, 10, 13, 16), accepted_at=accepted, earlier_sessions=[first]
    )
    with pytest.raises(RuleViolation) as caught:
        check_police_session(at(2025, 10, 14, 9), accepted_at=accepted, earlier_sessions=[first])
    assert caught.value.rule == "M5"


def test_m5_at_most_two_sessions() -> None:
    """Rule M5: a third police mediation session is refused, pointing to the other routes."""
    accepted = at(2025, 3, 3, 9)
    held = [at(2025, 3, 4, 9), at(2025, 3, 6, 9)]
    assert len(held) == M5_MAX_SESSIONS
    with pytest.raises(RuleViolation, match="at most 2 sessions") as caught:
        check_police_session(at(2025, 3, 7, 9), accepted_at=accepted, earlier_sessions=held)
    assert caught.value.rule == "M5"
    assert "M2" in str(caught.value)


def test_m5_counts_dates_in_the_station_zone() -> None:
    """Rule M5: 17:00 UTC on Feb 8 2024 is Feb 9 in Shanghai, so the count starts a day later."""
    accepted = dt.datetime(2024, 2, 8, 17, tzinfo=dt.UTC)
    assert police_session_deadline(accepted).last_day == D(2024, 2, 20)
    assert police_session_deadline(accepted, zone="UTC").last_day == D(2024, 2, 19)


def test_m5_sessions_cannot_precede_acceptance_or_each_other() -> None:
    """Rule M5: a session before acceptance or before an earlier session is invalid input."""
    accepted = at(2025, 3, 3, 9)
    with pytest.raises(ValidationError) as caught:
        check_police_session(at(2025, 3, 3, 8), accepted_at=accepted)
    assert caught.value.field == "held_at"
    with pytest.raises(ValidationError) as caught:
        check_police_session(
            at(2025, 3, 4, 8), accepted_at=accepted, earlier_sessions=[at(2025, 3, 4, 9)]
        )
    assert caught.value.field == "held_at"
    with pytest.raises(ValidationError) as caught:
        police_session_deadline(accepted, [at(2025, 3, 2, 9)])
    assert caught.value.field == "earlier_sessions"


def test_m5_session_on_30_december_2026_is_judged_without_2027() -> None:
    """Rule M5: accepted 29 Dec 2026, a session on 30 Dec is on time even though 2027 is unknown."""
    accepted = at(2026, 12, 29, 10)
    with pytest.raises(CalendarError, match="2027"):
        police_session_deadline(accepted)  # the whole deadline does need 2027
    checked = check_police_session(at(2026, 12, 30, 9), accepted_at=accepted)
    assert checked == SessionCheck(1, accepted, D(2026, 12, 30), 0, 3)
    assert check_police_session(at(2026, 12, 31, 18), accepted_at=accepted).working_days_before == 1
    # 1 Jan 2027 is on time whatever 2027 holds: only 30 and 31 Dec came before it.
    assert check_police_session(at(2027, 1, 1, 9), accepted_at=accepted).working_days_before == 2
    with pytest.raises(CalendarError, match="2027"):  # strict: the days before it are unknown
        check_police_session(at(2027, 1, 4, 9), accepted_at=accepted)


def test_m5_estimate_counts_new_years_day_as_a_holiday() -> None:
    """Rule M5: with the estimate, 1 Jan 2027 is a holiday, so a session on 4 Jan is on time."""
    accepted = at(2026, 12, 29, 10)
    estimating = WorkingCalendar(fallback="estimate")
    deadline = police_session_deadline(accepted, calendar=estimating)
    assert deadline == SessionDeadline(1, accepted, D(2027, 1, 4), estimated=True)
    checked = check_police_session(at(2027, 1, 4, 9), accepted_at=accepted, calendar=estimating)
    assert (checked.working_days_before, checked.estimated) == (2, True)
    with pytest.raises(RuleViolation, match=r"due by 2027-01-04 \(estimated") as caught:
        check_police_session(at(2027, 1, 5, 9), accepted_at=accepted, calendar=estimating)
    assert caught.value.rule == "M5"
    on_time = police_session_deadline(at(2026, 12, 24, 10), calendar=estimating)
    assert on_time == SessionDeadline(1, at(2026, 12, 24, 10), D(2026, 12, 29))


def test_m5_a_late_verdict_from_known_days_is_not_marked_estimated() -> None:
    """Rule M5: a session late by known days alone names a statutory last day, not an estimate."""
    accepted = at(2026, 12, 24, 10)
    estimating = WorkingCalendar(fallback="estimate")
    with pytest.raises(RuleViolation) as caught:
        check_police_session(at(2027, 1, 6, 9), accepted_at=accepted, calendar=estimating)
    assert "due by 2026-12-29" in str(caught.value)
    assert "estimated" not in str(caught.value)


def test_m5_station_notice_for_2027_decides_instead_of_the_estimate() -> None:
    """Rule M5: with the 2027 notice in the station file, 4 Jan off means 5 Jan is on time."""
    notice = CalendarSettings(
        years={2027: YearArrangement(holidays=[D(2027, 1, d) for d in (1, 2, 3, 4)])}
    )
    calendar = WorkingCalendar(settings=notice)
    accepted = at(2026, 12, 29, 10)
    checked = check_police_session(at(2027, 1, 5, 9), accepted_at=accepted, calendar=calendar)
    assert (checked.working_days_before, checked.estimated) == (2, False)
    with pytest.raises(RuleViolation, match="2027-01-05"):
        check_police_session(at(2027, 1, 6, 9), accepted_at=accepted, calendar=calendar)


@given(
    st.datetimes(min_value=dt.datetime(2004, 1, 1), max_value=dt.datetime(2040, 12, 1)),
    st.integers(min_value=0, max_value=20),
)
def test_m5_check_agrees_with_the_deadline(naive: dt.datetime, days_later: int) -> None:
    """Rule M5: a session is accepted exactly when it is on or before the deadline's last day."""
    accepted = naive.replace(tzinfo=SH)
    estimating = WorkingCalendar(fallback="estimate")
    last_day = police_session_deadline(accepted, calendar=estimating).last_day
    held = max(
        dt.datetime.combine(accepted.date() + days_later * DAY, dt.time(23, 59), SH), accepted
    )
    if held.date() <= last_day:
        assert check_police_session(held, accepted_at=accepted, calendar=estimating)
    else:
        with pytest.raises(RuleViolation, match=last_day.isoformat()):
            check_police_session(held, accepted_at=accepted, calendar=estimating)


@given(st.datetimes(min_value=dt.datetime(2004, 1, 1), max_value=dt.datetime(2026, 12, 1)))
def test_m5_first_deadline_is_the_third_working_day(naive: dt.datetime) -> None:
    """Rule M5: the first session's last day is a working day, exactly 3 after acceptance."""
    accepted = naive.replace(tzinfo=SH)
    deadline = police_session_deadline(accepted)
    assert STATUTORY_CALENDAR.is_working_day(deadline.last_day)
    count = STATUTORY_CALENDAR.working_days_between(accepted.date(), deadline.last_day)
    assert count.days == 3
    assert not deadline.estimated
    assert check_police_session(
        dt.datetime.combine(deadline.last_day, dt.time(23, 59), SH), accepted_at=accepted
    )
