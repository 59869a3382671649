"""Ports 端口: what a storage, grid, volunteer or channel backend must provide.

The records they exchange live in :mod:`fengqiao_core.ports.records` and are re-exported here. A
backend is registered by a plugin as a :class:`BackendSpec` (see
:func:`fengqiao_core.hookspecs.fengqiao_register_backends`) whose factory receives a
:class:`BackendContext` and returns an object satisfying one of the protocols below. Ports speak
in model types only; a backend translates its driver's errors into
:class:`~fengqiao_core.errors.StorageError` and its subclasses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from types import TracebackType
from typing import Protocol, Self, TypeVar, runtime_checkable

from fengqiao_core.model import (
    CommunityTeam,
    CoordinateSystem,
    Entity,
    GridCell,
    Matter,
    MatterEvent,
    Person,
    Place,
    RedSteward,
    Skill,
)
from fengqiao_core.ports.keys import DataKey, KeyRing
from fengqiao_core.ports.records import (
    AggregateQuery,
    AggregateRow,
    AuditEntry,
    BackendContext,
    BackendSpec,
    Capability,
    Covered,
    DeliveryResult,
    Dimension,
    MatterFilter,
    Measure,
    OutboxMessage,
    Port,
    TriageAdvice,
)

__all__ = [
    "AggregateQuery",
    "AggregateRow",
    "AuditEntry",
    "AuditLog",
    "BackendContext",
    "BackendSpec",
    "Capability",
    "Channel",
    "Covered",
    "DataKey",
    "DeliveryResult",
    "Dimension",
    "EntityRepository",
    "GridBackend",
    "KeyRing",
    "MatterBatchReads",
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


@runtime_checkable
class MatterBatchReads(Protocol):
    """Optional batch reads of a matter repository 批量读取, for stores where a read costs a trip.

    A repository may offer these besides :class:`MatterRepository`; the station's batch use
    cases (``report_many``) then ask once per batch instead of once per matter. What they
    return is what ``find_by_reference`` and the stored versions would give one by one.
    """

    def find_by_references(self, references: Collection[str]) -> dict[str, Matter]:
        """The matters reported with these references (references not found are left out)."""
        ...

    def versions(self, matter_ids: Collection[str]) -> dict[str, int]:
        """The stored version of each of these matters (matters not stored are left out).

        The unit of work may remember the answer for its later ``append`` calls (a stale one
        still fails at commit, as any concurrent change does).
        """
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

    def head(self) -> tuple[int, str] | None:
        """The newest entry's ``(seq, entry_hash)``, or ``None`` for an empty log.

        The chain head is what a new entry links to; a backend keeps it cheap to read and never
        needs to decode a stored entry to give it (so one unreadable entry cannot stop writing).
        """
        ...

    def stream(self) -> Iterator[AuditEntry]:
        """Every entry in ``seq`` order."""
        ...


class Outbox(Protocol):
    """Messages written with a change and delivered after commit 发件箱.

    Delivery is leased: a dispatcher :meth:`claims <claim>` due messages for a while, sends
    them, and :meth:`records <record>` each outcome, which ends the lease. While a lease runs no
    other dispatcher — in this process or another sharing the store — gets that message. A
    message given up on (``given_up``) is a dead letter 死信: listed by :meth:`failed`, sent again
    only after :meth:`retry`. A stored message that cannot be decoded is reported with its id and
    skipped (quarantined); it never stops the others.
    """

    def add(self, message: OutboxMessage) -> None:
        """Store a new message; ``ConflictError`` if its id exists (at once, or at commit)."""
        ...

    def pending(self, now: dt.datetime, limit: int = 100) -> list[OutboxMessage]:
        """Undelivered messages due at ``now`` (``next_attempt_at`` unset or past), oldest first.

        Dead letters are not due; leased messages are listed too (use :meth:`claim` to send).
        """
        ...

    def claim(
        self, owner: str, now: dt.datetime, lease_until: dt.datetime, limit: int = 100
    ) -> list[OutboxMessage]:
        """Atomically lease up to ``limit`` committed messages due at ``now`` to ``owner``.

        A message is claimed when it is undelivered, not given up, due, and not leased (or its
        lease ended at or before ``now``). The claim takes effect at once, independently of the
        unit of work's own changes and of :meth:`commit`.

        Args:
            owner: Who delivers them (a dispatcher's unique id).
            now: The current time.
            lease_until: When the lease ends if no outcome is recorded (a crashed dispatcher's
                messages are claimed again after it).
            limit: At most this many messages.

        Returns:
            The claimed messages, oldest first.
        """
        ...

    def record(self, message: OutboxMessage) -> None:
        """Store a message's new delivery state (attempts, delivered_at, errors); ends its lease."""
        ...

    def failed(self, limit: int = 100) -> list[OutboxMessage]:
        """Dead letters: messages given up on (``given_up``), oldest first."""
        ...

    def retry(self, message_id: str) -> OutboxMessage:
        """Queue a dead letter again (stored at commit): due at once, attempts from zero.

        Returns:
            The re-queued message.

        Raises:
            NotFound: No such message.
            ValidationError: The message is not a dead letter.
        """
        ...


class UnitOfWork(Protocol):
    """One transaction 工作单元: rolls back on exit unless :meth:`commit` was called."""

    matters: MatterRepository
    people: EntityRepository[Person]
    places: EntityRepository[Place]
    teams: EntityRepository[CommunityTeam]
    audit: AuditLog
    outbox: Outbox
    keys: KeyRing

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
        """The place's declared cell (``Place.cell``, even where its point lies elsewhere).

        ``None`` for an unknown place and for a settlement (a village or community is made of
        cells, not in one).
        """
        ...

    def neighbours(self, cell_id: str) -> Sequence[str]:
        """Cells next to ``cell_id`` (ids, sorted)."""
        ...


class VolunteerBackend(Protocol):
    """Finds red stewards for a matter 志愿者匹配 (rule L8 uses it)."""

    def candidates(
        self, community: str, skills: Sequence[Skill], at: dt.datetime, limit: int = 5
    ) -> list[RedSteward]:
        """Available stewards of ``community`` at ``at`` with all ``skills``, least loaded first.

        Ties of load are broken by steward id.
        """
        ...

    def record_assignment(self, steward_id: str) -> int:
        """Count one more assignment for a steward; returns their new load."""
        ...

    def load(self, steward_id: str) -> int:
        """How many assignments the steward has."""
        ...


class Channel(Protocol):
    """Sends messages to resident groups and people 消息通道. Failures are reported, not raised.

    Delivery is at least once: after a crash between sending and recording, or when a lease ran
    out, the same message is sent again. ``message.id`` is the idempotency key: it is the same
    on every attempt of one message and unique across messages. A channel (or the service
    behind it) remembers the ids it delivered and answers a message sent again as delivered
    without delivering it twice; the contract kit checks this.
    """

    def send(self, message: OutboxMessage) -> DeliveryResult:
        """Try to deliver one message, once per ``message.id`` (a resend is not delivered again)."""
        ...
