"""Retention (issue 15): purging closed matters past their period, legal holds, dry runs, CLI."""

from __future__ import annotations

import json

import pytest

from at_rest_helpers import invented_people, party, person_record, report_draft
from fengqiao_core import model as m
from fengqiao_core.errors import NotFound, PermissionDenied, ValidationError
from fengqiao_core.model.sealed import is_erased
from fengqiao_core.station.protection import RetentionSettings
from station_helpers import MIAOSHAN, OFFICER, SECRET, Clock, station

ADMIN = m.Actor("AD1", m.Role.ADMIN)
AUDITOR = m.Actor("AU1", m.Role.AUDITOR)


def closed(service, who, kind=m.MatterKind.HELP_REQUEST, **fields):
    matter = service.report(OFFICER, report_draft(who, kind, **fields))
    service.withdraw(OFFICER, matter.id, reason="the resident found it")
    return service.close(OFFICER, matter.id)


def name_of(service, matter_id):
    return service.get(OFFICER, matter_id, purpose="retention test").parties[0].name


@pytest.fixture
def world():
    """Help requests (10 years) closed 11 years ago, one held, one still open; one recent."""
    service, clock = station()
    people = invented_people(5, seed="retention")
    for who in people:
        service.register_person(ADMIN, person_record(who))
    old, held, shared, _, _ = people
    matters = {
        "old": closed(service, old),
        "held": closed(service, held),
        "shared_old": closed(service, shared),
        "unbound": closed(service, people[3], parties=(party(people[3], bound=False),)),
    }
    service.set_legal_hold(ADMIN, matters["held"].id, True, "court order 2026-11")
    clock.advance(days=365 * 11)
    matters["shared_open"] = service.report(OFFICER, report_draft(shared))
    matters["recent"] = closed(service, people[4], m.MatterKind.DISPUTE)
    return service, clock, people, matters


def test_a_dry_run_counts_and_changes_nothing(world):
    service, _, people, matters = world
    entries = len(service.audit_log(AUDITOR))
    summary = service.purge(ADMIN, dry_run=True)
    assert (summary.examined, summary.open, summary.retained) == (6, 1, 1)
    assert (summary.held, summary.purged, summary.already) == (1, 3, 0)
    assert (summary.people_erased, summary.people_kept) == (1, 1)
    assert summary.keys_destroyed == 0
    assert len(service.audit_log(AUDITOR)) == entries  # nothing written
    assert name_of(service, matters["old"].id).reveal() == people[0].name


def test_a_purge_erases_what_is_due_and_keeps_the_rest(world):
    service, _, people, matters = world
    seen = []
    summary = service.purge(ADMIN, progress=lambda done, total: seen.append((done, total)))
    assert summary.purged == 3
    assert seen[-1] == (3, 3)
    for key in ("old", "unbound"):  # the matter's words and its people are gone
        full = service.get(OFFICER, matters[key].id, purpose="retention test")
        assert is_erased(full.parties[0].name)
        assert is_erased(full.description)
    assert is_erased(service.get(OFFICER, matters["shared_old"].id, purpose="x" * 3).description)
    # the person of a matter still open keeps their key: the open matter reads whole
    assert name_of(service, matters["shared_open"].id).reveal() == people[2].name
    assert name_of(service, matters["held"].id).reveal() == people[1].name
    assert name_of(service, matters["recent"].id).reveal() == people[4].name
    assert summary.people_erased == 1  # people[0]; people[3] was never bound
    with service._storage.unit_of_work() as uow:
        assert is_erased(uow.people.get(people[0].id).name)
    assert service.verify_audit(AUDITOR) is None
    purges = [e for e in service.audit_log(AUDITOR) if e.action == "purge"]
    assert sorted(e.object_id for e in purges if e.object_type == "matter") == sorted(
        matters[k].id for k in ("old", "shared_old", "unbound")
    )
    again = service.purge(ADMIN)
    assert (again.purged, again.already) == (0, 3)


def test_clearing_a_hold_lets_the_next_purge_take_the_matter(world):
    service, _, _, matters = world
    service.purge(ADMIN)
    assert service.set_legal_hold(ADMIN, matters["held"].id, False, "order lifted") is False
    assert service.purge(ADMIN).purged == 1
    assert is_erased(name_of(service, matters["held"].id))
    holds = [e for e in service.audit_log(AUDITOR) if e.action == "legal_hold"]
    assert [e.detail for e in holds] == ["held=True", "held=False"]
    events = service.history(OFFICER, matters["held"].id)
    assert [e.held for e in events if isinstance(e, m.HoldChanged)] == [True, False]


def test_only_administrators_purge_and_hold(world):
    service, _, _, matters = world
    with pytest.raises(PermissionDenied):
        service.purge(OFFICER)
    with pytest.raises(PermissionDenied):
        service.set_legal_hold(OFFICER, matters["old"].id, True, "not mine to set")
    with pytest.raises(NotFound):
        service.set_legal_hold(ADMIN, "no-such-matter", True, "typo")


@pytest.mark.parametrize(
    ("options", "field"),
    [({"dry_run": "yes"}, "dry_run"), ({"dry_run": 1}, "dry_run"), ({"progress": 42}, "progress")],
)
def test_malformed_purge_arguments_are_refused_before_anything_is_purged(world, options, field):
    service, _, _, _ = world
    before = service.purge(ADMIN, dry_run=True)
    with pytest.raises(ValidationError, match=field):
        service.purge(ADMIN, **options)
    assert service.purge(ADMIN, dry_run=True) == before


def test_retention_periods_are_configurable_and_checked():
    settings = RetentionSettings(help_request=1)
    assert settings.years(m.MatterKind.HELP_REQUEST) == 1
    assert settings.years(m.MatterKind.DISPUTE) == 30
    with pytest.raises(ValidationError, match="dispute"):
        RetentionSettings(dispute=0)


def test_fengqiao_purge_dry_run_then_purge(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from fengqiao_core.cli.commands import app

    secret = SECRET.decode()  # the secret the helpers' stations sign and seal with
    monkeypatch.setenv("FENGQIAO_SECRET", secret)
    db = tmp_path / "station.db"
    clock = Clock()
    clock.advance(days=-365 * 12)  # closed twelve years ago: past a help request's ten
    config = MIAOSHAN.with_backends(storage=f"sqlite:///{db}")
    service, _ = station(config, clock=clock)
    who = invented_people(1, seed="cli")[0]
    service.register_person(ADMIN, person_record(who))
    matter = closed(service, who)
    service.shutdown()
    runner = CliRunner()
    command = ["purge", "--station", "miaoshan", "--db", str(db)]
    dry = runner.invoke(app, [*command, "--dry-run"], env={"FENGQIAO_SECRET": secret})
    assert dry.exit_code == 0, dry.output
    assert "would purge 1 of 1 matters" in dry.stdout
    done = runner.invoke(app, [*command, "--json"], env={"FENGQIAO_SECRET": secret})
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert (summary["purged"], summary["people_erased"], summary["dry_run"]) == (1, 1, False)
    assert who.name not in done.output
    reopened, _ = station(config)
    assert is_erased(name_of(reopened, matter.id))
    reopened.shutdown()
