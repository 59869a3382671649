"""Sealing personal values 字段加密: AES-256-GCM per value, under its subject's data key.

:class:`Sealer` turns every personal value inside a matter event, a matter or a person into
a sealed value (:mod:`fengqiao_core.model.sealed`) and back. The subject of a value decides
its key:

- a party bound to a person record (``party.person``) and a person record: ``person:<id>``,
  so erasing the person destroys one key;
- everything else of a matter (its description, a statement, an unbound party, the address
  of its location): ``matter:<id>``, destroyed when its retention period ends.

An envelope is ``<key id>.<base64(nonce | ciphertext | tag)>``; the associated data binds it to
the key, the record (matter, matter/party or person id) and the field, so a ciphertext moved
to another record or field fails authentication (:class:`~fengqiao_core.errors.IntegrityError`)
instead of showing someone else's value. A value whose key was destroyed reads as erased.
"""

from __future__ import annotations

import base64
import os
import types
import typing
from typing import Any, NamedTuple

import attrs

from fengqiao_core.errors import IntegrityError
from fengqiao_core.model import Matter, MatterEvent, Party, Person, Sensitive
from fengqiao_core.model.sealed import envelope, erase, is_erased, is_sealed, seal_as
from fengqiao_core.model.withheld import is_withheld, withhold
from fengqiao_core.security.copies import field_names, replaced
from fengqiao_core.security.datakeys import DataKeys

__all__ = ["Sealer"]

_NONCE = 12
_PLANS: dict[type, tuple[str, ...]] = {}
_SEQUENCES = (tuple, list)
_PLAIN_TYPES: set[type] = set()


class _Subject(NamedTuple):
    subject: str
    person: str | None
    matter: str | None
    record: str


_EVENT, _MATTER, _PARTY, _PERSON, _OTHER = range(5)
_ROLES: dict[type, int] = {}


def _role(cls: type) -> int:
    found = _ROLES.get(cls)
    if found is None:
        found = _ROLES[cls] = next(
            (
                r
                for r, base in enumerate((MatterEvent, Matter, Party, Person))
                if issubclass(cls, base)
            ),
            _OTHER,
        )
    return found


def _context(value: Any, outer: _Subject | None) -> _Subject | None:
    """The subject of what ``value`` holds, given the subject around it."""
    role = _role(type(value))
    if role == _EVENT:
        mid = value.matter_id
        return _Subject(f"matter:{mid}", None, mid, mid)
    if role == _MATTER:
        return _Subject(f"matter:{value.id}", None, value.id, value.id)
    if role == _PARTY and outer is not None and outer.matter is not None:
        record = f"{outer.matter}/{value.id}"
        if value.person:
            return _Subject(f"person:{value.person}", value.person, None, record)
        return _Subject(outer.subject, outer.person, outer.matter, record)
    if role in (_PARTY, _PERSON):
        return _Subject(f"person:{value.id}", value.id, None, value.id)
    return outer


