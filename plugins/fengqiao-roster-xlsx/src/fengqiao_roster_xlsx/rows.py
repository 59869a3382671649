"""One roster row → one person 行解析, or the reasons it is refused.

Parsed values are cached by cell text (a roster repeats its communities, skills and time
forms on every row), so validating a large roster costs little more than reading it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
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
    digest = hashlib.blake2b(
        phone.reveal().encode(), key=secret[:64], digest_size=8, person=b"fq-roster"
    )
    return f"rs-{digest.hexdigest()}"


class RowParser:
    """Turns rows of one sheet (cell values by column index) into people.

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
        self._cache: dict[str, dict[Any, Any]] = {}

    def _cached(self, field: str, value: object, parse: Callable[[object], Any]) -> Any:
        cache = self._cache.setdefault(field, {})
        key = (type(value), value) if not isinstance(value, str) else value
        try:
            found = cache[key]
        except KeyError:
            try:
                found = parse(value)
            except FengqiaoError as exc:
                found = exc
            except (ValueError, TypeError, OverflowError):
                found = ValidationError(field, "cannot be read")
            cache[key] = found
        if isinstance(found, FengqiaoError):
            raise found
        return found

    def _cell(self, row: Sequence[object], field: str) -> object:
        index = self.columns.get(field)
        return row[index] if index is not None and index < len(row) else ""

    def _community(self, value: object) -> str:
        text = cell_text(value)
        if not text:
            raise ValidationError("community", "missing community")
        found = self._communities.get(text)
        if found is None:
            raise ValidationError("community", "unknown community")
        return found

    def parse(self, row: Sequence[object]) -> tuple[Person | None, list[RowProblem]]:
        """The row's person, or ``None`` and every problem found (field, reason)."""
        problems: list[RowProblem] = []
        values: dict[str, Any] = {}

        def take(field: str, parse: Callable[[object], Any], cached: bool = True) -> None:
            value = self._cell(row, field)
            try:
                values[field] = self._cached(field, value, parse) if cached else parse(value)
            except ValidationError as exc:
                problems.append((field, exc.problems[0].message))
            except FengqiaoError:
                problems.append((field, "cannot be read"))

        take("role", parse_role)
        role = values.get("role", "steward")
        take("name", _name, cached=False)
        if "id" in self.columns and cell_text(self._cell(row, "phone")) == "":
            values["phone"] = None  # an id column identifies people without a phone
        else:
            take("phone", _phone, cached=False)
        if "id" in self.columns:
            take("id", _id_text, cached=False)
        if role != "lawyer" and (role == "steward" or "community" in self.columns):
            take("community", self._community)
        if role == "steward":
            take("occupation", parse_occupation)
            take("party_member", parse_party)
            take("skills", lambda v: parse_skills(v, self._skills))
            take("availability", lambda v: parse_availability(cell_text(v)))
        if problems:
            return None, problems
        person_id = values.get("id") or self._derived_id(values["phone"], problems)
        if person_id is None:
            return None, problems
        common = {"id": person_id, "name": values["name"], "phone": values["phone"]}
        try:
            return _build(role, common, values), []
        except ValidationError as exc:
            return None, [(exc.field.split(".")[0], exc.problems[0].message)]

    def _derived_id(self, phone: PhoneNumber | None, problems: list[RowProblem]) -> str | None:
        if phone is None:
            problems.append(("id", "missing id (and no phone to derive one from)"))
            return None
        if self._secret is None:
            problems.append(("id", "no id column and no station secret to derive one"))
            return None
        return derive_id(self._secret, phone)


def _name(value: object) -> PersonName:
    text = cell_text(value)
    if not text:
        raise ValidationError("name", "missing name")
    if len(text) > 64:
        raise ValidationError("name", "is longer than 64 characters")
    return PersonName(text)


def _phone(value: object) -> PhoneNumber:
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
    if role == "mediator":
        return Mediator(**common, community=values.get("community"))
    return RedSteward(
        **common,
        community=values["community"],
        occupation=values["occupation"],
        party_member=values["party_member"],
        skills=values["skills"],
        availability=values["availability"],
    )
