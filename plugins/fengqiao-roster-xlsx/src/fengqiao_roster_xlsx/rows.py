"""One roster row → one person 行解析, or the reasons it is refused.

Parsed values are cached by cell text (a roster repeats its communities, skills and time
forms on every row), so validating a large roster costs little more than reading it.
"""

from __future__ import annotations

import hashlib
import operator
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from fengqiao_core.errors import FengqiaoError, ValidationError
from fengqiao_core.model import Lawyer, Mediator, Person, RedSteward
from fengqiao_roster_xlsx._core import PersonName, PhoneNumber
from fengqiao_roster_xlsx.availability import parse_availability
from fengqiao_roster_xlsx.cells import (
    cell_text,
    parse_occupation,
    parse_party,
    parse_phone,
    parse_role,
    parse_skills,
)

__all__ = ["RowParser", "RowProblem", "derive_id"]

RowProblem = tuple[str, str]
"""A refused field and why: ``("phone", "malformed phone …")``."""


def derive_id(secret: bytes, phone: PhoneNumber) -> str:
    """A person id from the phone number, keyed with the station secret (not reversible).

    The same phone gives the same id in every import and in the volunteer backend, so a
    re-import finds the person again; without the secret nobody can tell the number from it.
    """
    hasher = _hasher(secret)
    hasher.update(phone.reveal().encode())
    return f"rs-{hasher.hexdigest()}"


def _hasher(secret: bytes) -> Any:
    return hashlib.blake2b(key=secret[:64], digest_size=8, person=b"fq-roster")


class RowParser:
    """Row parsing 行解析: turns rows of one sheet (cells by column index) into people.

    Args:
        columns: Field → column index, from the header row.
        communities: Community or village id and name → community id (exact text only).
        skills: The skill codes a roster may use.
        secret: Key for ids derived from phone numbers (needed without an id column).
    """

    def __init__(
        self,
        columns: Mapping[str, int],
        communities: Mapping[str, str],
        skills: Collection[str],
        secret: bytes | None,
    ) -> None:
        self.columns = dict(columns)
        self._communities = communities
        self._skills = frozenset(skills)
        self._secret = secret
        width = max(self.columns.values(), default=-1) + 1
        self._width = width
        self._at = {field: self.columns.get(field, width) for field in _ALL_FIELDS}
        self._name_at, self._phone_at, self._role_at = (
            self._at["name"],
            self._at["phone"],
            self._at["role"],
        )
        self._has_id, self._has_role = "id" in self.columns, "role" in self.columns
        self._steward_cells = operator.itemgetter(*(self._at[f] for f in _STEWARD_FIELDS))
        self._combos: dict[Any, tuple[dict[str, Any], list[RowProblem]]] = {}
        self._hasher = _hasher(secret) if secret is not None else None
        self._parsers: dict[str, Callable[[object], Any]] = {
            "role": parse_role,
            "community": self._community,
            "occupation": parse_occupation,
            "party_member": parse_party,
            "skills": lambda v: parse_skills(v, self._skills),
            "availability": lambda v: parse_availability(cell_text(v)),
        }
        self._caches: dict[str, dict[Any, Any]] = {field: {} for field in self._parsers}

    def _lookup(self, field: str, value: object) -> Any:
        """A cached field's value, or a :class:`_Refused` saying why not."""
        cache = self._caches[field]
        key = value if type(value) is str else (type(value), value)
        found = cache.get(key, _MISS)
        if found is _MISS:
            try:
                found = self._parsers[field](value)
            except ValidationError as exc:
                found = _Refused(exc.problems[0].message)
            except (FengqiaoError, ValueError, TypeError, OverflowError):
                found = _Refused("cannot be read")
            cache[key] = found
        return found

    def _community(self, value: object) -> str:
        text = cell_text(value)
        if not text:
            raise ValidationError("community", "missing community")
        found = self._communities.get(text)
        if found is None:
            raise ValidationError("community", "unknown community")
        return found

    def parse(self, row: list[object]) -> tuple[Person | None, list[RowProblem]]:
        """The row's person, or ``None`` and every problem found (field, reason).

        ``row`` is extended in place with blanks up to the header's width.
        """
        if len(row) <= self._width:
            row.extend([""] * (self._width + 1 - len(row)))
        role = self._lookup("role", row[self._role_at]) if self._has_role else "steward"
        if role == "steward":
            values, problems = self._steward_fields(row)
            name, phone = self._name(row[self._name_at]), self._phone(row[self._phone_at])
            if name is not None and phone is not None and not problems and not self._has_id:
                # the common row: a valid steward without an id column (id from the phone)
                person_id = self._derived_id(phone, problems)
                if person_id is not None:
                    return self._steward(person_id, name, phone, values)
            problems = list(problems)
        elif role.__class__ is _Refused:
            values, refused = self._steward_fields(row)
            problems = [("role", role.reason), *refused]
            role = "steward"
        elif role == "mediator" and "community" in self.columns:
            values, problems = self._fields(row, ("community",))
        else:
            values, problems = {}, []
        return self._person(row, role, values, problems)

    def _person(
        self, row: list[object], role: str, values: dict[str, Any], problems: list[RowProblem]
    ) -> tuple[Person | None, list[RowProblem]]:
        """Any row but the common one: every field checked, every problem gathered."""
        at = self._at
        name: Any = self._name(row[at["name"]])
        if name is None:
            name = _guard("name", _name, row[at["name"]], problems)
        cell = row[at["phone"]]
        phone: Any = self._phone(cell)
        if phone is None and not (self._has_id and (cell == "" or cell is None)):
            phone = _guard("phone", _phone, cell, problems)
        person_id = _guard("id", _id_text, row[at["id"]], problems) if self._has_id else ""
        if problems:
            return None, problems
        person_id = person_id or self._derived_id(phone, problems)
        if person_id is None:
            return None, problems
        if role == "steward":
            return self._steward(person_id, name, phone, values)
        try:
            return _build(role, {"id": person_id, "name": name, "phone": phone}, values), []
        except ValidationError as exc:
            return None, [(exc.field.split(".")[0], exc.problems[0].message)]

    @staticmethod
    def _steward(
        person_id: str, name: PersonName, phone: PhoneNumber | None, values: dict[str, Any]
    ) -> tuple[Person | None, list[RowProblem]]:
        try:
            return RedSteward(id=person_id, name=name, phone=phone, **values), []
        except ValidationError as exc:
            return None, [(exc.field.split(".")[0], exc.problems[0].message)]

    @staticmethod
    def _name(cell: object) -> PersonName | None:
        """The name of the common cell (plain text), or ``None`` to check it in full."""
        if type(cell) is str and 0 < len(cell) <= _NAME_MAX and not cell[0].isspace():
            return PersonName(cell.rstrip())
        return None

    @staticmethod
    def _phone(cell: object) -> PhoneNumber | None:
        """The phone of the common cell (a mobile number stored as a number), else ``None``."""
        if type(cell) is float and 13e9 <= cell < 2e10 and cell.is_integer():
            return PhoneNumber(str(int(cell)))
        if type(cell) is str and len(cell) == 11 and cell.isdigit() and cell.isascii():
            return PhoneNumber(cell) if _MOBILE.fullmatch(cell) else None
        return None

    def _fields(
        self, row: list[object], fields: tuple[str, ...]
    ) -> tuple[dict[str, Any], list[RowProblem]]:
        values: dict[str, Any] = {}
        refused: list[RowProblem] = []
        for field in fields:
            found = self._lookup(field, row[self._at[field]])
            if found.__class__ is _Refused:
                refused.append((field, found.reason))
            else:
                values[field] = found
        return values, refused

    def _steward_fields(self, row: list[object]) -> tuple[dict[str, Any], list[RowProblem]]:
        """A steward's cached fields, looked up once per combination of their five cells."""
        key = self._steward_cells(row)
        found = self._combos.get(key)
        if found is None:
            found = self._fields(row, _STEWARD_FIELDS)
            if len(self._combos) < _COMBOS_MAX:
                self._combos[key] = found
        return found

    def _derived_id(self, phone: PhoneNumber | None, problems: list[RowProblem]) -> str | None:
        if phone is None:
            problems.append(("id", "missing id (and no phone to derive one from)"))
            return None
        if self._secret is None:
            problems.append(("id", "no id column and no station secret to derive one"))
            return None
        hasher = self._hasher.copy() if self._hasher is not None else _hasher(self._secret)
        hasher.update(phone.reveal().encode())
        return f"rs-{hasher.hexdigest()}"


