"""Model values to PostgreSQL rows and back: key texts, time keys, projections, entity types.

PostgreSQL ``text`` cannot hold NUL. Query columns (category, reference, owner …) are stored
through :func:`key_text`, an injective escape that leaves every text without NUL or U+FFFE
unchanged (so analysts read plain values), and read back through :func:`plain_text`. Bodies are
JSON, whose encoder already escapes control characters.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fengqiao_core.errors import StorageError
from fengqiao_core.metrics.aggregate import matches as reference_matches
from fengqiao_core.metrics.facts import hours_between, is_criminal, over_ceiling, with_stewards
from fengqiao_core.model import Entity, Matter, MatterEvent
from fengqiao_core.ports import MatterFilter
from fengqiao_postgres.schema import EVENT_SCHEMA

__all__ = [
    "decode_event",
    "entity_class",
    "event_row",
    "key_text",
    "matches",
    "matter_row",
    "micros",
    "plain_text",
]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_MARK = "\ufffe"
_ESCAPES = {"\x00": _MARK + "0", _MARK: _MARK + "1"}
_UNESCAPES = {v: k for k, v in _ESCAPES.items()}
_ESCAPED = re.compile(f"{_MARK}[01]")


def micros(moment: dt.datetime) -> int:
    """Microseconds since the Unix epoch: a sort key that orders instants across offsets."""
    return (moment - _EPOCH) // _MICROSECOND


def key_text(value: str | None) -> str | None:
    """``value`` as a NUL-free text column value (unchanged unless it holds NUL or U+FFFE)."""
    if value is None or ("\x00" not in value and _MARK not in value):
        return value
    return value.replace(_MARK, _ESCAPES[_MARK]).replace("\x00", _ESCAPES["\x00"])


def plain_text(value: str | None) -> str | None:
    """The inverse of :func:`key_text`."""
    if value is None or _MARK not in value:
        return value
    return _ESCAPED.sub(lambda found: _UNESCAPES[found.group(0)], value)


def _value(enum: Any) -> str | None:
    return None if enum is None else str(enum.value)


def matter_row(station_id: str, state: Matter) -> tuple[Any, ...]:
    """The projection's query columns (see ``schema.MATTER_COLUMNS``) for a matter's state.

    ``month``, ``closed_hours`` and the figures facts are computed exactly as the reference
    aggregate computes them (:mod:`fengqiao_core.metrics.facts`).
    """
    closed = state.closed_at
    hours = None if closed is None else (closed - state.reported_at).total_seconds() / 3600
    return (
        station_id,
        key_text(state.id),
        state.kind.value,
        key_text(state.category),
        state.severity.value,
        state.source.value,
        _value(state.state),
        _value(state.level),
        key_text(state.cell),
        key_text(state.police_grid),
        key_text(state.community),
        key_text(state.owner),
        key_text(state.reference),
        micros(state.reported_at),
        state.reported_at.strftime("%Y-%m"),
        hours,
        state.version,
        key_text(state.outcome),
        key_text(state.path),
        None if state.resolved_at is None else micros(state.resolved_at),
        hours_between(state.reported_at, state.resolved_at),
        None if state.due is None else micros(state.due),
        over_ceiling(state),
        with_stewards(state),
        is_criminal(state),
        state.feedback_score,
        state.commendations,
        state.followed_up,
    )


def event_row(station_id: str, converter: Any, event: MatterEvent) -> tuple[Any, ...]:
    """``(station_id, matter_id, version, schema, type, body)`` of an event."""
    body = converter.dumps(event, unstructure_as=MatterEvent)
    return (
        station_id,
        key_text(event.matter_id),
        event.version,
        EVENT_SCHEMA,
        type(event).__name__,
        body,
    )


def decode_event(converter: Any, schema: int, body: str) -> MatterEvent:
    """An event from its stored body (this store's own row: the converter's trusted path).

    Raises:
        StorageError: The body is in an event schema this code does not read.
    """
    if schema != EVENT_SCHEMA:
        raise StorageError(f"an event has schema {schema}; this plugin reads {EVENT_SCHEMA}")
    return converter.trusted_loads(body, MatterEvent)  # type: ignore[no-any-return]


def matches(where: MatterFilter, matter: Matter) -> bool:
    """Whether a (pending) matter passes a filter, as the reference decides it."""
    return reference_matches(where, matter)


def _subclasses(base: type[Entity]) -> dict[str, type[Entity]]:
    found: dict[str, type[Entity]] = {}
    todo = [base]
    while todo:
        cls = todo.pop()
        found[cls.__qualname__] = cls
        todo.extend(cls.__subclasses__())
    return found


_ENTITY_TYPES: dict[str, type[Entity]] = {}


def entity_class(name: str) -> type[Entity]:
    """The entity class a stored ``type`` names (people's subclasses, places, teams, plugins').

    Raises:
        StorageError: No loaded class has that name.
    """
    found = _ENTITY_TYPES.get(name)
    if found is None:
        _ENTITY_TYPES.update(_subclasses(Entity))
        found = _ENTITY_TYPES.get(name)
    if found is None or issubclass(found, Matter):
        raise StorageError(f"a stored entity has the unknown type {name!r}")
    return found
