"""The tamper-evident audit chain 审计链: HMAC-SHA-256 over each entry and its predecessor.

Every use case appends an :class:`~fengqiao_core.ports.AuditEntry` in the same unit of work as
its events. :func:`seal` computes the entry's hash from its fields and the previous entry's
hash with the station's secret; :func:`verify` recomputes the chain and returns the first bad
sequence number, so an edit, deletion, swap or insertion anywhere is found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable

import attrs

from fengqiao_core.model import Actor
from fengqiao_core.ports import AuditEntry

__all__ = ["GENESIS", "seal", "verify"]

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""


def _digest(entry: AuditEntry, key: bytes) -> str:
    fields: list[object] = [
        entry.seq,
        entry.at.isoformat(),
        entry.actor,
        entry.role.value,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.outcome,
        entry.prev_hash,
    ]
    if entry.detail:  # entries without a detail keep the digest they always had
        fields.append(entry.detail)
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def seal(
    head: tuple[int, str] | None,
    *,
    key: bytes,
    at: dt.datetime,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    outcome: str = "success",
    detail: str = "",
) -> AuditEntry:
    """The next audit entry after the chain's ``head`` (``(seq, entry_hash)``), sealed with ``key``.

    Entries hold ids, roles and action names only, never personal values; building one
    validates every field, so nothing a caller passed unchecked can be sealed.
    """
    draft = AuditEntry(
        seq=(head[0] if head else 0) + 1,
        at=at,
        actor=actor.person_id,
        role=actor.role,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        detail=detail,
        prev_hash=head[1] if head else GENESIS,
    )
    return attrs.evolve(draft, entry_hash=_digest(draft, key))


def verify(entries: Iterable[AuditEntry], key: bytes) -> int | None:
    """Check a whole chain, in order.

    Returns:
        ``None`` when every entry is intact and linked; otherwise the position (1-based) of
        the first entry that is altered, out of sequence or not linked to its predecessor.
    """
    previous_hash = GENESIS
    for position, entry in enumerate(entries, start=1):
        intact = hmac.compare_digest(entry.entry_hash, _digest(entry, key))
        if entry.seq != position or entry.prev_hash != previous_hash or not intact:
            return position
        previous_hash = entry.entry_hash
    return None
