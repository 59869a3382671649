"""Ports 端口: what a storage, grid, volunteer or channel backend must provide.

A backend is registered by a plugin as a :class:`BackendSpec` (see
:func:`fengqiao_core.hookspecs.fengqiao_register_backends`) whose factory receives a
:class:`BackendContext` and returns an object satisfying one of the protocols below. Ports speak
in model types only; a backend translates its driver's errors into
:class:`~fengqiao_core.errors.StorageError` and its subclasses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any, Literal, Protocol, Self, TypeVar

from attrs import field, frozen

from fengqiao_core.model import (
    CommunityTeam,
    CoordinateSystem,
    Entity,
    GridCell,
    LabelledEnum,
    LadderLevel,
    Matter,
    MatterEvent,
    Participant,
    Person,
    Place,
    RedSteward,
    Role,
    Skill,
)
from fengqiao_core.model.values import aware
from fengqiao_core.privacy import FreeText
from fengqiao_core.stationconfig import StationConfig

__all__ = [
    "AggregateQuery",
    "AggregateRow",
    "AuditEntry",
    "AuditLog",
    "BackendContext",
    "BackendSpec",
    "Capability",
    "Channel",
    "DeliveryResult",
    "Dimension",
    "EntityRepository",
    "GridBackend",
    "MatterFilter",
    "MatterRepository",
    "Measure",
    "Outbox",
    "OutboxMessage",
    "Port",
    "StorageBackend",
    "TriageAdvice",
    "UnitOfWork",
    "VolunteerBackend",
]

E = TypeVar("E", bound=Entity)
Port = Literal["storage", "grid", "volunteers", "channel"]
"""The four ports; the same words are the station file's backend keys."""


class Capability(LabelledEnum):
    """Optional abilities a backend declares; contract tests needing one skip without it."""

    SHARED_BETWEEN_PROCESSES = "shared_between_processes", "多进程共享"
    DURABLE = "durable", "持久化"
    CONCURRENT_WRITERS = "concurrent_writers", "并发写入"


# --- records -------------------------------------------------------------------------------


@frozen
class BackendContext:
    """What a backend factory receives: the configured value, the station and the converter.

    Attributes:
        url: The configured name or URL, e.g. ``"sqlite:///miaoshan.db"``.
        station: The station configuration (cells, places, roster …).
        converter: The project's configured converter (for backends that serialise).
    """

    url: str
    station: StationConfig
    converter: Any


@frozen
class BackendSpec:
    """A backend a plugin provides 后端登记: its port, unique name, factory and URL schemes.

    Attributes:
        port: ``"storage"``, ``"grid"``, ``"volunteers"`` or ``"channel"``.
        name: Unique per port across installed plugins; what a station file names.
        factory: Builds the backend from a :class:`BackendContext`.
        description: One line for ``fengqiao plugins``.
        schemes: URL schemes it claims (``("sqlite",)`` selects it for ``sqlite:///x.db``).
    """

    port: Port
    name: str
    factory: Callable[[BackendContext], Any]
    description: str = ""
    schemes: tuple[str, ...] = ()


class Dimension(LabelledEnum):
    """What an aggregate query may group matters by."""

    KIND = "kind", "类型"
    CATEGORY = "category", "类别"
    SEVERITY = "severity", "等级"
    SOURCE = "source", "来源"
    STATE = "state", "状态"
    LEVEL = "level", "层级"
    MONTH = "month", "月份"
    CELL = "cell", "网格"
    POLICE_GRID = "police_grid", "警格"
    COMMUNITY = "community", "社区"


class Measure(LabelledEnum):
    """What an aggregate query computes per group."""

    COUNT = "count", "数量"
    CLOSED = "closed", "已办结数量"
    MEDIAN_HOURS_TO_CLOSE = "median_hours_to_close", "办结用时中位数(小时)"
    DISTINCT_OWNERS = "distinct_owners", "包案人数"


