"""The Station service: units of work, idempotency, audit, outbox, access, rules on the edges."""

import datetime as dt
import types

import attrs
import pytest

from fengqiao_core import hookimpl
from fengqiao_core import model as m
from fengqiao_core.errors import (
    ConfigurationError,
    ConflictError,
    NotFound,
    PermissionDenied,
    PluginError,
    RuleViolation,
    ValidationError,
)
from fengqiao_core.model.personal import FreeText, PersonName, PhoneNumber
from fengqiao_core.plugins import Plugins, get_plugin_manager
from fengqiao_core.ports import DeliveryResult, TriageAdvice
from fengqiao_core.rules.mediation import Agreement
from fengqiao_core.security.audit import verify
from fengqiao_core.station import open_station
from station_helpers import MIAOSHAN, OFFICER, SECRET, Clock, draft, resident, station

ONE_MESSAGE = draft(category="dispute:labour", severity=m.Severity.MAJOR)


def audit_entries(service):
    with service._storage.unit_of_work() as uow:
        return list(uow.audit.stream())


def test_report_triages_stores_audits_and_queues_a_message():
    service, _ = station()
    matter = service.report(OFFICER, draft(category="dispute:labour", severity=m.Severity.MAJOR))
    assert matter.version == 2
    assert matter.owner == "O01"
    assert matter.level is m.LadderLevel.STATION
    assert service.explain(OFFICER, matter.id)[0].startswith("L1: cell")
    entries = audit_entries(service)
    assert [(e.action, e.object_id) for e in entries] == [("report", matter.id)]
    assert verify(entries, SECRET) is None
    assert service.deliver_pending() == 1
    assert [msg.target for msg in service.channel.sent] == ["O01"]


def test_the_same_reference_returns_the_first_matter_also_within_a_batch():
    service, _ = station()
    first = service.report(OFFICER, draft(reference="110-2026-0001"))
    again = service.report(OFFICER, draft(reference="110-2026-0001"))
    batch = service.report_many(
        OFFICER, [draft(reference="row-1"), draft(reference="row-1"), draft()]
    )
    assert again.id == first.id
    assert batch[0].id == batch[1].id
    assert batch[2].id != batch[0].id
    assert len(list(service.open_matters(OFFICER))) == 3


def test_r3_a_batch_with_one_invalid_draft_stores_nothing_of_that_batch():
    service, _ = station()
    good = [draft(reference=f"ok-{i}") for i in range(4)]
    bad = draft(category="dispute:no-such-thing")
    with pytest.raises(ValidationError) as info:
        service.report_many(OFFICER, [*good, bad, draft()], batch_size=3)
    assert info.value.field == "drafts[4].category"
    stored = list(service.open_matters(OFFICER))
    assert sorted(x.reference for x in stored) == ["ok-0", "ok-1", "ok-2"]
    assert [e.action for e in audit_entries(service)] == ["report"] * 3 + ["list"]


def test_a_category_of_another_kind_is_refused():
    service, _ = station()
    with pytest.raises(ValidationError, match="not a dispute category"):
        service.report(OFFICER, draft(category="incident:theft"))


def test_permission_is_denied_by_role_and_the_denial_is_audited():
    service, _ = station()
    matter = service.report(OFFICER, draft())
    r1 = resident(service, "r1")
    with pytest.raises(PermissionDenied, match="resident"):
        service.register(r1, matter.id)
    assert audit_entries(service)[-1].outcome == "denied"
    assert service.get(OFFICER, matter.id).state is m.DisputeState.REPORTED
    with pytest.raises(PermissionDenied):
        service.get(m.Actor("a1", m.Role.ADMIN), matter.id)


def test_without_a_secret_the_station_is_refused_at_open_saying_how_to_provide_one(
    monkeypatch,
):
    """A missing secret is found when the station opens, not at the first report (issue 13)."""
    monkeypatch.delenv("FENGQIAO_SECRET", raising=False)
    with pytest.raises(ConfigurationError, match=r"FENGQIAO_SECRET.*secret_file"):
        open_station(MIAOSHAN, clock=Clock(), dispatch=False)


