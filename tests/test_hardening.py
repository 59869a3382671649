"""Findings of the hardening issue, each a regression test (invented data only)."""

from __future__ import annotations

import datetime as dt

import pytest

from fengqiao_core import model as m
from fengqiao_core.errors import NotFound, PermissionDenied, ValidationError
from fengqiao_core.station import open_station
from station_helpers import MIAOSHAN, OFFICER, PLUGINS, SECRET, TZ, Clock, draft, station

AUDITOR = m.Actor("AU1", m.Role.AUDITOR)
ADMIN = m.Actor("AD1", m.Role.ADMIN)


def sqlite_station(path):
    config = MIAOSHAN.with_backends(storage=f"sqlite:///{path}")
    return open_station(config, secret=SECRET, clock=Clock(), plugins=PLUGINS, dispatch=False)


@pytest.mark.parametrize(
    "bad_id", [12345, 1.5, True, None, b"m1", "x" * 2_000_000, "11010519491231002X\n"]
)
def test_one_bad_argument_cannot_brick_a_sqlite_station(tmp_path, bad_id):
    service = sqlite_station(tmp_path / "s.db")
    service.report(OFFICER, draft())
    for actor in (ADMIN, OFFICER, AUDITOR):  # a role without the permission, and with it
        with pytest.raises(ValidationError, match="matter_id"):
            service.get(actor, bad_id)
    service.shutdown()
    reopened = sqlite_station(tmp_path / "s.db")
    matter = reopened.report(OFFICER, draft())
    assert reopened.register(OFFICER, matter.id).state is m.DisputeState.REGISTERED
    assert reopened.verify_audit(AUDITOR) is None
    entries = reopened.audit_log(AUDITOR)
    assert all(isinstance(e.object_id, str) and len(e.object_id) <= 64 for e in entries)
    reopened.shutdown()


def test_an_unvalidated_audit_entry_cannot_be_built():
    from fengqiao_core.security.audit import seal

    at = Clock()()
    with pytest.raises(ValidationError, match="object_id"):
        seal(None, key=SECRET, at=at, actor=OFFICER, action="read", object_type="matter",
             object_id=12345)  # type: ignore[arg-type]  # fmt: skip


def resolved_help_request(service):
    matter = service.report(OFFICER, draft(m.MatterKind.HELP_REQUEST))
    for step in (service.triage, service.dispatch, service.arrive, service.resolve):
        matter = step(OFFICER, matter.id)
    return matter


@pytest.mark.parametrize("inscription", [12, ["x"], b"bytes", "\ud800", "x" * 5000])
def test_a_poison_inscription_is_refused_and_every_history_still_reads(tmp_path, inscription):
    service = sqlite_station(tmp_path / "s.db")
    matter = resolved_help_request(service)
    with pytest.raises(ValidationError, match="inscription"):
        service.commend(OFFICER, matter.id, recipient="O01", inscription=inscription)
    banner = service.commend(OFFICER, matter.id, recipient="O01", inscription="\x1b[2J为民解忧")
    assert banner.commendations == 1
    (commended,) = [e for e in service.history(OFFICER, matter.id) if isinstance(e, m.Commended)]
    assert isinstance(commended.inscription, m.FreeText)
    assert "\x1b" not in repr(commended)
    service.shutdown()


@pytest.mark.parametrize("role", ["x" * 65, "has space", 7, "\x1b[31m"])
def test_participant_roles_and_rules_are_codes(role):
    service, _ = station()
    matter = service.report(OFFICER, draft())
    with pytest.raises(ValidationError, match="role"):
        service.involve(
            OFFICER, matter.id, ref="O01", role=role, linkage=m.Linkage.JOINT_ACTION, rule="L5"
        )
    with pytest.raises(ValidationError):
        m.Participant("O01", "helper", m.Linkage.JOINT_ACTION, "rule with spaces")


