"""DOMAIN.md §4 lifecycles: every edge, illegal actions, lawful random walks."""

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao_core import model as m
from fengqiao_core.errors import RuleViolation, TransitionError
from fengqiao_core.rules.ladder import SkipReason
from fengqiao_core.rules.lifecycle import TABLES, Action, act, allowed_actions, edges, next_state
from fengqiao_core.testing.strategies import lawful_histories
from rules_helpers import AT, OFFICER, matter

EDGES = [(kind, *edge) for kind in m.MatterKind for edge in edges(kind)]


@pytest.mark.parametrize(
    ("kind", "source", "action", "target"),
    EDGES,
    ids=[f"{k.value}:{s.value}-{a.value}->{t.value}" for k, s, a, t in EDGES],
)
def test_every_edge_of_every_table(kind, source, action, target):
    start = attrs.evolve(matter(kind), state=source, level=m.LadderLevel.COMMUNITY)
    events = act(start, action, actor=OFFICER, at=AT, reason="test")
    after = m.replay(events, start=start)
    assert after.state is target
    assert all(e.actor == OFFICER and e.at == AT and e.reason.reveal() == "test" for e in events)
    assert [e.version for e in events] == list(range(2, 2 + len(events)))


@pytest.mark.parametrize("kind", list(m.MatterKind))
def test_every_state_is_reachable_from_the_first(kind):
    first = next(iter(type(matter(kind)).states))
    seen, todo = {first}, [first]
    while todo:
        state = todo.pop()
        for source, _, target in edges(kind):
            if source is state and target not in seen:
                seen.add(target)
                todo.append(target)
    assert seen == set(type(matter(kind)).states)


@pytest.mark.parametrize("kind", list(m.MatterKind))
def test_illegal_actions_raise_transition_error_naming_matter_state_action(kind):
    fresh = matter(kind)
    illegal = [a for a in Action if a not in allowed_actions(fresh)]
    assert illegal
    for action in illegal:
        with pytest.raises(TransitionError) as info:
            next_state(fresh, action)
        assert info.value.matter_id == "m1"
        assert info.value.state == fresh.state.value
        assert info.value.action == action.value
        assert "allowed here" in str(info.value)


def test_withdraw_and_reopen_exist_for_every_kind():
    for table in TABLES.values():
        actions = {action for (_, action) in table}
        assert {Action.WITHDRAW, Action.REOPEN, Action.CLOSE} <= actions


@settings(max_examples=300)
@given(st.sampled_from(list(m.MatterKind)), st.lists(st.integers(0, 50), max_size=25))
def test_lawful_random_walks_fold_consistently(kind, choices):
    history = [matter(kind)]
    events = []
    current = history[0]
    for choice in choices:
        options = [a for a in allowed_actions(current) if a is not Action.ESCALATE]
        if not options:
            break
        action = options[choice % len(options)]
        new = act(current, action, actor=OFFICER, at=AT)
        current = m.replay(new, start=current)
        events += new
        assert current.state is TABLES[kind][(history[-1].state, action)]
        history.append(current)
    from rules_helpers import report

    assert m.replay([report(kind), *events]).state is current.state
    assert current.version == 1 + len(events)


@settings(max_examples=300)
@given(st.sampled_from(list(m.MatterKind)), st.lists(st.sampled_from(list(Action)), max_size=20))
def test_random_actions_apply_or_raise_a_documented_error(kind, actions):
    current = attrs.evolve(matter(kind), level=m.LadderLevel.GRID)
    for action in actions:
        try:
            events = act(current, action, actor=OFFICER, at=AT)
        except (TransitionError, RuleViolation):
            assert action not in allowed_actions(current) or action is Action.ESCALATE
            continue
        before = current.level
        current = m.replay(events, start=current)
        if action is Action.ESCALATE:
            assert current.level.rank == before.rank + 1  # L3: one rung at a time


def test_l3_escalation_moves_one_rung_unless_a_skip_reason_is_named():
    assigned = attrs.evolve(matter(), state=m.DisputeState.ASSIGNED, level=m.LadderLevel.GRID)
    one = m.replay(act(assigned, Action.ESCALATE, actor=OFFICER, at=AT), start=assigned)
    assert one.level is m.LadderLevel.COMMUNITY
    with pytest.raises(RuleViolation, match="one rung at a time"):
        act(assigned, Action.ESCALATE, actor=OFFICER, at=AT, to_level=m.LadderLevel.STATION)
    skipped = act(
        assigned,
        Action.ESCALATE,
        actor=OFFICER,
        at=AT,
        to_level=m.LadderLevel.STATION,
        skip=SkipReason.CRIMINAL_SIGNS,
    )
    assert skipped[-1].rule == "L3:criminal_signs"
    assert m.replay(skipped, start=assigned).level is m.LadderLevel.STATION


@settings(max_examples=300)
@given(lawful_histories())
def test_any_lawful_history_folds_to_a_consistent_matter(history):
    matter = m.replay(history)
    assert matter.version == len(history)
    previous = m.replay(history[:1])
    for event in history[1:]:
        if isinstance(event, m.StateChanged):
            table = TABLES[previous.kind]
            assert table[(previous.state, Action(event.action))].value == event.state
        after = m.apply_event(previous, event)
        if isinstance(event, m.MatterEscalated):
            before = previous.level or m.LadderLevel.GRID
            assert after.level.rank == before.rank + 1
        previous = after
    assert previous.state is matter.state
