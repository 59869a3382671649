"""Masking holds against generic tools: attrs.asdict, cattrs' global converter, pickle, copy."""

from __future__ import annotations

import copy
import copyreg
import json
import pickle

import attrs
import cattrs
import pytest

from fengqiao_core import model as m
from fengqiao_core.errors import PermissionDenied, ValidationError
from fengqiao_core.model.personal import Address, FreeText, IdNumber, PersonName, PhoneNumber
from fengqiao_core.model.withheld import withhold
from fengqiao_core.security.pickling import personal_pickling
from fengqiao_core.serialization import make_converter

RAW = {
    "name": "欧阳明远",
    "phone": "13912345678",
    "id_number": "11010519491231002X",
    "address": "江夏区庙山大道一号三栋二单元",
    "text": "邻居半夜装修噪音扰民",
}


def values():
    return [
        PersonName(RAW["name"]),
        PhoneNumber(RAW["phone"]),
        IdNumber(RAW["id_number"]),
        Address(RAW["address"]),
        FreeText(RAW["text"]),
    ]


def a_party():
    return m.Party(
        id="p1",
        name=PersonName(RAW["name"]),
        phone=PhoneNumber(RAW["phone"]),
        id_number=IdNumber(RAW["id_number"]),
        address=Address(RAW["address"]),
    )


def leaks(text: str) -> list[str]:
    return [key for key, raw in RAW.items() if raw in text]


def dumped(value) -> str:
    """What a careless tool writes of ``value``: JSON with ``str`` for what JSON cannot hold."""
    return json.dumps(value, ensure_ascii=False, default=str)


def test_raw_values_are_not_attrs_fields():
    for value in values():
        assert not attrs.has(type(value))
        assert not hasattr(value, "__dict__")


def test_attrs_asdict_and_astuple_carry_no_raw_value():
    party = a_party()
    assert leaks(dumped(attrs.asdict(party))) == []
    assert leaks(repr(attrs.astuple(party))) == []
    assert leaks(repr(attrs.asdict(party))) == []


def test_the_global_cattrs_converter_carries_no_raw_value():
    party = a_party()
    for tool in (cattrs.unstructure, cattrs.global_converter.unstructure):
        assert leaks(dumped(tool(party))) == []
        for value in values():
            assert leaks(dumped(tool(value))) == []
    assert leaks(dumped(cattrs.Converter().unstructure(party))) == []


def test_our_converter_still_stores_raw_values_and_reads_them_back():
    converter = make_converter()
    party = a_party()
    data = converter.unstructure(party)
    assert data["name"] == RAW["name"]
    assert converter.structure(data, m.Party) == party
    assert leaks(dumped(make_converter(masked=True).unstructure(party))) == []


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_of_a_personal_value_is_refused(protocol):
    for value in [*values(), a_party(), [a_party()]]:
        with pytest.raises(PermissionDenied, match="not pickled"):
            pickle.dumps(value, protocol=protocol)


def test_the_refusal_names_the_kind_never_the_value():
    with pytest.raises(PermissionDenied) as caught:
        pickle.dumps(PhoneNumber(RAW["phone"]))
    assert "phone" in str(caught.value)
    assert leaks(str(caught.value)) == []


def test_state_and_reduce_refuse_too():
    phone = PhoneNumber(RAW["phone"])
    with pytest.raises(PermissionDenied):
        phone.__getstate__()
    with pytest.raises(PermissionDenied):
        phone.__reduce_ex__(2)
    with pytest.raises(PermissionDenied):
        object.__reduce_ex__(phone, 2)  # the generic reduce asks for the state
    with pytest.raises(PermissionDenied):
        copyreg._reduce_ex(phone, 1)


def test_pickling_is_allowed_only_inside_the_explicit_block():
    party = a_party()
    with personal_pickling("hand the batch to a worker process"):
        payload = pickle.dumps(party)
    assert pickle.loads(payload) == party
    assert pickle.loads(payload).name.reveal() == RAW["name"]
    with pytest.raises(PermissionDenied):
        pickle.dumps(party)


def test_a_withheld_value_never_pickles():
    with personal_pickling("even here"), pytest.raises(PermissionDenied):
        pickle.dumps(withhold(PersonName(RAW["name"])))


def test_the_escape_hatch_needs_a_reason():
    with pytest.raises(ValidationError, match="reason"), personal_pickling("  "):
        pass


def test_copy_and_deepcopy_return_the_value_itself_and_never_expose_it():
    party = a_party()
    for value in values():
        assert copy.copy(value) is value
        assert copy.deepcopy(value) is value
    duplicate = copy.deepcopy(party)
    assert duplicate == party
    assert duplicate.name is party.name


def test_values_stay_immutable_equal_by_value_and_hashable():
    name = PersonName(RAW["name"])
    with pytest.raises(AttributeError):
        name._raw = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del name._raw
    assert name == PersonName(RAW["name"])
    assert name != Address(RAW["name"])
    assert len({name, PersonName(RAW["name"])}) == 1
    assert PersonName(raw=RAW["name"]) == name