def test_the_feedback_comment_is_kept_and_masks_itself():
    service, _ = station()
    matter = resolved_help_request(service)
    service.feedback(OFFICER, matter.id, score=4, comment="民警很耐心，电话13800138000")
    history = service.history(OFFICER, matter.id, purpose="read the resident's comment")
    (recorded,) = [e for e in history if isinstance(e, m.FeedbackRecorded)]
    assert recorded.comment is not None
    assert recorded.comment.reveal().startswith("民警很耐心")
    assert "13800138000" not in repr(recorded)


@pytest.mark.parametrize("place", ["no-such-place", "C01", "V01"])
def test_unknown_places_and_settlements_are_refused_at_intake(place):
    service, _ = station()
    kinds = {p.id: p.kind for p in MIAOSHAN.places}
    if place != "no-such-place":
        assert kinds[place].is_settlement  # the shipped ids of a community and a village
    with pytest.raises(ValidationError, match=r"drafts\[0\]\.location\.place"):
        service.report(OFFICER, draft(location=m.Location(place=place)))
    with service._storage.unit_of_work() as uow:
        assert list(uow.matters.stream()) == []


def test_not_found_never_echoes_the_callers_id():
    service, _ = station()
    with pytest.raises(NotFound) as caught:
        service.get(OFFICER, "13800138000")
    assert "13800138000" not in str(caught.value)


def test_a_role_without_the_permission_is_denied_before_any_lookup():
    service, _ = station()
    matter = service.report(OFFICER, draft())
    with pytest.raises(PermissionDenied):
        service.get(ADMIN, matter.id)


@pytest.mark.parametrize("amount", [-1, 10**15 + 1, 2**64, 10**25, 1.5, True, "100"])
def test_a_sum_outside_whole_yuan_up_to_ten_to_the_fifteen_is_refused(amount):
    """2**64 and more came back as a float: stored wrong, and the audit chain cried tamper."""
    with pytest.raises(ValidationError) as refused:
        draft(amount_yuan=amount)
    assert refused.value.field == "amount_yuan"


def test_the_largest_sum_round_trips_exactly_and_the_chain_holds(tmp_path):
    config = MIAOSHAN.with_backends(storage=f"sqlite:///{tmp_path / 'big.db'}")
    with open_station(config, secret=SECRET, clock=Clock(), dispatch=False, plugins=PLUGINS) as s:
        matter = s.report(OFFICER, draft(amount_yuan=m.MAX_AMOUNT_YUAN))
        assert s.get(OFFICER, matter.id).amount_yuan == 10**15
        auditor = s.actor(MIAOSHAN.access.auditors[0])
        assert s.check_audit(auditor).ok


@pytest.mark.parametrize("source", [None, 3, b"./s.toml", ["miaoshan"]])
def test_a_station_source_that_is_no_path_is_a_validation_error(source):
    from fengqiao_core.station import load_station_config

    with pytest.raises(ValidationError, match="expected a path"):
        load_station_config(source)
    with pytest.raises(ValidationError, match="expected a path"):
        open_station(source, secret=SECRET)


@pytest.mark.parametrize(
    "clock",
    [lambda: "now", lambda: None, lambda: dt.datetime(9999, 12, 31, tzinfo=TZ)],
    ids=["text", "none", "year-9999"],
)
def test_a_clock_that_gives_no_usable_time_is_a_configuration_error(clock):
    from fengqiao_core.errors import ConfigurationError

    service = open_station(MIAOSHAN, secret=SECRET, clock=clock, dispatch=False, plugins=PLUGINS)
    with service, pytest.raises(ConfigurationError, match="station clock"):
        service.report(OFFICER, draft())


@pytest.mark.parametrize("limit", [0, -1, 10**30, "5", 2.0, True])
def test_deliver_pending_takes_a_whole_limit(limit):
    service, _ = station()
    with service, pytest.raises(ValidationError) as refused:
        service.deliver_pending(limit)
    assert refused.value.field == "limit"


def test_a_time_limit_of_centuries_is_refused_in_the_station_file():
    from fengqiao_core.rules.deadlines import DeadlineSettings

    with pytest.raises(ValidationError, match="general_days"):
        DeadlineSettings(general_days=2**63 - 1)
    assert DeadlineSettings(general_days=3660).general_days == 3660
