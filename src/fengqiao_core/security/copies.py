"""Copies of attrs values without ``__init__`` 副本: for masking and sealing, which swap values.

Masking (:mod:`~fengqiao_core.security.views`) and sealing
(:mod:`~fengqiao_core.security.sealing`) replace personal values inside model objects with
values of the same type: a withheld, sealed or opened twin of a value that was valid. Running
the validators again (what ``attrs.evolve`` does, the bulk of its cost) could not fail, so
:func:`replaced` copies slot by slot with a function generated once per class.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["compiled", "field_names", "replaced", "setter"]

_FIELDS: dict[type, tuple[str, ...]] = {}
_COPIERS: dict[type, tuple[Callable[[Any], Any], dict[str, Callable[[Any, Any], None]]]] = {}


def field_names(kind: type) -> tuple[str, ...]:
    """The field names of attrs class ``kind`` (cached)."""
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in attrs.fields(kind))
    return names


def setter(kind: type, name: str) -> Callable[[Any, Any], None]:
    """How to set field ``name`` on an instance of ``kind``: its slot's setter when it has one."""
    slot = getattr(kind, name, None)
    if isinstance(slot, types.MemberDescriptorType):
        return slot.__set__
    return lambda instance, new: object.__setattr__(instance, name, new)


def compiled(lines: list[str], label: str, kind: type, **names: Any) -> Callable[..., Any]:
    """The function ``generated`` that the source ``lines`` define.

    The source sees ``kind``, ``new`` (``object.__new__``; the hash cache emptied for a class
    that keeps one), ``set_<i>`` (the setter of the ``i``-th field of ``kind``) and ``names``.
    """
    names.update({f"set_{i}": setter(kind, n) for i, n in enumerate(field_names(kind))})
    names.update(kind=kind, new=_new(kind))
    exec(compile("\n".join(lines), f"<{label}>", "exec"), names)
    return names["generated"]  # type: ignore[no-any-return]


def _new(kind: type) -> Callable[[type], Any]:
    """``object.__new__``, or for a class caching its hash one whose cache starts empty."""
    cache = getattr(kind, "_attrs_cached_hash", None)  # attrs' slot for ``cache_hash=True``
    if not isinstance(cache, types.MemberDescriptorType):
        return object.__new__

    def new(cls: type) -> Any:
        made: Any = object.__new__(cls)
        cache.__set__(made, None)
        return made

    return new


def replaced(value: Any, changes: dict[str, Any]) -> Any:
    """A copy of the attrs instance ``value`` with ``changes``, built without ``__init__``."""
    kind = type(value)
    copy, setters = _COPIERS.get(kind) or _copier(kind)
    made = copy(value)
    for name, new in changes.items():
        setters[name](made, new)
    return made


def _copier(kind: type) -> tuple[Callable[[Any], Any], dict[str, Callable[[Any, Any], None]]]:
    """A function copying every field of ``kind``, and each field's setter."""
    names = field_names(kind)
    lines = ["def generated(value):", "    made = new(kind)"]
    lines += [f"    set_{i}(made, value.{name})" for i, name in enumerate(names)]
    made = compiled([*lines, "    return made"], f"copy {kind.__qualname__}", kind)
    found = _COPIERS[kind] = (made, {name: setter(kind, name) for name in names})
    return found
