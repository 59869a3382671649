"""The accelerated converter (orjson decoding, hand-tuned hooks) against the reference path.

The reference is a converter configured with ``accelerated=False`` (cattrs' generic optional
and enum hooks) and decoding through the stdlib ``json`` module (``reference_loads``).
"""

import json

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao_core import model as m
from fengqiao_core.errors import ValidationError
from fengqiao_core.serialization import FengqiaoConverter, configure_converter, make_converter
from fengqiao_core.testing.strategies import _STRATEGIES, matter_events, matters
from json_mutations import mutate

FAST = make_converter()
FAST_MASKED = make_converter(masked=True)


def reference(*, masked=False):
    converter = FengqiaoConverter(forbid_extra_keys=True)
    configure_converter(converter, masked=masked, accelerated=False)
    return converter


REF = reference()
REF_MASKED = reference(masked=True)
TYPES = sorted(_STRATEGIES, key=lambda t: t.__name__)
BASES = [(m.Matter, matters), (m.MatterEvent, matter_events)]


def outcome(call):
    """What a call gives: ("ok", type, every field) or ("error", every problem)."""
    try:
        value = call()
    except ValidationError as error:
        return ("error", error.problems)
    return ("ok", type(value), attrs.asdict(value, recurse=True))


def assert_same_loads(text, cls):
    expected = outcome(lambda: REF.reference_loads(text, cls))
    assert outcome(lambda: FAST.loads(text, cls)) == expected
    assert outcome(lambda: FAST.reference_loads(text, cls)) == expected


@pytest.mark.parametrize("cls", TYPES, ids=lambda t: t.__name__)
@settings(max_examples=100)
@given(data=st.data())
def test_every_model_type_gives_the_same_json_and_objects(cls, data):
    value = data.draw(_STRATEGIES[cls])
    text = REF.dumps(value)
    assert FAST.dumps(value) == text
    assert FAST.unstructure(value) == REF.unstructure(value)
    assert FAST_MASKED.dumps(value) == REF_MASKED.dumps(value)
    assert_same_loads(text, cls)
    assert_same_loads(text.encode(), cls)


@pytest.mark.parametrize(("base", "strategy"), BASES, ids=["Matter", "MatterEvent"])
@settings(max_examples=200)
@given(data=st.data())
def test_tagged_unions_give_the_same_json_and_objects(base, strategy, data):
    value = data.draw(strategy)
    text = REF.dumps(value, base)
    assert FAST.dumps(value, base) == text
    assert FAST_MASKED.dumps(value, base) == REF_MASKED.dumps(value, base)
    assert_same_loads(text, base)


BIG = st.integers(-(2**80), 2**80)


@pytest.mark.parametrize("cls", [*TYPES, m.Matter, m.MatterEvent], ids=lambda t: t.__name__)
@settings(max_examples=100)
@given(data=st.data())
def test_bad_data_raises_the_same_validation_error(cls, data):
    strategy = dict(BASES)[cls] if cls in dict(BASES) else _STRATEGIES[cls]
    bad = mutate(REF.unstructure(data.draw(strategy), cls), data.draw)
    expected = outcome(lambda: REF.structure(bad, cls))
    assert outcome(lambda: FAST.structure(bad, cls)) == expected
    assert_same_loads(json.dumps(bad, ensure_ascii=False), cls)


@pytest.mark.parametrize(
    "text",
    [
        '{"lon": 18446744073709551616, "lat": 1, "crs": "wgs84"}',
        '{"lon": 1e400, "lat": 1, "crs": "wgs84"}',
        '{"lon": NaN, "lat": 1, "crs": "wgs84"}',
        '{"lon": 1, "lat": 1, "lat": 2, "crs": "wgs84"}',
        '\ufeff{"lon": 1, "lat": 1, "crs": "wgs84"}',
        '{"lon": 1, "lat": 1, "crs": "\\ud800"}',
        '{"lon": 1, "lat": 1, "crs": "wgs84"} x',
        "[" * 5000 + "]" * 5000,
        "",
    ],
)
def test_json_edge_cases_decode_as_the_stdlib_does(text):
    assert_same_loads(text, m.GeoPoint)
    assert_same_loads(text.encode("utf-8", "surrogatepass"), m.GeoPoint)


def test_big_integers_keep_the_stdlib_reading():
    text = '{"id": "pg1", "version": 18446744073709551616, "name": "一"}'
    assert FAST.loads(text, m.PoliceGrid).version == 2**64
    assert_same_loads(
        '{"id": "s1", "name": "x", "division": "420115", "area_km2": 36893488147419103232}',
        m.Station,
    )
