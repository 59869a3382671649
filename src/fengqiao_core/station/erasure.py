"""Erasure and legal holds 个人信息删除与法定保留 (PIPL Art. 47; issue 15).

Personal values are sealed under per-person data keys (:mod:`fengqiao_core.station.sealed`),
so erasing a person is destroying their keys — crypto-shredding 密钥销毁: the events stay
whole (every history still reads and folds, every figure stays the same), and every value the
keys sealed reads as erased from then on, in every read, export and screening. Nothing is
rewritten, so nothing is half-erased on failure: the keys go in one unit of work, with the
audit entry. A legal hold keeps a matter's personal data past its retention period.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from attrs import frozen

from fengqiao_core.errors import ConfigurationError, ConflictError, NotFound, scrub
from fengqiao_core.model import Actor, HoldChanged
from fengqiao_core.ports import DataKey
from fengqiao_core.security.access import ERASE_PERSON, LEGAL_HOLD
from fengqiao_core.security.datakeys import DataKeys
from fengqiao_core.station import arguments as args
from fengqiao_core.station.core import StationCore
from fengqiao_core.station.values import RETRIES

__all__ = ["Erased", "ErasureUseCases", "data_keys"]

_REASON_CHARS = 200


@frozen
class Erased:
    """What an erasure did 删除结果: the person and how many data keys were destroyed."""

    person_id: str
    keys_destroyed: int


def data_keys(uow: Any) -> DataKeys:
    """The data keys of a sealing unit of work (``ConfigurationError`` when sealing is off)."""
    found = getattr(uow, "data_keys", None)
    if not isinstance(found, DataKeys):
        raise ConfigurationError(
            "erasure and retention destroy data keys: personal values must be sealed "
            "([encryption] enabled = true, the default)"
        )
    return found


def person_keys(keys: Iterable[DataKey], person_id: str) -> list[DataKey]:
    """The live keys that belong to ``person_id`` (their record's and their parties')."""
    return [k for k in keys if k.person == person_id and not k.destroyed]


class ErasureUseCases(StationCore):
    """Erasing a person and holding a matter (a mixin over the core, combined once)."""

    def erase_person(self, actor: Actor, person_id: str, reason: str) -> Erased:
        """删除个人信息 Erase a person: destroy their data keys (administrators; audited).

        Every value sealed under the keys — the person record's name and phone, and every
        party bound to the person (``Party.person``) in every matter — reads as erased
        afterwards; linked screening forgets their digests. Matters, events, audit entries
        and figures stay. Backups taken before hold the keys still: see ``docs/erasure.md``.

        Args:
            actor: An administrator.
            person_id: The person record's id.
            reason: Why (the request, the legal basis); audited with numbers scrubbed.

        Raises:
            PermissionDenied: The actor may not erase people (audited).
            NotFound: The station holds no key of this person (never recorded, or erased).
            ConfigurationError: Personal values are not sealed in this station.
        """
        person_id = args.code(person_id, "person_id")
        why = args.text(reason, "reason").reveal()
        self._authorise(actor, ERASE_PERSON, "person", person_id)
        for attempt in range(RETRIES):
            try:
                with self._storage.unit_of_work() as uow:
                    keys = data_keys(uow)
                    gone = keys.destroy(person_keys(keys.ring.stream(), person_id))
                    if not gone:
                        raise NotFound("person", person_id)
                    detail = f"{len(gone)} data keys destroyed; reason: {scrub(why)}"
                    self._audit(
                        uow, actor, ERASE_PERSON, "person", person_id,
                        detail=detail[:_REASON_CHARS],
                    )  # fmt: skip
                    uow.commit()
                break
            except ConflictError:
                if attempt == RETRIES - 1:
                    raise
        self._forget_screening()
        return Erased(person_id, len(gone))

    def set_legal_hold(self, actor: Actor, matter_id: str, held: bool, reason: str) -> bool:
        """法定保留 Set (``held``) or clear a matter's legal hold (administrators; audited).

        A held matter is never purged, whatever its retention period. Administrators read no
        case contents: the answer is only whether the matter is now held.

        Raises:
            PermissionDenied: The actor may not hold matters (audited).
            NotFound: No such matter (audited as a denial).
        """
        matter_id = args.code(matter_id, "matter_id")
        held = args.flag(held, "held")
        why = args.text(reason, "reason")
        self._authorise(actor, LEGAL_HOLD, "matter", matter_id)
        for attempt in range(RETRIES):
            try:
                with self._storage.unit_of_work() as uow:
                    try:
                        matter = uow.matters.get(matter_id)
                    except NotFound:
                        raise self._hidden(actor, LEGAL_HOLD, matter_id) from None
                    if matter.legal_hold is not held:
                        event = HoldChanged(
                            matter_id=matter_id,
                            version=matter.version + 1,
                            at=self.now(),
                            actor=actor,
                            reason=why,
                            held=held,
                        )
                        uow.matters.append([event], matter.version)
                    self._audit(uow, actor, LEGAL_HOLD, "matter", matter_id, detail=f"held={held}")
                    uow.commit()
                return held
            except ConflictError:
                if attempt == RETRIES - 1:
                    raise
        return held  # pragma: no cover (the loop returns or raises)

    def _forget_screening(self) -> None:
        """Drop the linked-screening index: it is rebuilt without erased digests on next use."""
        self._screening_index = None
