"""Every name of DOMAIN.md §2 exists in the model, says its Chinese term and has a strategy."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao_core import model
from fengqiao_core.testing.strategies import strategy_for

CJK = re.compile(r"[\u4e00-\u9fff]")
ENTITIES = [
    "Station", "PoliceGrid", "GridCell", "Place", "Officer", "AuxiliaryOfficer", "RedSteward",
    "GridWorker", "Mediator", "Lawyer", "Party", "Force", "Department", "CommunityTeam",
    "MediationPanel", "ResidentGroup", "VanguardTeam", "HelpRequest", "Dispute", "Incident", "Tip",
    "Feedback", "Commendation", "GeoPoint", "TimeWindow", "Skill", "GridCode", "Actor",
]  # fmt: skip
ENUMS = {
    "PlaceKind": [
        "VILLAGE",
        "COMMUNITY",
        "COMPOUND",
        "UNIVERSITY",
        "INDUSTRIAL_PARK",
        "ENTERPRISE",
    ],
    "OfficerPost": ["COMMUNITY", "CRIMINAL", "CASE_HANDLING", "DUTY", "COMMAND"],
    "GroupCategory": ["LANDLORD", "INDUSTRY", "UNIT", "SCHOOL", "GRID_WORKER", "VOLUNTEER"],
    "Severity": ["GENERAL", "MAJOR", "SERIOUS"],
    "Source": ["CALL_110", "WALK_IN", "GROUP", "VISIT", "SCREENING", "REFERRAL"],
    "LadderLevel": ["GRID", "COMMUNITY", "PARK", "STATION", "DEPARTMENT", "BEYOND"],
    "Occupation": ["RESIDENT", "SHOP_OWNER", "DOCTOR", "TEACHER", "STUDENT", "VETERAN"],
}
DISPUTE_CATEGORIES = [
    "marriage_family", "neighbour", "housing", "contract", "business", "damages", "land",
    "demolition", "pollution", "labour", "consumer", "medical", "traffic",
    "property_management", "other",
]  # fmt: skip


@pytest.mark.parametrize("name", ENTITIES)
@settings(max_examples=5)
@given(data=st.data())
def test_entity_exists_with_chinese_term_and_strategy(name, data):
    cls = getattr(model, name)
    assert CJK.search(cls.__doc__ or ""), f"{name} docstring lacks its Chinese term"
    assert isinstance(data.draw(strategy_for(cls)), cls)


@pytest.mark.parametrize(("name", "members"), sorted(ENUMS.items()))
def test_closed_enums_have_every_member_with_a_chinese_label(name, members):
    enum = getattr(model, name)
    assert [m.name for m in enum][: len(members)] == members
    assert all(CJK.search(m.label_zh) for m in enum)


def test_every_dispute_category_of_the_glossary_is_registered():
    registry = model.category_registry()
    for code in DISPUTE_CATEGORIES:
        assert CJK.search(registry.get(f"dispute:{code}").label_zh)
    for key in (
        "incident:burglary",
        "incident:telecom_fraud",
        "incident:fight",
        "help_request:lost_property",
    ):
        assert key in registry
