"""The statutory working calendar behind rule M5's working-day limits."""

import datetime as dt
import subprocess
import sys

import chinese_calendar  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao_core.errors import ConfigurationError, ValidationError
from fengqiao_core.rules.calendar import (
    STATUTORY_CALENDAR,
    CalendarError,
    CalendarFallback,
    CalendarSettings,
    WorkingCalendar,
    WorkingDate,
    WorkingDayCount,
    YearArrangement,
    calendar_findings,
    known_through,
    known_years,
)
from fengqiao_core.rules.findings import FindingSeverity, has_errors

D = dt.date
CAL = STATUTORY_CALENDAR
ESTIMATING = WorkingCalendar(fallback="estimate")
KNOWN = st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 12, 31))
INNER = st.dates(min_value=D(2006, 1, 1), max_value=D(2024, 12, 31))


def test_known_years_are_the_package_data() -> None:
    """Rule M5 calendar: the known years are exactly those chinese-calendar has data for."""
    years = known_years()
    assert years.start == min(chinese_calendar.holidays).year
    assert years.stop - 1 == max(chinese_calendar.holidays).year
    assert {2024, 2025, 2026} <= set(years)


def test_m5_spring_festival_2024_days_against_package_data() -> None:
    """Rule M5 calendar: Spring Festival 2024, holiday Feb 10-17, make-up Sundays Feb 4, 18."""
    holiday = [D(2024, 2, day) for day in range(10, 18)]
    make_up = [D(2024, 2, 4), D(2024, 2, 18)]
    assert all(day in chinese_calendar.holidays for day in holiday)
    assert all(day in chinese_calendar.workdays for day in make_up)
    assert not any(CAL.is_working_day(day) for day in holiday)
    assert all(CAL.is_working_day(day) for day in make_up)
    assert [day.weekday() for day in make_up] == [6, 6]
    assert CAL.is_working_day(D(2024, 2, 9))
    assert not CAL.is_working_day(D(2024, 2, 3))


def test_m5_spring_festival_2024_arithmetic() -> None:
    """Rule M5 calendar: counting across Spring Festival 2024 uses its make-up working days."""
    assert CAL.add_working_days(D(2024, 2, 2), 1) == WorkingDate(D(2024, 2, 4))
    assert CAL.add_working_days(D(2024, 2, 8), 1).date == D(2024, 2, 9)
    assert CAL.add_working_days(D(2024, 2, 8), 2).date == D(2024, 2, 18)
    assert CAL.add_working_days(D(2024, 2, 8), 3).date == D(2024, 2, 19)
    assert CAL.add_working_days(D(2024, 2, 12), 1).date == D(2024, 2, 18)
    assert CAL.add_working_days(D(2024, 2, 18), -1).date == D(2024, 2, 9)
    # February 2024: 21 weekdays - 5 holiday weekdays (12-16) + 2 make-up Sundays.
    assert CAL.working_days_between(D(2024, 1, 31), D(2024, 2, 29)) == WorkingDayCount(18)


def test_m5_national_day_2025_days_against_package_data() -> None:
    """Rule M5 calendar: National Day 2025, holiday Oct 1-8, make-up days Sep 28 and Oct 11."""
    holiday = [D(2025, 10, day) for day in range(1, 9)]
    make_up = [D(2025, 9, 28), D(2025, 10, 11)]
    assert all(day in chinese_calendar.holidays for day in holiday)
    assert all(day in chinese_calendar.workdays for day in make_up)
    assert not any(CAL.is_working_day(day) for day in holiday)
    assert all(CAL.is_working_day(day) for day in make_up)
    assert [day.strftime("%a") for day in make_up] == ["Sun", "Sat"]
    assert not CAL.is_working_day(D(2025, 10, 12))


