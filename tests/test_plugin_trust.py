"""A station trusts plugins explicitly: allow-list, masked observers and advisors, grants audited.

The plugins here are installed-looking: entry points of the ``fengqiao_core`` group (faked at
``importlib.metadata.entry_points``) loaded and registered through the plugin facade.
"""

from __future__ import annotations

import json
import pathlib

import attrs
import pytest
from typer.testing import CliRunner

from fengqiao_core import model as m
from fengqiao_core.cli.commands import app
from fengqiao_core.errors import PermissionDenied
from fengqiao_core.model.personal import PersonName, PhoneNumber
from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import TriageAdvice
from fengqiao_core.station.config import PluginGrant, PluginSettings
from fengqiao_core.station.trust import GRANT_PERSONAL_DATA
from station_helpers import MIAOSHAN, OFFICER, draft, station
from test_plugins import FakeEntryPoint, installed, plugin

__all__ = ["installed"]  # the fixture, imported for pytest

LAKESIDE = pathlib.Path(__file__).parent / "data" / "lakeside.toml"
NAME, PHONE = "严小芬", "13912345678"


def a_party():
    return m.Party(id="p1", name=PersonName(NAME), phone=PhoneNumber(PHONE))


class Spy:
    """An installed plugin that records what its observer and advisor were given."""

    def __init__(self, name):
        self.seen: list[m.Matter] = []
        self.events: list[list[m.MatterEvent]] = []
        self.advised: list[m.Matter] = []
        self.entry_point = FakeEntryPoint(
            name,
            plugin(
                fengqiao_on_matter_changed=lambda matter, events: self._observe(matter, events),
                fengqiao_triage_advice=lambda matter: self._advise(matter),
            ),
            dist=f"fengqiao-{name}",
        )

    def _observe(self, matter, events):
        self.seen.append(matter)
        self.events.append(events)

    def _advise(self, matter):
        self.advised.append(matter)
        return TriageAdvice(reason="noted")


def trusting(allow, **grants):
    settings = PluginSettings(
        allow=allow, grants={n: PluginGrant(personal_data=g) for n, g in grants.items()}
    )
    return attrs.evolve(MIAOSHAN, plugins=settings)


def audit(service):
    with service._storage.unit_of_work() as uow:
        return list(uow.audit.stream())


def test_a_plugin_not_allowed_is_neither_imported_nor_called(installed):
    allowed, other = Spy("allowed"), Spy("other")
    installed(allowed.entry_point, other.entry_point)
    service, _ = station(trusting(("allowed",)), plugins=None)
    service.report(OFFICER, draft(parties=(a_party(),)))
    assert allowed.entry_point.loaded
    assert allowed.seen
    assert allowed.advised
    assert not other.entry_point.loaded
    assert other.seen == []
    assert other.advised == []
    assert "other" in service.plugins.not_allowed()
    assert "other" not in {i.name for i in service.plugins.describe()}


def test_a_shared_facade_is_narrowed_to_what_the_station_allows(installed):
    allowed, other = Spy("allowed"), Spy("other")
    installed(allowed.entry_point, other.entry_point)
    shared = Plugins()  # loads every installed plugin
    service, _ = station(trusting(("allowed",)), plugins=shared)
    service.report(OFFICER, draft())
    assert len(allowed.seen) == 1
    assert other.entry_point.loaded
    assert other.seen == []
    assert set(service.plugins.not_allowed()) == {"other"}
    everyone, _ = station(attrs.evolve(MIAOSHAN, plugins=PluginSettings()), plugins=shared)
    assert "other" in {i.name for i in everyone.plugins.describe()}


def test_observers_and_advisors_see_masked_matters_unless_granted(installed):
    nosy, trusted = Spy("nosy"), Spy("trusted")
    installed(nosy.entry_point, trusted.entry_point)
    config = trusting(("nosy", "trusted"), trusted=True, nosy=False)
    service, _ = station(config, plugins=None)
    service.report(OFFICER, draft(parties=(a_party(),)))
    for seen in (nosy.seen[0], nosy.advised[0], nosy.events[0][0]):
        party = seen.parties[0]
        with pytest.raises(PermissionDenied):
            party.name.reveal()
        assert NAME not in repr(seen)
        assert PHONE not in repr(seen)
    for seen in (trusted.seen[0], trusted.advised[0], trusted.events[0][0]):
        assert seen.parties[0].phone.reveal() == PHONE


