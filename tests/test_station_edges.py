"""Every edge of every lifecycle table is reached through the public use cases (issue: Station)."""

import collections

import pytest

from fengqiao_core import model as m
from fengqiao_core.model.personal import PersonName, PhoneNumber
from fengqiao_core.rules.lifecycle import Action, edges
from station_helpers import CALLS, OFFICER, draft, station

A = Action
PARTY = m.Party(id="p1", name=PersonName("赵小明"), phone=PhoneNumber("13800001111"))

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


def take(service, matter, action):
    """Take ``action`` through its use case, first meeting the rules that guard it."""
    if action is A.AGREE and matter.sessions == 0:  # an agreement needs a session first
        matter = CALLS[A.RECORD_SESSION](service, matter.id)
    if action is A.TERMINATE and matter.sessions == 0 and not matter.refused_by:
        matter = service.refuse_mediation(OFFICER, matter.id, parties=["p1"])  # M1 first
    return CALLS[action](service, matter.id)


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
        matter = service.report(OFFICER, draft(kind, parties=(PARTY,)))
        route = path_to(kind, source)
        if action is A.ARCHIVE:
            finish = [A.MAKE_EFFECTIVE, A.PERFORM, A.FOLLOW_UP, A.CLOSE]
            route = [*path_to(kind, m.DisputeState.AGREED), *finish]
        for step in route:
            clock.advance(minutes=10)
            matter = take(service, matter, step)
        assert matter.state is source
        after = take(service, matter, action)
        assert after.state is target
        history = service.history(OFFICER, matter.id)
        assert history[-1].actor == OFFICER
        assert [e.version for e in history] == list(range(1, len(history) + 1))


def test_report_many_locates_every_point_of_a_batch_in_one_call():
    from fengqiao_core import model as m
    from fengqiao_core.builtin.declared_grid import DeclaredGrid
    from station_helpers import MIAOSHAN, OFFICER, draft, station

    class Counting(DeclaredGrid):
        calls = 0

        def locate(self, lons, lats, crs):
            type(self).calls += 1
            return super().locate(lons, lats, crs)

    points = [m.Location(point=m.GeoPoint(114.40 + i * 1e-4, 30.45)) for i in range(30)]
    places = [m.Location(place="H01")] * 5  # declared places need no location call
    service, _ = station(backends={"grid": Counting(MIAOSHAN)})
    stored = service.report_many(OFFICER, [draft(location=where) for where in points + places])
    assert Counting.calls == 1
    assert len(stored) == 35
    assert all(matter.cell is not None for matter in stored[30:])