def test_m5_national_day_2025_arithmetic() -> None:
    """Rule M5 calendar: counting across National Day 2025 (Sun Sep 28 and Sat Oct 11 worked)."""
    reached = [CAL.add_working_days(D(2025, 9, 26), n).date for n in range(1, 8)]
    assert reached == [
        D(2025, 9, 28),
        D(2025, 9, 29),
        D(2025, 9, 30),
        D(2025, 10, 9),
        D(2025, 10, 10),
        D(2025, 10, 11),
        D(2025, 10, 13),
    ]
    assert CAL.working_days_between(D(2025, 9, 26), D(2025, 10, 12)).days == 6
    # Backwards the day moved from is excluded and the day arrived at (Fri Sep 26) counts.
    assert CAL.working_days_between(D(2025, 10, 12), D(2025, 9, 26)).days == -7


def test_m5_late_december_2026_into_unknown_2027_is_a_clear_error() -> None:
    """Rule M5 calendar: a count that runs into a year the data lacks raises, naming it."""
    assert CAL.add_working_days(D(2026, 12, 28), 3) == WorkingDate(D(2026, 12, 31))
    with pytest.raises(CalendarError) as caught:
        CAL.add_working_days(D(2026, 12, 29), 3)
    assert caught.value.year == 2027
    assert caught.value.known == known_years()
    assert "2004-2026" in str(caught.value)
    assert "estimate" in str(caught.value)
    assert "[calendar.2027]" in str(caught.value)
    assert "2027 holiday notice" in str(caught.value)
    assert isinstance(caught.value, ConfigurationError)
    with pytest.raises(CalendarError):
        CAL.is_working_day(D(2027, 1, 4))
    with pytest.raises(CalendarError):
        CAL.working_days_between(D(2026, 12, 30), D(2027, 1, 5))


def test_m5_estimate_fallback_marks_estimates_and_skips_new_year() -> None:
    """Rule M5 calendar: the estimate counts 1 Jan 2027 as a holiday and flags every estimate."""
    assert ESTIMATING.fallback is CalendarFallback.ESTIMATE
    assert ESTIMATING.add_working_days(D(2026, 12, 29), 3) == WorkingDate(D(2027, 1, 4), True)
    assert ESTIMATING.add_working_days(D(2026, 12, 28), 3) == WorkingDate(D(2026, 12, 31))
    assert ESTIMATING.working_days_between(D(2026, 12, 30), D(2027, 1, 5)) == WorkingDayCount(
        3, True
    )
    assert not ESTIMATING.is_working_day(D(2027, 1, 1))
    assert ESTIMATING.add_working_days(D(2004, 1, 2), -1) == WorkingDate(D(2003, 12, 31), True)
    assert ESTIMATING.is_working_day(D(2030, 1, 7))
    assert not ESTIMATING.is_working_day(D(2030, 1, 5))
    assert not ESTIMATING.knows(D(2030, 1, 7))
    assert CAL.knows(D(2025, 10, 1))


def test_weekends_is_read_as_the_older_spelling_of_estimate() -> None:
    """Rule M5 calendar: station files that say "weekends" now get the holiday-aware estimate."""
    assert WorkingCalendar(fallback="weekends").fallback is CalendarFallback.ESTIMATE
    assert CalendarFallback.parse("weekends") is CalendarFallback.ESTIMATE


NOTICE_2027 = CalendarSettings(
    years={
        2027: YearArrangement(
            holidays=[D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3), D(2027, 1, 4)],
            workdays=[D(2027, 1, 9)],
        )
    }
)


def test_station_overrides_make_a_year_known_and_win_over_the_estimate() -> None:
    """Rule M5 calendar: a station's [calendar.2027] days are used as known, not estimated."""
    strict = WorkingCalendar(settings=NOTICE_2027)
    estimating = WorkingCalendar(fallback="estimate", settings=NOTICE_2027)
    assert strict.knows(D(2027, 3, 1))
    assert not strict.is_working_day(D(2027, 1, 4))  # a weekday the notice gives off
    assert ESTIMATING.is_working_day(D(2027, 1, 4))  # which the estimate alone would work
    assert strict.is_working_day(D(2027, 1, 9))  # a make-up Saturday
    for calendar in (strict, estimating):
        assert calendar.add_working_days(D(2026, 12, 29), 3) == WorkingDate(D(2027, 1, 5))
        assert calendar.working_days_between(D(2026, 12, 31), D(2027, 1, 9)) == WorkingDayCount(5)
    with pytest.raises(CalendarError, match="2028"):
        strict.is_working_day(D(2028, 1, 3))


