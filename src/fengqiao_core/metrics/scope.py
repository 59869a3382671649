"""Periods 统计期间 and scopes 统计范围 of the figures: what a KPI report covers.

A period is half-open, ``[since, until)`` of ``reported_at``; its year-on-year comparison is the
same dates one year earlier. A scope narrows the matters to a police grid, cell, community or
category; several scopes of one kind widen each other (either), scopes of different kinds narrow
(both). The whole station is no scope at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

import attrs
from attrs import field, frozen

from fengqiao_core.errors import ValidationError
from fengqiao_core.model.values import aware, code
from fengqiao_core.ports import MatterFilter

__all__ = ["SCOPE_KINDS", "Period", "Scope", "ScopeKind", "scope_filter"]

ScopeKind = Literal["station", "police_grid", "cell", "community", "category"]
SCOPE_KINDS: tuple[ScopeKind, ...] = ("station", "police_grid", "cell", "community", "category")
"""The kinds of scope a report takes (``station`` is the whole station)."""

_FIELDS = {
    "police_grid": "police_grids",
    "cell": "cells",
    "community": "communities",
    "category": "categories",
}


_FIRST_YEAR, _LAST_YEAR = 1901, 9998
"""The years a period may cover: its year-on-year comparison and last day stay representable."""


def _one_year_earlier(moment: dt.datetime) -> dt.datetime:
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - 1, day=28)


@frozen
class Period:
    """A half-open period 统计期间 ``[since, until)`` of report times (zone-aware)."""

    since: dt.datetime = field(validator=aware)
    until: dt.datetime = field(validator=aware)

    def __attrs_post_init__(self) -> None:
        if self.until <= self.since:
            raise ValidationError("until", "the period must end after it starts")
        if self.since.year < _FIRST_YEAR - 1:  # a 1901 period compares with 1900
            raise ValidationError("since", f"a period lies within {_FIRST_YEAR}-{_LAST_YEAR}")
        if (self.until - dt.timedelta(microseconds=1)).year > _LAST_YEAR:
            raise ValidationError("until", f"a period lies within {_FIRST_YEAR}-{_LAST_YEAR}")

    def previous_year(self) -> Period:
        """The same dates one year earlier (29 February becomes 28 February): 同期."""
        return Period(_one_year_earlier(self.since), _one_year_earlier(self.until))

    def label(self) -> str:
        """``YYYY-MM-DD..YYYY-MM-DD`` (the last day included)."""
        last = self.until - dt.timedelta(microseconds=1)
        return f"{self.since.date().isoformat()}..{last.date().isoformat()}"

    @classmethod
    def of_dates(cls, first: dt.date, last: dt.date, zone: dt.tzinfo) -> Period:
        """From ``first`` to ``last`` inclusive, midnight to midnight in ``zone``.

        Raises:
            ValidationError: A date outside the years a period may cover, or ``last`` before
                ``first``.
        """
        for name, day in (("since", first), ("until", last)):
            if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
                raise ValidationError(name, f"a period lies within {_FIRST_YEAR}-{_LAST_YEAR}")
        start = dt.datetime.combine(first, dt.time(), zone)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
        return cls(start, end)


def _kind(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if value not in SCOPE_KINDS:
        raise ValidationError(attribute.name, f"expected one of {', '.join(SCOPE_KINDS)}")


@frozen
class Scope:
    """One scope 统计范围: a kind and a code (``station`` takes any code, e.g. ``"*"``)."""

    kind: ScopeKind = field(validator=_kind)
    code: str = field(default="*")

    def __attrs_post_init__(self) -> None:
        if self.kind != "station" and self.kind != "category":
            code(self, attrs.fields(Scope).code, self.code)
        elif not isinstance(self.code, str) or not self.code:
            raise ValidationError("code", "expected a code")

    def label(self) -> str:
        """``kind:code``, or ``station``."""
        return "station" if self.kind == "station" else f"{self.kind}:{self.code}"

    @classmethod
    def parse(cls, text: str) -> Scope:
        """``KIND:CODE`` (or ``station``) as written on the command line."""
        kind, _, value = str(text).partition(":")
        if kind == "station":
            return cls("station")
        if not value:
            raise ValidationError("scope", "write a scope as KIND:CODE, e.g. cell:420115001001")
        return cls(kind, value)  # type: ignore[arg-type]


def scope_filter(scopes: Iterable[Scope], base: MatterFilter | None = None) -> MatterFilter:
    """The filter of a set of scopes (same kind: either; different kinds: both)."""
    wanted: dict[str, list[str]] = {}
    for scope in scopes:
        if not isinstance(scope, Scope):
            raise ValidationError("scope", f"expected a Scope, got {type(scope).__name__}")
        if scope.kind != "station":
            wanted.setdefault(_FIELDS[scope.kind], []).append(scope.code)
    changes: dict[str, Any] = {name: tuple(dict.fromkeys(c)) for name, c in wanted.items()}
    return attrs.evolve(base or MatterFilter(), **changes)
