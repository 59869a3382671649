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
from typing import Any, NamedTuple

import attrs

from fengqiao_core.errors import IntegrityError
from fengqiao_core.model import Matter, MatterEvent, Party, Person, Sensitive
from fengqiao_core.model.sealed import envelope, erase, is_erased, is_sealed, seal_as
from fengqiao_core.model.withheld import is_withheld
from fengqiao_core.security.datakeys import DataKeys

__all__ = ["Sealer"]

_NONCE = 12
_FIELDS: dict[type, tuple[str, ...]] = {}
_SCALARS = (str, int, float, bool)


class _Subject(NamedTuple):
    subject: str
    person: str | None
    matter: str | None
    record: str


def _fields(cls: type) -> tuple[str, ...]:
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple(f.name for f in attrs.fields(cls))
    return found


def _context(value: Any, outer: _Subject | None) -> _Subject | None:
    """The subject of what ``value`` holds, given the subject around it."""
    if isinstance(value, MatterEvent):
        mid = value.matter_id
        return _Subject(f"matter:{mid}", None, mid, mid)
    if isinstance(value, Matter):
        return _Subject(f"matter:{value.id}", None, value.id, value.id)
    if isinstance(value, Party) and outer is not None and outer.matter is not None:
        record = f"{outer.matter}/{value.id}"
        if value.person:
            return _Subject(f"person:{value.person}", value.person, None, record)
        return outer._replace(record=record)
    if isinstance(value, Person):
        return _Subject(f"person:{value.id}", value.id, None, value.id)
    return outer


class Sealer:
    """Seals and unseals the personal values of one unit of work (its :class:`DataKeys`)."""

    def __init__(self, keys: DataKeys) -> None:
        self.keys = keys

    def seal(self, value: Any) -> Any:
        """``value`` with every plain personal value inside it sealed."""
        return self._walk(value, None, self._seal_one)

    def unseal(self, value: Any) -> Any:
        """``value`` with every sealed value inside it opened (or erased: key destroyed)."""
        return self._walk(value, None, self._open_one)

    def _walk(self, value: Any, outer: _Subject | None, leaf: Any) -> Any:
        if isinstance(value, tuple | list):
            items = [self._walk(v, outer, leaf) for v in value]
            if all(new is old for new, old in zip(items, value, strict=True)):
                return value
            return tuple(items) if isinstance(value, tuple) else items
        if not attrs.has(type(value)):
            return value
        where = _context(value, outer)
        changes: dict[str, Any] = {}
        for name in _fields(type(value)):
            current = getattr(value, name)
            if current is None or isinstance(current, _SCALARS):
                continue
            if isinstance(current, Sensitive):
                new = leaf(current, where, name) if where is not None else current
            else:
                new = self._walk(current, where, leaf)
            if new is not current:
                changes[name] = new
        if not changes:
            return value
        return attrs.evolve(value, **{_alias(type(value), k): v for k, v in changes.items()})

    def _seal_one(self, value: Sensitive, where: _Subject, name: str) -> Sensitive:
        if not _plain(value):
            return value  # already sealed, erased or withheld (the converter refuses withheld)
        key_id = self.keys.for_subject(where.subject, where.person, where.matter)
        nonce = os.urandom(_NONCE)
        sealed = self.keys.cipher(key_id).encrypt(
            nonce, value.reveal().encode(), _aad(key_id, where.record, name)
        )
        text = f"{key_id}.{base64.b64encode(nonce + sealed).decode()}"
        return seal_as(type(value), text)

    def _open_one(self, value: Sensitive, where: _Subject, name: str) -> Sensitive:
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
    return not (is_sealed(value) or is_erased(value) or is_withheld(value))


def _plain_type(cls: type) -> type[Sensitive]:
    for base in cls.__mro__[1:]:
        if issubclass(base, Sensitive):
            return base
    return cls


_ALIASES: dict[tuple[type, str], str] = {}


def _alias(cls: type, name: str) -> str:
    found = _ALIASES.get((cls, name))
    if found is None:
        field = attrs.fields_dict(cls)[name]
        found = _ALIASES[(cls, name)] = field.alias or name
    return found
