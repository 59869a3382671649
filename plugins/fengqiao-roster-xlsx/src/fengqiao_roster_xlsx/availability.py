"""Availability as stations write it 可服务时段: ``工作日 9:00-17:00``, ``周末全天`` ….

Forms like ``每周二四晚上`` are read too. A cell holds one or more segments separated by
``;``, ``；``, ``，`` or a line break. A segment names days (``工作日``, ``周末``, ``每天``,
``周一至周五``, ``每周二四``, ``Mon-Fri``, ``Sat``) and a time (``9:00-17:00``, ``9点-17点半``,
``上午``, ``晚上``, ``全天``, ``晚上7点-9点``); days without a time mean the whole day, a time
without days means every day. The declared CSV form ``5 08:00-12:00`` (weekday 0 = Monday) is
read too. Times are kept to the minute; ``24:00`` and ``全天`` end at the last instant of the
day.
"""

from __future__ import annotations

import datetime as dt
import re

from fengqiao_core.errors import ValidationError
from fengqiao_core.model import TimeWindow

__all__ = ["parse_availability"]

_ALL = tuple(range(7))
_DAY_DIGITS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_DAY_DIGITS.update({str(n): n - 1 for n in range(1, 8)})
_EN_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_END_OF_DAY = dt.time.max
_PERIODS: dict[str, tuple[dt.time, dt.time]] = {
    "全天": (dt.time(0), _END_OF_DAY),
    "整天": (dt.time(0), _END_OF_DAY),
    "白天": (dt.time(8), dt.time(18)),
    "早上": (dt.time(6), dt.time(8)),
    "上午": (dt.time(8), dt.time(12)),
    "中午": (dt.time(12), dt.time(14)),
    "下午": (dt.time(14), dt.time(18)),
    "傍晚": (dt.time(17), dt.time(19)),
    "晚上": (dt.time(18), dt.time(21)),
    "晚间": (dt.time(18), dt.time(21)),
    "夜间": (dt.time(18), dt.time(22)),
    "all day": (dt.time(0), _END_OF_DAY),
    "morning": (dt.time(8), dt.time(12)),
    "afternoon": (dt.time(14), dt.time(18)),
    "evening": (dt.time(18), dt.time(21)),
}
_PM = {"下午", "傍晚", "晚上", "晚间", "夜间", "afternoon", "evening"}
_SEGMENTS = re.compile(r"[;；,，\n]+")
_DASH = r"\s*(?:-|~|～|—|–|至|到|to)\s*"
_CLOCK = r"(\d{1,2})(?:[:：.](\d{2})|点(?:(\d{1,2})分?|(半))?)?"
_SPAN = re.compile(_CLOCK + _DASH + _CLOCK)
_CN_DAY = r"(?:周|星期|礼拜)"
_CN_RANGE = re.compile(
    _CN_DAY + r"([一二三四五六日天1-7])" + _DASH + _CN_DAY + r"?([一二三四五六日天1-7])"
)
_CN_LIST = re.compile(r"每?" + _CN_DAY + r"((?:[一二三四五六日天1-7][、,，和及]?)+)")
_EN_RANGE = re.compile(
    r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*" + _DASH + r"(mon|tue|wed|thu|fri|sat|sun)"
)
_EN_DAY = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b")
_FILLER = re.compile(r"每周|每|可以|可|均|都|服务|时段|时间|的|和|及|[、:：()（）\s]")
_DECLARED = re.compile(r"([0-6])\s+(\d{1,2}:\d{2})-(\d{1,2}:\d{2})")
_WORDS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("工作日", (0, 1, 2, 3, 4)),
    ("双休日", (5, 6)),
    ("周末", (5, 6)),
    ("节假日", (5, 6)),
    ("每天", _ALL),
    ("每日", _ALL),
    ("天天", _ALL),
    ("全周", _ALL),
    ("weekdays", (0, 1, 2, 3, 4)),
    ("weekends", (5, 6)),
    ("weekend", (5, 6)),
    ("daily", _ALL),
    ("every day", _ALL),
)


