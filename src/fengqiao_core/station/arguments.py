"""Arguments at the boundary 入参校验: every use case checks what it is given before anything else.

A use case validates each argument's type and shape *before* it authorises, audits or touches
storage, so that nothing a caller passes — an ``int`` for an id, a 2 MB string, a lone surrogate
— can reach the audit log or a stored event. Errors are
:class:`~fengqiao_core.errors.ValidationError` naming the parameter, never echoing the value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TypeVar

from fengqiao_core.errors import ValidationError, scrub
from fengqiao_core.model import Actor, FreeText, LabelledEnum

__all__ = [
    "MAX_TEXT",
    "actor",
    "choice",
    "code",
    "codes",
    "flag",
    "optional_code",
    "optional_text",
    "purpose",
    "sequence_of",
    "text",
    "whole",
]

MAX_TEXT = 4000
"""The longest reason, comment or inscription a person may type (characters)."""

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
E = TypeVar("E", bound=LabelledEnum)


def _kind(value: object) -> str:
    return type(value).__name__


def actor(value: object) -> Actor:
    """The acting person: an :class:`~fengqiao_core.model.Actor`."""
    if not isinstance(value, Actor):
        raise ValidationError("actor", f"expected an Actor, got {_kind(value)}")
    return value


def code(value: object, name: str) -> str:
    """An id or code: 1-64 ASCII letters, digits or ``_.:-``, starting with a letter or digit."""
    if not isinstance(value, str):
        raise ValidationError(name, f"expected an id (text), got {_kind(value)}")
    if not _CODE.fullmatch(value):
        raise ValidationError(
            name, f"text of {len(value)} characters is not an id (1-64 letters, digits or _.:-)"
        )
    return value


def optional_code(value: object, name: str) -> str | None:
    """:func:`code`, or ``None``."""
    return None if value is None else code(value, name)


def codes(values: object, name: str, *, most: int = 100) -> tuple[str, ...]:
    """A list or tuple of ids (not one string), at most ``most`` of them."""
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise ValidationError(name, f"expected a list of ids, got {_kind(values)}")
    if len(values) > most:
        raise ValidationError(name, f"{len(values)} ids: at most {most}")
    return tuple(code(value, f"{name}[{i}]") for i, value in enumerate(values))


def text(value: object, name: str, *, required: bool = True) -> FreeText:
    """Text a person typed (a reason, comment, inscription): not blank, at most 4,000 characters.

    Returns it as :class:`~fengqiao_core.model.FreeText`, which masks itself wherever shown.
    """
    if isinstance(value, FreeText):
        value = value.reveal()
    if not isinstance(value, str):
        raise ValidationError(name, f"expected text, got {_kind(value)}")
    if required and not value.strip():
        raise ValidationError(name, "must not be blank")
    if len(value) > MAX_TEXT:
        raise ValidationError(name, f"text of {len(value)} characters: at most {MAX_TEXT}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(name, "holds a lone surrogate (not valid Unicode text)") from None
    return FreeText(value)


def purpose(value: object) -> str:
    """Why personal values are read 用途: 3-200 characters of plain text, recorded in the audit.

    Phone and ID numbers in it are scrubbed before it is recorded; it may not hold control,
    format or unassigned characters.
    """
    if not isinstance(value, str) or not 3 <= len(value.strip()) <= 200:
        raise ValidationError("purpose", "say why, in 3 to 200 characters of text")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in value):
        raise ValidationError("purpose", "holds control, format or unassigned characters")
    return scrub(value.strip())


def optional_text(value: object, name: str) -> FreeText | None:
    """:func:`text` (blank allowed), or ``None``."""
    return None if value is None else text(value, name, required=False)


def choice(value: object, kind: type[E], name: str) -> E:
    """A member of the enumeration ``kind`` (never its value as a string)."""
    if not isinstance(value, kind):
        raise ValidationError(name, f"expected a {kind.__name__}, got {_kind(value)}")
    return value


def flag(value: object, name: str) -> bool:
    """``True`` or ``False`` (not ``1``, not ``"yes"``)."""
    if not isinstance(value, bool):
        raise ValidationError(name, f"expected True or False, got {_kind(value)}")
    return value


def whole(value: object, name: str, *, low: int, high: int) -> int:
    """A whole number in ``[low, high]`` (not a bool, not a float)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(name, f"expected a whole number from {low} to {high}")
    return value


def sequence_of(values: object, kind: type, name: str) -> Sequence[object]:
    """A list or tuple whose every item is a ``kind`` (the path names the first bad one)."""
    if not isinstance(values, list | tuple):
        raise ValidationError(name, f"expected a list of {kind.__name__}, got {_kind(values)}")
    bad = next((i for i, v in enumerate(values) if not isinstance(v, kind)), None)
    if bad is not None:
        raise ValidationError(f"{name}[{bad}]", f"expected a {kind.__name__}")
    return values
