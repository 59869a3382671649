"""Model values to SQLite rows and back: the projection's columns, time keys, entity types."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from typing import Any, Protocol

from fengqiao_core.builtin.sqlite.schema import BASE_COLUMNS, EVENT_SCHEMA, upcast
from fengqiao_core.errors import StorageError
from fengqiao_core.metrics.facts import hours_between, is_criminal, over_ceiling, with_stewards
from fengqiao_core.model import Entity, Matter, MatterEvent

__all__ = [
    "Reader",
    "base_row",
    "decode_event",
    "entity_class",
    "event_row",
    "matter_row",
    "micros",
]


class Reader(Protocol):
    """What the repositories need of their unit of work: reads, pages and the converter."""

    converter: Any

    @property
    def connection(self) -> sqlite3.Connection:
        """The unit's connection (autocommit mode)."""
        ...

    def translated(self) -> contextlib.AbstractContextManager[None]:
        """A context that turns ``sqlite3`` errors into the library's storage errors."""
        ...

    def fetchone(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """One row of a query, or ``None``."""
        ...

    def fetchall(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Every row of a query."""
        ...

    def pages(self, select: str, key: str, params: tuple[Any, ...]) -> Iterator[Any]:
        """Rows of a query read page by page in ``key`` order."""
        ...


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def micros(moment: dt.datetime) -> int:
    """Microseconds since the Unix epoch: a sort key that orders instants across offsets."""
    return (moment - _EPOCH) // _MICROSECOND


def _value(enum: Any) -> str | None:
    return None if enum is None else str(enum.value)


def matter_row(state: Matter) -> tuple[Any, ...]:
    """The projection's query columns (see ``schema.MATTER_COLUMNS``) for a matter's state.

    ``month`` and ``closed_hours`` are computed exactly as the reference aggregate does, so SQL
    over them gives the reference's numbers.
    """
    closed = state.closed_at
    hours = None if closed is None else (closed - state.reported_at).total_seconds() / 3600
    return (
        state.id,
        state.kind.value,
        state.category,
        state.severity.value,
        state.source.value,
        _value(state.state),
        _value(state.level),
        state.cell,
        state.police_grid,
        state.community,
        state.owner,
        state.reference,
        micros(state.reported_at),
        state.reported_at.strftime("%Y-%m"),
        hours,
        state.version,
        state.outcome,
        state.path,
        None if state.resolved_at is None else micros(state.resolved_at),
        hours_between(state.reported_at, state.resolved_at),
        None if state.due is None else micros(state.due),
        int(over_ceiling(state)),
        int(with_stewards(state)),
        int(is_criminal(state)),
        state.feedback_score,
        state.commendations,
        int(state.followed_up),
    )


def base_row(state: Matter) -> tuple[Any, ...]:
    """The projection's columns up to schema version 3 (``schema.BASE_COLUMNS``)."""
    return matter_row(state)[: len(BASE_COLUMNS)]


def event_row(converter: Any, event: MatterEvent) -> tuple[str, int, int, str, str]:
    """``(matter_id, version, schema, type, body)`` of an event, in the current event schema."""
    body = converter.dumps(event, unstructure_as=MatterEvent)
    return (event.matter_id, event.version, EVENT_SCHEMA, type(event).__name__, body)


def decode_event(converter: Any, schema: int, body: str) -> MatterEvent:
    """An event from its stored body, upcast first when it was written in an older schema.

    The body is this store's own row: it is rebuilt through the converter's trusted path
    (validated when it was written; see ``FengqiaoConverter.trusted_loads``).
    """
    if schema == EVENT_SCHEMA:
        return converter.trusted_loads(body, MatterEvent)  # type: ignore[no-any-return]
    return converter.trusted_structure(upcast(json.loads(body), schema), MatterEvent)  # type: ignore[no-any-return]


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
