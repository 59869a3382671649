"""The estimate of unannounced years: statutory holidays computed from the law (rule M5)."""

import datetime as dt

import chinese_calendar  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao_core.rules.calendar import WorkingCalendar, known_years
from fengqiao_core.rules.holidays import (
    COMPUTED_YEARS,
    estimated_rest_days,
    lunar_to_solar,
    qingming,
    statutory_holidays,
)

D = dt.date
ONE = dt.timedelta(days=1)
ESTIMATING = WorkingCalendar(fallback="estimate")
LUNAR_HOLIDAY_YEARS = range(2008, known_years().stop)  # Qingming, Dragon Boat, Mid-Autumn: 2008
REVISED_YEARS = range(2025, known_years().stop)  # the 2025 revision: eve and 2 May added
ANY_YEAR = st.integers(min_value=1, max_value=9998)


def _holiday_named(day: dt.date, *names: str) -> bool:
    """A holiday in chinese-calendar of one of ``names`` (unnamed only when on a weekend)."""
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return bool(on_holiday) and (name in names or (name is None and day.weekday() >= 5))


@given(ANY_YEAR)
def test_every_estimated_year_has_the_fixed_holidays(year: int) -> None:
    """Rule M5 estimate: 1 Jan, 1-2 May and 1-3 Oct are holidays in every year."""
    fixed = {D(year, 1, 1), D(year, 5, 1), D(year, 5, 2), *(D(year, 10, d) for d in (1, 2, 3))}
    assert fixed <= statutory_holidays(year)
    assert all(day.year == year for day in statutory_holidays(year))


@given(st.sampled_from(list(COMPUTED_YEARS)))
def test_computed_years_have_all_eleven_holiday_days(year: int) -> None:
    """Rule M5 estimate: 13 days by law, 11 distinct when none coincide (eve-3rd, 1 each else)."""
    holidays = statutory_holidays(year)
    new_year = lunar_to_solar(year, 1, 1)
    assert {new_year - ONE, new_year, new_year + ONE, new_year + 2 * ONE} <= holidays
    assert D(year, 1, 21) <= new_year <= D(year, 2, 20)
    assert qingming(year) in holidays
    assert qingming(year).month == 4
    assert 4 <= qingming(year).day <= 6
    assert 12 <= len(holidays) <= 13  # Mid-Autumn may fall on 1-3 October


@given(ANY_YEAR)
def test_substitutes_are_the_first_free_weekdays_after_weekend_holidays(year: int) -> None:
    """Rule M5 estimate: each weekend holiday adds exactly one weekday rest day (Article 6)."""
    holidays = statutory_holidays(year)
    rest = estimated_rest_days(year)
    on_weekdays = {day for day in holidays if day.weekday() < 5}
    on_weekends = [day for day in holidays if day.weekday() >= 5]
    assert on_weekdays <= rest
    assert len(rest - on_weekdays) == len(on_weekends)
    assert all(day.weekday() < 5 for day in rest)
    for day in rest - on_weekdays:
        assert any(holiday < day for holiday in on_weekends)


@pytest.mark.parametrize("year", list(range(known_years().start, known_years().stop)))
def test_spring_festival_matches_the_package_data(year: int) -> None:
    """Rule M5 estimate: the lunar New Year and its 2nd and 3rd days are the package's holidays."""
    new_year = lunar_to_solar(year, 1, 1)
    for day in (new_year, new_year + ONE, new_year + 2 * ONE):
        assert _holiday_named(day, "Spring Festival"), day


@pytest.mark.parametrize("year", list(LUNAR_HOLIDAY_YEARS))
def test_lunar_holidays_and_qingming_match_the_package_data(year: int) -> None:
    """Rule M5 estimate: Qingming, Dragon Boat and Mid-Autumn are the package's holidays."""
    assert _holiday_named(qingming(year), "Tomb-sweeping Day")
    assert _holiday_named(lunar_to_solar(year, 5, 5), "Dragon Boat Festival")
    assert _holiday_named(lunar_to_solar(year, 8, 15), "Mid-autumn Festival", "National Day")


@pytest.mark.parametrize("year", list(REVISED_YEARS))
def test_every_estimated_rest_day_is_a_holiday_in_the_announced_years(year: int) -> None:
    """Rule M5 estimate: for the years since the 2025 revision, the estimate never invents."""
    for day in estimated_rest_days(year):
        assert day in chinese_calendar.holidays, day
    assert statutory_holidays(year) <= set(chinese_calendar.holidays)


def test_known_new_years_after_the_data() -> None:
    """Rule M5 estimate: published Spring Festival dates of 2027-2031 (outside the package)."""
    expected = [D(2027, 2, 6), D(2028, 1, 26), D(2029, 2, 13), D(2030, 2, 3), D(2031, 1, 23)]
    assert [lunar_to_solar(d.year, 1, 1) for d in expected] == expected


def test_qingming_is_only_computed_within_the_formula_centuries() -> None:
    """Rule M5 estimate: outside 1901-2099 the formula does not apply; fixed dates still do."""
    with pytest.raises(ValueError, match="1901-2099"):
        qingming(2100)
    assert statutory_holidays(2100) == {
        D(2100, 1, 1), D(2100, 5, 1), D(2100, 5, 2), *(D(2100, 10, d) for d in (1, 2, 3))
    }  # fmt: skip
    # Fri 1 Oct 2100; Sat 2 and Sun 3 are made up on Mon 4 and Tue 5.
    assert ESTIMATING.add_working_days(D(2100, 9, 30), 1).date == D(2100, 10, 6)
