"""The Chinese statutory working calendar 法定工作日, for limits counted in working days.

Working days follow the State Council's yearly holiday notice: public holidays are rest days and
make-up working days (调休上班日, often a Saturday or Sunday) are working days. The data comes
from the ``chinese-calendar`` package, imported on first use so that ``import fengqiao_core``
stays light; each year is turned once into a sorted tuple of working-day ordinals (cached), so
every query is a binary search.

The package only knows the years whose notice was published when it was released
(:func:`known_years`). Outside them a :class:`WorkingCalendar` either raises
:class:`CalendarError` (``fallback="strict"``, the default) or, with ``fallback="weekends"``,
counts Monday to Friday as working days and marks every result that used such a year
``estimated=True``. It never guesses silently. The estimate counts weekday holidays as working
days and make-up weekend days as rest days, so near a holiday it usually falls earlier than the
statutory date (stricter for the station), and a day later around a make-up Saturday.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools

from attrs import field, frozen

from fengqiao_core.errors import ConfigurationError, ValidationError
from fengqiao_core.model.labels import LabelledEnum

__all__ = [
    "STATUTORY_CALENDAR",
    "CalendarError",
    "CalendarFallback",
    "WorkingCalendar",
    "WorkingDate",
    "WorkingDayCount",
    "known_years",
]

_ONE_DAY = dt.timedelta(days=1)


class CalendarError(ConfigurationError):
    """The statutory calendar does not know a year that a working-day limit needs.

    A set-up problem, not a rule breach: the fix is to upgrade ``chinese-calendar`` once the
    State Council publishes that year's holiday notice (usually in November of the year before),
    or to choose the visible ``fallback="weekends"`` estimate.

    Attributes:
        year: The year asked for.
        known: The years the installed package knows.
    """

    def __init__(self, year: int, known: range) -> None:
        self.year = year
        self.known = known
        fix = (
            f"upgrade chinese-calendar once the State Council has published the {year} "
            "holiday notice, or"
            if year >= known.stop
            else "the package has no data that early;"
        )
        super().__init__(
            f"the statutory working calendar knows the years {known.start}-{known.stop - 1}, "
            f"not {year}: {fix} set the calendar fallback to 'weekends' to estimate with "
            "weekends only (such results are marked estimated)"
        )


class CalendarFallback(LabelledEnum):
    """What a working calendar does outside the years it knows 超出已知年份时的处理."""

    STRICT = "strict", "严格：报错"
    WEEKENDS = "weekends", "估算：仅排除周末"


@frozen
class WorkingDate:
    """A date reckoned in working days 工作日推算日期.

    Attributes:
        date: The date reached.
        estimated: True when a year outside the statutory data was counted weekends-only.
    """

    date: dt.date
    estimated: bool = False


@frozen
class WorkingDayCount:
    """A number of working days 工作日数.

    Attributes:
        days: The count; negative when the span runs backwards.
        estimated: True when a year outside the statutory data was counted weekends-only.
    """

    days: int
    estimated: bool = False


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


def _year_days(year: int) -> range:
    return range(dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal() + 1)


@functools.cache
def _statutory_year(year: int) -> tuple[int, ...]:
    """Working-day ordinals of a known year: weekdays minus holidays plus make-up days."""
    _, holidays, workdays = _tables()
    return tuple(
        ordinal
        for ordinal in _year_days(year)
        if (day := dt.date.fromordinal(ordinal)) in workdays
        or (day.weekday() < 5 and day not in holidays)
    )


@functools.cache
def _weekday_year(year: int) -> tuple[int, ...]:
    """Monday-to-Friday ordinals of a year (the weekends-only estimate)."""
    return tuple(o for o in _year_days(year) if dt.date.fromordinal(o).weekday() < 5)


def _plain_date(value: object, name: str) -> dt.date:
    """Refuse anything but a plain date: a datetime's date depends on its zone."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError(
            name,
            f"must be a date, not {type(value).__name__}; pass the station-zone date "
            "(e.g. moment.astimezone(zone).date())",
        )
    return value


def _step(day: dt.date, delta: dt.timedelta, name: str) -> dt.date:
    try:
        return day + delta
    except OverflowError:
        raise ValidationError(name, "runs beyond the dates Python can represent") from None


def _to_fallback(value: CalendarFallback | str) -> CalendarFallback:
    if isinstance(value, CalendarFallback):
        return value
    return CalendarFallback.parse(value, field_name="fallback")


