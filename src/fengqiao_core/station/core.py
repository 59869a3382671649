"""The service core 服务内核: backends, clock, secret, and the one way a change is made.

Every use case runs through :meth:`StationCore._change`: check the actor's role (denials are
audited), open one unit of work, read the matter, apply the rules, append the events, an audit
entry and any outgoing messages together, commit — retrying when a concurrent writer got there
first — and only then wake the dispatcher and tell the observers.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from fengqiao_core.errors import (
    ConfigurationError,
    ConflictError,
    PermissionDenied,
    ValidationError,
)
from fengqiao_core.model import (
    Actor,
    GroupCategory,
    Matter,
    MatterEvent,
    Role,
    StateChanged,
)
from fengqiao_core.model.personal import FreeText
from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import (
    BackendContext,
    Channel,
    GridBackend,
    OutboxMessage,
    Port,
    StorageBackend,
    UnitOfWork,
    VolunteerBackend,
)
from fengqiao_core.rules.calendar import WorkingCalendar
from fengqiao_core.rules.index import StationIndex
from fengqiao_core.rules.lifecycle import Action, act, is_open
from fengqiao_core.rules.screening import screening_keys
from fengqiao_core.rules.triage import TriageSettings
from fengqiao_core.security.access import check_access
from fengqiao_core.security.audit import seal
from fengqiao_core.security.keys import MIN_SECRET_BYTES, require_secret
from fengqiao_core.security.logs import get_logger
from fengqiao_core.station.config import StationConfig
from fengqiao_core.station.dispatch import Dispatcher
from fengqiao_core.station.opening import open_backends, open_secret
from fengqiao_core.station.screening import ScreeningIndex

__all__ = ["Clock", "StationCore", "new_id", "state_names"]

Clock = Callable[[], dt.datetime]
"""A zone-aware clock; injected so that tests and simulations control time."""
Extra = Callable[[Matter, int, dt.datetime], list[MatterEvent]]
Guard = Callable[[Matter, UnitOfWork], None]
RETRIES = 20
"""How often a change is retried when a concurrent writer got there first."""
_RETRIES = RETRIES
_UNINDEXED_MAX = 30
_log = get_logger(__name__)


def state_names(history: Iterable[MatterEvent]) -> set[str]:
    """The states a matter has been in, from its history (e.g. to ask "was it ever agreed?")."""
    return {e.state for e in history if isinstance(e, StateChanged)}


def new_id() -> str:
    """A new id: 16 hex digits of nanoseconds, then 8 random ones (time-ordered, like UUIDv7).

    Time-ordered keys keep a store's B-tree appends local, so writing stays cheap as it grows.
    """
    return f"{time.time_ns():016x}{os.urandom(4).hex()}"


class StationCore:
    """What every use case needs: configuration, plugins, backends, clock, secret, dispatcher.

    Args:
        config: The station configuration.
        plugins: The plugin facade (a fresh one by default).
        clock: Returns the current zone-aware time (the station zone's wall clock by default).
        secret: Key for keyed hashes and the audit chain (else ``FENGQIAO_SECRET`` or the
            station file's ``secret_file``); a station without one is refused at open.
        backends: Ready backend objects by port, replacing the configured ones (embedding,
            tests).
        dispatch: Deliver messages in a background thread; else call :meth:`deliver_pending`.
    """

    def __init__(
        self,
        config: StationConfig,
        *,
        plugins: Plugins | None = None,
        clock: Clock | None = None,
        secret: bytes | None = None,
        backends: dict[Port, Any] | None = None,
        dispatch: bool = True,
    ) -> None:
        self.config = config
        rules = config.rules
        self.settings = TriageSettings(
            ladder=rules.ladder,
            deadlines=rules.deadlines,
            legal_categories=rules.legal_categories,
            lead_body=rules.lead_body,
        )
        self.screening = rules.screening
        self.calendar = WorkingCalendar(fallback=rules.calendar)
        if self.screening.related_at <= _UNINDEXED_MAX:
            raise ConfigurationError(
                f"screening's related_at must be above {_UNINDEXED_MAX}: lower scores need no "
                "shared identity or address and cannot be found through the index"
            )
        if secret is not None and len(secret) < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"the station secret must be at least {MIN_SECRET_BYTES} bytes"
            )
        self._secret: bytes | None = open_secret(config, secret)
        self.plugins = plugins or Plugins()
        self.converter = self.plugins.make_converter()
        opened = open_backends(config, self.plugins, self.converter, backends or {})
        self.storage: StorageBackend = opened["storage"]
        self.grid: GridBackend = opened["grid"]
        self.volunteers: VolunteerBackend = opened["volunteers"]
        self.channel: Channel = opened["channel"]
        self.categories = self.plugins.categories()
        self.micro_pillars = self.plugins.micro_pillars()
        self.index = StationIndex.of(config)
        self._screening_index: ScreeningIndex | None = None
        zone = ZoneInfo(config.station.timezone)
        self._clock: Clock = clock or (lambda: dt.datetime.now(zone))
        self.dispatcher = Dispatcher(self.storage, self.channel, self.now)
        if dispatch:
            self.dispatcher.start()

    def _open(self, port: Port) -> Any:
        url = getattr(self.config.backends, port)
        return self.plugins.open_backend(port, BackendContext(url, self.config, self.converter))

    def now(self) -> dt.datetime:
        """The clock's time; a naive clock is a configuration error."""
        at = self._clock()
        if at.tzinfo is None or at.utcoffset() is None:
            raise ConfigurationError("the station clock must return zone-aware datetimes")
        return at

    def shutdown(self) -> None:
        """Stop the dispatcher and close the store (undelivered messages stay in the outbox)."""
        self.dispatcher.stop()
        self.storage.close()

    def deliver_pending(self, limit: int = 100) -> int:
        """Deliver the outbox messages due now; returns how many were delivered."""
        return self.dispatcher.deliver_due(limit).delivered

    # --- plumbing shared by the use cases -------------------------------------------------

    def _authorise(self, actor: Actor, action: str, object_type: str, object_id: str) -> None:
        if not isinstance(actor, Actor):
            raise ValidationError("actor", f"expected an Actor, got {type(actor).__name__}")
        try:
            check_access(actor, action)
        except PermissionDenied:
            self._record_denial(actor, action, object_type, object_id)
            raise

    def _record_denial(self, actor: Actor, action: str, object_type: str, object_id: str) -> None:
        """Audit a refused attempt in its own unit of work (retried like any change)."""
        for attempt in range(_RETRIES):
            try:
                with self.storage.unit_of_work() as uow:
                    self._audit(uow, actor, action, object_type, object_id, outcome="denied")
                    uow.commit()
                return
            except ConflictError:
                if attempt == _RETRIES - 1:
                    raise

    def in_scope(self, actor: Actor, matter: Matter) -> bool:
        """Whether ``actor`` may see and act on ``matter`` (object-level access, deny by default).

        Officers, auxiliary officers and the system reach every matter; a resident the matters
        they reported or are a party to; a steward, mediator or lawyer the matters they take
        part in or reported; a grid worker the matters in their cells or reported by them.
        """
        role, person = actor.role, actor.person_id
        if role in (Role.OFFICER, Role.AUXILIARY, Role.SYSTEM):
            return True
        if matter.reported_by == person:
            return True
        if role is Role.RESIDENT:
            return any(p.id == person for p in matter.parties)
        if role in (Role.STEWARD, Role.MEDIATOR, Role.LAWYER):
            return any(p.ref == person for p in matter.participants)
        if role is Role.GRID_WORKER:
            worker = next((w for w in self.config.grid_workers if w.id == person), None)
            return worker is not None and matter.cell in worker.cells
        return False

    def _scoped(self, actor: Actor, matter: Matter, action: str) -> Matter:
        if not self.in_scope(actor, matter):
            raise PermissionDenied(
                f"{actor.role.value} {actor.person_id} may not {action!r} matter {matter.id}"
            )
        return matter

    def _audit(
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: str,
        object_type: str,
        object_id: str,
        outcome: str = "success",
    ) -> None:
        key = require_secret(self._secret, "the audit log")
        entry = seal(
            uow.audit.last(),
            key=key,
            at=self.now(),
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            outcome=outcome,
        )
        uow.audit.append(entry)

    def _messages(self, matter: Matter, text: str) -> list[OutboxMessage]:
        """Messages for a change: to the owner, and to the volunteer group when stewards joined."""
        targets = [matter.owner] if matter.owner else []
        if any(p.role == "steward" for p in matter.participants) and matter.cell:
            targets += [
                g.id
                for g in self.config.resident_groups
                if g.category is GroupCategory.VOLUNTEER and matter.cell in g.cells
            ][:1]
        at = self.now()
        return [
            OutboxMessage(id=new_id(), target=t, text=FreeText(text), created_at=at)
            for t in targets
        ]

    def _annotate(
        self,
        actor: Actor,
        matter_id: str,
        action: str,
        make: Callable[[Matter, dt.datetime], Any],
        *,
        resolved: bool | None = True,
    ) -> Matter:
        """Append one event that is not a lifecycle edge (feedback, banner, a participant).

        ``resolved`` says whether the matter must be resolved (``True``), still open (``False``)
        or either (``None``).
        """
        self._authorise(actor, action, "matter", matter_id)
        try:
            for attempt in range(_RETRIES):
                try:
                    with self.storage.unit_of_work() as uow:
                        matter = self._scoped(actor, uow.matters.get(matter_id), action)
                        if resolved is not None and is_open(matter) is resolved:
                            wanted = "resolved" if resolved else "open"
                            raise ValidationError(
                                "matter_id", f"matter {matter_id} is not {wanted}"
                            )
                        event = make(matter, self.now())
                        new = uow.matters.append([event], matter.version)
                        self._audit(uow, actor, action, "matter", matter_id)
                        uow.commit()
                    break
                except ConflictError:
                    if attempt == _RETRIES - 1:
                        raise
        except PermissionDenied:
            self._record_denial(actor, action, "matter", matter_id)
            raise
        self._after_commit([(new, [event])])
        return new

    def _change(
        self,
        actor: Actor,
        matter_id: str,
        action: Action,
        *,
        reason: str | None = None,
        guard: Guard | None = None,
        extra: Extra | None = None,
        notify: bool = False,
        **options: Any,
    ) -> Matter:
        """Take one lifecycle edge in one unit of work (retried on a concurrent write)."""
        self._authorise(actor, action.value, "matter", matter_id)
        try:
            for attempt in range(_RETRIES):
                try:
                    with self.storage.unit_of_work() as uow:
                        matter = self._scoped(actor, uow.matters.get(matter_id), action.value)
                        if guard is not None:
                            guard(matter, uow)
                        at = self.now()
                        events = act(matter, action, actor=actor, at=at, reason=reason, **options)
                        if extra is not None:
                            events += extra(matter, events[-1].version + 1, at)
                        new = uow.matters.append(events, matter.version)
                        self._audit(uow, actor, action.value, "matter", matter_id)
                        if notify:
                            label = action.label_zh
                            for message in self._messages(new, f"事项 {new.id}：{label}"):
                                uow.outbox.add(message)
                        uow.commit()
                    break
                except ConflictError:
                    if attempt == _RETRIES - 1:
                        raise
                    _log.debug("conflict on %s, retrying (%d)", matter_id, attempt + 1)
        except PermissionDenied:
            self._record_denial(actor, action.value, "matter", matter_id)
            raise
        self._after_commit([(new, events)])
        return new

    def screening_index(self) -> ScreeningIndex:
        """The linked-screening index (rule L7), built from the store's open matters once."""
        if self._screening_index is None:
            key = require_secret(self._secret, "linked screening")
            index = ScreeningIndex()
            with self.storage.unit_of_work() as uow:
                for matter in uow.matters.stream():
                    if is_open(matter):
                        index.add(matter.id, screening_keys(matter, key))
            self._screening_index = index
        return self._screening_index

    def _after_commit(self, changes: Iterable[tuple[Matter, Sequence[MatterEvent]]]) -> None:
        """Wake the dispatcher, then tell observers (their errors never undo the commit)."""
        changes = list(changes)
        self.dispatcher.wake()
        index = self._screening_index
        if index is not None:
            index.remove(m.id for m, _ in changes if not is_open(m))
            key = self._secret
            for matter, _ in changes:
                if key is not None and is_open(matter) and matter.id not in index:
                    index.add(matter.id, screening_keys(matter, key))
        for matter, events in changes:
            self.plugins.notify_matter_changed(matter, list(events))
