"""Rules M1-M5 (mediation law) and T4 (auxiliary officers never own)."""

import datetime as dt

import pytest

from fengqiao_core import model as m
from fengqiao_core.errors import RuleViolation
from fengqiao_core.model.personal import IdNumber, PersonName
from fengqiao_core.rules.mediation import (
    Agreement,
    PoliceMediationBar,
    check_archivable,
    check_consent,
    check_judicial_confirmation,
    check_owner,
    check_police_mediation,
    check_termination,
    is_effective,
)
from rules_helpers import party


def test_m1_no_mediation_when_a_party_refuses():
    check_consent(["p1", "p2"], [])
    with pytest.raises(RuleViolation, match=r"\[M1\].*p2.*arbitration") as info:
        check_consent(["p1", "p2"], ["p2"])
    assert info.value.rule == "M1"


def test_m2_termination_records_that_every_route_was_told():
    check_termination(["arbitration", "administrative", "judicial"])
    with pytest.raises(RuleViolation, match="judicial"):
        check_termination(["arbitration", "administrative"])


def test_m3_effective_only_when_all_signed_and_sealed():
    base = {
        "parties": ("p1", "p2"),
        "signed_by": ("p1", "p2"),
        "mediator_signed": True,
        "sealed": True,
        "signed_on": dt.date(2026, 8, 1),
    }
    assert is_effective(Agreement(**base))
    assert not is_effective(Agreement(**base | {"signed_by": ("p1",)}))
    assert not is_effective(Agreement(**base | {"sealed": False}))


def test_m3_archive_needs_the_records():
    check_archivable(registered=True, sessions=1, agreement=True, terminated=False)
    with pytest.raises(RuleViolation, match="session record, agreement or termination note"):
        check_archivable(registered=True, sessions=0, agreement=False, terminated=False)


def test_m4_judicial_confirmation_within_30_days():
    agreed = dt.date(2026, 8, 1)
    check_judicial_confirmation(agreed, agreed + dt.timedelta(days=30))
    with pytest.raises(RuleViolation, match=r"\[M4\]"):
        check_judicial_confirmation(agreed, agreed + dt.timedelta(days=31))


def test_m5_police_mediation_consent_bars_and_guardians():
    adult = party("p1")
    minor = m.Party(
        id="p2",
        name=PersonName("孙小小"),
        id_number=IdNumber("42011520120101001X") if False else None,
        birth_date=dt.date(2012, 5, 1),
    )
    day = dt.date(2026, 11, 2)
    check_police_mediation([adult, minor], consenting=["p1", "p2"], guardians=["p2"], on=day)
    with pytest.raises(RuleViolation, match="under 16"):
        check_police_mediation([adult, minor], consenting=["p1", "p2"], on=day)
    with pytest.raises(RuleViolation, match="consent"):
        check_police_mediation([adult, minor], consenting=["p1"], guardians=["p2"], on=day)
    with pytest.raises(RuleViolation, match="picking_quarrels"):
        check_police_mediation(
            [adult], consenting=["p1"], bars=[PoliceMediationBar.PICKING_QUARRELS], on=day
        )


def test_t4_auxiliary_officers_assist_but_never_own():
    officer = m.Officer(id="O1", name=PersonName("李警官"), post=m.OfficerPost.COMMUNITY)
    auxiliary = m.AuxiliaryOfficer(id="A1", name=PersonName("周辅警"))
    check_owner(officer, step="police_mediation")
    with pytest.raises(RuleViolation, match=r"\[T4\].*A1") as info:
        check_owner(auxiliary, step="open_case")
    assert "周" not in str(info.value)
