"""Every edge of every lifecycle table is reached through the public use cases (issue: Station)."""

import collections

import pytest

from fengqiao_core import model as m
from fengqiao_core.rules.lifecycle import Action, edges
from fengqiao_core.rules.mediation import Agreement
from station_helpers import OFFICER, draft, station

A = Action
CALLS = {
    A.REGISTER: lambda s, i: s.register(OFFICER, i),
    A.REJECT: lambda s, i: s.reject(OFFICER, i, reason="not a dispute"),
    A.ACCEPT: lambda s, i: s.accept(OFFICER, i),
    A.TRIAGE: lambda s, i: s.triage(OFFICER, i),
    A.DISPATCH: lambda s, i: s.dispatch(OFFICER, i),
    A.ARRIVE: lambda s, i: s.arrive(OFFICER, i),
    A.ASSIGN: lambda s, i: s.assign(OFFICER, i),
    A.ESCALATE: lambda s, i: s.escalate(OFFICER, i, reason="needs the station"),
    A.REFER: lambda s, i: s.refer(OFFICER, i, to="judicial_office", reason="competent"),
    A.DEPARTMENT_REPLY: lambda s, i: s.department_reply(OFFICER, i, reason="handled"),
    A.OPEN_CASE: lambda s, i: s.open_case(OFFICER, i),
    A.RECORD_SESSION: lambda s, i: s.record_session(OFFICER, i, summary="双方到场"),
    A.AGREE: lambda s, i: s.agree(OFFICER, i),
    A.MAKE_EFFECTIVE: lambda s, i: s.make_effective(
        OFFICER,
        i,
        agreement=Agreement(
            parties=(),
            signed_by=(),
            mediator_signed=True,
            sealed=True,
            signed_on=s.now().date(),
        ),
    ),
    A.PERFORM: lambda s, i: s.record_performance(OFFICER, i, performed=True),
    A.NOT_PERFORM: lambda s, i: s.record_performance(OFFICER, i, performed=False),
    A.FAIL: lambda s, i: s.fail(OFFICER, i, reason="no agreement"),
    A.TERMINATE: lambda s, i: s.terminate(
        OFFICER, i, routes_told=["arbitration", "administrative", "judicial"]
    ),
    A.RESOLVE: lambda s, i: s.resolve(OFFICER, i),
    A.VERIFY: lambda s, i: s.verify_tip(OFFICER, i),
    A.CONFIRM: lambda s, i: s.confirm_tip(OFFICER, i, reason="seen on site"),
    A.DISMISS: lambda s, i: s.dismiss_tip(OFFICER, i, reason="nothing found"),
    A.FOLLOW_UP: lambda s, i: s.follow_up(OFFICER, i),
    A.FEEDBACK: lambda s, i: s.feedback(OFFICER, i, score=5),
    A.CLOSE: lambda s, i: s.close(OFFICER, i),
    A.ARCHIVE: lambda s, i: s.archive(OFFICER, i),
    A.WITHDRAW: lambda s, i: s.withdraw(OFFICER, i, reason="settled privately"),
    A.REOPEN: lambda s, i: s.reopen(OFFICER, i, reason="agreement not performed"),
}
EDGES = [(kind, *edge) for kind in m.MatterKind for edge in edges(kind)]


def path_to(kind, target):
    """The shortest action sequence from the first state to ``target`` (BFS over the table)."""
    first = next(iter(m.MATTER_TYPES[kind].states))
    queue = collections.deque([(first, [])])
    seen = {first}
    while queue:
        state, actions = queue.popleft()
        if state is target:
            return actions
        for source, action, to in edges(kind):
            if source is state and to not in seen:
                seen.add(to)
                queue.append((to, [*actions, action]))
    raise AssertionError(f"{target} unreachable")


def test_every_action_has_a_public_use_case():
    assert set(CALLS) == set(Action)


@pytest.mark.parametrize(
    ("kind", "source", "action", "target"),
    EDGES,
    ids=[f"{k.value}:{s.value}-{a.value}->{t.value}" for k, s, a, t in EDGES],
)
def test_every_edge_through_the_use_cases(kind, source, action, target):
    service, clock = station()
    with service:
        matter = service.report(OFFICER, draft(kind))
        route = path_to(kind, source)
        if action is A.ARCHIVE:
            finish = [A.MAKE_EFFECTIVE, A.PERFORM, A.FOLLOW_UP, A.CLOSE]
            route = [*path_to(kind, m.DisputeState.AGREED), *finish]
        for step in route:
            clock.advance(minutes=10)
            matter = CALLS[step](service, matter.id)
        assert matter.state is source
        after = CALLS[action](service, matter.id)
        assert after.state is target
        history = service.history(OFFICER, matter.id)
        assert history[-1].actor == OFFICER
        assert [e.version for e in history] == list(range(1, len(history) + 1))