class Sealer:
    """Seals and unseals the personal values of one unit of work (its :class:`DataKeys`)."""

    def __init__(self, keys: DataKeys) -> None:
        self.keys = keys
        self._opened: dict[int, tuple[Sensitive, Sensitive]] = {}

    def seal(self, value: Any) -> Any:
        """``value`` with every plain personal value inside it sealed."""
        return self._walk(value, None, self._seal_one)

    def unseal(self, value: Any, *, withheld: bool = False) -> Any:
        """``value`` with every sealed value inside it opened (or erased: key destroyed).

        With ``withheld`` each opened value comes out withheld (its mask only,
        :func:`~fengqiao_core.model.withheld.withhold`): a masked read makes one copy, not two.
        """
        return self._walk(value, None, self._open_withheld if withheld else self._open_one)

    def _walk(self, value: Any, outer: _Subject | None, leaf: Any) -> Any:
        if isinstance(value, _SEQUENCES):
            items = [self._walk(v, outer, leaf) for v in value]
            if all(new is old for new, old in zip(items, value, strict=True)):
                return value
            return tuple(items) if isinstance(value, tuple) else items
        cls = type(value)
        plan = _PLANS.get(cls)
        if plan is None:
            if not attrs.has(cls):
                return value
            plan = _plan(cls)
        if not plan:
            return value
        where: _Subject | None = None
        changes: dict[str, Any] = {}
        for name in plan:
            current = getattr(value, name)
            if current is None:
                continue
            if where is None:
                where = _context(value, outer)
            if isinstance(current, Sensitive):
                new = leaf(current, where, name) if where is not None else current
            else:
                new = self._walk(current, where, leaf)
            if new is not current:
                changes[name] = new
        if not changes:
            return value
        return replaced(value, changes)

    def _seal_one(self, value: Sensitive, where: _Subject, name: str) -> Sensitive:
        if not _plain(value):
            return value  # already sealed, erased or withheld (the converter refuses withheld)
        key_id = self.keys.for_subject(where.subject, where.person, where.matter)
        nonce = os.urandom(_NONCE)
        sealed = self.keys.cipher(key_id).encrypt(
            nonce, value.reveal().encode(), _aad(key_id, where.record, name)
        )
        text = f"{key_id}.{base64.b64encode(nonce + sealed).decode()}"
        made = seal_as(type(value), text)
        self._opened[id(made)] = (made, value)  # what this unit sealed it opens for free
        return made

    def _open_withheld(self, value: Sensitive, where: _Subject, name: str) -> Sensitive:
        return withhold(self._open_one(value, where, name))

    def _open_one(self, value: Sensitive, where: _Subject, name: str) -> Sensitive:
        known = self._opened.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        if not is_sealed(value):
            return value
        key_id, _, body = envelope(value).partition(".")
        cipher = self.keys.cipher(key_id)
        if cipher is None:
            return erase(value)
        try:
            data = base64.b64decode(body)
            raw = cipher.decrypt(data[:_NONCE], data[_NONCE:], _aad(key_id, where.record, name))
        except Exception:  # InvalidTag, bad base64: an altered or moved ciphertext
            raise IntegrityError(
                f"the sealed {name} of {where.record} does not authenticate: it was altered or "
                "moved from another record"
            ) from None
        base = _plain_type(type(value))
        opened: Sensitive = object.__new__(base)
        object.__setattr__(opened, "_raw", raw.decode())
        return opened


def _aad(key_id: str, record: str, name: str) -> bytes:
    return f"{key_id}|{record}|{name}".encode()


def _plain(value: Sensitive) -> bool:
    """Whether ``value`` is a plain personal value (not sealed, erased or withheld)."""
    if type(value) in _PLAIN_TYPES:
        return True
    plain = not (is_sealed(value) or is_erased(value) or is_withheld(value))
    if plain:
        _PLAIN_TYPES.add(type(value))
    return plain


def _plain_type(cls: type) -> type[Sensitive]:
    for base in cls.__mro__[1:]:
        if issubclass(base, Sensitive):
            return base
    return cls


def _plan(cls: type) -> tuple[str, ...]:
    """The fields of the attrs class ``cls`` whose type may hold a personal value.

    Published only once complete: no other thread ever sees a partial plan (a plan it would
    take as "nothing to seal").
    """
    found = _PLANS.get(cls)
    if found is None:
        try:
            hints = typing.get_type_hints(cls)
        except Exception:  # an unresolvable annotation: walk every field
            found = field_names(cls)
        else:
            found = tuple(n for n in field_names(cls) if _may_hold(hints.get(n, Any), frozenset()))
        _PLANS[cls] = found
    return found


def _may_hold(hint: Any, path: frozenset[type]) -> bool:
    """Whether a value of type ``hint`` may hold a personal value.

    ``path`` holds the classes on the way here: met again, they add nothing their first visit
    does not (a recursive type).
    """
    if hint is Any:
        return True
    if typing.get_origin(hint) is not None or isinstance(hint, types.UnionType):
        return any(_may_hold(a, path) for a in typing.get_args(hint) if a is not Ellipsis)
    if not isinstance(hint, type):
        return True  # a typing construct not understood here: walk it
    if issubclass(hint, Sensitive):
        return True
    if hint in (str, int, float, bool, type(None)) or not attrs.has(hint):
        return False
    return any(_holds(c, path | {c}) for c in _family(hint) if c not in path)


def _holds(cls: type, path: frozenset[type]) -> bool:
    """Whether some field of the attrs class ``cls`` may hold a personal value."""
    planned = _PLANS.get(cls)
    if planned is not None:
        return bool(planned)
    try:
        hints = typing.get_type_hints(cls)
    except Exception:
        return True
    return any(_may_hold(hints.get(n, Any), path) for n in field_names(cls))


def _family(cls: type) -> list[type]:
    found: list[type] = [cls]
    todo: list[type] = list(cls.__subclasses__())
    while todo:
        sub = todo.pop()
        found.append(sub)
        todo.extend(sub.__subclasses__())
    return [c for c in found if attrs.has(c)]
