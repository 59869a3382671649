"""The ``declared`` volunteer backend 名册志愿者: red stewards from the station file or a CSV.

``volunteers = "declared"`` uses the station file's ``red_stewards``;
``volunteers = "csv://roster.csv"`` (a path relative to the station file's folder, or
``csv:///abs/roster.csv``) reads a roster with the columns ``id, name, phone,
community, occupation, party_member, skills, availability`` (skills separated by ``;``,
availability as ``weekday HH:MM-HH:MM`` windows separated by ``;``, weekday 0 = Monday).
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
from bisect import insort
from collections.abc import Iterable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from fengqiao_core.errors import ConfigurationError, FengqiaoError, ValidationError
from fengqiao_core.hookspecs import hookimpl
from fengqiao_core.model import Occupation, RedSteward, Skill, TimeWindow
from fengqiao_core.model.personal import PersonName, PhoneNumber
from fengqiao_core.ports import BackendContext, BackendSpec

__all__ = ["DeclaredVolunteers", "read_roster"]

FENGQIAO_PLUGIN_API = 1
_COLUMNS = ("id", "name", "phone", "community", "occupation", "party_member", "skills")


def _window(text: str) -> TimeWindow:
    day, _, span = text.strip().partition(" ")
    start, _, end = span.partition("-")
    try:
        return TimeWindow(
            weekday=int(day), start=dt.time.fromisoformat(start), end=dt.time.fromisoformat(end)
        )
    except ValueError:
        raise ValidationError(
            "availability", f"{text!r:.40} is not 'weekday HH:MM-HH:MM'"
        ) from None


def _steward(row: dict[str, str]) -> RedSteward:
    return RedSteward(
        id=row["id"],
        name=PersonName(row["name"]),
        phone=PhoneNumber.parse(row["phone"]) if row.get("phone") else None,
        community=row["community"],
        occupation=Occupation.parse(row.get("occupation") or "resident", field_name="occupation"),
        party_member=(row.get("party_member") or "").strip().lower() in {"1", "true", "yes", "是"},
        skills=tuple(Skill(s.strip()) for s in (row.get("skills") or "").split(";") if s.strip()),
        availability=tuple(
            _window(w) for w in (row.get("availability") or "").split(";") if w.strip()
        ),
    )


def read_roster(path: Path) -> list[RedSteward]:
    """Read a CSV roster 志愿者名册 (UTF-8, header row).

    Raises:
        ConfigurationError: The file cannot be read or lacks a column.
        ValidationError: A row is invalid; the field path names the line and column.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigurationError(f"cannot read roster {path.name}: {type(exc).__name__}") from None
    stewards = []
    for line, row in enumerate(rows, start=2):
        missing = [c for c in _COLUMNS if c not in row]
        if missing:
            raise ConfigurationError(f"roster {path.name} lacks columns: {', '.join(missing)}")
        try:
            stewards.append(_steward(row))
        except FengqiaoError as exc:
            raise ValidationError(f"{path.name}:{line}", str(exc)) from None
    return stewards


_ANY = ""
Bucket = tuple[str, int, int, str]


class DeclaredVolunteers:
    """Stewards from a declared roster, indexed for matching; assignment load kept in memory.

    Each steward is filed under every (community, weekday, hour) their windows touch, once per
    skill and once under "any skill", and within such a bucket by load tier and id. Finding
    candidates walks the smallest fitting bucket from the least loaded tier and stops at
    ``limit``, so its cost does not grow with the roster.

    Args:
        stewards: The roster.
        zone: The station's time zone (availability windows are local times).
    """

    def __init__(self, stewards: Iterable[RedSteward], zone: str = "Asia/Shanghai") -> None:
        self._zone = ZoneInfo(zone)
        self._stewards: dict[str, RedSteward] = {}
        self._buckets: dict[Bucket, dict[int, list[str]]] = {}
        self._filed: dict[str, list[Bucket]] = {}
        self._loads: dict[str, int] = {}
        self._lock = threading.Lock()
        for steward in stewards:
            self._stewards[steward.id] = steward
            keys = self._filed.setdefault(steward.id, [])
            for window in steward.availability:
                last = window.end.hour - (1 if window.end.minute == 0 else 0)
                for hour in range(window.start.hour, last + 1):
                    for skill in (_ANY, *(k.code for k in steward.skills)):
                        keys.append((steward.community, window.weekday, hour, skill))
            for key in dict.fromkeys(keys):
                insort(self._buckets.setdefault(key, {}).setdefault(0, []), steward.id)

    @classmethod
    def from_context(cls, context: BackendContext) -> DeclaredVolunteers:
        """Factory: ``declared`` (the station file's roster) or ``csv://roster.csv``.

        The CSV path follows ``csv://``; a relative one is relative to the station file's
        folder (:meth:`BackendContext.path`), never to the working directory.
        """
        zone = context.station.station.timezone
        if context.url.startswith("csv://"):
            return cls(read_roster(context.path(context.url.removeprefix("csv://"))), zone)
        return cls(context.station.red_stewards, zone)

    def candidates(
        self, community: str, skills: Sequence[Skill], at: dt.datetime, limit: int = 5
    ) -> list[RedSteward]:
        """Available stewards of ``community`` with every skill, least loaded first, then by id."""
        local = at.astimezone(self._zone)
        wanted = {s.code for s in skills}
        slot = (community, local.weekday(), local.hour)
        options = [self._buckets.get((*slot, code), {}) for code in wanted or {_ANY}]
        tiers = min(options, key=lambda t: sum(len(ids) for ids in t.values()))
        found: list[RedSteward] = []
        with self._lock:
            for load in sorted(tiers):
                for steward_id in tiers[load]:
                    steward = self._stewards[steward_id]
                    has = {k.code for k in steward.skills}
                    if wanted <= has and steward.available_at(local):
                        found.append(steward)
                        if len(found) == limit:
                            return found
        return found

    def record_assignment(self, steward_id: str) -> int:
        """Count one more assignment for the steward (moving it up a tier in its buckets)."""
        with self._lock:
            load = self._loads.get(steward_id, 0)
            for key in dict.fromkeys(self._filed.get(steward_id, ())):
                tiers = self._buckets[key]
                tiers[load].remove(steward_id)
                if not tiers[load]:
                    del tiers[load]
                insort(tiers.setdefault(load + 1, []), steward_id)
            self._loads[steward_id] = load + 1
            return load + 1

    def load(self, steward_id: str) -> int:
        """The steward's assignments so far."""
        return self._loads.get(steward_id, 0)


@hookimpl
def fengqiao_register_backends() -> list[BackendSpec]:
    """Register the ``declared`` volunteer backend (also for ``csv://`` rosters)."""
    return [
        BackendSpec(
            "volunteers",
            "declared",
            DeclaredVolunteers.from_context,
            "roster from the station file or a CSV file",
            ("csv",),
        )
    ]
