"""The station's ``import_people`` use case 名册导入 on batches small and large.

A large batch reads the stored people in one pass instead of one by one; both ways must give
the same counts: new people added, the same people unchanged, a changed person updated.
"""

import attrs
import pytest

from fengqiao_core import model as m
from fengqiao_core.errors import NotFound, PermissionDenied
from fengqiao_core.model.personal import PersonName, PhoneNumber
from fengqiao_core.model.sealed import is_erased
from fengqiao_core.station import roster
from station_helpers import MIAOSHAN, OFFICER, draft, station

ADMIN = m.Actor("AD1", m.Role.ADMIN)


def stewards(count):
    return [
        m.RedSteward(
            id=f"rs-{i:05d}",
            name=PersonName("测试管家"),
            phone=PhoneNumber(f"139{i:08d}"),
            community="C01",
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [3, roster._STREAM_FROM + 7])
def test_a_batch_is_added_then_unchanged_then_updated_person_by_person(count):
    service, _ = station()
    with service:
        people = stewards(count)
        first = service.import_people(ADMIN, people)
        again = service.import_people(ADMIN, people)
        changed = [attrs.evolve(people[1], community="C02"), *people[2:], *stewards(count + 1)[-1:]]
        third = service.import_people(ADMIN, changed)
        with service._storage.unit_of_work() as uow:
            stored = {p.id: p for p in uow.people.stream() if p.id.startswith("rs-")}
            actions = [e.action for e in uow.audit.stream()]
    assert (first.added, first.updated, first.unchanged) == (count, 0, 0)
    assert (again.added, again.updated, again.unchanged) == (0, 0, count)
    assert (third.added, third.updated, third.unchanged) == (1, 1, count - 2)
    assert len(stored) == count + 1
    assert stored[people[1].id].community == "C02"
    assert stored[people[1].id].version == 2
    assert stored[people[0].id].version == 1
    assert actions.count(roster.IMPORT_PEOPLE) == 2  # the unchanged import writes no entry


@pytest.mark.parametrize(
    "actor",
    [m.Actor("A01", m.Role.ADMIN), m.Actor("nobody", m.Role.ADMIN), m.Actor("O01", m.Role.OFFICER)],
    ids=["auxiliary-claiming-admin", "unknown-admin", "officer"],
)
def test_only_an_administrator_on_the_roster_imports_and_every_refusal_is_audited(actor):
    service, _ = station()
    with service:
        with pytest.raises(PermissionDenied):
            service.import_people(actor, stewards(2))
        with service._storage.unit_of_work() as uow:
            assert list(uow.people.stream()) == []
            denied = [(e.actor, e.action, e.outcome) for e in uow.audit.stream()]
    assert denied == [(actor.person_id, roster.IMPORT_PEOPLE, "denied")]


def test_an_imported_steward_acts_as_a_steward_of_their_community_only():
    service, _ = station()
    with service:
        matter = service.report(OFFICER, draft())
        home = matter.community
        other = next(c.community for c in MIAOSHAN.cells if c.community != home)
        near, far = stewards(2)
        far = attrs.evolve(far, community=other)
        service.import_people(ADMIN, [near, far])
        actor = service.actor(near.id)
        assert actor == m.Actor(near.id, m.Role.STEWARD)
        with pytest.raises(PermissionDenied):  # a steward record is not a resident's
            service.actor(near.id, m.Role.RESIDENT)
        with pytest.raises(NotFound):  # not involved yet: out of scope
            service.get(actor, matter.id)
        joined = {"role": "steward", "linkage": m.Linkage.JOINT_MEDIATION, "rule": "L3"}
        service.involve(OFFICER, matter.id, ref=near.id, **joined)
        assert service.get(actor, matter.id).id == matter.id
        worker = next(w.id for w in MIAOSHAN.grid_workers if matter.cell in w.cells)
        with pytest.raises(PermissionDenied, match="another community"):
            service.involve(service.actor(worker), matter.id, ref=far.id, **joined)


def test_imported_people_get_one_key_each_and_erasing_one_leaves_the_others_whole():
    service, _ = station()
    with service:
        people = stewards(roster._STREAM_FROM + 1)
        service.import_people(ADMIN, people)
        service.import_people(ADMIN, [attrs.evolve(people[0], community="C02")])
        erased = service.erase_person(ADMIN, people[0].id, "the steward asked")
        with service._storage.unit_of_work() as uow:
            keys = list(uow.data_keys.ring.stream())
            first, second = uow.people.get(people[0].id), uow.people.get(people[1].id)
    owners = [k.person for k in keys if k.person and k.person.startswith("rs-")]
    assert sorted(owners) == sorted(p.id for p in people)  # one key each, none made twice
    assert erased.keys_destroyed == 1
    assert is_erased(first.name)
    assert is_erased(first.phone)
    assert first.community == "C02"
    assert second.name.reveal() == "测试管家"
    assert second.phone.reveal() == people[1].phone.reveal()
