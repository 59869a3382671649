"""Which days are rest days 休息日: the package's data, a station's notices, the estimate.

Three sources, strongest first: a year's arrangement as a station copied it from the State
Council's notice (:class:`CalendarSettings`, the ``[calendar]`` table of a station file); the
``chinese-calendar`` package's data (:func:`known_years`, imported on first use); and, for a year
neither knows, the estimate below. :mod:`fengqiao_core.rules.calendar` counts on them.

The State Council announces each year's arrangement (放假调休安排) about November of the year
before. For a year not yet announced, :func:`estimated_rest_days` gives what the law itself fixes
(《全国年节及纪念日放假办法》, as revised with effect from 1 January 2025):

- fixed dates: New Year's Day 元旦 (1 January), Labour Day 劳动节 (1-2 May), National Day 国庆节
  (1-3 October);
- lunar dates: Spring Festival 春节 (the eve 除夕 to the third day of the first month), Dragon
  Boat 端午节 (5th day of the 5th month), Mid-Autumn 中秋节 (15th day of the 8th month), converted
  with the ``lunar-python`` package (pure Python, maintained, astronomical rather than a fixed
  table; imported on first use);
- Qingming 清明节, the solar term, by the solar-term formula ``[Y*D+C] - L`` (see
  :func:`qingming`);
- substitute days 补假 (Article 6): a holiday that falls on a Saturday or Sunday is made up on the
  next working day.

The notice usually adds bridging days and make-up working weekends around Spring Festival and
National Day; those cannot be computed, which is why results that use the estimate are marked
estimated. Lunar dates and Qingming are computed for :data:`COMPUTED_YEARS`; outside them only the
fixed dates are estimated.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from types import MappingProxyType

from attrs import field, frozen

from fengqiao_core.errors import ValidationError

__all__ = [
    "COMPUTED_YEARS",
    "CalendarSettings",
    "YearArrangement",
    "estimated_rest_days",
    "known_through",
    "known_years",
    "lunar_to_solar",
    "qingming",
    "statutory_holidays",
    "working_ordinals",
]

COMPUTED_YEARS = range(1901, 2100)
"""Years whose lunar holidays and Qingming are computed (the solar-term formula's centuries)."""

_FIXED = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))
_TERM_D = 0.2422
_QINGMING_C = {19: 5.59, 20: 4.81}  # per century: 1901-2000 and 2001-2099
_ONE_DAY = dt.timedelta(days=1)


