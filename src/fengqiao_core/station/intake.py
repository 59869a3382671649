"""Intake 受理: a :class:`MatterDraft` becomes a reported, triaged matter.

Reporting validates the draft, locates it in a grid cell, matches red stewards (L8), asks the
plugins for advice and triages it (L1-L6, D1) — then stores the report, the triage, the audit
entry and the messages in one unit of work. ``report_many`` does the same in batches; a batch
with one invalid draft stores nothing of that batch. A source reference makes reporting
idempotent: the same reference returns the first matter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import attrs
from attrs import field, frozen

from fengqiao_core.errors import (
    ConflictError,
    NotFound,
    ValidationError,
    describe_value,
    scrub,
)
from fengqiao_core.model import (
    Actor,
    CoordinateSystem,
    Location,
    Matter,
    MatterEvent,
    MatterKind,
    MatterReported,
    MatterTriaged,
    Party,
    Role,
    Severity,
    Source,
    replay,
)
from fengqiao_core.model.personal import FreeText
from fengqiao_core.model.values import amount, code, of_type
from fengqiao_core.ports import MatterBatchReads, MatterRepository
from fengqiao_core.rules.matching import skills_for
from fengqiao_core.rules.screening import screen, screening_keys
from fengqiao_core.rules.triage import TriageDecision, triage
from fengqiao_core.security.access import REPORT
from fengqiao_core.security.logs import get_logger
from fengqiao_core.station.core import StationCore
from fengqiao_core.station.values import RETRIES as _RETRIES
from fengqiao_core.station.values import new_id

__all__ = ["IntakeUseCases", "MatterDraft"]

_BATCH = 1000
_STAFF = (Role.OFFICER, Role.AUXILIARY, Role.SYSTEM)
_log = get_logger(__name__)


def _by_references(matters: MatterRepository, references: Sequence[str]) -> dict[str, Matter]:
    """The stored matters of these references: one batch read where the store offers it."""
    if isinstance(matters, MatterBatchReads):
        return matters.find_by_references(references)
    found: dict[str, Matter] = {}
    for reference in references:
        matter = matters.find_by_reference(reference)
        if matter is not None:
            found[reference] = matter
    return found


T = TypeVar("T")


def _optional_code(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        code(_, attribute, value)


@frozen(kw_only=True)
class MatterDraft:
    """What is known of a matter at intake 事项登记: the input of :meth:`StationService.report`.

    ``reference`` is the source's own reference (a 110 call number, an import row id): reporting
    the same reference twice returns the first matter. Criminal signs make a matter an incident
    警情: ``criminal`` is refused on other kinds.
    """

    kind: MatterKind = field(validator=of_type(MatterKind))
    category: str = field(validator=of_type(str))
    severity: Severity = field(validator=of_type(Severity))
    source: Source = field(validator=of_type(Source))
    location: Location = field(validator=of_type(Location))
    description: FreeText = field(validator=of_type(FreeText))
    parties: tuple[Party, ...] = field(
        default=(), validator=attrs.validators.deep_iterable(of_type(Party), of_type(tuple))
    )
    reference: str | None = field(default=None, validator=_optional_code)
    amount_yuan: int | None = field(default=None, validator=amount)
    criminal: bool = field(default=False, validator=of_type(bool))
    stewards_wanted: bool = field(default=True, validator=of_type(bool))

    def __attrs_post_init__(self) -> None:
        if self.criminal and self.kind is not MatterKind.INCIDENT:
            raise ValidationError(
                "criminal", "a matter with criminal signs is reported as an incident"
            )


class IntakeUseCases(StationCore):
    """Intake 受理: report matters one at a time or in batches (a mixin over the core)."""

    def report(self, actor: Actor, draft: MatterDraft) -> Matter:
        """报告 Report one matter; returns it triaged (or the earlier one with its reference)."""
        return self.report_many(actor, [draft])[0]

    def report_many(
        self, actor: Actor, drafts: Sequence[MatterDraft], *, batch_size: int = _BATCH
    ) -> list[Matter]:
        """Report many matters in batches of ``batch_size``, each batch in one unit of work.

        Raises:
            ValidationError: A draft is invalid (the path names its index, ``drafts[7]…``);
                nothing of its batch is stored, earlier batches stay stored.

        An observer that fails after a batch is stored does not fail the call: see
        :meth:`~fengqiao_core.station.core.StationCore.problems`.
        """
        if isinstance(drafts, MatterDraft) or not isinstance(drafts, Sequence):
            raise ValidationError("drafts", "expected a sequence of MatterDraft")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValidationError("batch_size", "expected a whole number >= 1")
        self._authorise(actor, REPORT, "matter", "*")
        bad = next((i for i, d in enumerate(drafts) if not isinstance(d, MatterDraft)), None)
        if bad is not None:
            raise ValidationError(f"drafts[{bad}]", "expected a MatterDraft")
        self._refuse_foreign_references(actor, drafts)
        stored: list[Matter] = []
        for start in range(0, len(drafts), batch_size):
            batch = drafts[start : start + batch_size]
            known = self._known_references(batch)
            fresh = [
                i for i, d in enumerate(batch) if d.reference is None or d.reference not in known
            ]
            firsts = {batch[i].reference: i for i in reversed(fresh)}
            fresh = [
                i for i in fresh if batch[i].reference is None or firsts[batch[i].reference] == i
            ]
            prepared: list[tuple[list[MatterEvent], Matter, TriageDecision]] = []
            try:
                located = self._locate_batch([batch[i] for i in fresh])
                for i, cell in zip(fresh, located, strict=True):
                    prepared.append(self._prepare(actor, batch[i], start + i, cell))
                kept, changes = self._store(actor, prepared)
            except BaseException:
                self.screening_index().remove(matter.id for _, matter, _ in prepared)
                raise
            ids = {matter.id for matter in kept}
            self.screening_index().remove(m.id for _, m, _ in prepared if m.id not in ids)
            by_reference = known | {m.reference: m for m in kept if m.reference is not None}
            made = dict(zip(fresh, kept, strict=True))
            stored += [
                self._shown(actor, made[i] if i in made else by_reference[str(d.reference)])
                for i, d in enumerate(batch)
            ]
            self._after_commit(changes)
        return stored

    def _known_references(self, batch: Sequence[MatterDraft]) -> dict[str, Matter]:
        """Matters already stored under the batch's references (reported again: not prepared)."""
        references = sorted({d.reference for d in batch if d.reference is not None})
        if not references:
            return {}
        with self._storage.unit_of_work() as uow:
            return _by_references(uow.matters, references)

    def _refuse_foreign_references(self, actor: Actor, drafts: Sequence[MatterDraft]) -> None:
        """A reference someone else reported is not handed to an actor outside its scope."""
        references = {d.reference for d in drafts if d.reference is not None}
        if not references or actor.role in _STAFF:
            return
        for found in self._known_references(drafts).values():
            if not self.in_scope(actor, found):
                self._record_denial(actor, REPORT, "matter", found.id)
                raise ConflictError("a draft's reference is already reported by someone else")

    def _prepare(
        self, actor: Actor, draft: MatterDraft, position: int, cell: str | None
    ) -> tuple[list[MatterEvent], Matter, TriageDecision]:
        where = f"drafts[{position}]"
        try:
            category = self.categories.get(draft.category)
        except NotFound:
            raise ValidationError(
                f"{where}.category",
                f"{describe_value(draft.category)} is not a registered category",
            ) from None
        if category.kind is not draft.kind:
            raise ValidationError(
                f"{where}.category", f"{draft.category} is not a {draft.kind.value} category"
            )
        self._check_place(draft.location.place, f"{where}.location.place")
        at = self.now()
        try:
            reported = MatterReported(
                matter_id=new_id(), version=1, at=at, actor=actor, kind=draft.kind,
                category=draft.category, severity=draft.severity, source=draft.source,
                location=draft.location, description=draft.description, parties=draft.parties,
                reference=draft.reference, amount_yuan=draft.amount_yuan, criminal=draft.criminal,
            )  # fmt: skip
        except ValidationError as exc:
            raise ValidationError(f"{where}.{exc.field}", exc.problems[0].message) from None
        matter = replay([reported])
        keys = screening_keys(matter, self.keys.key("screening").key)
        index = self.screening_index()
        found = screen(keys, index.candidates(keys), self.screening)
        stewards = self._stewards(matter, cell) if draft.stewards_wanted else []
        advice = self.plugins.triage_advice(matter, self.config)
        decision = triage(
            matter, self.config, cell=cell, stewards=stewards, advice=advice,
            settings=self.settings, index=self.index,
        )  # fmt: skip
        linked = tuple(f"L7: related: {other} (score {score})" for other, score in found.related)
        triaged = MatterTriaged(
            matter_id=matter.id, version=2, at=at, actor=actor, cell=decision.cell,
            police_grid=decision.police_grid, community=decision.community, level=decision.level,
            owner=decision.owner, due=decision.due, path=decision.path.value,
            reasons=tuple(f"{r.rule}: {r.part}: {r.note}" for r in decision.reasons) + linked,
            participants=decision.participants, related=tuple(m for m, _ in found.related),
            alert=found.alert.value if found.alert else None,
        )  # fmt: skip
        index.add(matter.id, keys)  # last: a draft that fails above leaves no trace in the index
        return [reported, triaged], matter, decision

    def _check_place(self, place_id: str | None, where: str) -> None:
        """An unknown place, or a community or village where a place is expected, is refused."""
        if place_id is None:
            return
        place = self.places.get(place_id)
        if place is None:
            raise ValidationError(where, "not a place declared by the station")
        if place.kind.is_settlement:
            raise ValidationError(
                where, f"a {place.kind.value} is not a place: name a compound, campus or site"
            )

    def _locate_batch(self, drafts: Sequence[MatterDraft]) -> list[str | None]:
        """The cell of each draft (rule L1): places by declaration, points in one call per CRS.

        A place's declared cell wins; the points of the whole batch go to the grid backend's
        vectorised ``locate`` together, one call per coordinate system.
        """
        cells: list[str | None] = [None] * len(drafts)
        points: dict[CoordinateSystem, list[int]] = {}
        for i, draft in enumerate(drafts):
            location = draft.location
            if location.place is not None:
                cells[i] = self.grid.cell_of_place(location.place)
            if cells[i] is None and location.point is not None:
                points.setdefault(location.point.crs, []).append(i)
        for crs, indexes in points.items():
            lons = [drafts[i].location.point.lon for i in indexes]  # type: ignore[union-attr]
            lats = [drafts[i].location.point.lat for i in indexes]  # type: ignore[union-attr]
            for i, cell in zip(indexes, self.grid.locate(lons, lats, crs), strict=True):
                cells[i] = cell
        return cells

    def _stewards(self, matter: Matter, cell: str | None) -> list[str]:
        grid_cell = self.index.cells.get(cell or "")
        wants = matter.kind is MatterKind.HELP_REQUEST or (
            matter.kind is MatterKind.DISPUTE and matter.severity is Severity.GENERAL
        )
        if grid_cell is None or not wants:
            return []
        found = self.volunteers.candidates(
            grid_cell.community, skills_for(matter.category), matter.reported_at, limit=2
        )
        return [s.id for s in found]

    def _store(
        self, actor: Actor, prepared: list[tuple[list[MatterEvent], Matter, TriageDecision]]
    ) -> tuple[list[Matter], list[tuple[Matter, list[MatterEvent]]]]:
        for attempt in range(_RETRIES):
            try:
                return self._store_once(actor, prepared)
            except ConflictError:
                if attempt == _RETRIES - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _store_once(
        self, actor: Actor, prepared: list[tuple[list[MatterEvent], Matter, TriageDecision]]
    ) -> tuple[list[Matter], list[tuple[Matter, list[MatterEvent]]]]:
        results: list[Matter] = []
        changes: list[tuple[Matter, list[MatterEvent]]] = []
        seen: dict[str, Matter] = {}
        with self._storage.unit_of_work() as uow:
            references = sorted({m.reference for _, m, _ in prepared if m.reference is not None})
            stored = _by_references(uow.matters, references) if references else {}
            if isinstance(uow.matters, MatterBatchReads):  # one read for every new id's check
                uow.matters.versions([matter.id for _, matter, _ in prepared])
            for events, matter, _ in prepared:
                reference = matter.reference
                earlier = None
                if reference is not None:
                    earlier = seen.get(reference) or stored.get(reference)
                if earlier is not None:
                    results.append(earlier)
                    continue
                new = uow.matters.append(events, 0)
                self._audit(uow, actor, REPORT, "matter", new.id)
                for message in self._messages(new, f"新事项 {new.id}（{new.category}）已分派"):
                    uow.outbox.add(message)
                if reference is not None:
                    seen[reference] = new
                results.append(new)
                changes.append((new, events))
            uow.commit()
        for matter, _ in changes:
            for participant in matter.participants:
                if participant.role == "steward":
                    self._count_assignment(participant.ref)
        return results, changes

    def _count_assignment(self, steward_id: str) -> None:
        """Count a steward's load after the commit; a failure here must not undo or hide it."""
        try:
            self.volunteers.record_assignment(steward_id)
        except Exception as exc:  # the change is stored: load counting is best effort
            _log.error(
                "load of steward %s not counted: %s: %s",
                steward_id,
                type(exc).__name__,
                scrub(str(exc))[:200],
            )