@frozen(kw_only=True)
class MatterFilter:
    """Which matters a query covers; empty tuples mean "any".

    ``since``/``until`` bound ``reported_at`` as a half-open period ``[since, until)``.
    """

    kinds: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()
    police_grids: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@frozen(kw_only=True)
class AggregateQuery:
    """A declarative aggregate over matters: filter, group and measure (pushed to storage).

    ``MONTH`` is ``YYYY-MM`` of ``reported_at`` in the offset it was recorded with (the
    station's zone). Groups come back sorted by their keys, ``None`` first.
    """

    measures: tuple[Measure, ...] = (Measure.COUNT,)
    group_by: tuple[Dimension, ...] = ()
    where: MatterFilter = MatterFilter()


@frozen
class AggregateRow:
    """One group of an aggregate: its key values (per dimension) and measures (per measure)."""

    key: tuple[str | None, ...]
    values: tuple[float | None, ...]


@frozen(kw_only=True)
class AuditEntry:
    """An audit entry 审计记录: who did what to which object, when, with what outcome.

    ``seq`` numbers the entries from 1; ``prev_hash``/``entry_hash`` chain them (HMAC-SHA-256,
    computed by the core). Entries never hold personal values.
    """

    seq: int
    at: dt.datetime = field(validator=aware)
    actor: str
    role: Role
    action: str
    object_type: str
    object_id: str
    outcome: str = "success"
    prev_hash: str = ""
    entry_hash: str = ""


@frozen(kw_only=True)
class OutboxMessage:
    """A message waiting to be sent through a channel 待发消息 (written with the change).

    Attributes:
        id: Unique message id.
        target: A resident group or person id.
        text: The message (masked wherever shown).
        created_at: When the use case wrote it.
        attempts: Delivery attempts so far.
        delivered_at: When a channel accepted it, if it did.
        next_attempt_at: The earliest time of the next attempt.
        last_error: Why the last attempt failed.
    """

    id: str
    target: str
    text: FreeText
    created_at: dt.datetime = field(validator=aware)
    attempts: int = 0
    delivered_at: dt.datetime | None = None
    next_attempt_at: dt.datetime | None = None
    last_error: str | None = None


@frozen(kw_only=True)
class TriageAdvice:
    """A plugin's advice on a triage 分流建议: extra participants and/or a higher level.

    Advice can add participants or raise the ladder level; it never lowers what a rule decided.

    Attributes:
        reason: Why (shown in the triage explanation).
        participants: People or bodies to add, each with its linkage and rule.
        raise_to: A ladder level to raise the matter to, if higher than the decided one.
    """

    reason: str
    participants: tuple[Participant, ...] = ()
    raise_to: LadderLevel | None = None


@frozen
class DeliveryResult:
    """What a channel says of one message: delivered or not, why, and whether to retry."""

    delivered: bool
    detail: str = ""
    retry: bool = True


# --- protocols -----------------------------------------------------------------------------


class MatterRepository(Protocol):
    """Matters as event streams with a current-state projection 事项仓储."""

    def append(self, events: Sequence[MatterEvent], expected_version: int) -> Matter:
        """Append one matter's new events after ``expected_version`` (0 for a new matter).

        Returns:
            The matter's new state.

        Raises:
            ConflictError: The stored version is not ``expected_version`` (or the reference of
                a new matter is taken).
            ValidationError: The events do not follow one another.
        """
        ...

    def get(self, matter_id: str) -> Matter:
        """The current state; raises ``NotFound``."""
        ...

    def find_by_reference(self, reference: str) -> Matter | None:
        """The matter reported with this idempotency reference, if any."""
        ...

    def history(self, matter_id: str) -> list[MatterEvent]:
        """Every event of the matter in version order; raises ``NotFound``."""
        ...

    def stream(
        self, where: MatterFilter | None = None, *, batch_size: int = 1000
    ) -> Iterator[Matter]:
        """Matching matters (all by default) by ``(reported_at, id)``, never all at once."""
        ...

    def aggregate(self, query: AggregateQuery) -> list[AggregateRow]:
        """Compute the query in the store (never by loading every matter into Python)."""
        ...