def test_t4_auxiliary_officers_never_own():
    service, _ = station()
    incident = service.report(OFFICER, draft(m.MatterKind.INCIDENT))
    for step in (service.dispatch, service.arrive):
        incident = step(OFFICER, incident.id)
    auxiliary = m.Actor("A01", m.Role.AUXILIARY)
    with pytest.raises(PermissionDenied, match="auxiliary"):
        service.open_case(auxiliary, incident.id)
    dispute = service.report(OFFICER, draft())
    dispute = service.accept(OFFICER, service.register(OFFICER, dispute.id).id)
    auxiliary_id = MIAOSHAN.auxiliary_officers[0].id
    with pytest.raises(RuleViolation, match=r"\[T4\]"):
        service.assign(OFFICER, dispute.id, owner=auxiliary_id)


def test_m1_a_refusing_party_blocks_the_session_and_nothing_is_stored():
    party = m.Party(id="p1", name=PersonName("赵小明"), phone=PhoneNumber("13800001111"))
    service, _ = station()
    matter = service.report(OFFICER, draft(parties=(party,)))
    for step in (service.register, service.accept, service.assign):
        matter = step(OFFICER, matter.id)
    refused = service.refuse_mediation(OFFICER, matter.id, parties=["p1"])
    assert refused.refused_by == ("p1",)
    with pytest.raises(RuleViolation, match=r"\[M1\]"):
        service.record_session(OFFICER, matter.id, summary="x")
    with pytest.raises(ValidationError, match="expected a list of ids"):
        service.refuse_mediation(OFFICER, matter.id, parties="p1")
    assert service.get(OFFICER, matter.id).version == refused.version


def test_m5_police_mediation_allows_two_timely_sessions_only():
    service, clock = station()
    fight = draft(category="dispute:damages", severity=m.Severity.MAJOR, source=m.Source.CALL_110)
    matter = service.report(OFFICER, fight)
    assert matter.path == "police_mediation"
    for step in (service.register, service.accept, service.assign):
        matter = step(OFFICER, matter.id)
    clock.advance(days=1)
    service.record_session(OFFICER, matter.id, summary="first")
    clock.advance(days=2)
    service.record_session(OFFICER, matter.id, summary="second")
    with pytest.raises(RuleViolation, match=r"\[M5\]"):
        service.record_session(OFFICER, matter.id, summary="third")
    late, late_clock = station()
    other = late.report(OFFICER, fight)
    for step in (late.register, late.accept, late.assign):
        other = step(OFFICER, other.id)
    late_clock.advance(days=10)
    with pytest.raises(RuleViolation, match=r"\[M5\]"):
        late.record_session(OFFICER, other.id, summary="too late")


class FlakyChannel:
    """Fails the first ``failures`` sends, then delivers."""

    def __init__(self, failures):
        self.failures = failures
        self.sent = []

    def send(self, message):
        if self.failures:
            self.failures -= 1
            return DeliveryResult(False, "gateway down", retry=True)
        self.sent.append(message)
        return DeliveryResult(True, "ok")


def test_failed_deliveries_are_retried_with_backoff_and_never_fail_the_use_case():
    channel = FlakyChannel(failures=2)
    service, clock = station(backends={"channel": channel})
    service.report(OFFICER, ONE_MESSAGE)
    assert service.deliver_pending() == 0
    assert service.deliver_pending() == 0  # not due yet: backoff
    clock.advance(seconds=31)
    assert service.deliver_pending() == 0
    clock.advance(seconds=61)
    assert service.deliver_pending() == 1
    assert channel.sent[0].attempts == 2


