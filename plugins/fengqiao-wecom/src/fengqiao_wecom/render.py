"""Notices tailored to their audience 分众通知 and cut to the robot API's byte limits.

An :class:`~fengqiao_core.ports.OutboxMessage` carries a target id and a free text. The target
decides the audience: a resident group id gets a resident notice (no personal value, no dispute
category, no matter link), an officer id gets an officer notice in the staff group (masked
names and numbers, the matter's link, an @-mention by mobile). The core writes matter notices
as ``事项 <id>：<action>``; that form is recognised, anything else is treated as free text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Any

from attrs import frozen

from fengqiao_core.model import DEFAULT_CATEGORIES, LabelledEnum, MatterKind
from fengqiao_wecom.settings import RobotKey

__all__ = [
    "MARKDOWN_LIMIT",
    "TEXT_LIMIT",
    "Audience",
    "Redactor",
    "Route",
    "officer_payloads",
    "resident_payloads",
    "robot_id",
    "split_utf8",
]

TEXT_LIMIT = 2048
"""Bytes of UTF-8 a ``text`` message's content may hold."""
MARKDOWN_LIMIT = 4096
"""Bytes of UTF-8 a ``markdown`` message's content may hold."""

HIDDEN = "[已隐去]"
_NOTICE = re.compile(r"事项 (?P<id>[A-Za-z0-9_.:-]{1,64})：(?P<label>[^\n]{1,40})")
_ID = re.compile(r"(?<![0-9])([1-9]\d{5})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?![0-9])")
_DIGITS = re.compile(r"\d{7,}[Xx]?")
_PEOPLE = (
    "officers",
    "auxiliary_officers",
    "red_stewards",
    "grid_workers",
    "mediators",
    "lawyers",
)


class Audience(LabelledEnum):
    """Who reads a notice 受众."""

    RESIDENTS = "residents", "居民群"
    OFFICER = "officer", "民警"


def robot_id(key: RobotKey) -> str:
    """A stable, non-secret name of a robot (a hash of its key) for shared state."""
    return hashlib.sha256(key.reveal().encode()).hexdigest()[:16]


@frozen
class Route:
    """Where one message goes 投递路由: the audience, the robot, and mobiles to @-mention."""

    audience: Audience
    key: RobotKey
    mobiles: tuple[str, ...] = ()
    name: str = "robot"

    @property
    def robot(self) -> str:
        """The robot's non-secret id."""
        return robot_id(self.key)


class Redactor:
    """Finds personal values and dispute categories in a text 脱敏.

    Args:
        station: The station configuration (its roster names are personal values); may be
            ``None``, then only numbers and categories are recognised.
    """

    def __init__(self, station: Any) -> None:
        names: set[str] = set()
        for attribute in _PEOPLE:
            for person in getattr(station, attribute, ()) or ():
                name = getattr(person, "name", None)
                if name is not None and hasattr(name, "reveal") and len(name.reveal().strip()) > 1:
                    names.add(name.reveal().strip())
        self._names = sorted(names, key=len, reverse=True)
        self._masked = {n: n[0] + "*" * (len(n) - 1) for n in self._names}
        words = {
            w
            for c in DEFAULT_CATEGORIES
            if c.kind is MatterKind.DISPUTE
            for w in (c.label_zh, c.label_en, c.key)
        }
        legal = getattr(getattr(station, "rules", None), "legal_categories", ()) or ()
        words.update(str(k) for k in legal)
        ordered = sorted(words, key=len, reverse=True)
        self._categories = re.compile("|".join(re.escape(w) for w in ordered), re.IGNORECASE)

    def for_residents(self, text: str) -> str:
        """Remove numbers, roster names and dispute categories entirely."""
        text = _ID.sub(HIDDEN, text)
        text = _MOBILE.sub(HIDDEN, text)
        text = _DIGITS.sub(HIDDEN, text)
        for name in self._names:
            text = text.replace(name, HIDDEN)
        return self._categories.sub(HIDDEN, text)

    def for_officers(self, text: str) -> str:
        """Mask ID and mobile numbers and roster names (``张*``, ``138****5678``)."""
        text = _ID.sub(lambda m: f"{m[1]}********{m[2]}", text)
        text = _MOBILE.sub(lambda m: f"{m[1]}****{m[2]}", text)
        for name in self._names:
            text = text.replace(name, self._masked[name])
        return text


def split_utf8(text: str, limit: int) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` UTF-8 bytes, on line boundaries.

    A line longer than the limit is cut between characters (never inside one). Joining the
    parts gives back ``text``.
    """
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in _pieces(text.splitlines(keepends=True), limit):
        width = len(line.encode())
        if current and size + width > limit:
            parts.append("".join(current))
            current, size = [], 0
        current.append(line)
        size += width
    if current:
        parts.append("".join(current))
    return parts


def _pieces(lines: Iterable[str], limit: int) -> Iterable[str]:
    for line in lines:
        data = line.encode()
        while len(data) > limit:
            cut = limit
            while data[cut] & 0xC0 == 0x80:  # a continuation byte: back off to a start byte
                cut -= 1
            yield data[:cut].decode()
            data = data[cut:]
        yield data.decode()


def resident_payloads(text: str, redactor: Redactor) -> list[dict[str, Any]]:
    """``text`` messages for a resident group: no personal value, category, id or link."""
    notice = _NOTICE.fullmatch(text.strip())
    if notice:
        body = f"【社区通知】辖区一件事项有新进展：{redactor.for_residents(notice['label'])}"
    else:
        body = redactor.for_residents(text)
    return [{"msgtype": "text", "text": {"content": p}} for p in split_utf8(body, TEXT_LIMIT)]


def officer_payloads(
    text: str, redactor: Redactor, mobiles: Sequence[str], link_base: str | None
) -> list[dict[str, Any]]:
    """Messages for an officer: masked text and the matter's link.

    With a mobile to mention: ``text`` messages, the first @-mentioning the officer. Without
    one, a recognised matter notice is ``markdown`` with the link; other text stays ``text``.
    """
    notice = _NOTICE.fullmatch(text.strip())
    link = f"{link_base}{notice['id']}" if notice and link_base else None
    if notice and link and not mobiles:
        markdown = f"**事项 {notice['id']}**：{notice['label']}\n[查看事项]({link})"
        if len(markdown.encode()) <= MARKDOWN_LIMIT:
            return [{"msgtype": "markdown", "markdown": {"content": markdown}}]
    body = redactor.for_officers(text) + (f"\n{link}" if link else "")
    payloads: list[dict[str, Any]] = []
    for i, part in enumerate(split_utf8(body, TEXT_LIMIT)):
        content: dict[str, Any] = {"content": part}
        if i == 0 and mobiles:
            content["mentioned_mobile_list"] = list(mobiles)
        payloads.append({"msgtype": "text", "text": content})
    return payloads
