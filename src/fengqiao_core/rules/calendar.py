"""The Chinese statutory working calendar 法定工作日, for limits counted in working days.

Working days follow the State Council's yearly holiday notice: public holidays are rest days and
make-up working days (调休上班日, often a Saturday or Sunday) are working days. The data comes
from the ``chinese-calendar`` package, imported on first use so that ``import fengqiao_core``
stays light; each year is turned once into a sorted tuple of working-day ordinals (cached), so
every query is a binary search.

The package only knows the years whose notice was published when it was released
(:func:`known_years`). A station adds a newly announced year itself (:class:`CalendarSettings`,
the ``[calendar]`` table of a station file); those days win over the package and the estimate.
Outside the years known either way a :class:`WorkingCalendar` raises :class:`CalendarError`
(``fallback="strict"``, the default) or, with ``fallback="estimate"``, counts weekdays less the
statutory holidays computed by :mod:`fengqiao_core.rules.holidays` and marks every result that
used such a year ``estimated=True``. It never guesses silently. :func:`calendar_findings` warns
before the known years run out.
"""

from __future__ import annotations

import bisect
import datetime as dt
from zoneinfo import ZoneInfo

import attrs
from attrs import field, frozen

from fengqiao_core.errors import ConfigurationError, ValidationError
from fengqiao_core.model.labels import LabelledEnum
from fengqiao_core.rules.findings import Finding, FindingSeverity
from fengqiao_core.rules.holidays import (
    CalendarSettings,
    YearArrangement,
    known_through,
    known_years,
    working_ordinals,
)

__all__ = [
    "CALENDAR_WARNING_DAYS",
    "STATUTORY_CALENDAR",
    "CalendarError",
    "CalendarFallback",
    "CalendarSettings",
    "WorkingCalendar",
    "WorkingDate",
    "WorkingDayCount",
    "YearArrangement",
    "calendar_findings",
    "known_through",
    "known_years",
]

CALENDAR_WARNING_DAYS = 60
"""``fengqiao check`` warns when the known years end within this many days."""

_ONE_DAY = dt.timedelta(days=1)


class CalendarError(ConfigurationError):
    """The statutory calendar does not know a year that a working-day limit needs.

    A set-up problem, not a rule breach: the fix is to upgrade ``chinese-calendar`` once the
    State Council publishes that year's holiday notice (usually in November of the year before),
    or to add that year's notice to the station file, or to choose the visible
    ``fallback="estimate"``.

    Attributes:
        year: The year asked for.
        known: The years the installed package knows.
    """

    def __init__(self, year: int, known: range) -> None:
        self.year = year
        self.known = known
        fix = (
            f"add the State Council's {year} holiday notice to the station file "
            f"([calendar.{year}] holidays and workdays) or upgrade chinese-calendar, or"
            if year >= known.stop
            else "the package has no data that early;"
        )
        super().__init__(
            f"the statutory working calendar knows the years {known.start}-{known.stop - 1}, "
            f"not {year}: {fix} set the calendar fallback to 'estimate' to estimate with "
            "weekends and the statutory holidays (such results are marked estimated)"
        )


class CalendarFallback(LabelledEnum):
    """What a working calendar does outside the years it knows 超出已知年份时的处理."""

    STRICT = "strict", "严格：报错"
    ESTIMATE = "estimate", "估算：排除周末与法定节假日"

    @classmethod
    def _missing_(cls, value: object) -> CalendarFallback | None:
        """Read the older spelling ``"weekends"`` as :attr:`ESTIMATE`."""
        return cls.ESTIMATE if value == "weekends" else None


@frozen
class WorkingDate:
    """A date reckoned in working days 工作日推算日期.

    Attributes:
        date: The date reached.
        estimated: True when a year outside the known data was estimated.
    """

    date: dt.date
    estimated: bool = False


@frozen
class WorkingDayCount:
    """A number of working days 工作日数.

    Attributes:
        days: The count; negative when the span runs backwards.
        estimated: True when a year outside the known data was estimated.
    """

    days: int
    estimated: bool = False


def _today(zone: str) -> dt.date:
    """Today's date in ``zone`` (one place to read the clock, replaced in tests)."""
    return dt.datetime.now(ZoneInfo(zone)).date()


def calendar_findings(
    settings: CalendarSettings,
    today: dt.date | None = None,
    *,
    zone: str = "Asia/Shanghai",
    warn_days: int = CALENDAR_WARNING_DAYS,
) -> list[Finding]:
    """Rule M5: warn when the working calendar's known years end soon 工作日历即将过期.

    Args:
        settings: The station's additions (package data plus these are what is known).
        today: The date to judge from; by default today in ``zone``.
        zone: The station's time zone.
        warn_days: How close the end may come before a warning.

    Returns:
        One ``WARNING`` when the known years end within ``warn_days`` of ``today`` or have
        ended, else nothing.
    """
    end = known_through(settings)
    left = (end - (_today(zone) if today is None else today)).days
    if left > warn_days:
        return []
    when = f"ended on {end.isoformat()}" if left < 0 else f"ends on {end.isoformat()}"
    when_zh = f"已于 {end.isoformat()} 结束" if left < 0 else f"将于 {end.isoformat()} 结束"
    year = end.year + 1
    return [
        Finding(
            "M5",
            FindingSeverity.WARNING,
            f"the working calendar {when}: add the State Council's {year} holiday notice "
            f"as [calendar.{year}] holidays and workdays in the station file, or upgrade "
            "chinese-calendar; until then working days after it are refused (strict) or "
            "estimated",
            f"工作日历{when_zh}：请把国务院 {year} 年节假日安排写入站点文件的 [calendar.{year}]"
            "（放假日与调休上班日），或升级节假日日历包；在此之前，其后的工作日将被拒绝（严格模式）"
            "或估算",
        )
    ]


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
        fallback: ``STRICT`` (default) raises :class:`CalendarError` for a year neither the
            data nor ``settings`` know; ``ESTIMATE`` counts such a year without weekends and
            the computed statutory holidays, and marks results estimated. A string
            (``"strict"``/``"estimate"``) is accepted.
        settings: The station's announced years, which win over the package and the estimate.
    """

    fallback: CalendarFallback = field(default=CalendarFallback.STRICT, converter=_to_fallback)
    settings: CalendarSettings = field(
        factory=CalendarSettings,
        validator=attrs.validators.instance_of(CalendarSettings),
        hash=False,
    )

    def knows(self, day: dt.date) -> bool:
        """Whether the statutory data or the station's settings cover the year of ``day``."""
        year = _plain_date(day, "day").year
        return year in known_years() or year in self.settings.years

    def _year(self, year: int, name: str) -> tuple[tuple[int, ...], bool]:
        """Working-day ordinals of ``year`` and whether they are an estimate."""
        known = known_years()
        arrangement = self.settings.years.get(year)
        if year in known:
            return working_ordinals(year, "package", arrangement), False
        if arrangement is not None:
            return working_ordinals(year, "weekdays", arrangement), False
        if not dt.MINYEAR <= year <= dt.MAXYEAR:
            raise ValidationError(name, "runs beyond the dates Python can represent")
        if self.fallback is CalendarFallback.ESTIMATE:
            return working_ordinals(year, "estimate", None), True
        raise CalendarError(year, known)

    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` is a statutory working day 工作日.

        A bare boolean cannot carry an ``estimated`` flag, so with the ``ESTIMATE`` fallback
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
            The date reached, ``estimated`` if an unknown year was estimated.

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
            The count, ``estimated`` if an unknown year was estimated.

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
