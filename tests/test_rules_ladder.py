"""Rules L2 (ceilings) and L3 (one rung at a time)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao_core.errors import RuleViolation
from fengqiao_core.model import LadderLevel, Severity
from fengqiao_core.rules.ladder import (
    LadderSettings,
    SkipReason,
    ceiling,
    check_escalation,
    counts_against_no_escalation,
    initial_level,
    is_ceiling_breached,
    next_level,
)


def test_l2_ceilings_small_in_community_big_in_the_park():
    assert ceiling(Severity.GENERAL) is LadderLevel.COMMUNITY
    assert ceiling(Severity.MAJOR) is LadderLevel.STATION
    assert ceiling(Severity.SERIOUS) is LadderLevel.STATION


@given(st.sampled_from(list(LadderLevel)))
def test_l2_a_general_matter_closed_above_its_ceiling_is_always_flagged(level):
    assert is_ceiling_breached(Severity.GENERAL, level) == (level.rank > 1)
    assert not is_ceiling_breached(Severity.GENERAL, LadderLevel.PARK)


def test_l2_beyond_counts_against_no_escalation():
    assert counts_against_no_escalation(LadderLevel.BEYOND)
    assert not counts_against_no_escalation(LadderLevel.DEPARTMENT)
    assert is_ceiling_breached(Severity.SERIOUS, LadderLevel.BEYOND)


def test_l2_initial_levels_are_configurable_and_parks_replace_communities():
    assert initial_level(Severity.GENERAL, park=False) is LadderLevel.COMMUNITY
    assert initial_level(Severity.GENERAL, park=True) is LadderLevel.PARK
    assert initial_level(Severity.SERIOUS, park=True) is LadderLevel.STATION
    grid_first = LadderSettings(general="grid")
    assert initial_level(Severity.GENERAL, park=True, settings=grid_first) is LadderLevel.GRID


def test_l3_next_rungs():
    assert next_level(LadderLevel.GRID, park=True) is LadderLevel.PARK
    assert next_level(LadderLevel.PARK, park=True) is LadderLevel.STATION
    assert next_level(LadderLevel.STATION, park=False) is LadderLevel.DEPARTMENT
    assert next_level(LadderLevel.DEPARTMENT, park=False) is LadderLevel.BEYOND
    with pytest.raises(RuleViolation, match=r"\[L3\]"):
        next_level(LadderLevel.BEYOND, park=False)


@pytest.mark.parametrize(
    ("current", "target", "skip", "ok"),
    [
        (LadderLevel.COMMUNITY, LadderLevel.STATION, None, True),
        (LadderLevel.COMMUNITY, LadderLevel.DEPARTMENT, None, False),
        (LadderLevel.STATION, LadderLevel.STATION, None, False),
        (LadderLevel.GRID, LadderLevel.STATION, SkipReason.CRIMINAL_SIGNS, True),
        (LadderLevel.GRID, LadderLevel.BEYOND, SkipReason.CRIMINAL_SIGNS, False),
    ],
)
def test_l3_check_escalation(current, target, skip, ok):
    if ok:
        check_escalation(current, target, park=False, skip=skip)
    else:
        with pytest.raises(RuleViolation):
            check_escalation(current, target, park=False, skip=skip)
    assert target.rank > current.rank or not ok
