"""The service core 服务内核: backends, clock, secret, and the one way a change is made.

Every use case runs through :meth:`StationCore._change`: check the actor's role (denials are
audited), open one unit of work, read the matter, apply the rules, append the events, an audit
entry and any outgoing messages together, commit — retrying when a concurrent writer got there
first — and only then wake the dispatcher and tell the observers.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from fengqiao_core.errors import (
    ConfigurationError,
    ConflictError,
    FengqiaoError,
    NotFound,
    PermissionDenied,
    PluginError,
    ValidationError,
    scrub,
)
from fengqiao_core.model import Actor, Matter, MatterEvent, Role
from fengqiao_core.model.personal import FreeText
from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import (
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
from fengqiao_core.rules.triage import TriageSettings
from fengqiao_core.security.access import READ, check_access
from fengqiao_core.security.audit import seal
from fengqiao_core.security.logs import get_logger
from fengqiao_core.security.views import SCREENING_READERS, masked, without_screening
from fengqiao_core.station import arguments as args
from fengqiao_core.station import opening
from fengqiao_core.station.config import StationConfig
from fengqiao_core.station.dispatch import Dispatcher, messages_for
from fengqiao_core.station.identity import RecordedPeople, Roster
from fengqiao_core.station.recording import CoveringStorage, covered_by
from fengqiao_core.station.screening import ScreeningIndex
from fengqiao_core.station.sealed import withheld_matters
from fengqiao_core.station.values import (
    RETRIES,
    SYSTEM_ACTOR,
    AfterCommitProblem,
    Clock,
)

__all__ = ["StationCore"]

Extra = Callable[[Matter, int, dt.datetime], list[MatterEvent]]
Guard = Callable[[Matter, UnitOfWork], None]
_RETRIES = RETRIES
_RECORDED = frozenset({Role.RESIDENT, Role.STEWARD})
"""Roles a person recorded in the store (not on the station file) may act in."""
_log = get_logger(__name__)
T = TypeVar("T")


class _Hidden(Exception):
    """Raised inside a unit of work: the matter is unknown or outside the actor's scope."""


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
        self.screening = opening.check_screening(rules.screening)
        self.calendar = WorkingCalendar(fallback=rules.calendar, settings=config.calendar)
        self._secret: bytes = opening.open_secret(config, secret)
        self.plugins = opening.station_plugins(config, plugins)
        self.algorithms = self.plugins.algorithms()
        self.keys = opening.open_keys(config, self._secret, self.algorithms)
        self.converter = self.plugins.make_converter()
        opened = opening.open_backends(config, self.plugins, self.converter, backends or {})
        covering = CoveringStorage(
            opened["storage"], self.converter, self.algorithms, config.secrets.digest
        )
        self._storage: StorageBackend = opening.seal_storage(
            config, self.plugins, self.keys.secrets, covering, lambda: self.now()
        )
        self.grid: GridBackend = opened["grid"]
        self.volunteers: VolunteerBackend = opened["volunteers"]
        self.channel: Channel = opened["channel"]
        self.categories = self.plugins.categories()
        self.micro_pillars = self.plugins.micro_pillars()
        self.index = StationIndex.of(config)
        self.places = {place.id: place for place in config.places}
        self.roster = Roster.of(config, config.access.admins, config.access.auditors)
        self._recorded = RecordedPeople(self._storage)
        self._screening_index: ScreeningIndex | None = None
        self._problems: deque[AfterCommitProblem] = deque(maxlen=1000)
        zone = ZoneInfo(config.station.timezone)
        self._clock: Clock = clock or (lambda: dt.datetime.now(zone))
        self.dispatcher = Dispatcher(self._storage, self.channel, self.now)
        if dispatch:
            self.dispatcher.start()

    def now(self) -> dt.datetime:
        """The clock's time; a naive, far-off or non-datetime clock is a configuration error."""
        at = self._clock()
        if not isinstance(at, dt.datetime) or at.tzinfo is None or at.utcoffset() is None:
            raise ConfigurationError("the station clock must return zone-aware datetimes")
        if not 1901 <= at.year <= 9998:  # deadlines and year-on-year figures must fit
            raise ConfigurationError("the station clock is set outside the years 1901-9998")
        return at

    def shutdown(self) -> None:
        """Stop the dispatcher and close the store (undelivered messages stay in the outbox)."""
        self.dispatcher.stop()
        self._storage.close()

    def deliver_pending(self, limit: int = 100) -> int:
        """Deliver the outbox messages due now (at most ``limit``, 1-100,000); how many went.

        Raises:
            ValidationError: ``limit`` is not a whole number from 1 to 100,000.
        """
        limit = args.whole(limit, "limit", low=1, high=100_000)
        return self.dispatcher.deliver_due(limit).delivered

    # --- plumbing shared by the use cases -------------------------------------------------

    def _authorise(self, actor: Actor, action: str, object_type: str, object_id: str) -> None:
        args.actor(actor)
        try:
            recorded = self._recorded(actor.person_id) if actor.role in _RECORDED else None
            self.roster.bind(actor, recorded=recorded[0] if recorded else None)
            check_access(actor, action)
        except PermissionDenied:
            self._record_denial(actor, action, object_type, object_id)
            raise

    def _record_denial(
        self,
        actor: Actor,
        action: str,
        object_type: str,
        object_id: str,
        *,
        outcome: str = "denied",
        detail: str = "",
    ) -> None:
        """Audit one act (by default a refused one) in its own unit of work, retried."""
        for attempt in range(_RETRIES):
            try:
                with self._storage.unit_of_work() as uow:
                    self._audit(
                        uow, actor, action, object_type, object_id, outcome=outcome, detail=detail
                    )
                    uow.commit()
                return
            except ConflictError:
                if attempt == _RETRIES - 1:
                    raise

    def in_scope(self, actor: Actor, matter: Matter) -> bool:
        """Whether ``actor`` may see and act on ``matter`` (:meth:`.identity.Roster.in_scope`)."""
        if not isinstance(matter, Matter):
            raise ValidationError("matter", f"expected a Matter, got {type(matter).__name__}")
        return self.roster.in_scope(args.actor(actor), matter)

    def _visible(
        self, uow: UnitOfWork, actor: Actor, matter_id: str, masked: bool = False
    ) -> Matter:
        """The matter if in the actor's scope (``masked``: opened withheld); else ``_Hidden``."""
        try:
            matter = withheld_matters(uow, masked=masked).get(matter_id)
        except NotFound:
            raise _Hidden from None
        if not self.in_scope(actor, matter):
            raise _Hidden
        return matter

    def _hidden(self, actor: Actor, action: str, matter_id: str) -> NotFound:
        """Audit the refused attempt; the same answer for unknown and out-of-scope matters."""
        self._record_denial(actor, action, "matter", matter_id)
        return NotFound("matter", matter_id)

    def _read(
        self,
        actor: Actor,
        matter_id: str,
        fetch: Callable[[UnitOfWork, Matter], T],
        action: str = READ,
        *,
        masked: bool = False,
    ) -> T:
        """``fetch(uow, matter)`` for a matter in the actor's scope, as ``action`` allows.

        ``masked``: the matter ``fetch`` gets is opened withheld (a read without a purpose).
        """
        matter_id = args.code(matter_id, "matter_id")
        self._authorise(actor, action, "matter", matter_id)
        with self._storage.unit_of_work() as uow:
            try:
                matter = self._visible(uow, actor, matter_id, masked)
            except _Hidden:
                pass
            else:
                return fetch(uow, matter)
        raise self._hidden(actor, action, matter_id)

    def _audit(
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: str,
        object_type: str,
        object_id: str,
        outcome: str = "success",
        detail: str = "",
    ) -> None:
        covers, digest = covered_by(uow)
        entry = seal(
            uow.audit.head(), key=self.keys, at=self.now(), actor=actor, action=action,
            object_type=object_type, object_id=object_id, outcome=outcome, detail=detail,
            mac=self.config.secrets.mac, covers=covers,
            digest_algorithm=digest or self.config.secrets.digest,
        )  # fmt: skip
        uow.audit.append(entry)

    def _messages(self, matter: Matter, text: str) -> list[OutboxMessage]:
        """Messages for a change (:func:`~fengqiao_core.station.dispatch.messages_for`)."""
        return messages_for(matter, text, self.config.resident_groups, self.now())

    def _on_matter(
        self,
        actor: Actor,
        matter_id: str,
        action: str,
        work: Callable[[UnitOfWork, Matter], tuple[Matter, list[MatterEvent]]],
    ) -> Matter:
        """The one way a matter changes: validate, authorise, one unit of work, then observers.

        ``work`` gets the visible matter inside the unit of work and appends its events (and any
        outbox messages); the audit entry is added here and everything commits together. A
        concurrent writer makes the whole unit retry. An unknown and an out-of-scope matter get
        the same answer, and both are audited as denials.
        """
        matter_id = args.code(matter_id, "matter_id")
        self._authorise(actor, action, "matter", matter_id)
        try:
            for attempt in range(_RETRIES):
                try:
                    with self._storage.unit_of_work() as uow:
                        new, events = work(uow, self._visible(uow, actor, matter_id))
                        self._audit(uow, actor, action, "matter", matter_id)
                        uow.commit()
                    break
                except ConflictError:
                    if attempt == _RETRIES - 1:
                        raise
                    _log.debug("conflict on %s, retrying (%d)", matter_id, attempt + 1)
        except _Hidden:
            raise self._hidden(actor, action, matter_id) from None
        except PermissionDenied:
            self._record_denial(actor, action, "matter", matter_id)
            raise
        self._after_commit([(new, events)])
        return self._shown(actor, new)

    def _shown(self, actor: Actor, matter: Matter) -> Matter:
        """What ``actor`` is shown of a matter: personal values withheld, L7 for officers."""
        shown = masked(matter)
        return shown if actor.role in SCREENING_READERS else without_screening(shown)

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

        def work(uow: UnitOfWork, matter: Matter) -> tuple[Matter, list[MatterEvent]]:
            if resolved is not None and is_open(matter) is resolved:
                wanted = "resolved" if resolved else "open"
                raise ValidationError("matter_id", f"the matter is not {wanted}")
            event = make(matter, self.now())
            return uow.matters.append([event], matter.version), [event]

        return self._on_matter(actor, matter_id, action, work)

    def _change(
        self,
        actor: Actor,
        matter_id: str,
        action: Action,
        *,
        reason: str | FreeText | None = None,
        guard: Guard | None = None,
        extra: Extra | None = None,
        notify: bool = False,
        **options: Any,
    ) -> Matter:
        """Take one lifecycle edge in one unit of work (retried on a concurrent write)."""

        def work(uow: UnitOfWork, matter: Matter) -> tuple[Matter, list[MatterEvent]]:
            if guard is not None:
                guard(matter, uow)
            at = self.now()
            events = act(matter, action, actor=actor, at=at, reason=reason, **options)
            if extra is not None:
                events += extra(matter, events[-1].version + 1, at)
            new = uow.matters.append(events, matter.version)
            if notify:
                for message in self._messages(new, f"事项 {new.id}：{action.label_zh}"):
                    uow.outbox.add(message)
            return new, events

        return self._on_matter(actor, matter_id, action.value, work)

    def screening_index(self) -> ScreeningIndex:
        """The linked-screening index (rule L7), built from the store's open matters once."""
        if self._screening_index is None:
            key = self.keys.key("screening").key
            with self._storage.unit_of_work() as uow:
                self._screening_index = ScreeningIndex.of_open(uow.matters.stream(), key)
        return self._screening_index

    def _after_commit(self, changes: Iterable[tuple[Matter, Sequence[MatterEvent]]]) -> None:
        """Wake the dispatcher, then tell observers (their errors never undo the commit)."""
        changes = list(changes)
        self.dispatcher.wake()
        if self._screening_index is not None:
            self._screening_index.update((m for m, _ in changes), self.keys.key("screening").key)
        for matter, events in changes:
            for error in self.plugins.notify_matter_changed(matter, list(events)):
                self._after_commit_problem(matter.id, error)

    def _after_commit_problem(self, matter_id: str, error: PluginError) -> None:
        """Keep an observer's failure for the operator: logged (scrubbed), listed, audited."""
        problem = AfterCommitProblem(
            at=self.now(), plugin=error.plugin, matter_id=matter_id, message=scrub(str(error))
        )
        self._problems.append(problem)
        _log.error("after commit of matter %s: %s", matter_id, problem.message)
        try:
            self._record_denial(SYSTEM_ACTOR, "notify", "matter", matter_id, outcome="plugin_error")
        except FengqiaoError as exc:  # the store may be down; the log and the list keep it
            _log.error("could not audit the plugin error (%s)", type(exc).__name__)

    def problems(self) -> list[AfterCommitProblem]:
        """Failures after a commit that this station process met (newest last, at most 1,000).

        An observer that raises never fails the use case whose change it was told about: the
        failure is logged (scrubbed), kept here for the operator and audited (action
        ``notify``, outcome ``plugin_error``).
        """
        return list(self._problems)