@frozen
class WorkingCalendar:
    """The statutory working calendar 法定工作日历 of mainland China.

    Pure and cheap to create: all instances share the per-year caches.

    Attributes:
        fallback: ``STRICT`` (default) raises :class:`CalendarError` for a year the data does
            not know; ``WEEKENDS`` counts such a year Monday to Friday and marks results
            estimated. A string (``"strict"``/``"weekends"``) is accepted.
    """

    fallback: CalendarFallback = field(default=CalendarFallback.STRICT, converter=_to_fallback)

    def knows(self, day: dt.date) -> bool:
        """Whether the statutory data covers the year of ``day``."""
        return _plain_date(day, "day").year in known_years()

    def _year(self, year: int, name: str) -> tuple[tuple[int, ...], bool]:
        """Working-day ordinals of ``year`` and whether they are an estimate."""
        known = known_years()
        if year in known:
            return _statutory_year(year), False
        if not dt.MINYEAR <= year <= dt.MAXYEAR:
            raise ValidationError(name, "runs beyond the dates Python can represent")
        if self.fallback is CalendarFallback.WEEKENDS:
            return _weekday_year(year), True
        raise CalendarError(year, known)

    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` is a statutory working day 工作日.

        A bare boolean cannot carry an ``estimated`` flag, so with the ``WEEKENDS`` fallback
        call :meth:`knows` to tell a statutory answer from an estimate; the arithmetic methods
        flag their results themselves.

        Args:
            day: A date (not a datetime: take the date in the station's zone first).

        Returns:
            True on weekdays that are not holidays and on make-up working days.

        Raises:
            CalendarError: The year is unknown and the fallback is ``STRICT``.
            ValidationError: ``day`` is not a plain date.
        """
        ordinal = _plain_date(day, "day").toordinal()
        days, _ = self._year(day.year, "day")
        index = bisect.bisect_left(days, ordinal)
        return index < len(days) and days[index] == ordinal

    def add_working_days(self, start: dt.date, n: int) -> WorkingDate:
        """Return the date ``n`` working days after ``start`` (before it when ``n`` < 0).

        Only days strictly after ``start`` count, so ``add_working_days(d, 1)`` is the next
        working day whether or not ``d`` is one; ``n == 0`` returns ``start`` unchanged.

        Args:
            start: The date counted from, in the station's zone.
            n: How many working days to move.

        Returns:
            The date reached, ``estimated`` if an unknown year was counted weekends-only.

        Raises:
            CalendarError: A year the count passes through is unknown and the fallback is
                ``STRICT``.
            ValidationError: ``start`` is not a date or ``n`` is not an int.
        """
        _plain_date(start, "start")
        if isinstance(n, bool) or not isinstance(n, int):
            raise ValidationError("n", f"must be an int, not {type(n).__name__}")
        if n == 0:
            return WorkingDate(start)
        forward = n > 0
        first = _step(start, _ONE_DAY if forward else -_ONE_DAY, "n")
        year = first.year
        days, estimated = self._year(year, "n")
        if forward:
            index = bisect.bisect_left(days, first.toordinal())
            remaining = n
            while remaining > len(days) - index:
                remaining -= len(days) - index
                year += 1
                days, guessed = self._year(year, "n")
                estimated, index = estimated or guessed, 0
            return WorkingDate(dt.date.fromordinal(days[index + remaining - 1]), estimated)
        index = bisect.bisect_right(days, first.toordinal())
        remaining = -n
        while remaining > index:
            remaining -= index
            year -= 1
            days, guessed = self._year(year, "n")
            estimated, index = estimated or guessed, len(days)
        return WorkingDate(dt.date.fromordinal(days[index - remaining]), estimated)

    def working_days_between(self, a: dt.date, b: dt.date) -> WorkingDayCount:
        """Count the working days passed in moving from ``a`` to ``b``.

        The day moved from is not counted and the day arrived at is: forward, the working days
        after ``a`` up to and including ``b``; backward, those from ``b`` up to but excluding
        ``a``, negated. This makes it the inverse of :meth:`add_working_days`:
        ``working_days_between(d, add_working_days(d, n).date).days == n``.

        Args:
            a: The date moved from.
            b: The date arrived at; before ``a`` the count is negative.

        Returns:
            The count, ``estimated`` if an unknown year was counted weekends-only.

        Raises:
            CalendarError: A year in the span is unknown and the fallback is ``STRICT``.
            ValidationError: ``a`` or ``b`` is not a plain date.
        """
        _plain_date(a, "a")
        _plain_date(b, "b")
        if a == b:
            return WorkingDayCount(0)
        forward = b > a
        first, last = (a + _ONE_DAY, b) if forward else (b, a - _ONE_DAY)
        count, estimated = 0, False
        for year in range(first.year, last.year + 1):
            days, guessed = self._year(year, "b")
            estimated = estimated or guessed
            count += bisect.bisect_right(days, last.toordinal())
            count -= bisect.bisect_left(days, first.toordinal())
        return WorkingDayCount(count if forward else -count, estimated)


STATUTORY_CALENDAR = WorkingCalendar()
"""The strict statutory calendar: raises :class:`CalendarError` outside :func:`known_years`."""