class EntityRepository(Protocol[E]):
    """People, places or teams, with optimistic concurrency on ``version``."""

    def add(self, entity: E) -> E:
        """Store a new entity (its version becomes 1); ``ConflictError`` if the id exists."""
        ...

    def get(self, entity_id: str) -> E:
        """The stored entity; raises ``NotFound``."""
        ...

    def update(self, entity: E) -> E:
        """Store ``entity`` if the stored version equals ``entity.version``; returns it at +1.

        Raises:
            ConflictError: Someone stored a newer version first.
            NotFound: No such entity.
        """
        ...

    def stream(self) -> Iterator[E]:
        """Every stored entity, ordered by id."""
        ...


class AuditLog(Protocol):
    """The append-only audit log 审计日志."""

    def append(self, entry: AuditEntry) -> None:
        """Store an entry whose ``seq`` is the last one's + 1 (``ConflictError`` otherwise)."""
        ...

    def last(self) -> AuditEntry | None:
        """The newest entry, or ``None`` for an empty log."""
        ...

    def stream(self) -> Iterator[AuditEntry]:
        """Every entry in ``seq`` order."""
        ...


class Outbox(Protocol):
    """Messages written with a change and delivered after commit 发件箱."""

    def add(self, message: OutboxMessage) -> None:
        """Store a new message."""
        ...

    def pending(self, now: dt.datetime, limit: int = 100) -> list[OutboxMessage]:
        """Undelivered messages due at ``now`` (``next_attempt_at`` unset or past), oldest first."""
        ...

    def record(self, message: OutboxMessage) -> None:
        """Store a message's new delivery state (attempts, delivered_at, errors)."""
        ...


class UnitOfWork(Protocol):
    """One transaction 工作单元: rolls back on exit unless :meth:`commit` was called."""

    matters: MatterRepository
    people: EntityRepository[Person]
    places: EntityRepository[Place]
    teams: EntityRepository[CommunityTeam]
    audit: AuditLog
    outbox: Outbox

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Make every change of this unit visible to new units, atomically."""
        ...

    def rollback(self) -> None:
        """Discard every uncommitted change."""
        ...


class StorageBackend(Protocol):
    """A store 存储后端: opens units of work."""

    capabilities: frozenset[Capability]

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work (use it as a context manager)."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


class GridBackend(Protocol):
    """Locates points and places in grid cells 网格定位."""

    def locate(
        self, lons: Sequence[float], lats: Sequence[float], crs: CoordinateSystem
    ) -> list[str | None]:
        """Cell id of each point (in order), ``None`` when it lies outside every cell."""
        ...

    def cells(self) -> Sequence[GridCell]:
        """Every cell the backend knows."""
        ...

    def cell_of_place(self, place_id: str) -> str | None:
        """The cell a place lies in, ``None`` for an unknown place or a settlement."""
        ...

    def neighbours(self, cell_id: str) -> Sequence[str]:
        """Cells next to ``cell_id`` (ids, sorted)."""
        ...


class VolunteerBackend(Protocol):
    """Finds red stewards for a matter 志愿者匹配 (rule L8 uses it)."""

    def candidates(
        self, community: str, skills: Sequence[Skill], at: dt.datetime, limit: int = 5
    ) -> list[RedSteward]:
        """Available stewards of ``community`` at ``at`` with all ``skills``, least loaded first."""
        ...

    def record_assignment(self, steward_id: str) -> int:
        """Count one more assignment for a steward; returns their new load."""
        ...

    def load(self, steward_id: str) -> int:
        """How many assignments the steward has."""
        ...


class Channel(Protocol):
    """Sends messages to resident groups and people 消息通道. Failures are reported, not raised."""

    def send(self, message: OutboxMessage) -> DeliveryResult:
        """Try to deliver one message."""
        ...