def qingming(year: int) -> dt.date:
    """The date of the solar term Qingming 清明 in ``year`` (Beijing time), by formula.

    The solar-term formula 寿星通式: day of April = ``int(Y * 0.2422 + C) - int(Y / 4)``, with
    ``Y`` the year within its century (1-100) and ``C`` = 5.59 for 1901-2000, 4.81 for 2001-2099.

    Args:
        year: A year in :data:`COMPUTED_YEARS`.

    Returns:
        The date in April.

    Raises:
        ValueError: ``year`` is outside :data:`COMPUTED_YEARS`.
    """
    if year not in COMPUTED_YEARS:
        raise ValueError(f"the solar-term formula covers {COMPUTED_YEARS.start}-2099")
    century, within = divmod(year - 1, 100)
    y = within + 1
    return dt.date(year, 4, int(y * _TERM_D + _QINGMING_C[century]) - y // 4)


def lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of a day of the Chinese lunar calendar 农历 (not a leap month).

    Args:
        year: The lunar year, named by the Gregorian year its first month starts in.
        month: The lunar month, 1-12.
        day: The day of the month, 1-30.

    Returns:
        The Gregorian date.
    """
    from lunar_python import Lunar  # type: ignore[import-untyped]  # lazy: only on first use

    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


@functools.cache
def statutory_holidays(year: int) -> frozenset[dt.date]:
    """The public holidays 全体公民放假的节日 the law fixes for ``year``, before substitution.

    Args:
        year: Any year Python dates represent; lunar holidays and Qingming only within
            :data:`COMPUTED_YEARS`.

    Returns:
        The holiday dates of that year.
    """
    days = {dt.date(year, month, day) for month, day in _FIXED}
    if year in COMPUTED_YEARS:
        new_year = lunar_to_solar(year, 1, 1)
        days.update(new_year + offset * _ONE_DAY for offset in range(-1, 3))
        days.update((lunar_to_solar(year, 5, 5), lunar_to_solar(year, 8, 15), qingming(year)))
    return frozenset(days)


@functools.cache
def estimated_rest_days(year: int) -> frozenset[dt.date]:
    """The estimated rest days 估算休息日 of ``year`` on weekdays: holidays plus substitutes.

    Each holiday on a Saturday or Sunday gives a substitute day 补假, the first weekday after it
    that is not already a rest day (Article 6 of the holiday regulations). Weekends themselves
    are not listed.

    Args:
        year: The year.

    Returns:
        The weekdays of ``year`` (and of early the next year, for a late substitute) estimated
        to be rest days.
    """
    rest = set(statutory_holidays(year))
    for holiday in sorted(rest):
        if holiday.weekday() >= 5:
            substitute = holiday + _ONE_DAY
            while substitute.weekday() >= 5 or substitute in rest:
                substitute += _ONE_DAY
            rest.add(substitute)
    return frozenset(day for day in rest if day.weekday() < 5)


def _dates(value: object) -> frozenset[dt.date]:
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple | set | frozenset):
        raise ValidationError("", f"expected a list of dates, got {type(value).__name__}")
    for index, day in enumerate(value):
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            raise ValidationError(f"[{index}]", f"expected a date, got {type(day).__name__}")
    return frozenset(value)


@frozen
class YearArrangement:
    """One year's holiday arrangement 放假调休安排, as the State Council's notice announces it.

    Attributes:
        holidays: The rest days 放假日 (weekdays among them are not worked).
        workdays: The make-up working days 调休上班日 (weekends among them are worked).
    """

    holidays: frozenset[dt.date] = field(factory=frozenset, converter=_dates)
    workdays: frozenset[dt.date] = field(factory=frozenset, converter=_dates)

    def __attrs_post_init__(self) -> None:
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValidationError("workdays", f"{both[0].isoformat()} is also a holiday")


def _years(value: Mapping[int, YearArrangement]) -> Mapping[int, YearArrangement]:
    if not isinstance(value, Mapping):
        raise ValidationError("years", f"expected a mapping, got {type(value).__name__}")
    for year, arrangement in value.items():
        if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9998:
            raise ValidationError("years", "a key is not a year (1-9998)")
        if not isinstance(arrangement, YearArrangement):
            raise ValidationError(f"years.{year}", "must be a YearArrangement")
        for name in ("holidays", "workdays"):
            if any(day.year != year for day in getattr(arrangement, name)):
                raise ValidationError(f"years.{year}.{name}", f"has a date outside {year}")
    return MappingProxyType(dict(sorted(value.items())))


@frozen
class CalendarSettings:
    """A station's own additions to the working calendar 工作日历补充 (``[calendar]`` table).

    Each year listed is known from the station's copy of the notice: its days win over the
    package data and the estimate, and a year the package lacks counts as known (not estimated).

    Attributes:
        years: The arrangement per year, e.g. ``{2027: YearArrangement(holidays=...)}``.
    """

    years: Mapping[int, YearArrangement] = field(factory=dict, converter=_years, hash=False)


@functools.cache
def _tables() -> tuple[range, frozenset[dt.date], frozenset[dt.date]]:
    """Load the package's data once: known years, holidays and make-up working days."""
    import chinese_calendar  # type: ignore[import-untyped]  # lazy: only on first use

    holidays: frozenset[dt.date] = frozenset(chinese_calendar.holidays)
    workdays: frozenset[dt.date] = frozenset(chinese_calendar.workdays)
    years = range(min(holidays).year, max(holidays).year + 1)
    return years, holidays, workdays


def known_years() -> range:
    """Return the years the installed ``chinese-calendar`` data covers (2004-2026 in 1.11.0)."""
    return _tables()[0]


def known_through(settings: CalendarSettings = CalendarSettings()) -> dt.date:
    """The last day 已知截止日 up to which the calendar is known without a gap.

    The package's years, continued by the station's consecutive ``[calendar]`` years.

    Args:
        settings: The station's additions.

    Returns:
        31 December of the last year known.
    """
    last = known_years().stop - 1
    while last + 1 in settings.years:
        last += 1
    return dt.date(last, 12, 31)


def _year_days(year: int) -> range:
    return range(dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal() + 1)


@functools.cache
def working_ordinals(
    year: int, source: str, arrangement: YearArrangement | None
) -> tuple[int, ...]:
    """Working-day ordinals of a year: weekdays minus rest days plus make-up days.

    ``source`` is ``"package"`` (chinese-calendar's data), ``"estimate"`` (the computed
    statutory holidays) or ``"weekdays"``; an ``arrangement`` then wins day by day.
    """
    if source == "package":
        _, holidays, workdays = _tables()
    elif source == "estimate":
        holidays, workdays = estimated_rest_days(year), frozenset()
    else:
        holidays, workdays = frozenset(), frozenset()
    if arrangement is not None:
        holidays = (holidays - arrangement.workdays) | arrangement.holidays
        workdays = (workdays - arrangement.holidays) | arrangement.workdays
    return tuple(
        ordinal
        for ordinal in _year_days(year)
        if (day := dt.date.fromordinal(ordinal)) in workdays
        or (day.weekday() < 5 and day not in holidays)
    )
