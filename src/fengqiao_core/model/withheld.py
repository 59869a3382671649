"""Withheld personal values 脱敏视图: what a masked read returns instead of the real value.

A withheld value is an instance of the same personal type (a ``PersonName`` stays a
``PersonName``), so every model validator accepts it and every ``repr`` looks the same; but it
holds only the mask, and :meth:`~fengqiao_core.model.personal.Sensitive.reveal` refuses with
:class:`~fengqiao_core.errors.PermissionDenied`. Storing one is refused the same way (the
converter reveals what it stores). A caller that needs the raw values reads with a purpose,
which is audited.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from fengqiao_core.errors import PermissionDenied
from fengqiao_core.model.personal import Sensitive

__all__ = ["is_withheld", "withhold"]

S = TypeVar("S", bound=Sensitive)
_WITHHELD: dict[type[Sensitive], type[Sensitive]] = {}
_WITHHELD_TYPES: set[type] = set()
_new = object.__new__
_set_raw = vars(Sensitive)["_raw"].__set__  # the slot itself


def _refuse(*_: object) -> NoReturn:
    raise PermissionDenied("a withheld personal value: read it with a purpose (audited)")


def _withheld_type(cls: type[S]) -> type[S]:
    made = _WITHHELD.get(cls)
    if made is None:
        namespace: dict[str, Any] = {
            "__slots__": (),
            "__doc__": f"A withheld {cls.__name__}: the mask only; reveal() is refused.",
            "reveal": _refuse,
            "mask": lambda self: object.__getattribute__(self, "_raw"),
            "__reduce_ex__": _refuse,
            "__reduce__": _refuse,
        }
        for name in ("birth_date", "division"):
            if isinstance(getattr(cls, name, None), property):
                namespace[name] = property(_refuse)
        made = type(f"Withheld{cls.__name__}", (cls,), namespace)
        _WITHHELD_TYPES.add(made)  # known as withheld before any thread can make one
        _WITHHELD[cls] = made
    return made  # type: ignore[return-value]


def withhold(value: S) -> S:
    """The same kind of value holding only ``value``'s mask (idempotent)."""
    made = _WITHHELD.get(type(value))
    if made is None:
        if type(value) in _WITHHELD_TYPES:
            return value
        made = _withheld_type(type(value))
    withheld: S = _new(made)  # type: ignore[assignment]
    _set_raw(withheld, value.mask())
    return withheld


def is_withheld(value: object) -> bool:
    """Whether ``value`` is a withheld personal value."""
    return type(value) in _WITHHELD_TYPES
