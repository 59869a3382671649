"""What an audit entry covers 审计覆盖: the digest of every event and body its unit stored.

Each write handed to the storage port — one matter's new events, or a person, place or team
as stored — becomes a :class:`~fengqiao_core.ports.Covered` record: what was written (matter
id and version range, entity id and version) and the digest of its canonical encoding. The
encoding is the converter's unstructured form (what every backend stores) as JSON with sorted
keys, no spaces and UTF-8 text (:func:`canonical`), so the digest is the same whichever
backend holds the record and covers exactly what was stored: once personal values are sealed
before they reach the port, it covers their ciphertext. Verification reads the stored
records back through a unit of work and recomputes the same digests
(:mod:`fengqiao_core.security.verification`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import orjson

from fengqiao_core.model import Entity, MatterEvent
from fengqiao_core.ports import Covered
from fengqiao_core.security.crypto import Algorithms

__all__ = ["ENTITY_KINDS", "canonical", "cover_entity", "cover_events", "events_digest"]

ENTITY_KINDS = {"people": "person", "places": "place", "teams": "team"}
"""The unit of work's entity repositories and the kind their writes are covered as."""


def canonical(converter: Any, value: Any, unstructure_as: Any = None) -> bytes:
    """The canonical encoding of ``value``: its unstructured form as sorted, compact JSON.

    orjson writes it (keys sorted, UTF-8, floats as their shortest round-trip form); what it
    refuses (integers beyond 64 bits, lone surrogates) goes through the ``json`` module.
    """
    data = converter.unstructure(value, unstructure_as)
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # orjson.JSONEncodeError
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return text.encode("utf-8", "surrogatepass")


def events_digest(
    converter: Any, algorithms: Algorithms, digest: str, events: Sequence[MatterEvent]
) -> str:
    """The hex digest of ``events`` (in order) in their canonical encoding, as one list."""
    body = b"[" + b",".join(canonical(converter, e, MatterEvent) for e in events) + b"]"
    return algorithms.digest(digest).digest(body).hex()


def cover_events(
    converter: Any, algorithms: Algorithms, digest: str, events: Sequence[MatterEvent]
) -> Covered:
    """The record of one append: the matter, its version range and the events' digest."""
    return Covered(
        "matter",
        events[0].matter_id,
        events[0].version,
        events[-1].version,
        events_digest(converter, algorithms, digest, events),
    )


def cover_entity(
    converter: Any, algorithms: Algorithms, digest: str, kind: str, entity: Entity
) -> Covered:
    """The record of one entity stored (as the store returned it, with its new version)."""
    found = algorithms.digest(digest).digest(canonical(converter, entity)).hex()
    return Covered(kind, entity.id, entity.version, entity.version, found)
