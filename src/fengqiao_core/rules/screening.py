"""Linked screening 关联筛查 (rule L7): is a new matter related to, or a repeat of, open ones?

Scores, out of 100: the same phone or ID number 40, the same address 30, similar text up to
20, the same name 10. A score at or above ``related_at`` marks the matters related, at or
above ``duplicate_at`` a duplicate; repeats raise an alert colour (yellow, orange, red).
Screening never sees raw personal data: :func:`screening_keys` turns values into keyed
HMAC-SHA-256 digests with the station's secret, so keys can be indexed and compared but not
read back.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Iterable
from typing import TypeGuard

import attrs
from attrs import field, frozen

from fengqiao_core.errors import ConfigurationError, ValidationError
from fengqiao_core.model import LabelledEnum, Matter, Sensitive
from fengqiao_core.model.sealed import is_erased

__all__ = [
    "AlertColour",
    "ScreeningKeys",
    "ScreeningResult",
    "ScreeningSettings",
    "score",
    "screen",
    "screening_keys",
]

_MIN_SECRET = 16


class AlertColour(LabelledEnum):
    """Alert raised by repeated related matters 预警等级."""

    YELLOW = "yellow", "黄色预警"
    ORANGE = "orange", "橙色预警"
    RED = "red", "红色预警"


def _score(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationError(attribute.name, f"{value!r:.20} is not a score from 0 to 100")


def _count(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(attribute.name, f"{value!r:.20} is not a count >= 1")


@frozen(kw_only=True)
class ScreeningSettings:
    """Rule L7 parameters (a [practice] default; configurable in ``[rules.screening]``).

    Attributes:
        related_at: Score at which two matters are related (above 30: see the index).
        duplicate_at: Score at which a new matter is a duplicate.
        yellow_at: Related matters that raise a yellow alert.
        orange_at: Related matters that raise an orange alert.
        red_at: Related matters that raise a red alert.
    """

    related_at: int = field(default=60, validator=_score)
    duplicate_at: int = field(default=90, validator=_score)
    yellow_at: int = field(default=1, validator=_count)
    orange_at: int = field(default=2, validator=_count)
    red_at: int = field(default=3, validator=_count)


@frozen
class ScreeningKeys:
    """Keyed digests of a matter's identifying values: never the values themselves."""

    identities: frozenset[str] = field(factory=frozenset)
    names: frozenset[str] = field(factory=frozenset)
    addresses: frozenset[str] = field(factory=frozenset)
    shingles: frozenset[str] = field(factory=frozenset)


@frozen
class ScreeningResult:
    """What screening found: related matters with scores, a duplicate, and the alert."""

    related: tuple[tuple[str, int], ...]
    duplicate_of: str | None
    alert: AlertColour | None


def _normal(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


_KEYED: dict[bytes, hmac.HMAC] = {}


def _digest(secret: bytes, kind: str, value: str) -> str:
    # HMAC keyed once per secret, then copied: the same digest as hmac.new(secret, message)
    keyed = _KEYED.get(secret)
    if keyed is None:
        if len(_KEYED) > 16:
            _KEYED.clear()
        keyed = _KEYED[secret] = hmac.new(secret, digestmod=hashlib.sha256)
    mac = keyed.copy()
    mac.update(f"{kind}\x00{value}".encode())
    return mac.hexdigest()[:32]


def _known(value: Sensitive | None) -> TypeGuard[Sensitive]:
    """Whether a value is there and not erased (an erased person is never found: issue 15)."""
    return value is not None and not is_erased(value)


def screening_keys(matter: Matter, secret: bytes) -> ScreeningKeys:
    """Rule L7: the keyed digests that screening compares.

    Phones and ID numbers, names, addresses and the character pairs of the description;
    erased values give none.

    Raises:
        ConfigurationError: The secret is shorter than 16 bytes.
    """
    if len(secret) < _MIN_SECRET:
        raise ConfigurationError(
            "screening needs a secret of at least 16 bytes (FENGQIAO_SECRET or a key file)"
        )
    parties = matter.parties
    identities = {_digest(secret, "phone", p.phone.reveal()) for p in parties if _known(p.phone)}
    identities |= {
        _digest(secret, "id", p.id_number.reveal()) for p in parties if _known(p.id_number)
    }
    names = {_digest(secret, "name", _normal(p.name.reveal())) for p in parties if _known(p.name)}
    addresses = {
        _digest(secret, "addr", _normal(p.address.reveal())) for p in parties if _known(p.address)
    }
    if _known(matter.location.address):
        addresses.add(_digest(secret, "addr", _normal(matter.location.address.reveal())))
    text = _normal(matter.description.reveal()) if _known(matter.description) else ""
    shingles = {_digest(secret, "text", text[i : i + 2]) for i in range(len(text) - 1)}
    return ScreeningKeys(
        frozenset(identities), frozenset(names), frozenset(addresses), frozenset(shingles)
    )


def score(a: ScreeningKeys, b: ScreeningKeys) -> int:
    """Rule L7: how alike two matters are, 0-100 (40 identity, 30 address, 20 text, 10 name)."""
    points = 40 if a.identities & b.identities else 0
    points += 30 if a.addresses & b.addresses else 0
    points += 10 if a.names & b.names else 0
    union = a.shingles | b.shingles
    if union:
        points += round(20 * len(a.shingles & b.shingles) / len(union))
    return points


def screen(
    new: ScreeningKeys,
    candidates: Iterable[tuple[str, ScreeningKeys]],
    settings: ScreeningSettings | None = None,
) -> ScreeningResult:
    """Rule L7: score a new matter against candidate open matters.

    Args:
        new: The new matter's keys.
        candidates: ``(matter id, keys)`` of open matters (e.g. those sharing an index key).
        settings: Thresholds.

    Returns:
        Related matters (score ≥ ``related_at``) best first, the best duplicate (score ≥
        ``duplicate_at``) if any, and the alert colour for the number of related matters.
    """
    settings = settings or ScreeningSettings()
    scored = sorted(
        ((matter_id, score(new, keys)) for matter_id, keys in candidates),
        key=lambda pair: (-pair[1], pair[0]),
    )
    related = tuple(pair for pair in scored if pair[1] >= settings.related_at)
    duplicate = next((m for m, s in related if s >= settings.duplicate_at), None)
    count = len(related)
    alert = None
    for colour, at in (
        (AlertColour.RED, settings.red_at),
        (AlertColour.ORANGE, settings.orange_at),
        (AlertColour.YELLOW, settings.yellow_at),
    ):
        if count >= at:
            alert = colour
            break
    return ScreeningResult(related, duplicate, alert)