def test_a_crash_between_commit_and_delivery_loses_no_message():
    first, clock = station()
    first.report(OFFICER, ONE_MESSAGE)
    storage = first._storage
    del first  # "crash": the dispatcher never ran
    channel = FlakyChannel(failures=0)
    restarted, _ = station(clock=clock, backends={"storage": storage, "channel": channel})
    assert restarted.deliver_pending() == 1
    assert restarted.deliver_pending() == 0
    assert len(channel.sent) == 1


def test_a_raising_channel_is_contained():
    class Broken:
        def send(self, message):
            raise OSError("socket closed")

    service, _ = station(backends={"channel": Broken()})
    service.report(OFFICER, draft())
    assert service.deliver_pending() == 0
    with service._storage.unit_of_work() as uow:
        pending = uow.outbox.pending(service.now() + __import__("datetime").timedelta(hours=2))
    assert pending[0].last_error == "channel raised OSError"


def plugin_with(**hooks):
    module = types.ModuleType("station_test_plugin")
    module.FENGQIAO_PLUGIN_API = 1
    for name, function in hooks.items():
        setattr(module, name, hookimpl(function))
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(module, "observer")
    return Plugins(pm)


def test_r6_an_observer_error_never_fails_the_use_case_and_is_kept_for_the_operator(caplog):
    def boom(matter):
        raise RuntimeError("observer bug 13800138000")

    service, _ = station(plugins=plugin_with(fengqiao_on_matter_changed=boom))
    matter = service.report(OFFICER, draft(reference="kept"))  # no error reaches the caller
    assert service.register(OFFICER, matter.id).version == 3  # a change after it goes through
    with service._storage.unit_of_work() as uow:
        assert uow.matters.find_by_reference("kept") is not None
    first, second = service.problems()
    assert (first.matter_id, second.matter_id) == (matter.id, matter.id)
    problem = first
    assert "RuntimeError" in problem.message
    assert "13800138000" not in problem.message
    audited = [e for e in audit_entries(service) if e.outcome == "plugin_error"]
    assert [(e.action, e.object_id) for e in audited] == [("notify", matter.id)] * 2
    assert "13800138000" not in caplog.text


def test_plugin_advice_raises_the_level_but_never_lowers_it():
    up = TriageAdvice(reason="demolition is big", raise_to=m.LadderLevel.STATION)
    service, _ = station(plugins=plugin_with(fengqiao_triage_advice=lambda matter: up))
    assert service.report(OFFICER, draft()).level is m.LadderLevel.STATION
    down = TriageAdvice(reason="keep it small", raise_to=m.LadderLevel.GRID)
    lowered, _ = station(plugins=plugin_with(fengqiao_triage_advice=lambda matter: down))
    matter = lowered.report(OFFICER, draft(severity=m.Severity.SERIOUS))
    assert matter.level is m.LadderLevel.STATION
    assert any("ignored" in reason for reason in lowered.explain(OFFICER, matter.id))


def test_queries_open_matters_by_cell_and_level_and_overdue_warnings():
    service, clock = station()
    home = service.report(OFFICER, draft())
    service.report(OFFICER, draft(category="dispute:labour", severity=m.Severity.MAJOR))
    assert [x.id for x in service.open_matters(OFFICER, level=m.LadderLevel.COMMUNITY)] == [home.id]
    assert len(list(service.open_matters(OFFICER, cell=home.cell))) == 2
    assert service.overdue(OFFICER) == []
    clock.advance(days=6)
    warned = {matter.id: status.value for matter, status in service.overdue(OFFICER)}
    assert warned == {home.id: "yellow"}


def test_reasons_are_required_where_the_domain_asks_for_one():
    service, _ = station()
    matter = service.report(OFFICER, draft())
    with pytest.raises(ValidationError, match="reason: must not be blank"):
        service.withdraw(OFFICER, matter.id, reason="  ")
    assert service.withdraw(OFFICER, matter.id, reason="resolved between neighbours").state is (
        m.DisputeState.WITHDRAWN
    )


