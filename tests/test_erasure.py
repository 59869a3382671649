"""Erasing a person (issue 15): keys destroyed; no read, export, screening or log shows them."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from at_rest_helpers import invented_people, party, person_record, report_draft
from fengqiao_core import model as m
from fengqiao_core.errors import NotFound, PermissionDenied
from fengqiao_core.metrics.scope import Period
from fengqiao_core.model.sealed import ERASED_MASK, is_erased
from fengqiao_core.serialization import make_converter
from station_helpers import OFFICER, TZ, station

ADMIN = m.Actor("AD1", m.Role.ADMIN)
PERIOD = Period(dt.datetime(2026, 1, 1, tzinfo=TZ), dt.datetime(2027, 1, 1, tzinfo=TZ))


def figures(service):
    report = service.kpis(OFFICER, PERIOD)
    return {kpi: report.get(kpi).value for kpi in ("matters_reported", "resolution_rate")}


@pytest.fixture
def erased_world(caplog):
    """A station where ``gone`` (two matters, a record) was erased and ``kept`` was not."""
    caplog.set_level(logging.DEBUG)
    service, _ = station()
    gone, kept = invented_people(2, seed="erasure")
    for who in (gone, kept):
        service.register_person(ADMIN, person_record(who))
    first = service.report(OFFICER, report_draft(gone, m.MatterKind.INCIDENT))
    both = service.report(
        OFFICER,
        report_draft(gone, parties=(party(gone), party(kept, bound=False, party_id="p2"))),
    )
    before = figures(service)
    histories = {i: len(service.history(OFFICER, i)) for i in (first.id, both.id)}
    done = service.erase_person(ADMIN, gone.id, "erasure request of 2026-11-02 (PIPL Art. 47)")
    return service, gone, kept, (first, both), before, histories, done, caplog


def test_every_read_shows_the_person_erased_and_the_others_whole(erased_world):
    service, gone, kept, (first, both), _, _, done, _ = erased_world
    assert done.keys_destroyed == 1  # the person's key seals their record and bound parties
    for matter_id in (first.id, both.id):
        full = service.get(OFFICER, matter_id, purpose="erasure test")
        mine = full.parties[0]
        for value in (mine.name, mine.phone, mine.id_number, mine.address):
            assert is_erased(value)
            assert str(value) == ERASED_MASK
            with pytest.raises(PermissionDenied):
                value.reveal()
        masked = service.get(OFFICER, matter_id)
        assert str(masked.parties[0].name) == ERASED_MASK
    other = service.get(OFFICER, both.id, purpose="erasure test").parties[1]
    assert other.name.reveal() == kept.name  # an unbound party of the same matter is kept
    assert (
        service.get(OFFICER, both.id, purpose="erasure test").description.reveal()
        == gone.description
    )
    with service._storage.unit_of_work() as uow:
        assert is_erased(uow.people.get(gone.id).name)
        assert uow.people.get(kept.id).name.reveal() == kept.name


def test_histories_figures_and_the_audit_chain_hold(erased_world):
    service, _, _, _, before, histories, _, _ = erased_world
    for matter_id, count in histories.items():
        events = service.history(OFFICER, matter_id)
        assert len(events) == count
        assert m.replay(events).id == matter_id
    assert figures(service) == before
    auditor = m.Actor("AU1", m.Role.AUDITOR)
    assert service.verify_audit(auditor) is None
    erasures = [e for e in service.audit_log(auditor) if e.action == "erase_person"]
    assert len(erasures) == 1
    assert "PIPL" in erasures[0].detail


def test_no_export_or_log_shows_the_person(erased_world):
    service, gone, _, (first, both), _, _, _, caplog = erased_world
    exports = [
        make_converter().dumps(service.get(OFFICER, i, purpose="export"))
        for i in (first.id, both.id)
    ]
    exports += [make_converter(masked=True).dumps(service.get(OFFICER, both.id))]
    exports += [make_converter(masked=True).dumps(e) for e in service.history(OFFICER, first.id)]
    text = "\n".join(exports) + caplog.text
    for value in (gone.name, gone.phone, gone.id_number, gone.address):
        assert value not in text
    assert '"$erased"' in exports[0]


def test_screening_no_longer_finds_the_person(erased_world):
    service, gone, kept, (first, both), _, _, _, _ = erased_world
    probe = service.report(OFFICER, report_draft(gone, m.MatterKind.HELP_REQUEST))
    seen = service.get(OFFICER, probe.id)
    assert first.id not in seen.related
    assert both.id not in seen.related
    control = service.report(
        OFFICER, report_draft(kept, m.MatterKind.HELP_REQUEST, parties=(party(kept),))
    )
    assert both.id in service.get(OFFICER, control.id).related  # screening still works


def test_only_an_administrator_erases_and_only_someone_known(erased_world):
    service, gone, kept, *_ = erased_world
    with pytest.raises(PermissionDenied):
        service.erase_person(OFFICER, kept.id, "not an officer's call")
    with pytest.raises(NotFound):
        service.erase_person(ADMIN, gone.id, "again")  # nothing left to destroy
    with pytest.raises(NotFound):
        service.erase_person(ADMIN, "r-nobody", "unknown")
    denied = [e for e in service.audit_log(m.Actor("AU1", m.Role.AUDITOR)) if e.outcome == "denied"]
    assert [e.action for e in denied] == ["erase_person"]
