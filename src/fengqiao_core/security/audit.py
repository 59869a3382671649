"""The tamper-evident audit chain 审计链: HMAC-SHA-256 over each entry and its predecessor.

Every use case appends an :class:`~fengqiao_core.ports.AuditEntry` in the same unit of work as
its events. :func:`seal` computes the entry's hash from its fields and the previous entry's
hash with the audit key derived from the station's secret (chain v2: the entry names the
algorithm and the key id; entries sealed before v2 with the secret itself still verify; chain
v3: it also lists and digests what its unit of work stored). :func:`verify` recomputes the
chain and returns the first bad sequence number, so an edit, deletion, swap or insertion
anywhere is found. Altered events are found by :mod:`.verification`; cutting the tail off,
deleting the whole log or restoring an older backup needs a witness outside the store:
:mod:`.witness`.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections.abc import Iterable

from fengqiao_core.model import Actor
from fengqiao_core.ports import AuditEntry, Covered
from fengqiao_core.security.crypto import DEFAULT_DIGEST, DEFAULT_MAC, Algorithms
from fengqiao_core.security.rotation import KeyRing, Rank

__all__ = ["GENESIS", "ChainCheck", "seal", "verify"]

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""


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
    if entry.digest_algorithm:  # chain v3: what the unit of work stored, with its digests
        covered = [[c.kind, c.id, c.first, c.last, c.digest] for c in entry.covers]
        fields.extend([entry.digest_algorithm, covered])
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()


def _check(entry: AuditEntry, keys: KeyRing) -> Rank | None:
    """The rank of the key that sealed ``entry``, or ``None`` when its digest does not hold."""
    if not entry.algorithm:  # v1: HMAC-SHA-256 keyed with a secret itself
        return None if entry.digest_algorithm else keys.legacy(_payload(entry), entry.entry_hash)
    found = keys.find("audit", entry.key_id)
    if found is None:
        return None
    key, rank = found
    digest = keys.algorithms.mac(entry.algorithm).mac(key, _payload(entry)).hex()
    return rank if hmac.compare_digest(entry.entry_hash, digest) else None


def seal(
    head: tuple[int, str] | None,
    *,
    key: bytes | KeyRing,
    at: dt.datetime,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    outcome: str = "success",
    detail: str = "",
    algorithms: Algorithms | None = None,
    key_version: int | None = None,
    mac: str = DEFAULT_MAC,
    covers: tuple[Covered, ...] = (),
    digest_algorithm: str = DEFAULT_DIGEST,
) -> AuditEntry:
    """The next audit entry after the chain's ``head`` (``(seq, entry_hash)``).

    ``key`` is the station secret or its :class:`~.rotation.KeyRing`: the entry is sealed
    (chain v3) with the MAC ``mac`` under the current audit key derived from it
    (``key_version``, else the ring's, rotates it) and names both. ``covers`` lists what the
    entry's unit of work stored, digested with ``digest_algorithm``
    (:mod:`~fengqiao_core.security.coverage`). Entries hold ids, roles, action names and
    digests only, never personal values; building one validates every field, so nothing a
    caller passed unchecked can be sealed.
    """
    ring = KeyRing.of(key, algorithms)
    version = ring.version if key_version is None else key_version
    registry = ring.algorithms
    audit_key = ring.derived("audit", version)
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
        algorithm=mac,
        key_id=audit_key.key_id,
        digest_algorithm=digest_algorithm,
        covers=covers,
        prev_hash=head[1] if head else GENESIS,
    )
    digest = registry.mac(mac).mac(audit_key.key, _payload(draft)).hex()
    object.__setattr__(draft, "entry_hash", digest)  # a MAC's hex digest, on an unshared draft
    return draft


class ChainCheck:
    """Checks a chain entry by entry, in order (streaming: it keeps only the last link).

    Args:
        key: The station secret or its key ring (retired secrets verify what they sealed).
        algorithms: The registry (when ``key`` is a bare secret).
    """

    def __init__(self, key: bytes | KeyRing, algorithms: Algorithms | None = None) -> None:
        self.keys = KeyRing.of(key, algorithms)
        self.position = 0
        self.previous = GENESIS
        self._rank: Rank = (-1, -1)

    def step(self, entry: AuditEntry) -> bool:
        """Whether ``entry`` is intact and links to the one before (counts it either way).

        Raises:
            ConfigurationError: The entry names an algorithm no installed plugin provides.
        """
        self.position += 1
        rank = None
        if entry.seq == self.position and entry.prev_hash == self.previous:
            rank = _check(entry, self.keys)
        if rank is None or rank < self._rank:  # altered, or sealed with a key retired before
            return False
        self.previous, self._rank = entry.entry_hash, rank
        return True


def verify(
    entries: Iterable[AuditEntry], key: bytes | KeyRing, algorithms: Algorithms | None = None
) -> int | None:
    """Check a whole chain, in order, with the station secret (or key ring) ``key``.

    v1 entries (no algorithm) are checked as they were sealed, v2 and v3 entries with the MAC
    and the derived key they name, so a chain begun before v2 still verifies. The keys must
    come in the ring's order: an entry sealed with a retired key after a newer one is refused.
    What the entries cover is checked against the store by
    :mod:`~fengqiao_core.security.verification`.

    Returns:
        ``None`` when every entry is intact and linked; otherwise the position (1-based) of
        the first entry that is altered, out of sequence or not linked to its predecessor.

    Raises:
        ConfigurationError: An entry names an algorithm no installed plugin provides.
    """
    check = ChainCheck(key, algorithms)
    for entry in entries:
        if not check.step(entry):
            return check.position
    return None
