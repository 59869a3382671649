"""The ``declared`` volunteer backend 名册志愿者: red stewards from the station file or a CSV.

``volunteers = "declared"`` uses the station file's ``red_stewards``;
``volunteers = "csv:///path/roster.csv"`` reads a roster with the columns ``id, name, phone,
community, occupation, party_member, skills, availability`` (skills separated by ``;``,
availability as ``weekday HH:MM-HH:MM`` windows separated by ``;``, weekday 0 = Monday).
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from fengqiao_core.errors import ConfigurationError, FengqiaoError, ValidationError
from fengqiao_core.hookspecs import hookimpl
from fengqiao_core.model import Occupation, RedSteward, Skill, TimeWindow
from fengqiao_core.ports import BackendContext, BackendSpec
from fengqiao_core.privacy import PersonName, PhoneNumber

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


class DeclaredVolunteers:
    """Stewards from a declared roster, indexed by community; assignment load kept in memory.

    Args:
        stewards: The roster.
        zone: The station's time zone (availability windows are local times).
    """

    def __init__(self, stewards: Iterable[RedSteward], zone: str = "Asia/Shanghai") -> None:
        self._zone = ZoneInfo(zone)
        self._slots: dict[tuple[str, int, int], list[RedSteward]] = {}
        for steward in stewards:
            for window in steward.availability:
                last = window.end.hour - (1 if window.end.minute == 0 else 0)
                for hour in range(window.start.hour, last + 1):
                    key = (steward.community, window.weekday, hour)
                    self._slots.setdefault(key, []).append(steward)
        self._loads: dict[str, int] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_context(cls, context: BackendContext) -> DeclaredVolunteers:
        """Factory: ``declared`` (the station file's roster) or ``csv:///path.csv``."""
        zone = context.station.station.timezone
        if context.url.startswith("csv://"):
            return cls(read_roster(Path(context.url.removeprefix("csv://"))), zone)
        return cls(context.station.red_stewards, zone)

    def candidates(
        self, community: str, skills: Sequence[Skill], at: dt.datetime, limit: int = 5
    ) -> list[RedSteward]:
        """Available stewards of ``community`` with every skill, least loaded first, then by id.

        Stewards are indexed by community, weekday and hour, so a call looks only at those who
        could be on duty then — not at the whole roster.
        """
        local = at.astimezone(self._zone)
        wanted = set(skills)
        slot = self._slots.get((community, local.weekday(), local.hour), ())
        found = [
            s for s in dict.fromkeys(slot) if wanted.issubset(s.skills) and s.available_at(local)
        ]
        found.sort(key=lambda s: (self._loads.get(s.id, 0), s.id))
        return found[:limit]

    def record_assignment(self, steward_id: str) -> int:
        """Count one more assignment for the steward."""
        with self._lock:
            self._loads[steward_id] = self._loads.get(steward_id, 0) + 1
            return self._loads[steward_id]

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
