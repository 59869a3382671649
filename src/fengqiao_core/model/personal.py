"""Personal data (个人信息) as types that mask themselves.

Every personal value of the model is an instance of a :class:`Sensitive` subclass:
:class:`IdNumber` 居民身份证号 (class S1), :class:`PhoneNumber` 手机号, :class:`PersonName` 姓名,
:class:`Address` 地址 and :class:`FreeText` (statements and descriptions), all class S2. Their
``repr``, ``str`` and ``format`` are masked (``420115********1234``, ``138****5678``, ``张*``),
so any entity that holds them, any f-string and any log record is masked without further care.
The raw value is only reachable by calling :meth:`Sensitive.reveal`, which storage backends and
explicitly authorised exports do.

Logging, which also scrubs numbers that reach a message as plain strings, is
:mod:`fengqiao_core.security.logs`.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import unicodedata
from contextvars import ContextVar
from typing import Any, ClassVar, NoReturn, Self, SupportsIndex

from fengqiao_core.errors import PermissionDenied, ValidationError, drop_controls

__all__ = [
    "Address",
    "FreeText",
    "IdNumber",
    "PersonName",
    "PhoneNumber",
    "Sensitive",
    "mask_text",
]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_ZERO = 48 * sum(_ID_WEIGHTS)  # the weighted sum of seventeen "0" characters' codes
_SURELY_PAST = 2026
"""A birth year before this one is not in the future (``date.today()`` is asked only after)."""
_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
)
_ID_SHAPE = re.compile(r"[1-9][0-9]{16}[0-9X]")
_MOBILE_SHAPE = re.compile(r"1[3-9][0-9]{9}")
_NAME_STARS = 3


def _normal(text: str) -> str:
    """``text`` in NFKC: full-width digits, letters and separators become ASCII."""
    return unicodedata.normalize("NFKC", text)


def _not_blank(kind: str, raw: str) -> None:
    if not isinstance(raw, str):
        raise ValidationError(kind, f"must be text, not {type(raw).__name__}")
    if not raw.strip():
        raise ValidationError(kind, "must not be blank")


class Sensitive:
    """Base of every personal value: equal by raw value, masked wherever it is shown.

    Subclasses set ``kind`` (the default field name in errors), implement :meth:`mask` and
    may validate in ``_check``. A value is immutable. Its raw text lives in a private slot,
    not in an attrs field, so generic tools never see it: ``attrs.asdict`` and cattrs' global
    converter hand the value object on (shown masked); ``copy``/``deepcopy`` return the value
    itself; ``pickle`` is refused with :class:`~fengqiao_core.errors.PermissionDenied`
    outside :func:`fengqiao_core.security.pickling.personal_pickling`.
    """

    __slots__ = ("_raw",)
    kind: ClassVar[str] = "personal value"
    _raw: str

    def __init__(self, raw: str) -> None:
        object.__setattr__(self, "_raw", raw)
        self._check()

    def _check(self) -> None:
        """Validate the raw value (subclasses); errors never echo it."""

    def reveal(self) -> str:
        """Return the raw value. Call only where the raw value is needed (storage, consent)."""
        return self._raw

    def mask(self) -> str:
        """Return the masked form shown in reprs, logs, errors and masked exports."""
        return mask_text(self._raw)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._raw == other._raw

    def __ne__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._raw != other._raw

    def __hash__(self) -> int:
        return hash((self.__class__.__qualname__, self._raw))

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: object) -> Self:
        return self

    def __getstate__(self) -> NoReturn:
        raise PermissionDenied(f"{self.kind}: personal values are not pickled")

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        if not _PICKLING.get():
            raise PermissionDenied(
                f"{self.kind}: personal values are not pickled "
                "(fengqiao_core.security.pickling.personal_pickling allows it explicitly)"
            )
        return (self.__class__, (self._raw,))

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__reduce_ex__(2)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.mask()!r})"

    def __str__(self) -> str:
        return self.mask()

    def __format__(self, spec: str) -> str:
        return format(self.mask(), spec)


_PICKLING: ContextVar[bool] = ContextVar("fengqiao_personal_pickling", default=False)
"""Whether pickling personal values is allowed in this context (see ``security.pickling``)."""


def mask_text(raw: str) -> str:
    """Mask free text completely: ``<redacted:N chars>``.

    Args:
        raw: Any text.

    Returns:
        A placeholder that gives only the length (control and format characters not counted).
    """
    return f"<redacted:{len(drop_controls(raw))} chars>"


class IdNumber(Sensitive):
    """A mainland resident ID number 居民身份证号码 (GB 11643-1999, 18 characters), class S1.

    Construction validates the region, the birth date and the check digit and accepts ASCII
    digits only; errors never echo the number. Use :meth:`parse` to accept full-width digits
    (NFKC), a lower-case ``x`` and surrounding spaces.
    """

    __slots__ = ()

    kind: ClassVar[str] = "id_number"

    def _check(self) -> None:
        raw = self._raw
        _not_blank(self.kind, raw)
        problem = _id_problem(raw)
        if problem:
            shown = _mask_id_like(raw) if _ID_SHAPE.fullmatch(raw) else "the number"
            raise ValidationError(self.kind, f"{shown} {problem}")

    @classmethod
    def parse(cls, text: str) -> Self:
        """Normalise (NFKC, strip, upper-case ``x``) and validate an ID number."""
        _not_blank(cls.kind, text)
        return cls(_normal(text).strip().upper())

    @property
    def birth_date(self) -> dt.date:
        """The birth date encoded in the number."""
        raw = self._raw
        return dt.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))

    @property
    def division(self) -> str:
        """The six-digit administrative division code (GB/T 2260) of registration."""
        return self._raw[:6]

    def mask(self) -> str:
        """``420115********1234``: the division and the last four characters."""
        return _mask_id_like(self._raw)


def _id_problem(raw: str) -> str | None:
    """What is wrong with an ID number (never echoing it), or ``None``: the hot path is cheap."""
    if not _ID_SHAPE.fullmatch(raw):
        return "is not 17 digits and a check character (ASCII 0-9 or X)"
    if int(raw[:2]) not in _PROVINCES:
        return "has no valid province code"
    try:
        born = dt.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        return "has an impossible birth date"
    if born.year < 1900 or (born.year >= _SURELY_PAST and born > dt.date.today()):
        return "has a birth date out of range"
    # the shape is ASCII: the weighted sum of the characters' codes less 48 times the weights'
    total = sum(map(operator.mul, raw[:17].encode(), _ID_WEIGHTS)) - _ID_ZERO
    if _ID_CHECK[total % 11] != raw[17]:
        return "has a wrong check digit"
    return None


def _mask_id_like(raw: str) -> str:
    raw = drop_controls(raw)
    if len(raw) < 12:
        return "*" * len(raw)
    return f"{raw[:6]}{'*' * (len(raw) - 10)}{raw[-4:]}"


class PhoneNumber(Sensitive):
    """A mainland mobile number 手机号码 (11 ASCII digits, ``1[3-9]…``), class S2.

    :meth:`parse` accepts full-width digits (NFKC), spaces, dashes and a ``+86``/``0086`` prefix.
    """

    __slots__ = ()

    kind: ClassVar[str] = "phone"

    def _check(self) -> None:
        _not_blank(self.kind, self._raw)
        raw = self._raw
        if not _MOBILE_SHAPE.fullmatch(raw):
            plain = raw.isascii() and raw.isprintable()
            shown, hint = (self.mask(), "") if plain else ("the number", "; ASCII digits only")
            raise ValidationError(
                self.kind, f"{shown} is not a mainland mobile number (11 digits, 13x-19x){hint}"
            )

    @classmethod
    def parse(cls, text: str) -> Self:
        """Normalise (NFKC), drop separators and the country prefix, then validate."""
        _not_blank(cls.kind, text)
        digits = re.sub(r"[\s\-()]", "", _normal(text))
        for prefix in ("+86", "0086"):
            if digits.startswith(prefix):
                digits = digits[len(prefix) :]
        return cls(digits)

    def mask(self) -> str:
        """``138****5678``: the first three and the last four digits."""
        raw = drop_controls(self._raw)
        if len(raw) < 8:
            return "*" * len(raw)
        return f"{raw[:3]}****{raw[-4:]}"


class PersonName(Sensitive):
    """A person's full name 姓名, class S2. Masked to its first character: ``张*``."""

    __slots__ = ()

    kind: ClassVar[str] = "name"

    def _check(self) -> None:
        _not_blank(self.kind, self._raw)

    def mask(self) -> str:
        """The first character and up to three stars (never the length of a long name)."""
        raw = drop_controls(self._raw)
        if len(raw) < 2:
            return "*"
        return raw[0] + "*" * min(len(raw) - 1, _NAME_STARS)


class Address(Sensitive):
    """A street address 地址, class S2. Masked to its first third (at most six characters)."""

    __slots__ = ()

    kind: ClassVar[str] = "address"

    def _check(self) -> None:
        _not_blank(self.kind, self._raw)

    def mask(self) -> str:
        """The leading district part and ``****`` (control characters dropped, digits hidden).

        Digits in the kept part become ``*``: an address that starts with a phone number or
        a house number shows none of it.
        """
        raw = drop_controls(self._raw)
        kept = raw[: min(6, len(raw) // 3)]
        if not kept.isalpha():  # the common district prefix is all letters: nothing to hide
            kept = "".join("*" if c.isdigit() else c for c in kept)
        return kept + "****"


class FreeText(Sensitive):
    """A statement, description or comment in a person's words, class S2: never shown."""

    __slots__ = ()

    kind: ClassVar[str] = "text"

    def _check(self) -> None:
        if not isinstance(self._raw, str):
            raise ValidationError(self.kind, f"must be text, not {type(self._raw).__name__}")
