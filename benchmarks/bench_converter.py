"""converter.P3: our converter's JSON encode + decode of a matter vs msgspec on the same record.

The baseline record is a tree of ``msgspec.Struct`` types mirrored field by field from the attrs
model (personal values as plain strings, matters as a tagged union on ``"type"``), so both sides
carry the same fields; the benchmark checks that both encode the same JSON value first.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import types
from typing import Any, Union, get_args, get_origin

import attrs
import msgspec

from benchmarks.harness import Measurement, benchmark, interleave, per_call
from fengqiao_core import model as m
from fengqiao_core.model.personal import (
    Address,
    FreeText,
    IdNumber,
    PersonName,
    PhoneNumber,
    Sensitive,
)
from fengqiao_core.serialization import make_converter

_TZ = dt.timezone(dt.timedelta(hours=8))
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_PLAIN = (str, int, float, bool, dt.datetime, dt.date, dt.time)


def _id_number(body: str) -> IdNumber:
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return IdNumber(body + "10X98765432"[total % 11])


def _party(index: int, name: str, phone: str, id_body: str, address: str) -> m.Party:
    return m.Party(
        id=f"party-{index}",
        version=1,
        name=PersonName(name),
        phone=PhoneNumber(phone),
        id_number=_id_number(id_body),
        address=Address(address),
        birth_date=dt.date(int(id_body[6:10]), int(id_body[10:12]), int(id_body[12:14])),
    )


def representative_matter() -> m.Dispute:
    """A neighbours' dispute of two parties, a located point and two participants (invented)."""
    return m.Dispute(
        id="m-2026-000123",
        version=4,
        category="dispute:neighbour",
        state=m.DisputeState.MEDIATING,
        severity=m.Severity.GENERAL,
        source=m.Source.WALK_IN,
        location=m.Location(
            point=m.GeoPoint(lon=114.3217, lat=30.4106),
            address=Address("湖北省武汉市江夏区文化路18号5栋1201室"),
            place="p-wenhua-18",
        ),
        description=FreeText("楼上卫生间漏水, 楼下天花板受损, 双方就维修费用发生争执。"),
        reported_at=dt.datetime(2026, 3, 4, 9, 30, 12, tzinfo=_TZ),
        parties=(
            _party(1, "王建国", "13812345678", "42011519800517123", "江夏区文化路18号5栋1201室"),
            _party(2, "李秀英", "13987654321", "42011519750102045", "江夏区文化路18号5栋1101室"),
        ),
        reference="WJ-2026-0311",
        level=m.LadderLevel.COMMUNITY,
        owner="officer-7",
        cell="420115001001003",
        police_grid="pg-2",
        community="c-wenhua",
        due=dt.datetime(2026, 3, 19, 17, 0, tzinfo=_TZ),
        participants=(
            m.Participant("officer-7", "owner", m.Linkage.ONE_BODY, "L1"),
            m.Participant("mediator-3", "mediator", m.Linkage.JOINT_MEDIATION, "L5"),
        ),
        sessions=1,
        amount_yuan=12_000,
    )


class _Mirror:
    """Builds msgspec Struct types with the fields and JSON shapes of attrs model classes."""

    def __init__(self) -> None:
        self.structs: dict[type, type[msgspec.Struct]] = {}

    def type_of(self, hint: Any) -> Any:
        origin, args = get_origin(hint), get_args(hint)
        if origin in (Union, types.UnionType):
            return Union[tuple(self.type_of(arg) for arg in args)]  # noqa: UP007
        if origin is tuple:
            return tuple[self.type_of(args[0]), ...]  # type: ignore[misc]
        if hint is type(None) or hint in _PLAIN or issubclass(hint, enum.Enum):
            return hint
        if issubclass(hint, Sensitive | m.GridCode):
            return str
        return self.struct(hint)

    def struct(self, cls: type, **options: Any) -> type[msgspec.Struct]:
        if cls not in self.structs:
            fields = [
                (a.name, self.type_of(a.type)) for a in attrs.fields(attrs.resolve_types(cls))
            ]
            self.structs[cls] = msgspec.defstruct(
                cls.__name__, fields, forbid_unknown_fields=True, **options
            )
        return self.structs[cls]

    def record(self, value: Any) -> Any:
        """Convert an attrs value into the mirror types (for the baseline's input)."""
        if isinstance(value, Sensitive):
            return value.reveal()
        if isinstance(value, m.GridCode):
            return str(value)
        if isinstance(value, tuple):
            return tuple(self.record(item) for item in value)
        if attrs.has(type(value)):
            struct = self.structs[type(value)]
            return struct(
                **{a.name: self.record(getattr(value, a.name)) for a in attrs.fields(type(value))}
            )
        return value


def msgspec_baseline(
    matter: m.Matter,
) -> tuple[Any, msgspec.json.Encoder, msgspec.json.Decoder[Any]]:
    """The mirrored record of ``matter``, an encoder and a decoder for the tagged matter union."""
    mirror = _Mirror()
    kinds = [
        mirror.struct(cls, tag=cls.__name__, tag_field="type")
        for cls in (m.HelpRequest, m.Dispute, m.Incident, m.Tip)
    ]
    decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(Union[tuple(kinds)])  # noqa: UP007
    return mirror.record(matter), msgspec.json.Encoder(), decoder


@benchmark("converter.P3", goal="<= 3.0")
def converter_round_trip(quick: bool) -> Measurement:
    converter = make_converter()
    matter = representative_matter()
    record, encoder, decoder = msgspec_baseline(matter)
    ours_text = converter.dumps(matter, m.Matter)
    if json.loads(ours_text) != json.loads(encoder.encode(record)):
        raise RuntimeError("the msgspec record does not encode the same JSON as the matter")

    def ours() -> object:
        return converter.loads(converter.dumps(matter, m.Matter), m.Matter)

    def baseline() -> object:
        return decoder.decode(encoder.encode(record))

    number = 1_000 if quick else 10_000
    mine, theirs = interleave(
        lambda: per_call(ours, number), lambda: per_call(baseline, number), 9 if quick else 21
    )
    return Measurement(mine * 1e6, theirs * 1e6, "µs")


@benchmark("converter.P3.trusted", goal="<= 3.0")
def converter_trusted_read(quick: bool) -> Measurement:
    converter = make_converter()
    matter = representative_matter()
    record, encoder, decoder = msgspec_baseline(matter)
    stored = converter.dumps(matter, m.Matter).encode()  # what a backend reads from its row
    theirs_text = encoder.encode(record)
    if json.loads(stored) != json.loads(theirs_text):
        raise RuntimeError("the msgspec record does not encode the same JSON as the matter")

    def ours() -> object:
        return converter.trusted_loads(stored, m.Matter)

    def baseline() -> object:
        return decoder.decode(theirs_text)

    number = 2_000 if quick else 20_000
    mine, theirs = interleave(
        lambda: per_call(ours, number), lambda: per_call(baseline, number), 9 if quick else 21
    )
    return Measurement(mine * 1e6, theirs * 1e6, "µs")
