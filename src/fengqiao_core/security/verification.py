"""Verifying what the audit chain covers against the store 审计覆盖核验.

:class:`StoreContent` is the store side of :func:`~fengqiao_core.security.witness.check_chain`:
for each intact entry it reads back, through the backend's own unit of work (the stored form:
no masking, no unsealing), the events the entry covers, recomputes their digest and names the
first entry whose events were edited, deleted or swapped. After the last entry it streams the
store once: a matter with events no entry covers (inserted, or whose entries were cut off), a
matter whose current state is not its events replayed, an entity whose body differs from the
last entry that wrote it, or one no entry wrote, is reported too.

Memory: one small record per covered matter and entity (the last version covered), and a few
histories cached; entries and events are streamed. Entries written before chain v3 cover
nothing: what they wrote (the matters and people they name) is accepted as it is.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from fengqiao_core.errors import FengqiaoError, NotFound
from fengqiao_core.model import MatterEvent, replay
from fengqiao_core.ports import AuditEntry, Covered, UnitOfWork
from fengqiao_core.security.coverage import ENTITY_KINDS, canonical, events_digest
from fengqiao_core.security.crypto import Algorithms

__all__ = ["StoreContent"]

_CACHED = 64


class StoreContent:
    """What the entries cover, checked against one unit of work's stored records.

    Args:
        uow: A unit of work of the backend (reads only).
        converter: The station's converter (the digests' encoding).
        algorithms: The algorithm registry (digests by id).
    """

    def __init__(self, uow: UnitOfWork, converter: Any, algorithms: Algorithms) -> None:
        self._uow, self._converter, self._algorithms = uow, converter, algorithms
        self._matters: dict[str, int] = {}
        self._entities: dict[tuple[str, str], Covered] = {}
        self._digest_of: dict[tuple[str, str], str] = {}
        self._legacy: set[str] = set()
        self._legacy_people = False
        self._histories: OrderedDict[str, list[MatterEvent]] = OrderedDict()
        self._replayed: dict[str, tuple[int, bytes]] = {}

    def _history(self, matter_id: str) -> list[MatterEvent]:
        found = self._histories.get(matter_id)
        if found is None:
            found = self._histories[matter_id] = self._uow.matters.history(matter_id)
            if len(self._histories) > _CACHED:
                self._histories.popitem(last=False)
            if matter_id not in self._replayed:  # read once: what the projection must equal
                self._replayed[matter_id] = found[-1].version, self._state(replay(found))
        else:
            self._histories.move_to_end(matter_id)
        return found

    def _state(self, matter: Any) -> bytes:
        """The digest of a matter's state in its canonical encoding."""
        return self._algorithms.digest().digest(canonical(self._converter, matter))

    def entry(self, entry: AuditEntry, position: int) -> str | None:
        """A message when the events ``entry`` covers differ from the stored ones."""
        if not entry.digest_algorithm:
            self._legacy.add(entry.object_id)
            self._legacy_people |= entry.object_type == "people"
            return None
        for covered in entry.covers:
            if covered.kind != "matter":
                self._entities[covered.kind, covered.id] = covered
                self._digest_of[covered.kind, covered.id] = entry.digest_algorithm
                continue
            problem = self._events(covered, entry.digest_algorithm)
            if problem is not None:
                return f"matter {covered.id}: {problem} since audit entry {position} covered them"
            self._matters[covered.id] = covered.last
        return None

    def _events(self, covered: Covered, digest: str) -> str | None:
        try:
            events = self._history(covered.id)[covered.first - 1 : covered.last]
        except NotFound:
            return "its events were deleted"
        except FengqiaoError as exc:
            return f"its events were made unreadable ({type(exc).__name__})"
        wanted = list(range(covered.first, covered.last + 1))
        if [e.version for e in events] != wanted:
            return f"events {covered.first}-{covered.last} were deleted or renumbered"
        found = events_digest(self._converter, self._algorithms, digest, events)
        if found != covered.digest:
            return f"events {covered.first}-{covered.last} were altered"
        return None

    def finish(self) -> tuple[str, str] | None:
        """After the chain: stored events and records no entry covers, or that differ."""
        try:
            return self._matters_left() or self._entities_left()
        except FengqiaoError as exc:
            return "altered_record", f"the store cannot be read ({type(exc).__name__})"

    def _matters_left(self) -> tuple[str, str] | None:
        uncovered = 0
        for matter in self._uow.matters.stream():
            covered = self._matters.pop(matter.id, None)
            if covered is None and matter.id not in self._legacy:
                uncovered += 1
                continue
            if matter.id not in self._replayed:  # a matter only entries before v3 wrote
                self._history(matter.id)
            last, state = self._replayed[matter.id]
            if covered is not None and last != covered:
                return "uncovered_write", (
                    f"matter {matter.id} has events after version {covered}, which no audit "
                    "entry covers: they were inserted, or the entries were cut off"
                )
            if self._state(matter) != state:
                return "altered_record", (
                    f"matter {matter.id}'s stored state is not its events replayed: the "
                    "projection was edited"
                )
        if uncovered:
            return "uncovered_write", (
                f"{uncovered} matters have events no audit entry covers: they were inserted, "
                "or their entries were cut off or deleted"
            )
        if self._matters:
            gone = min(self._matters)
            return (
                "altered_record",
                f"matter {gone} is covered by the chain but gone from the store",
            )
        return None

    def _entities_left(self) -> tuple[str, str] | None:
        for repository, kind in ENTITY_KINDS.items():
            for entity in getattr(self._uow, repository).stream():
                covered = self._entities.pop((kind, entity.id), None)
                if covered is None:
                    if entity.id in self._legacy or (kind == "person" and self._legacy_people):
                        continue
                    return "uncovered_write", (
                        f"{kind} {entity.id} was stored without an audit entry covering it"
                    )
                digest = self._algorithms.digest(self._digest_of[kind, entity.id])
                body = digest.digest(canonical(self._converter, entity)).hex()
                if entity.version != covered.last or body != covered.digest:
                    return "altered_record", (
                        f"{kind} {entity.id} differs from what the last audit entry writing it "
                        "covered"
                    )
        if self._entities:
            kind, gone = min(self._entities)
            return (
                "altered_record",
                f"{kind} {gone} is covered by the chain but gone from the store",
            )
        return None