def test_station_overrides_win_over_the_package_data() -> None:
    """Rule M5 calendar: an override for a year the package knows wins day by day."""
    fix = CalendarSettings(
        years={2025: YearArrangement(holidays=[D(2025, 3, 3)], workdays=[D(2025, 10, 1)])}
    )
    calendar = WorkingCalendar(settings=fix)
    assert CAL.is_working_day(D(2025, 3, 3))
    assert not calendar.is_working_day(D(2025, 3, 3))
    assert not CAL.is_working_day(D(2025, 10, 1))
    assert calendar.is_working_day(D(2025, 10, 1))
    assert calendar.is_working_day(D(2025, 3, 4)) is CAL.is_working_day(D(2025, 3, 4))


def test_calendar_settings_are_validated_by_field() -> None:
    """Rule M5 calendar: overrides refuse dates of another year, overlaps and non-dates."""
    with pytest.raises(ValidationError) as caught:
        CalendarSettings(years={2027: YearArrangement(holidays=[D(2028, 1, 1)])})
    assert caught.value.field == "years.2027.holidays"
    with pytest.raises(ValidationError) as caught:
        YearArrangement(holidays=[D(2027, 1, 1)], workdays=[D(2027, 1, 1)])
    assert caught.value.field == "workdays"
    with pytest.raises(ValidationError):
        YearArrangement(holidays=["2027-01-01"])
    with pytest.raises(ValidationError) as caught:
        CalendarSettings(years={"2027": YearArrangement()})
    assert caught.value.field == "years"


def test_known_through_continues_the_package_with_consecutive_override_years() -> None:
    """Rule M5 calendar: the known end is the package's, extended by consecutive overrides."""
    end = known_years().stop - 1
    assert known_through(CalendarSettings()) == D(end, 12, 31)
    next_year = CalendarSettings(years={end + 1: YearArrangement()})
    assert known_through(next_year) == D(end + 1, 12, 31)
    gap = CalendarSettings(years={end + 2: YearArrangement()})
    assert known_through(gap) == D(end, 12, 31)


def test_check_warns_60_days_before_the_known_years_end() -> None:
    """Rule M5 calendar: a warning from 60 days before the end, and after it; none before."""
    end = known_through(CalendarSettings())
    assert calendar_findings(CalendarSettings(), end - dt.timedelta(days=61)) == []
    for today in (end - dt.timedelta(days=60), D(2026, 11, 30), end + dt.timedelta(days=5)):
        if today > end - dt.timedelta(days=61):
            (finding,) = calendar_findings(CalendarSettings(), today)
            assert finding.severity is FindingSeverity.WARNING
            assert finding.rule == "M5"
            assert f"[calendar.{end.year + 1}]" in finding.message
            assert end.isoformat() in finding.message
    assert not has_errors(calendar_findings(CalendarSettings(), end))
    announced = CalendarSettings(years={end.year + 1: YearArrangement()})
    assert calendar_findings(announced, end) == []


def test_counts_need_only_the_years_they_touch() -> None:
    """Rule M5 calendar: a count ending on Dec 31 or starting on Jan 1 stays in known years."""
    assert CAL.add_working_days(D(2027, 1, 1), -1).date == D(2026, 12, 31)
    assert CAL.add_working_days(D(2003, 12, 31), 1).date == D(2004, 1, 2)
    with pytest.raises(CalendarError, match="no data that early"):
        CAL.add_working_days(D(2004, 1, 2), -1)
    assert CAL.working_days_between(D(2003, 12, 31), D(2004, 1, 2)).days == 1
    assert CAL.add_working_days(D(2030, 5, 1), 0) == WorkingDate(D(2030, 5, 1))
    assert CAL.working_days_between(D(2030, 5, 1), D(2030, 5, 1)) == WorkingDayCount(0)


