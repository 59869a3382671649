"""The ``xlsx`` volunteer backend Excel 名册志愿者: red stewards from a station's roster workbook.

``volunteers = "xlsx:///path/roster.xlsx"`` reads the workbook once when the station opens;
refused rows are counted in the log (never their values; ``fengqiao import roster --dry-run``
lists them). Candidates are the stewards of exactly that community id, available at that minute
of the week with every skill asked for, least loaded first, then by id.
"""

from __future__ import annotations

import datetime as dt
import heapq
import logging
import threading
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from fengqiao_core.errors import ConfigurationError
from fengqiao_core.model import RedSteward, Skill
from fengqiao_core.ports import BackendContext
from fengqiao_roster_xlsx._core import resolve_path, station_secret
from fengqiao_roster_xlsx.cells import SKILL_ALIASES
from fengqiao_roster_xlsx.reader import read_roster

__all__ = ["XlsxVolunteers", "roster_vocabulary"]

_log = logging.getLogger(__name__)
Slot = tuple[str, int, int]


def roster_vocabulary(station: Any) -> tuple[dict[str, str], frozenset[str]]:
    """A station's communities (id and name → id) and the skill codes a roster may use.

    Communities are its villages and communities (places) and every community its grid cells
    name; skills are the reader's known names' codes and those of the station's stewards.
    """
    communities: dict[str, str] = {}
    for place in getattr(station, "places", ()):
        if place.kind.is_settlement:
            communities[place.id] = place.id
            communities.setdefault(place.name, place.id)
    for cell in getattr(station, "cells", ()):
        communities.setdefault(cell.community, cell.community)
    skills = set(SKILL_ALIASES.values())
    for steward in getattr(station, "red_stewards", ()):
        skills.update(s.code for s in steward.skills)
    return communities, frozenset(skills)


class XlsxVolunteers:
    """Red stewards 红色管家 read from a roster workbook, filed by community, weekday and hour.

    Args:
        stewards: The roster.
        zone: The station's time zone (availability windows are local times).
    """

    def __init__(self, stewards: Iterable[RedSteward], zone: str = "Asia/Shanghai") -> None:
        self._zone = ZoneInfo(zone)
        self._stewards: dict[str, RedSteward] = {}
        self._slots: dict[Slot, list[RedSteward]] = {}
        self._loads: dict[str, int] = {}
        self._lock = threading.Lock()
        for steward in stewards:
            self._stewards[steward.id] = steward
            slots: set[Slot] = set()
            for window in steward.availability:
                whole = window.end.minute == window.end.second == window.end.microsecond == 0
                last = window.end.hour - (1 if whole else 0)
                for hour in range(window.start.hour, last + 1):
                    slots.add((steward.community, window.weekday, hour))
            for slot in slots:
                self._slots.setdefault(slot, []).append(steward)

    @classmethod
    def from_context(cls, context: BackendContext) -> XlsxVolunteers:
        """Factory for ``xlsx:///path/roster.xlsx``.

        Raises:
            ConfigurationError: The workbook cannot be read or has no roster sheet.
        """
        raw = context.url.removeprefix("xlsx://")
        if not raw:
            raise ConfigurationError("volunteers: write the roster as xlsx:///path/roster.xlsx")
        station = context.station
        communities, skills = roster_vocabulary(station)
        read = read_roster(
            resolve_path(context, raw),
            communities=communities,
            skills=skills,
            secret=station_secret(station),
        )
        if read.reports:
            _log.warning(
                "roster: %d problem(s) in the workbook; those rows are left out "
                "(fengqiao import roster --dry-run lists them)",
                len(read.reports),
            )
        return cls(read.stewards, station.station.timezone)

    def candidates(
        self, community: str, skills: Sequence[Skill], at: dt.datetime, limit: int = 5
    ) -> list[RedSteward]:
        """Available stewards of ``community`` with every skill, least loaded first, then by id."""
        local = at.astimezone(self._zone)
        wanted = set(skills)
        found = [
            s
            for s in self._slots.get((community, local.weekday(), local.hour), ())
            if wanted.issubset(s.skills) and s.available_at(local)
        ]
        with self._lock:
            loads = self._loads
            return heapq.nsmallest(limit, found, key=lambda s: (loads.get(s.id, 0), s.id))

    def record_assignment(self, steward_id: str) -> int:
        """Count one more assignment for the steward; returns its load."""
        with self._lock:
            load = self._loads.get(steward_id, 0) + 1
            self._loads[steward_id] = load
            return load

    def load(self, steward_id: str) -> int:
        """The steward's assignments so far."""
        with self._lock:
            return self._loads.get(steward_id, 0)