def test_banners_and_feedback_on_resolved_matters():
    service, _ = station()
    qian = resident(service, "r1")
    party = m.Party(
        id="p1", person="r1", name=PersonName("钱小红"), phone=PhoneNumber("13822223333")
    )
    matter = service.report(OFFICER, draft(m.MatterKind.HELP_REQUEST, parties=(party,)))
    stranger = resident(service, "r2")
    with pytest.raises(NotFound, match="no matter with that id"):
        service.withdraw(stranger, matter.id, reason="not mine")
    with pytest.raises(ValidationError, match="not resolved"):
        service.commend(OFFICER, matter.id, recipient="O01")
    for step in (service.triage, service.dispatch, service.arrive, service.resolve):
        matter = step(OFFICER, matter.id)
    matter = service.feedback(qian, matter.id, score=5, comment="谢谢")
    assert matter.state is m.HelpRequestState.FEEDBACK
    matter = service.commend(qian, matter.id, recipient="O01")
    assert (matter.feedback_score, matter.commendations) == (5, 1)
    assert attrs.asdict(matter)["commendations"] == 1


def test_l7_a_repeat_report_is_linked_through_the_index_and_closing_unlinks_it():
    party = m.Party(id="p9", name=PersonName("吴小芳"), phone=PhoneNumber("13911112222"))
    service, _ = station()
    first = service.report(OFFICER, draft(parties=(party,), description=FreeText("楼上漏水")))
    second = service.report(OFFICER, draft(parties=(party,), description=FreeText("楼上漏水")))
    assert second.related == (first.id,)
    assert second.alert == "yellow"
    assert any(r.startswith("L7: related") for r in service.explain(OFFICER, second.id))
    assert "13911112222" not in repr(service.explain(OFFICER, second.id))
    service.withdraw(OFFICER, first.id, reason="duplicate")
    third = service.report(OFFICER, draft(parties=(party,), description=FreeText("楼上漏水")))
    assert third.related == (second.id,)


def test_the_rules_table_configures_triage_deadlines_and_screening():
    config = MIAOSHAN.with_backends(storage="memory")
    rules = attrs.evolve(
        config.rules,
        ladder=attrs.evolve(config.rules.ladder, general=m.LadderLevel.GRID),
        lead_body="街道",
    )
    service, _ = station(attrs.evolve(config, rules=rules))
    matter = service.report(OFFICER, draft())
    assert matter.level is m.LadderLevel.GRID
    assert service.settings.lead_body == "街道"
    low = attrs.evolve(rules, screening=attrs.evolve(rules.screening, related_at=30))
    with pytest.raises(ConfigurationError, match="related_at must be above 30"):
        station(attrs.evolve(config, rules=low))


def test_scope_residents_and_stewards_reach_only_their_matters_and_denials_are_audited():
    service, _ = station()
    r7 = resident(service, "r7")
    own = service.report(r7, draft(reference="own-1"))
    other = service.report(OFFICER, draft())
    assert service.withdraw(r7, own.id, reason="settled").state is m.DisputeState.WITHDRAWN
    with pytest.raises(NotFound):
        service.withdraw(r7, other.id, reason="not mine")
    steward = service.actor(MIAOSHAN.red_stewards[0].id)
    with pytest.raises(NotFound):
        service.get(steward, other.id)
    assert list(service.open_matters(steward)) == []
    with pytest.raises(PermissionDenied):  # not on the roster
        service.get(m.Actor("S9999", m.Role.STEWARD), other.id)
    denied = [e for e in audit_entries(service) if e.outcome == "denied"]
    assert [(e.actor, e.action) for e in denied] == [
        ("r7", "withdraw"), (steward.person_id, "read"), ("S9999", "read"),
    ]  # fmt: skip