def test_bad_inputs_are_validation_errors() -> None:
    """Rule M5 calendar: datetimes, bools and unknown fallbacks are refused by name."""
    moment = dt.datetime(2025, 10, 9, 9, tzinfo=dt.UTC)
    with pytest.raises(ValidationError, match="station-zone date") as caught:
        CAL.is_working_day(moment)
    assert caught.value.field == "day"
    with pytest.raises(ValidationError) as caught:
        CAL.add_working_days(D(2025, 1, 2), True)
    assert caught.value.field == "n"
    with pytest.raises(ValidationError) as caught:
        WorkingCalendar(fallback="guess")
    assert caught.value.field == "fallback"
    with pytest.raises(ValidationError) as caught:
        ESTIMATING.add_working_days(D(9999, 12, 30), 5)
    assert caught.value.field == "n"


def test_importing_the_package_does_not_load_the_calendar_data() -> None:
    """Rule M5 calendar: chinese_calendar and lunar_python are imported on first use."""
    code = (
        "import sys, fengqiao_core, fengqiao_core.rules.calendar, fengqiao_core.rules.deadlines\n"
        "import fengqiao_core.station.file\n"
        "assert 'chinese_calendar' not in sys.modules, 'loaded eagerly'\n"
        "assert 'lunar_python' not in sys.modules, 'loaded eagerly'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@given(KNOWN)
def test_is_working_day_matches_the_package(day: dt.date) -> None:
    """Rule M5 calendar: every known day agrees with chinese_calendar.is_workday."""
    assert CAL.is_working_day(day) is chinese_calendar.is_workday(day)


@given(INNER, st.integers(min_value=-240, max_value=240))
def test_add_and_between_are_inverse(start: dt.date, n: int) -> None:
    """Rule M5 calendar: counting the days back gives n; a non-zero move lands on a workday."""
    reached = CAL.add_working_days(start, n)
    assert not reached.estimated
    assert CAL.working_days_between(start, reached.date) == WorkingDayCount(n)
    if n:
        assert CAL.is_working_day(reached.date)
        assert (reached.date > start) is (n > 0)
    if CAL.is_working_day(start):
        assert CAL.add_working_days(reached.date, -n).date == start


@given(KNOWN, st.integers(min_value=-400, max_value=400))
def test_between_matches_a_day_by_day_count(a: dt.date, span: int) -> None:
    """Rule M5 calendar: the bisect count equals counting day by day with the package."""
    b = min(max(a + dt.timedelta(days=span), D(2004, 1, 1)), D(2026, 12, 31))
    forward = (a + dt.timedelta(days=k) for k in range(1, (b - a).days + 1))
    backward = (b + dt.timedelta(days=k) for k in range((a - b).days))
    expected = sum(map(chinese_calendar.is_workday, forward))
    expected -= sum(map(chinese_calendar.is_workday, backward))
    assert CAL.working_days_between(a, b).days == expected


@given(
    st.dates(min_value=D(1990, 1, 1), max_value=D(2040, 12, 31)),
    st.integers(min_value=-600, max_value=600).filter(bool),
)
def test_fallback_is_estimated_exactly_outside_known_years(start: dt.date, n: int) -> None:
    """Rule M5 calendar: a result is flagged iff a counted day lies outside the known years."""
    reached = ESTIMATING.add_working_days(start, n)
    step = dt.timedelta(days=1 if n > 0 else -1)
    low, high = sorted((start + step, reached.date))
    counted_years = range(low.year, high.year + 1)
    assert reached.estimated is not all(year in known_years() for year in counted_years)
    assert ESTIMATING.working_days_between(start, reached.date) == WorkingDayCount(
        n, reached.estimated
    )
    if not reached.estimated:
        assert reached == CAL.add_working_days(start, n)