def _problem() -> ValidationError:
    return ValidationError("availability", "is not a day and time the roster reader knows")


def _clock(hour: str, minute: str | None, spoken: str | None, half: str | None) -> dt.time:
    h = int(hour)
    m = 30 if half else int(minute or spoken or 0)
    if h == 24 and m == 0:
        return _END_OF_DAY
    if h > 23 or m > 59:
        raise _problem()
    return dt.time(h, m)


def _days(text: str) -> tuple[set[int], str]:
    days: set[int] = set()
    for word, found in _WORDS:
        if word in text:
            days.update(found)
            text = text.replace(word, " ")
    for pattern, names in ((_CN_RANGE, _DAY_DIGITS), (_EN_RANGE, _EN_DAYS)):
        for match in pattern.finditer(text):
            first, last = names[match.group(1)], names[match.group(2)]
            days.update(
                range(first, last + 1) if first <= last else (*range(first, 7), *range(last + 1))
            )
        text = pattern.sub(" ", text)
    for match in _CN_LIST.finditer(text):
        days.update(_DAY_DIGITS[c] for c in match.group(1) if c in _DAY_DIGITS)
    text = _CN_LIST.sub(" ", text)
    for match in _EN_DAY.finditer(text):
        days.add(_EN_DAYS[match.group(1)])
    return days, _EN_DAY.sub(" ", text)


def _times(text: str) -> tuple[list[tuple[dt.time, dt.time]], str]:
    period = next((p for p in _PERIODS if p in text), None)
    span = _SPAN.search(text)
    if span is None:
        rest = text.replace(period, " ") if period else text
        return ([_PERIODS[period]] if period else []), rest
    start = _clock(*span.group(1, 2, 3, 4))
    end = _clock(*span.group(5, 6, 7, 8))
    if period in _PM:
        if start.hour < 12:
            start = start.replace(hour=start.hour + 12)
        if end is not _END_OF_DAY and end.hour < 12:
            end = end.replace(hour=end.hour + 12)
    rest = text[: span.start()] + " " + text[span.end() :]
    if period:
        rest = rest.replace(period, " ")
    return [(start, end)], rest


def _segment(text: str) -> list[TimeWindow]:
    declared = _DECLARED.fullmatch(text)
    if declared:
        day, start, end = declared.groups()
        try:
            begin, finish = (
                dt.time.fromisoformat(start.zfill(5)),
                dt.time.fromisoformat(end.zfill(5)),
            )
        except ValueError:
            raise _problem() from None
        return _windows({int(day)}, [(begin, finish)])
    days, rest = _days(text.lower())
    spans, rest = _times(rest)
    if _FILLER.sub("", rest):
        raise _problem()
    if not days and not spans:
        raise _problem()
    return _windows(days or set(_ALL), spans or [_PERIODS["全天"]])


def _windows(days: set[int], spans: list[tuple[dt.time, dt.time]]) -> list[TimeWindow]:
    found = []
    for start, end in spans:
        if not start < end:
            raise ValidationError("availability", "a window must end after it starts (same day)")
        found += [TimeWindow(weekday=d, start=start, end=end) for d in sorted(days)]
    return found


def parse_availability(text: str) -> tuple[TimeWindow, ...]:
    """Weekly windows from an availability cell (empty text: none).

    Raises:
        ValidationError: ``availability``: a segment is not a day and time form this reader
            knows, or a window ends before it starts; the message never repeats the text.
    """
    windows: list[TimeWindow] = []
    for part in _SEGMENTS.split(text.strip()):
        part = part.strip()
        if part:
            windows += _segment(part)
    unique = {(w.weekday, w.start, w.end): w for w in windows}
    return tuple(unique[key] for key in sorted(unique))
