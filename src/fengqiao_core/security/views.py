"""What a reader is shown 读取视图: masked personal values, screening for officers only.

A read without a purpose returns every personal value withheld
(:func:`~fengqiao_core.model.withheld.withhold`: the mask only, ``reveal()`` refused), birth
dates left out and points rounded to about 100 m; a read
with a purpose returns the values and is audited by the station. Linked-screening results —
related matters, the alert colour, the ``L7`` lines of a triage explanation — are shown to
officers only, on every read path.
"""

from __future__ import annotations

import datetime as dt
import enum
import operator
import typing
from collections.abc import Callable, Sequence
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
from fengqiao_core.security.copies import compiled, field_names, replaced

__all__ = ["SCREENING_READERS", "masked", "without_screening", "without_screening_events"]

SCREENING_READERS = frozenset({Role.OFFICER})
"""The roles that see linked-screening results (rule L7)."""
T = TypeVar("T")


def masked(value: T) -> T:
    """``value`` with every personal value inside it withheld (attrs values, tuples, lists)."""
    return _mask(value)  # type: ignore[no-any-return]


_LEAVES: set[type] = {str, int, float, bool, type(None), dt.datetime, dt.date, dt.time}
"""Types :func:`_mask` passes through (grown as it meets enums and classes of no attrs)."""
_MASKABLE: dict[type, tuple[str, ...]] = {}


def _may_hold(hint: Any, path: frozenset[type]) -> bool:
    """Whether a value of type ``hint`` may hold a personal value or a point (conservative).

    ``path`` holds the classes on the way here: met again, they add nothing their first visit
    does not (a recursive type).
    """
    if hint in _LEAVES or hint is type(None):
        return False
    if isinstance(hint, type):
        if issubclass(hint, enum.Enum):
            return False
        if issubclass(hint, Sensitive | GeoPoint):
            return True
        if attrs.has(hint):
            return hint not in path and bool(_holding(hint, path | {hint}))
        return True  # an unknown class: look at the value
    args = typing.get_args(hint)
    return not args or any(_may_hold(arg, path) for arg in args if arg is not Ellipsis)


def _maskable(kind: type) -> tuple[str, ...]:
    """The fields of attrs class ``kind`` whose declared types may hold personal values."""
    names = _MASKABLE.get(kind)
    if names is None:
        names = _MASKABLE[kind] = _holding(kind, frozenset())
    return names


def _holding(kind: type, path: frozenset[type]) -> tuple[str, ...]:
    """:func:`_maskable` of ``kind`` reached through the classes in ``path``."""
    try:
        hints = typing.get_type_hints(kind)
    except Exception:  # unresolvable annotations: look at every field
        return field_names(kind)
    return tuple(
        name for name in field_names(kind) if name not in hints or _may_hold(hints[name], path)
    )


def _mask(value: Any) -> Any:
    kind = type(value)
    if kind in _LEAVES:
        return value
    masker = _MASKERS.get(kind)
    if masker is not None:
        return masker(value)
    if isinstance(value, Sensitive):
        return withhold(value)
    if kind is tuple or kind is list:
        items = kind(map(_mask, value))
        return value if all(map(operator.is_, items, value)) else items
    if kind is GeoPoint:
        return replaced(value, {"lon": round(value.lon, 3), "lat": round(value.lat, 3)})
    if not attrs.has(kind) or not _maskable(kind):  # nothing inside to withhold
        _LEAVES.add(kind)
        return value
    return _masker(kind)(value)


_MASKERS: dict[type, Callable[[Any], Any]] = {}


def _masker(kind: type) -> Callable[[Any], Any]:
    """A function masking the fields of attrs class ``kind`` that may hold personal values.

    Made once per class: the loop over the fields :func:`_maskable` found, unrolled; a copy is
    made only when a field changed, each field set once, slot by slot.
    """
    fields = field_names(kind)
    maskable = [(fields.index(name), name) for name in _maskable(kind)]
    lines = ["def generated(value):"]
    for i, name in maskable:
        lines += [
            f"    old_{i} = value.{name}",
            f"    kind_{i} = type(old_{i})",
            f"    if kind_{i} in leaves: new_{i} = old_{i}",
            f"    elif isinstance(old_{i}, sensitive): new_{i} = withhold(old_{i})",
            f"    elif kind_{i} in maskers: new_{i} = maskers[kind_{i}](old_{i})",
            f"    else: new_{i} = walk(old_{i})",
        ]
    erase = issubclass(kind, Party)  # with the ID's mask the birth date gives it back
    same = " and ".join(f"new_{i} is old_{i}" for i, _ in maskable) or "True"
    if erase:
        same += " and value.birth_date is None"
    lines += [f"    if {same}: return value", "    made = new(kind)"]
    changed = {i: f"new_{i}" for i, _ in maskable}
    if erase:
        changed[fields.index("birth_date")] = "None"
    lines += [f"    set_{i}(made, {changed.get(i, f'value.{n}')})" for i, n in enumerate(fields)]
    names: dict[str, Any] = {
        "leaves": _LEAVES, "sensitive": Sensitive, "withhold": withhold, "walk": _mask,
        "maskers": _MASKERS,
    }  # fmt: skip
    made = compiled([*lines, "    return made"], f"mask {kind.__qualname__}", kind, **names)
    _MASKERS[kind] = made
    return made


def without_screening(matter: Matter) -> Matter:
    """The matter without what linked screening found (for readers other than officers)."""
    if not matter.related and matter.alert is None:
        return matter
    return attrs.evolve(matter, related=(), alert=None)


def without_screening_events(events: Sequence[MatterEvent]) -> list[MatterEvent]:
    """A history without what linked screening found (related ids, alert, ``L7`` lines)."""
    return [_unscreened(event) if isinstance(event, MatterTriaged) else event for event in events]


def _unscreened(event: MatterTriaged) -> MatterTriaged:
    reasons = tuple(r for r in event.reasons if not r.startswith("L7"))
    if not event.related and event.alert is None and len(reasons) == len(event.reasons):
        return event
    return attrs.evolve(event, related=(), alert=None, reasons=reasons)
