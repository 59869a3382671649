"""What a reader is shown 读取视图: masked personal values, screening for officers only.

A read without a purpose returns every personal value withheld
(:func:`~fengqiao_core.model.withheld.withhold`: the mask only, ``reveal()`` refused), birth
dates left out and points rounded to about 100 m; a read
with a purpose returns the values and is audited by the station. Linked-screening results —
related matters, the alert colour, the ``L7`` lines of a triage explanation — are shown to
officers only, on every read path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import attrs

from fengqiao_core.model import (
    GeoPoint,
    Matter,
    MatterEvent,
    MatterTriaged,
    Party,
    Role,
    Sensitive,
)
from fengqiao_core.model.withheld import withhold

__all__ = ["SCREENING_READERS", "masked", "without_screening", "without_screening_events"]

SCREENING_READERS = frozenset({Role.OFFICER})
"""The roles that see linked-screening results (rule L7)."""
T = TypeVar("T")


def masked(value: T) -> T:
    """``value`` with every personal value inside it withheld (attrs values, tuples, lists)."""
    return _mask(value)  # type: ignore[no-any-return]


def _mask(value: Any) -> Any:
    if isinstance(value, Sensitive):
        return withhold(value)
    if isinstance(value, Party) and value.birth_date is not None:
        value = attrs.evolve(value, birth_date=None)  # with the ID's mask it gives it back
    if isinstance(value, GeoPoint):
        return attrs.evolve(value, lon=round(value.lon, 3), lat=round(value.lat, 3))
    if isinstance(value, tuple | list):
        items = [_mask(v) for v in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return tuple(items) if isinstance(value, tuple) else items
    if attrs.has(type(value)):
        changes = {}
        for field in attrs.fields(type(value)):
            current = getattr(value, field.name)
            if current is None or isinstance(current, str | int | float | bool):
                continue
            new = _mask(current)
            if new is not current:
                changes[field.alias or field.name] = new
        return attrs.evolve(value, **changes) if changes else value
    return value


def without_screening(matter: Matter) -> Matter:
    """The matter without what linked screening found (for readers other than officers)."""
    if not matter.related and matter.alert is None:
        return matter
    return attrs.evolve(matter, related=(), alert=None)


def without_screening_events(events: Sequence[MatterEvent]) -> list[MatterEvent]:
    """A history without what linked screening found (related ids, alert, ``L7`` lines)."""
    return [
        attrs.evolve(
            event,
            related=(),
            alert=None,
            reasons=tuple(r for r in event.reasons if not r.startswith("L7")),
        )
        if isinstance(event, MatterTriaged)
        else event
        for event in events
    ]