def test_the_auditor_reads_and_verifies_the_chain_and_nobody_else_does():
    service, _ = station()
    service.report(OFFICER, draft())
    auditor = m.Actor("AU1", m.Role.AUDITOR)
    assert [e.action for e in service.audit_log(auditor)] == ["report"]
    assert service.verify_audit(auditor) is None
    with pytest.raises(PermissionDenied):
        service.audit_log(OFFICER)


def test_m3_m4_m5_on_the_police_mediation_path():
    minor = m.Party(id="kid", name=PersonName("周小宝"), birth_date=dt.date(2015, 3, 1))
    adult = m.Party(id="adult", name=PersonName("周大伟"), phone=PhoneNumber("13833334444"))
    service, clock = station()
    fight = draft(
        category="dispute:damages", severity=m.Severity.MAJOR, source=m.Source.CALL_110,
        parties=(minor, adult),
    )  # fmt: skip
    matter = service.report(OFFICER, fight)
    for step in (service.register, service.accept, service.assign):
        matter = step(OFFICER, matter.id)
    with pytest.raises(RuleViolation, match="consent"):
        service.record_session(OFFICER, matter.id, summary="x", consenting=["adult"])
    with pytest.raises(RuleViolation, match="under 16"):
        service.record_session(OFFICER, matter.id, summary="x", consenting=["kid", "adult"])
    lawyer = m.Actor("L01", m.Role.LAWYER)
    service.involve(
        OFFICER, matter.id, ref="L01", role="lawyer", linkage=m.Linkage.JOINT_MEDIATION, rule="L4"
    )
    with pytest.raises(RuleViolation, match=r"\[T4\]"):
        service.record_session(
            lawyer, matter.id, summary="x", consenting=["kid", "adult"], guardians=["kid"]
        )
    matter = service.record_session(
        OFFICER, matter.id, summary="x", consenting=["kid", "adult"], guardians=["kid"]
    )
    matter = service.agree(OFFICER, matter.id)
    wrong = Agreement(
        parties=("adult",),
        signed_by=("adult",),
        mediator_signed=True,
        sealed=True,
        signed_on=clock().date(),
    )
    with pytest.raises(RuleViolation, match=r"\[M3\]"):
        service.make_effective(OFFICER, matter.id, agreement=wrong)
    clock.advance(days=31)
    with pytest.raises(RuleViolation, match=r"\[M4\]"):
        service.request_confirmation(OFFICER, matter.id, court="people_court")


def test_a_known_reference_is_not_handed_to_someone_outside_its_scope():
    service, _ = station()
    feng = resident(service, "r5")
    party = m.Party(
        id="p5", person="r5", name=PersonName("冯小刚"), phone=PhoneNumber("13844445555")
    )
    first = service.report(OFFICER, draft(reference="110-2026-0042", parties=(party,)))
    r9 = resident(service, "r9")
    with pytest.raises(ConflictError, match="already reported"):
        service.report(r9, draft(reference="110-2026-0042"))
    assert service.report(feng, draft(reference="110-2026-0042")).id == first.id


def test_l7_the_index_keeps_no_phantoms_and_loses_no_stored_matter():
    party = m.Party(id="p8", name=PersonName("蒋小明"), phone=PhoneNumber("13855556666"))
    calls = {"n": 0}

    def advise(matter):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("advice bug")

    service, _ = station(plugins=plugin_with(fengqiao_triage_advice=advise))
    first = service.report(OFFICER, draft(parties=(party,)))
    with pytest.raises(PluginError):
        service.report(OFFICER, draft(parties=(party,)))
    third = service.report(OFFICER, draft(parties=(party,)))
    assert third.related == (first.id,)  # the failed draft left no phantom in the index


def test_observer_errors_never_stop_a_batch_and_every_batch_is_stored():
    def boom(matter):
        raise RuntimeError("observer bug")

    service, _ = station(plugins=plugin_with(fengqiao_on_matter_changed=boom))
    stored = service.report_many(
        OFFICER, [draft(reference=f"b{i}") for i in range(5)], batch_size=2
    )
    assert len(stored) == 5
    assert len(service.problems()) == 5
    with service._storage.unit_of_work() as uow:
        assert all(uow.matters.find_by_reference(f"b{i}") for i in range(5))


