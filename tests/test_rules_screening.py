"""Rule L7: linked screening with keyed digests."""

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao_core.errors import ConfigurationError
from fengqiao_core.model.personal import Address
from fengqiao_core.rules.screening import (
    AlertColour,
    ScreeningSettings,
    score,
    screen,
    screening_keys,
)
from fengqiao_core.testing.strategies import matters
from rules_helpers import matter, party

SECRET = b"screening-rules-secret-41c7e9a0d25f6b83"


def keys(**fields):
    return screening_keys(matter(**fields), SECRET)


def test_l7_weights_phone_40_address_30_text_20_name_10():
    whole = matter(parties=[party()], text="楼上漏水")
    whole = attrs.evolve(whole, location=attrs.evolve(whole.location, address=Address("庙山路1号")))
    assert score(screening_keys(whole, SECRET), screening_keys(whole, SECRET)) == 100
    base = keys(parties=[party()], text="楼上漏水")
    same_phone = keys(parties=[party(name="不同人")], text="完全无关的描述")
    assert score(base, same_phone) == 40
    same_name = keys(parties=[party(phone="13900002222")], text="完全无关的描述")
    assert score(base, same_name) == 10


def test_l7_related_duplicate_and_alert_colours():
    new = keys(parties=[party()], text="楼上漏水")
    twin = ("m2", new)
    cousin = ("m3", keys(parties=[party()], text="楼上漏水严重"))
    stranger = (
        "m4",
        keys(parties=[party(pid="x", name="别人", phone="13700003333")], text="别的事"),
    )
    result = screen(new, [stranger, cousin, twin], ScreeningSettings(duplicate_at=70))
    assert [m for m, _ in result.related] == ["m2", "m3"]
    assert result.duplicate_of == "m2"
    assert result.alert is AlertColour.ORANGE
    assert screen(new, [stranger]).alert is None
    many = [(f"r{i}", new) for i in range(3)]
    assert screen(new, many, ScreeningSettings()).alert is AlertColour.RED


@given(matters)
def test_l7_keys_never_contain_raw_values(generated):
    digests = screening_keys(generated, SECRET)
    everything = " ".join(
        sorted(digests.identities | digests.names | digests.addresses | digests.shingles)
    )
    for p in generated.parties:
        assert p.name.reveal() not in everything
        if p.phone:
            assert p.phone.reveal() not in everything


def test_l7_addresses_are_compared_normalised():
    one = attrs.evolve(
        matter(), location=attrs.evolve(matter().location, address=Address("江夏区 庙山路 1号"))
    )
    two = attrs.evolve(
        matter(), location=attrs.evolve(matter().location, address=Address("江夏区庙山路1号"))
    )
    assert screening_keys(one, SECRET).addresses == screening_keys(two, SECRET).addresses


@given(st.binary(max_size=15))
def test_l7_a_short_secret_is_refused(secret):
    with pytest.raises(ConfigurationError, match="16 bytes"):
        screening_keys(matter(), secret)
