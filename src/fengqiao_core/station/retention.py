"""Retention 保管期限: erasing the personal data of closed matters whose period has passed.

:meth:`RetentionUseCases.purge` finds every closed matter past its period
(:class:`~fengqiao_core.station.protection.RetentionSettings`, the station file's
``[retention]`` table) and not under a legal hold, and destroys its matter key — its
description, statements, unbound parties and location address read as erased. A person bound
to such a matter (``Party.person``) is erased too once **every** matter that names them is
past its period; otherwise their key stays, because a later matter still needs it. Each purged
matter gets an audit entry (action ``purge``); audit entries themselves are kept. Matters go in
units of work of :data:`BATCH`, so a failure leaves whole matters purged or untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attrs import define, field

from fengqiao_core.errors import ValidationError
from fengqiao_core.model import Actor, Matter
from fengqiao_core.security.access import PURGE
from fengqiao_core.station import arguments as args
from fengqiao_core.station.core import StationCore
from fengqiao_core.station.erasure import data_keys, person_keys

__all__ = ["BATCH", "PurgeSummary", "RetentionUseCases"]

BATCH = 100
"""Matters purged per unit of work."""


@define
class PurgeSummary:
    """What a purge found and did 清理结果 (``dry_run``: what it would do).

    Attributes:
        examined: Matters looked at.
        open: Matters not closed yet.
        retained: Closed matters whose period has not passed.
        held: Matters past their period under a legal hold (kept).
        already: Matters purged before.
        purged: Matters whose personal data was erased now (or would be).
        people_erased: People erased because every matter naming them was purged.
        people_kept: People of purged matters kept for a matter still retained.
        keys_destroyed: Data keys destroyed.
        dry_run: Whether nothing was changed.
    """

    examined: int = 0
    open: int = 0
    retained: int = 0
    held: int = 0
    already: int = 0
    purged: int = 0
    people_erased: int = 0
    people_kept: int = 0
    keys_destroyed: int = 0
    dry_run: bool = False
    due: list[str] = field(factory=list, repr=False)


def _bound(matter: Matter) -> set[str]:
    return {p.person for p in matter.parties if p.person}


class RetentionUseCases(StationCore):
    """The retention purge (a mixin over the core, combined once)."""

    def purge(
        self,
        actor: Actor,
        *,
        dry_run: bool = False,
        progress: Callable[[int, int], Any] | None = None,
    ) -> PurgeSummary:
        """清理 Erase the personal data of closed matters past their retention period.

        Args:
            actor: An administrator on the roster (``fengqiao purge`` acts as the first one of
                the ``[access]`` table, or ``--as``).
            dry_run: Only count what would be purged; change and audit nothing.
            progress: Called with ``(done, total)`` as due matters are purged.

        Raises:
            PermissionDenied: The actor may not purge (audited).
            ValidationError: ``dry_run`` is not a bool, or ``progress`` is not callable.
            ConfigurationError: Personal values are not sealed in this station.
        """
        dry_run = args.flag(dry_run, "dry_run")
        if progress is not None and not callable(progress):
            raise ValidationError("progress", "expected a function of (done, total)")
        self._authorise(actor, PURGE, "station", self.config.station.id)
        summary, waiting, settled = self._survey(dry_run)
        total = len(summary.due)
        people = {p for p, matters in waiting.items() if matters <= settled}
        summary.people_kept = len(set(waiting) - people)
        if dry_run:
            summary.purged, summary.people_erased = total, len(people)
            return summary
        done = 0
        for start in range(0, total, BATCH):
            chunk = summary.due[start : start + BATCH]
            with self._storage.unit_of_work() as uow:
                keys = data_keys(uow)
                for matter_id in chunk:
                    gone = keys.destroy(_live(keys, f"matter:{matter_id}"))
                    summary.keys_destroyed += len(gone)
                    self._audit(
                        uow, actor, PURGE, "matter", matter_id,
                        detail=f"retention period passed; {len(gone)} data keys destroyed",
                    )  # fmt: skip
                uow.commit()
            done += len(chunk)
            summary.purged = done
            if progress is not None:
                progress(done, total)
        if people:
            with self._storage.unit_of_work() as uow:
                keys = data_keys(uow)
                for person_id in sorted(people):
                    gone = keys.destroy(person_keys(keys.ring.stream(), person_id))
                    summary.keys_destroyed += len(gone)
                    summary.people_erased += 1
                    self._audit(uow, actor, PURGE, "person", person_id, detail="retention")
                uow.commit()
        self._screening_index = None
        return summary

    def _survey(self, dry_run: bool) -> tuple[PurgeSummary, dict[str, set[str]], set[str]]:
        """Classify every matter; map each bound person of a due matter to all their matters.

        Returns:
            The summary so far, those people's matters, and the matters due or purged before.
        """
        summary = PurgeSummary(dry_run=dry_run)
        now = self.now()
        naming: dict[str, set[str]] = {}
        touched: set[str] = set()
        settled: set[str] = set()
        with self._storage.unit_of_work() as uow:
            keys = data_keys(uow)
            for matter in uow.matters.stream():
                summary.examined += 1
                for person in _bound(matter):
                    naming.setdefault(person, set()).add(matter.id)
                ends = self.config.retention.ends(matter)
                if ends is None:
                    summary.open += 1
                elif ends > now:
                    summary.retained += 1
                elif matter.legal_hold:
                    summary.held += 1
                elif not _live(keys, f"matter:{matter.id}"):
                    summary.already += 1
                    settled.add(matter.id)
                else:
                    summary.due.append(matter.id)
                    settled.add(matter.id)
                    touched |= _bound(matter)
        return summary, {p: naming[p] for p in touched}, settled


def _live(keys: Any, subject: str) -> list[Any]:
    found = keys.ring.active(subject)
    return [] if found is None else [found]
