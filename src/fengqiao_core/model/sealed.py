"""Sealed and erased personal values 密文与已删除值: what storage holds and what erasure leaves.

Like :mod:`fengqiao_core.model.withheld`, each is an instance of the same personal type (a
``PersonName`` stays a ``PersonName``), so every model validator accepts it, but
:meth:`~fengqiao_core.model.personal.Sensitive.reveal` refuses:

- a **sealed** value 密文 holds an envelope — the id of the data key, the nonce and the
  AES-256-GCM ciphertext, as text — and nothing readable. The station seals personal values
  before they reach a storage port and unseals them after reading
  (:mod:`fengqiao_core.security.sealing`); the converter stores one as ``{"$sealed": "..."}``.
- an **erased** value 已删除 is what a sealed value becomes once its data key was destroyed
  (the person was erased, or the matter's retention period ran out): it is shown as
  ``<erased>`` and stored as ``{"$erased": "name"}``.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from fengqiao_core.errors import PermissionDenied
from fengqiao_core.model.personal import Sensitive

__all__ = [
    "ERASED_MASK",
    "envelope",
    "erase",
    "is_erased",
    "is_sealed",
    "seal_as",
    "stored_form",
]

S = TypeVar("S", bound=Sensitive)
ERASED_MASK = "<erased>"
"""How an erased value is shown."""
_SEALED_MASK = "<sealed>"
_SEALED: dict[type[Sensitive], type[Sensitive]] = {}
_ERASED: dict[type[Sensitive], type[Sensitive]] = {}
_SEALED_TYPES: set[type] = set()
_ERASED_TYPES: set[type] = set()


def _refuse_sealed(*_: object) -> NoReturn:
    raise PermissionDenied("a sealed personal value: the station unseals what it reads")


def _refuse_erased(*_: object) -> NoReturn:
    raise PermissionDenied("an erased personal value: its data key was destroyed")


def _variant(
    cls: type[S],
    made: dict[type[Sensitive], type[Sensitive]],
    names: set[type],
    prefix: str,
    shown: str,
    refuse: Any,
) -> type[S]:
    found = made.get(cls)
    if found is None:
        namespace: dict[str, Any] = {
            "__slots__": (),
            "__doc__": f"A {prefix.lower()} {cls.__name__}: shown as {shown}; reveal() refused.",
            "reveal": refuse,
            "mask": lambda self: shown,
            "__reduce__": refuse,
        }
        for name in ("birth_date", "division"):
            if isinstance(getattr(cls, name, None), property):
                namespace[name] = property(refuse)
        found = type(f"{prefix}{cls.__name__}", (cls,), namespace)
        made[cls] = found
        names.add(found)
    return found  # type: ignore[return-value]


def _base(value_type: type[Sensitive]) -> type[Sensitive]:
    """The plain personal type behind a sealed, erased or withheld variant."""
    for cls in value_type.__mro__:
        if cls.__module__ == "fengqiao_core.model.personal" or cls.__dict__.get("kind"):
            return cls
    return value_type


_SEALED_OF: dict[type, type] = {}


def seal_as(cls: type[S], text: str) -> S:
    """A sealed value of type ``cls`` holding the envelope ``text``."""
    kind = _SEALED_OF.get(cls)
    if kind is None:
        kind = _SEALED_OF[cls] = _variant(
            _base(cls), _SEALED, _SEALED_TYPES, "Sealed", _SEALED_MASK, _refuse_sealed
        )
    made: S = object.__new__(kind)
    object.__setattr__(made, "_raw", text)
    return made


def erase(value: S | type[S]) -> S:
    """An erased value of ``value``'s type (or of the type ``value``)."""
    cls = value if isinstance(value, type) else type(value)
    made = object.__new__(
        _variant(_base(cls), _ERASED, _ERASED_TYPES, "Erased", ERASED_MASK, _refuse_erased)
    )
    object.__setattr__(made, "_raw", "")
    return made  # type: ignore[return-value]


def is_sealed(value: object) -> bool:
    """Whether ``value`` is a sealed personal value."""
    return type(value) in _SEALED_TYPES


def is_erased(value: object) -> bool:
    """Whether ``value`` is an erased personal value."""
    return type(value) in _ERASED_TYPES


def envelope(value: Sensitive) -> str:
    """The envelope text a sealed value holds."""
    if not is_sealed(value):
        raise PermissionDenied("not a sealed personal value")
    return object.__getattribute__(value, "_raw")  # type: ignore[no-any-return]


def stored_form(value: Sensitive) -> dict[str, str] | None:
    """How the converter stores a sealed or erased value (``None`` for any other value)."""
    kind = type(value)
    if kind in _SEALED_TYPES:
        return {"$sealed": object.__getattribute__(value, "_raw")}
    if kind in _ERASED_TYPES:
        return {"$erased": value.kind}
    return None
