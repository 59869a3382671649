"""The tamper-evident audit chain 审计链: HMAC-SHA-256 over each entry and its predecessor.

Every use case appends an :class:`~fengqiao_core.ports.AuditEntry` in the same unit of work as
its events. :func:`seal` computes the entry's hash from its fields and the previous entry's
hash with the audit key derived from the station's secret (chain v2: the entry names the
algorithm and the key id; entries sealed before v2 with the secret itself still verify);
:func:`verify` recomputes the chain and returns the first bad sequence number, so an edit,
deletion, swap or insertion anywhere is found. Cutting the tail off, deleting the whole log
or restoring an older backup needs a witness outside the store: :mod:`.witness`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Iterable

import attrs

from fengqiao_core.model import Actor
from fengqiao_core.ports import AuditEntry
from fengqiao_core.security.crypto import DEFAULT_MAC, Algorithms, default_algorithms
from fengqiao_core.security.keys import derive_key

__all__ = ["GENESIS", "seal", "verify"]

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""


_KEY_ID = re.compile(r"audit-v([1-9][0-9]{0,3})-[0-9a-f]{12}")


def _payload(entry: AuditEntry) -> bytes:
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
    if entry.algorithm:  # chain v2: the detail, the algorithm and the key are always covered
        fields.extend([entry.detail, entry.algorithm, entry.key_id])
    elif entry.detail:  # v1 entries without a detail keep the digest they always had
        fields.append(entry.detail)
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()


def _digest(entry: AuditEntry, secret: bytes, algorithms: Algorithms) -> str:
    """The entry's digest, or ``""`` when its key id names no key of this secret."""
    if not entry.algorithm:  # v1: HMAC-SHA-256 keyed with the secret itself
        return hmac.new(secret, _payload(entry), hashlib.sha256).hexdigest()
    version = _KEY_ID.fullmatch(entry.key_id)
    if version is None:
        return ""
    key = derive_key(secret, "audit", version=int(version.group(1)), algorithms=algorithms)
    if key.key_id != entry.key_id:
        return ""
    return algorithms.mac(entry.algorithm).mac(key.key, _payload(entry)).hex()


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
    algorithms: Algorithms | None = None,
    key_version: int = 1,
) -> AuditEntry:
    """The next audit entry after the chain's ``head`` (``(seq, entry_hash)``).

    ``key`` is the station secret: the entry is sealed (chain v2) with HMAC-SHA-256 under the
    audit key derived from it (``key_version`` rotates it) and names both. Entries hold ids,
    roles and action names only, never personal values; building one validates every field,
    so nothing a caller passed unchecked can be sealed.
    """
    algorithms = algorithms or default_algorithms()
    audit_key = derive_key(key, "audit", version=key_version, algorithms=algorithms)
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
        algorithm=DEFAULT_MAC,
        key_id=audit_key.key_id,
        prev_hash=head[1] if head else GENESIS,
    )
    return attrs.evolve(draft, entry_hash=_digest(draft, key, algorithms))


def verify(
    entries: Iterable[AuditEntry], key: bytes, algorithms: Algorithms | None = None
) -> int | None:
    """Check a whole chain, in order, with the station secret ``key``.

    v1 entries (no algorithm) are checked as they were sealed, v2 entries with the MAC and
    the derived key they name, so a chain begun before v2 still verifies.

    Returns:
        ``None`` when every entry is intact and linked; otherwise the position (1-based) of
        the first entry that is altered, out of sequence or not linked to its predecessor.

    Raises:
        ConfigurationError: An entry names an algorithm no installed plugin provides.
    """
    algorithms = algorithms or default_algorithms()
    previous_hash = GENESIS
    for position, entry in enumerate(entries, start=1):
        intact = hmac.compare_digest(entry.entry_hash, _digest(entry, key, algorithms))
        if entry.seq != position or entry.prev_hash != previous_hash or not intact:
            return position
        previous_hash = entry.entry_hash
    return None