class _Refused:
    """A cached refusal: why a cell value cannot be used."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


_MISS = object()
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_NAME_MAX = 64
_COMBOS_MAX = 100_000
_ALL_FIELDS = ("id", "name", "phone", "community", "occupation", "party_member", "skills",
               "availability", "role")  # fmt: skip
_STEWARD_FIELDS = ("community", "occupation", "party_member", "skills", "availability")


def _guard(
    field: str, parse: Callable[[object], Any], value: object, problems: list[RowProblem]
) -> Any:
    try:
        return parse(value)
    except ValidationError as exc:
        problems.append((field, exc.problems[0].message))
    except FengqiaoError:
        problems.append((field, "cannot be read"))
    return None


def _name(value: object) -> PersonName:
    text = value.strip() if type(value) is str else cell_text(value)
    if not text:
        raise ValidationError("name", "missing name")
    if len(text) > _NAME_MAX:
        raise ValidationError("name", "is longer than 64 characters")
    return PersonName(text)


def _phone(value: object) -> PhoneNumber:
    if type(value) is float and 13e9 <= value < 2e10 and value.is_integer():
        return PhoneNumber(str(int(value)))  # the common case: a number in the sheet
    if cell_text(value) == "":
        raise ValidationError("phone", "missing phone")
    try:
        return parse_phone(value)
    except ValidationError:
        raise ValidationError("phone", "malformed phone") from None


def _id_text(value: object) -> str:
    text = cell_text(value)
    if text and not (len(text) <= 64 and text.isascii() and text[:1].isalnum()):
        raise ValidationError("id", "is not an id (letters, digits, _.:-)")
    return text


def _build(role: str, common: dict[str, Any], values: Mapping[str, Any]) -> Person:
    if role == "lawyer":
        return Lawyer(**common)
    return Mediator(**common, community=values.get("community"))