def test_a_reopened_matter_is_screened_again():
    party = m.Party(id="p6", name=PersonName("韦小宝"), phone=PhoneNumber("13866667777"))
    service, _ = station()
    first = service.report(OFFICER, draft(m.MatterKind.TIP, parties=(party,)))
    for step in (service.verify_tip,):
        first = step(OFFICER, first.id)
    first = service.dismiss_tip(OFFICER, first.id, reason="nothing")
    first = service.close(OFFICER, first.id)
    assert service.report(OFFICER, draft(parties=(party,))).related == ()
    service.reopen(OFFICER, first.id, reason="new facts")
    assert first.id in service.report(OFFICER, draft(parties=(party,))).related


def test_a_short_secret_is_refused_when_the_station_opens():
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        open_station(MIAOSHAN, secret=b"short", dispatch=False)


def test_second_review_fixes():
    a = m.Party(id="pa", person="ra", name=PersonName("甲某人"), phone=PhoneNumber("13877778888"))
    b = m.Party(id="pb", person="rb", name=PersonName("乙某人"), phone=PhoneNumber("13877779999"))
    service, _ = station()
    reporter, other = resident(service, "ra"), resident(service, "rb")
    matter = service.report(reporter, draft(parties=(a, b), reference="rv-1"))
    with pytest.raises(PermissionDenied, match="only the reporter"):
        service.withdraw(other, matter.id, reason="not my complaint")
    officer_copy = service.report(OFFICER, draft(parties=(b,)))
    seen = service.report(other, draft(parties=(b,)))
    assert officer_copy.related  # staff see what screening linked
    assert seen.related == ()
    assert seen.alert is None
    batch = service.report_many(
        OFFICER, [draft(parties=(a,), reference="rv-1"), draft(parties=(a,))]
    )
    assert batch[0].id == matter.id
    assert matter.id in batch[1].related  # the known reference made no phantom
    with pytest.raises(ValidationError):
        service.refuse_mediation(OFFICER, matter.id, parties=None)
    with pytest.raises(ValidationError):
        list(service.open_matters(OFFICER, level="grid"))
    refused = service.register(OFFICER, matter.id)
    refused = service.refuse_mediation(OFFICER, refused.id, parties=["pb"])
    with pytest.raises(RuleViolation, match=r"\[M1\]"):
        service.accept(OFFICER, refused.id)
    with pytest.raises(ValidationError, match="not a court"):
        service.request_confirmation(OFFICER, matter.id, court="judicial_office")


def test_a_failing_load_counter_does_not_fail_a_stored_report():
    class Flaky:
        def candidates(self, community, skills, at, limit=5):
            return [MIAOSHAN.red_stewards[0]]

        def record_assignment(self, steward_id):
            raise OSError("roster offline")

        def load(self, steward_id):
            return 0

    service, _ = station(backends={"volunteers": Flaky()})
    matter = service.report(OFFICER, draft(m.MatterKind.HELP_REQUEST, reference="lost-1"))
    assert any(p.role == "steward" for p in matter.participants)
    assert service.get(OFFICER, matter.id).id == matter.id


def test_out_of_scope_and_unknown_matters_get_the_same_answer():
    service, _ = station()
    other = service.report(OFFICER, draft())
    steward = service.actor(MIAOSHAN.red_stewards[0].id)
    answers = []
    for matter_id in (other.id, "no-such-matter"):
        with pytest.raises(NotFound) as caught:
            service.history(steward, matter_id)
        answers.append((type(caught.value), str(caught.value)))
    assert answers[0] == answers[1]
    assert other.id not in answers[0][1]
    assert "no-such-matter" not in answers[1][1]
