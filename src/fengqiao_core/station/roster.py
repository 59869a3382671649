"""Roster use cases 名册导入: store people read from a roster, all or nothing.

:meth:`RosterUseCases.import_people` is what ``fengqiao import roster`` calls: an administrator
stores a batch of people (red stewards, mediators, lawyers …) in one unit of work with one audit
entry. A person whose stored content is the same is left alone, so importing the same roster
twice changes nothing; a changed person is updated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
from attrs import frozen

from fengqiao_core.errors import ConflictError, NotFound, ValidationError
from fengqiao_core.model import Actor, Person
from fengqiao_core.security.access import IMPORT_PEOPLE
from fengqiao_core.station.core import StationCore
from fengqiao_core.station.values import RETRIES

if TYPE_CHECKING:
    from fengqiao_core.ports import UnitOfWork

__all__ = ["IMPORT_PEOPLE", "ImportCounts", "RosterUseCases"]


@frozen
class ImportCounts:
    """What a roster import 名册导入 did: people added, updated and left unchanged."""

    added: int
    updated: int
    unchanged: int


class RosterUseCases(StationCore):
    """Roster imports 名册导入: people read from rosters (mixed into the Station service)."""

    def import_people(
        self, actor: Actor, people: Sequence[Person], *, dry_run: bool = False
    ) -> ImportCounts:
        """导入人员 Store ``people`` in one unit of work with one audit entry (admins only).

        Args:
            actor: An administrator 管理员.
            people: The people to store; ids must be unique in the batch.
            dry_run: Count what would change, store nothing (no audit entry).

        Returns:
            How many were added, updated and unchanged.

        Raises:
            PermissionDenied: The actor is not an administrator on the roster (the denial is
                audited).
            ValidationError: ``people`` is not a sequence of people with unique ids.
        """
        self._authorise(actor, IMPORT_PEOPLE, "people", "*")
        if isinstance(people, Person) or not isinstance(people, Sequence):
            raise ValidationError("people", "expected a sequence of people")
        seen: set[str] = set()
        for index, person in enumerate(people):
            if not isinstance(person, Person):
                raise ValidationError(f"people[{index}]", "expected a Person")
            if person.id in seen:
                raise ValidationError(f"people[{index}].id", "appears twice in the batch")
            seen.add(person.id)
        for attempt in range(RETRIES):
            try:
                return self._import_once(actor, people, dry_run)
            except ConflictError:
                if attempt == RETRIES - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _content(self, person: Person) -> Any:
        body = self.converter.unstructure(person)
        body.pop("version", None)
        return type(person), body

    def _import_once(self, actor: Actor, people: Sequence[Person], dry_run: bool) -> ImportCounts:
        added = updated = unchanged = 0
        with self._storage.unit_of_work() as uow:
            found = _stored(uow, people)
            keys = getattr(uow, "data_keys", None)  # sealing on: new people need no key lookup
            for person in people:
                stored = found(person.id)
                if stored is None:
                    if keys is not None:
                        keys.expect_new(f"person:{person.id}")
                    uow.people.add(person)
                    added += 1
                    continue
                if self._content(stored) == self._content(person):
                    unchanged += 1
                    continue
                uow.people.update(attrs.evolve(person, version=stored.version))
                updated += 1
            if added or updated:
                self._audit(uow, actor, IMPORT_PEOPLE, "people", f"added:{added}:updated:{updated}")
            if dry_run:
                uow.rollback()
            else:
                uow.commit()
        return ImportCounts(added, updated, unchanged)


_STREAM_FROM = 1000
"""From this many people on, the stored ones are read in one pass rather than one by one."""


def _stored(uow: UnitOfWork, people: Sequence[Person]) -> Callable[[str], Person | None]:
    """How to find the stored version of a person of the batch (``None``: not stored yet).

    A large batch (a roster of thousands) reads the stored people once, page by page, keeping
    those of the batch: one query per page instead of one per person. A small one asks for
    each person.
    """
    if len(people) >= _STREAM_FROM:
        ids = {p.id for p in people}
        stored = {p.id: p for p in uow.people.stream() if p.id in ids}
        return stored.get

    def get(person_id: str) -> Person | None:
        try:
            return uow.people.get(person_id)
        except NotFound:
            return None

    return get
