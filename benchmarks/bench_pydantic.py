"""converter.P3.pydantic: our validated round trip of a matter vs pydantic v2 doing the same.

The peer is what a developer would write instead of attrs + cattrs: pydantic v2 models of the
same record (a tagged union of the four matter kinds on ``"type"``), strict and closed
(``strict=True``, ``extra="forbid"``) like our converter, with the same checks written the
idiomatic pydantic way — ``Annotated`` constraints where pydantic has them (identifier and
mobile patterns, coordinate ranges, ``AwareDatetime``), ``AfterValidator`` functions where it
does not (the GB 11643 check digit, province and birth date of an ID number, names and
addresses not blank) and a ``model_validator`` for a location's "at least one of". The
enums are the model's own. Both sides must encode the same JSON value, checked first.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
import re
from typing import Annotated, Literal

import pydantic
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from benchmarks.bench_converter import representative_matter
from benchmarks.harness import Measurement, benchmark, interleave, per_call
from fengqiao_core import model as m
from fengqiao_core.serialization import make_converter

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
)
_ID_SHAPE = re.compile(r"[1-9][0-9]{16}[0-9X]")


def _id_number(raw: str) -> str:
    if not _ID_SHAPE.fullmatch(raw):
        raise ValueError("not 17 digits and a check character")
    if int(raw[:2]) not in _PROVINCES:
        raise ValueError("no valid province code")
    born = dt.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))  # ValueError if impossible
    if born.year < 1900 or born > dt.date.today():
        raise ValueError("birth date out of range")
    if "10X98765432"[sum(map(operator.mul, map(int, raw[:17]), _WEIGHTS)) % 11] != raw[17]:
        raise ValueError("wrong check digit")
    return raw


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank")
    return text


Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
Name = Annotated[str, AfterValidator(_not_blank)]
Phone = Annotated[str, Field(pattern=r"^1[3-9][0-9]{9}$")]
IdNumber = Annotated[str, AfterValidator(_id_number)]
Degrees = Annotated[float, Field(allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class GeoPoint(_Model):
    lon: Annotated[Degrees, Field(ge=-180.0, le=180.0)]
    lat: Annotated[Degrees, Field(ge=-90.0, le=90.0)]
    crs: m.CoordinateSystem = m.CoordinateSystem.WGS84


class Location(_Model):
    point: GeoPoint | None = None
    address: Name | None = None
    place: Code | None = None

    @pydantic.model_validator(mode="after")
    def _somewhere(self) -> Location:
        if self.point is None and self.address is None and self.place is None:
            raise ValueError("give a point, an address or a place")
        return self


class Party(_Model):
    id: Code
    version: Annotated[int, Field(ge=0)] = 0
    name: Name
    phone: Phone | None = None
    person: Code | None = None
    id_number: IdNumber | None = None
    address: Name | None = None
    birth_date: dt.date | None = None


class Participant(_Model):
    ref: Code
    role: Code
    linkage: m.Linkage
    rule: Code


class Matter(_Model):
    id: Code
    version: Annotated[int, Field(ge=0)] = 0
    category: str
    severity: m.Severity
    source: m.Source
    location: Location
    description: str
    reported_at: AwareDatetime
    parties: tuple[Party, ...] = ()
    reference: str | None = None
    level: m.LadderLevel | None = None
    owner: Code | None = None
    cell: str | None = None
    police_grid: str | None = None
    community: str | None = None
    due: AwareDatetime | None = None
    participants: tuple[Participant, ...] = ()
    sessions: int = 0
    feedback_score: int | None = None
    updated_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    path: str | None = None
    commendations: int = 0
    related: tuple[str, ...] = ()
    alert: str | None = None
    reported_by: str | None = None
    refused_by: tuple[str, ...] = ()
    outcome: str | None = None
    resolved_at: AwareDatetime | None = None
    followed_up: bool = False
    legal_hold: bool = False


class HelpRequest(Matter):
    type: Literal["HelpRequest"] = "HelpRequest"
    state: m.HelpRequestState = m.HelpRequestState.RECEIVED


class Dispute(Matter):
    type: Literal["Dispute"] = "Dispute"
    state: m.DisputeState = m.DisputeState.REPORTED
    amount_yuan: int | None = None


class Incident(Matter):
    type: Literal["Incident"] = "Incident"
    state: m.IncidentState = m.IncidentState.REPORTED
    criminal: bool = False


class Tip(Matter):
    type: Literal["Tip"] = "Tip"
    state: m.TipState = m.TipState.RECEIVED
    linked_matter: Code | None = None


AnyMatter = Annotated[HelpRequest | Dispute | Incident | Tip, Field(discriminator="type")]
MATTERS: TypeAdapter[HelpRequest | Dispute | Incident | Tip] = TypeAdapter(AnyMatter)


@benchmark("converter.P3.pydantic", goal="<= 1.0")
def pydantic_round_trip(quick: bool) -> Measurement:
    converter = make_converter()
    matter = representative_matter()
    text = converter.dumps(matter, m.Matter)
    record = MATTERS.validate_json(text)
    if json.loads(record.model_dump_json()) != json.loads(text):
        raise RuntimeError("the pydantic record does not encode the same JSON as the matter")

    def ours() -> object:
        return converter.loads(converter.dumps(matter, m.Matter), m.Matter)

    def peer() -> object:
        return MATTERS.validate_json(record.model_dump_json())

    number = 1_000 if quick else 10_000
    mine, theirs = interleave(
        lambda: per_call(ours, number), lambda: per_call(peer, number), 9 if quick else 21
    )
    return Measurement(mine * 1e6, theirs * 1e6, "µs")
