import json
import math

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao_core import model as m
from fengqiao_core.errors import ValidationError
from fengqiao_core.serialization import make_converter
from fengqiao_core.testing.strategies import _STRATEGIES, matter_events, matters
from json_mutations import JSONISH, mutate

CONVERTER = make_converter()
MASKED = make_converter(masked=True)
TYPES = sorted(_STRATEGIES, key=lambda t: t.__name__)


def fields_of(value):
    """Full field-by-field content (entities compare by id only)."""
    return attrs.asdict(value, recurse=True) | {"_type": type(value)}


@pytest.mark.parametrize("cls", TYPES, ids=lambda t: t.__name__)
@settings(max_examples=200)
@given(data=st.data())
def test_every_model_type_round_trips_through_json(cls, data):
    value = data.draw(_STRATEGIES[cls])
    text = CONVERTER.dumps(value)
    back = CONVERTER.loads(text, cls)
    assert fields_of(back) == fields_of(value)


@given(matters)
def test_matters_round_trip_through_the_base_type(matter):
    back = CONVERTER.structure(CONVERTER.unstructure(matter, m.Matter), m.Matter)
    assert type(back) is type(matter)
    assert fields_of(back) == fields_of(matter)


@given(matter_events)
def test_events_round_trip_through_the_base_type(event):
    back = CONVERTER.loads(CONVERTER.dumps(event, m.MatterEvent), m.MatterEvent)
    assert back == event


@given(matters, _STRATEGIES[m.Party])
def test_masked_converter_never_emits_personal_values(matter, party):
    matter = attrs.evolve(matter, parties=(party,))
    raw = CONVERTER.dumps(matter, m.Matter)
    masked = MASKED.dumps(matter, m.Matter)
    for party in matter.parties:
        assert party.name.reveal() in raw
        assert party.name.reveal() not in masked
    assert json.loads(masked)["type"] == type(matter).__name__


def assert_only_validation_error(data, cls):
    """Structuring either succeeds or raises ValidationError with "$" paths (nothing else)."""
    problems = ()
    try:
        CONVERTER.structure(data, cls)
    except ValidationError as error:
        problems = error.problems
        assert problems
    assert all(p.field.startswith("$") for p in problems)


@pytest.mark.parametrize("cls", TYPES, ids=lambda t: t.__name__)
@settings(max_examples=100)
@given(data=JSONISH)
def test_arbitrary_json_lets_only_validation_error_escape(cls, data):
    assert_only_validation_error(data, cls)


@pytest.mark.parametrize("cls", TYPES, ids=lambda t: t.__name__)
@settings(max_examples=200)
@given(data=st.data())
def test_mutated_valid_data_lets_only_validation_error_escape(cls, data):
    valid = CONVERTER.unstructure(data.draw(_STRATEGIES[cls]))
    assert_only_validation_error(mutate(valid, data.draw), cls)


@settings(max_examples=20)
@given(matters)
def test_errors_list_every_bad_field_with_its_path(matter):
    data = CONVERTER.unstructure(matter, m.Matter)
    data["severity"] = "huge"
    data["reported_at"] = "2026-01-01T00:00:00"
    data["location"] = {"point": {"lon": math.nan, "lat": 30.0, "crs": "wgs84"}}
    data["unexpected"] = 1
    with pytest.raises(ValidationError) as info:
        CONVERTER.structure(data, m.Matter)
    fields = {p.field for p in info.value.problems}
    assert {"$.severity", "$.reported_at", "$.location.point.lon", "$"} <= fields
    assert "unknown keys: unexpected" in str(info.value)
    assert "no UTC offset" in str(info.value)


@pytest.mark.parametrize(
    ("data", "cls", "message"),
    [
        ("13812345678", m.Party, "expected an object"),
        ({"type": "Nope"}, m.Matter, "is not one of"),
        ([], m.MatterEvent, "expected an object"),
        ("{not json", None, "not valid JSON"),
    ],
)
def test_top_level_shape_errors(data, cls, message):
    call = (
        (lambda: CONVERTER.loads(data, m.Matter))
        if cls is None
        else (lambda: CONVERTER.structure(data, cls))
    )
    with pytest.raises(ValidationError, match=message):
        call()


def test_strict_scalars_refuse_coercion():
    good = {"id": "pg1", "version": 0, "name": "一"}
    assert CONVERTER.structure(good, m.PoliceGrid).name == "一"
    for key, bad in (("version", "3"), ("version", 1.5), ("version", True), ("name", 5)):
        with pytest.raises(ValidationError) as info:
            CONVERTER.structure(good | {key: bad}, m.PoliceGrid)
        assert info.value.field == f"$.{key}"
    with pytest.raises(ValidationError, match="expected a list"):
        CONVERTER.structure(
            {"id": "t", "community": "c", "officer": "o", "lead": "l", "stewards": "abc"},
            m.CommunityTeam,
        )


def test_configure_callables_extend_the_converter():
    seen = []
    make_converter(configure=[seen.append])
    assert len(seen) == 1


def test_a_bad_personal_value_is_reported_once_at_its_path():
    data = {"id": "p1", "version": 0, "name": "张三", "phone": "12345"}
    with pytest.raises(ValidationError) as info:
        CONVERTER.structure(data, m.Party)
    assert [p.field for p in info.value.problems] == ["$.phone"]
    assert "12345" not in str(info.value)
