"""``station.kpis`` and ``station.scorecard``: read_figures, audited with the filter."""

import datetime as dt

import pytest

from fengqiao_core import hookimpl
from fengqiao_core import model as m
from fengqiao_core.errors import PermissionDenied, PluginError, ValidationError
from fengqiao_core.metrics.kpis import Kpi
from fengqiao_core.metrics.scope import Period, Scope
from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import Measure
from fengqiao_core.station.figures import filter_id
from station_helpers import OFFICER, TZ, draft, station

AUDITOR = m.Actor("AU1", m.Role.AUDITOR)
ADMIN = m.Actor("AD1", m.Role.ADMIN)
RESIDENT = m.Actor("R1", m.Role.RESIDENT)
PERIOD = Period(dt.datetime(2026, 1, 1, tzinfo=TZ), dt.datetime(2027, 1, 1, tzinfo=TZ))


def figures_entries(service):
    return [e for e in service.audit_log(AUDITOR) if e.action == "read_figures"]


def test_the_report_follows_the_stored_matters():
    service, _ = station()
    before = service.kpis(OFFICER, PERIOD).get("matters_reported").value
    service.report(OFFICER, draft(m.MatterKind.INCIDENT, category="incident:burglary"))
    after = service.kpis(OFFICER, PERIOD)
    assert before == 0
    assert after.get("matters_reported").value == 1
    assert after.get("incidents_burglary").change.new


@pytest.mark.parametrize("actor", [OFFICER, ADMIN, AUDITOR])
def test_officers_admins_and_auditors_read_figures_and_each_read_is_audited(actor):
    service, _ = station()
    scope = Scope("category", "incident:burglary")
    card = service.scorecard(actor, PERIOD, scope)
    assert len(card.sections) == 7
    entries = figures_entries(service)
    assert [(e.actor, e.outcome, e.object_id) for e in entries] == [
        (actor.person_id, "success", filter_id(PERIOD, [scope]))
    ]
    assert entries[0].object_id == "20260101-20270101:category:incident:burglary"


def test_other_roles_are_refused_and_the_refusal_is_audited():
    service, _ = station()
    with pytest.raises(PermissionDenied):
        service.kpis(RESIDENT, PERIOD)
    assert [(e.actor, e.outcome) for e in figures_entries(service)] == [("R1", "denied")]


def test_arguments_are_checked():
    service, _ = station()
    with pytest.raises(ValidationError):
        service.kpis(OFFICER, "2026")
    with pytest.raises(ValidationError):
        service.kpis(OFFICER, PERIOD, scope="cell:1")
    with pytest.raises(ValidationError):
        Scope("nowhere", "x")


def test_a_long_filter_is_audited_as_a_digest():
    many = [Scope("cell", f"4201150010010{i:02d}") for i in range(10)]
    found = filter_id(PERIOD, many)
    assert len(found) <= 64
    assert found.startswith("20260101-20270101:scopes-")


class LabourKpis:
    FENGQIAO_PLUGIN_API = 1

    @hookimpl
    def fengqiao_register_kpis(self):
        return [
            Kpi("labour_disputes", "labour disputes", "劳动争议", "count", "Σ labour disputes",
                lambda t, p: t.total(Measure.COUNT, p, categories=("dispute:labour",))),
            Kpi("broken", "broken", "坏", "count", "raises", lambda t, p: 1 / 0),
        ]  # fmt: skip


def test_plugins_add_kpis_and_a_failing_one_names_its_plugin(plugin_manager, register_plugin):
    class Fine(LabourKpis):
        @hookimpl
        def fengqiao_register_kpis(self):
            return LabourKpis.fengqiao_register_kpis(self)[:1]

    register_plugin(Fine(), "labour_kpis")
    service, _ = station(plugins=Plugins(plugin_manager))
    service.report(OFFICER, draft(m.MatterKind.DISPUTE, category="dispute:labour"))
    assert service.kpis(OFFICER, PERIOD).get("labour_disputes").value == 1
    plugin_manager.unregister(name="labour_kpis")
    register_plugin(LabourKpis(), "broken_kpis")
    broken, _ = station(plugins=Plugins(plugin_manager))
    with pytest.raises(PluginError, match="broken_kpis"):
        broken.kpis(OFFICER, PERIOD)