def test_an_ungranted_plugin_sees_no_screening_result(installed):
    nosy = Spy("nosy")
    installed(nosy.entry_point)
    service, _ = station(trusting(("nosy",)), plugins=None)
    first = service.report(OFFICER, draft(m.MatterKind.INCIDENT, parties=(a_party(),)))
    second = service.report(OFFICER, draft(parties=(a_party(),)))
    assert second.related == (first.id,)  # the officer sees the link
    assert nosy.seen[-1].related == ()
    assert nosy.seen[-1].alert is None


def test_grants_are_audited_each_time_the_station_opens(installed):
    trusted = Spy("trusted")
    installed(trusted.entry_point)
    service, _ = station(trusting(("trusted",), trusted=True), plugins=None)
    granted = [e for e in audit(service) if e.action == GRANT_PERSONAL_DATA]
    assert [(e.object_type, e.object_id, e.outcome) for e in granted] == [
        ("plugin", "trusted", "granted")
    ]
    assert granted[0].role is m.Role.SYSTEM


def test_without_a_plugins_table_every_installed_plugin_is_loaded_but_masked(installed):
    nosy = Spy("nosy")
    installed(nosy.entry_point)
    config = attrs.evolve(MIAOSHAN, plugins=PluginSettings())
    service, _ = station(config, plugins=None)
    service.report(OFFICER, draft(parties=(a_party(),)))
    with pytest.raises(PermissionDenied):
        nosy.seen[0].parties[0].name.reveal()
    assert not [e for e in audit(service) if e.action == GRANT_PERSONAL_DATA]


def station_file(tmp_path, table=""):
    path = tmp_path / "station.toml"
    path.write_text(LAKESIDE.read_text("utf-8") + table, "utf-8")
    return str(path)


def test_fengqiao_plugins_lists_installed_not_allowed(installed, tmp_path):
    allowed, other = Spy("allowed"), Spy("other")
    installed(allowed.entry_point, other.entry_point)
    path = station_file(
        tmp_path,
        '\n[plugins]\nallow = ["allowed"]\n\n[plugins.grants.allowed]\npersonal_data = true\n',
    )
    result = CliRunner().invoke(app, ["plugins", "--station", path, "--json"])
    assert result.exit_code == 0, result.output
    by_name = {p["name"]: p for p in json.loads(result.stdout)}
    assert by_name["other"]["status"] == "installed, not allowed"
    assert (by_name["allowed"]["status"], by_name["allowed"]["personal_data"]) == ("allowed", True)
    assert (by_name["memory"]["status"], by_name["memory"]["personal_data"]) == ("built-in", True)
    text = CliRunner().invoke(app, ["plugins", "--station", path])
    assert text.exit_code == 0
    assert "status" in text.stdout
    assert "other" in text.stdout


def test_fengqiao_check_shows_the_grants_and_warns_without_a_table(installed, tmp_path):
    trusted = Spy("trusted")
    installed(trusted.entry_point)
    granted = station_file(
        tmp_path,
        '\n[plugins]\nallow = ["trusted"]\n\n[plugins.grants.trusted]\npersonal_data = true\n',
    )
    report = json.loads(CliRunner().invoke(app, ["check", granted, "--json"]).stdout)
    notes = [f for f in report["findings"] if f["rule"] == "plugins"]
    assert [f["severity"] for f in notes] == ["info"]
    assert "'trusted' is granted personal data" in notes[0]["message"]
    bare = json.loads(CliRunner().invoke(app, ["check", station_file(tmp_path), "--json"]).stdout)
    warned = [f for f in bare["findings"] if f["rule"] == "plugins"]
    assert [f["severity"] for f in warned] == ["warning"]
    assert "no [plugins] table" in warned[0]["message"]


def test_a_station_file_with_a_bad_plugin_name_is_refused(tmp_path):
    path = station_file(tmp_path, '\n[plugins]\nallow = ["Bad Name"]\n')
    result = CliRunner().invoke(app, ["check", path, "--json"])
    assert result.exit_code == 1
    assert "plugin name" in result.stdout
