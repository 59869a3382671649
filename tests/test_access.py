"""Who may see what (the access issue): roster binding, scopes, screening, audited reads."""

from __future__ import annotations

import pathlib

import attrs
import pytest

from fengqiao_core import model as m
from fengqiao_core.errors import ConfigurationError, NotFound, PermissionDenied, ValidationError
from fengqiao_core.model.personal import PersonName, PhoneNumber
from fengqiao_core.security.access import PERMISSIONS
from fengqiao_core.station.identity import access_table, listed_actor
from station_helpers import MIAOSHAN, OFFICER, draft, resident, station

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs" / "access.md"
AUDITOR = m.Actor("AU1", m.Role.AUDITOR)


def audit(service):
    with service._storage.unit_of_work() as uow:
        return list(uow.audit.stream())


def test_the_docs_table_is_generated_from_the_code():
    assert DOCS.read_text(encoding="utf-8").endswith(access_table())


def test_the_roster_gives_each_person_their_roles():
    service, _ = station()
    assert service.actor("O01") == OFFICER
    assert service.actor("AU1") == AUDITOR
    assert service.actor("AD1") == m.Actor("AD1", m.Role.ADMIN)
    steward = MIAOSHAN.red_stewards[0].id
    assert service.actor(steward).role is m.Role.STEWARD
    with pytest.raises(PermissionDenied):
        service.actor("O01", m.Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        service.actor("nobody")
    with pytest.raises(ValidationError, match="person_id"):
        service.actor(42)


@pytest.mark.parametrize(
    "forged",
    [
        m.Actor("anyone", m.Role.OFFICER),
        m.Actor("system", m.Role.SYSTEM),
        m.Actor("O01", m.Role.SYSTEM),
        m.Actor(MIAOSHAN.red_stewards[0].id, m.Role.OFFICER),
        m.Actor("r-unrecorded", m.Role.RESIDENT),
        m.Actor("O01", m.Role.RESIDENT),
    ],
)
def test_a_forged_actor_is_refused_everywhere_and_the_refusal_audited(forged):
    service, _ = station()
    matter = service.report(OFFICER, draft())
    for call in (
        lambda: service.get(forged, matter.id),
        lambda: service.report(forged, draft()),
        lambda: service.close(forged, matter.id),
        lambda: list(service.open_matters(forged)),
        lambda: service.audit_log(forged),
    ):
        with pytest.raises(PermissionDenied):
            call()
    denied = [e for e in audit(service) if e.outcome == "denied"]
    assert len(denied) == 5
    assert all(e.actor == forged.person_id for e in denied)


def test_the_station_exposes_no_raw_store():
    service, _ = station()
    assert not hasattr(service, "storage")


def screened_pair(service, reporter):
    person = m.Party(id="p1", name=PersonName("严小芬"), phone=PhoneNumber("13912345678"))
    police = service.report(OFFICER, draft(m.MatterKind.INCIDENT, parties=(person,)))
    probe = service.report(reporter, draft(m.MatterKind.HELP_REQUEST, parties=(person,)))
    return police, probe


def test_screening_links_reach_officers_only_on_every_read_path():
    service, _ = station()
    worker = service.actor(MIAOSHAN.grid_workers[0].id)
    police, probe = screened_pair(service, worker)
    assert probe.related == ()
    assert probe.alert is None
    for seen in (service.get(worker, probe.id), *service.open_matters(worker)):
        assert police.id not in seen.related
        assert seen.alert is None
    for event in service.history(worker, probe.id):
        assert police.id not in repr(event)
    assert not any("L7" in line for line in service.explain(worker, probe.id))
    officer_view = service.get(OFFICER, probe.id)
    assert police.id in officer_view.related


def test_a_resident_acts_only_on_matters_where_they_are_the_same_person():
    service, _ = station()
    mine = resident(service, "r-mine")
    stranger = resident(service, "p1")  # a person id equal to another matter's local party id
    party = m.Party(id="p1", person="r-mine", name=PersonName("韩小雪"))
    matter = service.report(OFFICER, draft(m.MatterKind.HELP_REQUEST, parties=(party,)))
    for step in (service.triage, service.dispatch, service.arrive, service.resolve):
        matter = step(OFFICER, matter.id)
    with pytest.raises(NotFound):
        service.feedback(stranger, matter.id, score=1)
    with pytest.raises(NotFound):
        service.commend(stranger, matter.id, recipient="O01")
    assert service.feedback(mine, matter.id, score=5).feedback_score == 5


def test_a_grid_worker_cannot_delegate_to_people_off_the_roster_or_see_police_matters():
    service, _ = station()
    worker = service.actor(MIAOSHAN.grid_workers[0].id)
    cell = MIAOSHAN.grid_workers[0].cells[0]
    place = next(p.id for p in MIAOSHAN.places if p.cell == cell and not p.kind.is_settlement)
    matter = service.report(worker, draft(location=m.Location(place=place)))
    with pytest.raises(ValidationError, match="ref"):
        service.involve(
            worker, matter.id, ref="my-friend", role="helper",
            linkage=m.Linkage.JOINT_ACTION, rule="L5",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        service.involve(
            worker, matter.id, ref="judicial_office", role="helper",
            linkage=m.Linkage.JOINT_ACTION, rule="L5",
        )  # fmt: skip
    incident = service.report(
        OFFICER, draft(m.MatterKind.INCIDENT, location=m.Location(place=place))
    )
    with pytest.raises(NotFound):
        service.get(worker, incident.id)


def test_reads_are_masked_and_unmasked_reads_need_a_purpose_and_are_audited():
    service, _ = station()
    party = m.Party(id="p1", name=PersonName("邵小琳"), phone=PhoneNumber("13900001111"))
    matter = service.report(OFFICER, draft(parties=(party,)))
    masked = service.get(OFFICER, matter.id)
    with pytest.raises(PermissionDenied):
        masked.parties[0].name.reveal()
    assert "邵小琳" not in repr(masked)
    shown = service.get(OFFICER, matter.id, purpose="call the parties to the session")
    assert shown.parties[0].phone.reveal() == "13900001111"
    (entry,) = [e for e in audit(service) if e.action == "read_personal"]
    assert entry.detail == "call the parties to the session"
    assert entry.object_id == matter.id
    steward = service.actor(MIAOSHAN.red_stewards[0].id)
    with pytest.raises(PermissionDenied):
        service.get(steward, matter.id, purpose="curious")
    with pytest.raises(ValidationError, match="purpose"):
        service.get(OFFICER, matter.id, purpose="x")


def test_lists_are_audited_once_with_their_filter():
    service, _ = station()
    service.report(OFFICER, draft())
    list(service.open_matters(OFFICER, level=m.LadderLevel.COMMUNITY))
    (entry,) = [e for e in audit(service) if e.action == "list"]
    assert "level=community" in entry.detail


@pytest.mark.parametrize("role", [r for r in m.Role if r is not m.Role.SYSTEM])
def test_every_role_without_read_is_denied_and_audited(role):
    service, _ = station()
    matter = service.report(OFFICER, draft())
    ids = {
        m.Role.OFFICER: "O01",
        m.Role.AUXILIARY: MIAOSHAN.auxiliary_officers[0].id,
        m.Role.STEWARD: MIAOSHAN.red_stewards[0].id,
        m.Role.GRID_WORKER: MIAOSHAN.grid_workers[0].id,
        m.Role.MEDIATOR: MIAOSHAN.mediators[0].id,
        m.Role.LAWYER: MIAOSHAN.lawyers[0].id,
        m.Role.ADMIN: "AD1",
        m.Role.AUDITOR: "AU1",
    }
    actor = resident(service, "r-any") if role is m.Role.RESIDENT else service.actor(ids[role])
    if "read" in PERMISSIONS[role]:
        try:
            service.get(actor, matter.id)
        except NotFound:
            assert not service.in_scope(actor, service.get(OFFICER, matter.id))
    else:
        with pytest.raises(PermissionDenied):
            service.get(actor, matter.id)
        assert audit(service)[-1].outcome == "denied"


def test_a_masked_read_cannot_be_combined_back_into_an_id_number_or_a_home():
    service, _ = station()
    party = m.Party(id="p1", name=PersonName("甘小雨"), id_number=m.IdNumber("11010519491231002X"))
    here = m.Location(point=m.GeoPoint(114.412345, 30.456789))
    matter = service.report(OFFICER, draft(parties=(party,), location=here))
    shown = service.get(OFFICER, matter.id)
    assert shown.parties[0].birth_date is None
    assert "19491231" not in repr(shown)
    assert (shown.location.point.lon, shown.location.point.lat) == (114.412, 30.457)
    assert "birth_date" not in repr(party)


def test_a_tool_acts_as_the_named_or_first_listed_admin_or_auditor_and_is_still_bound():
    access = MIAOSHAN.access
    assert listed_actor(MIAOSHAN, m.Role.ADMIN) == m.Actor(access.admins[0], m.Role.ADMIN)
    assert listed_actor(MIAOSHAN, m.Role.AUDITOR) == m.Actor(access.auditors[0], m.Role.AUDITOR)
    named = listed_actor(MIAOSHAN, m.Role.ADMIN, "nobody")
    service, _ = station()
    with pytest.raises(PermissionDenied):  # naming is not binding: the roster decides
        service.purge(named, dry_run=True)
    bare = attrs.evolve(MIAOSHAN, access=attrs.evolve(access, admins=()))
    with pytest.raises(ConfigurationError, match=r"lists no admins.*\[access\]"):
        listed_actor(bare, m.Role.ADMIN)
