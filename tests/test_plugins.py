import datetime as dt
import importlib.metadata
import logging
import pathlib
import types

import pytest

import fengqiao_core
from fengqiao_core import hookimpl, hookspecs
from fengqiao_core import model as m
from fengqiao_core.errors import ConfigurationError, PluginError
from fengqiao_core.model.personal import FreeText
from fengqiao_core.plugins import DEFAULT_PLUGINS, Plugins, get_plugin_manager
from fengqiao_core.ports import BackendContext, BackendSpec, TriageAdvice
from fengqiao_core.rules.findings import Finding, FindingSeverity
from fengqiao_core.station.file import load_station_config

LAKESIDE = pathlib.Path(__file__).parent / "data" / "lakeside.toml"
AT = dt.datetime(2026, 11, 28, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))


class FakeDist:
    def __init__(self, name, version="9.9"):
        self.name = name
        self.version = version


class FakeEntryPoint:
    """Stands in for an installed distribution's entry point."""

    def __init__(self, name, plugin, dist="fengqiao-fake"):
        self.name = name
        self.value = f"{name}_module"
        self.dist = FakeDist(dist)
        self._plugin = plugin
        self.loaded = False

    def load(self):
        self.loaded = True
        if isinstance(self._plugin, Exception):
            raise self._plugin
        return self._plugin


def plugin(**hooks):
    """A plugin module with FENGQIAO_PLUGIN_API = 1 and the given hook implementations."""
    module = types.ModuleType("fake_plugin")
    module.FENGQIAO_PLUGIN_API = 1
    for name, function in hooks.items():
        setattr(module, name, hookimpl(function))
    return module


@pytest.fixture
def installed(monkeypatch):
    """Replace the installed entry points with fake ones for one test."""

    def install(*entry_points):
        def fake(group):
            assert group == "fengqiao_core"
            return list(entry_points)

        monkeypatch.setattr(importlib.metadata, "entry_points", fake)

    return install


@pytest.fixture(scope="module")
def config():
    return load_station_config(LAKESIDE)


def a_matter():
    event = m.MatterReported(
        matter_id="m1", version=1, at=AT, actor=m.Actor("o1", m.Role.OFFICER),
        kind=m.MatterKind.HELP_REQUEST, category="help_request:lost_property",
        severity=m.Severity.GENERAL, source=m.Source.WALK_IN,
        location=m.Location(place="x"), description=FreeText("书包丢了"),
    )  # fmt: skip
    return m.replay([event]), [event]


def test_builtins_are_registered_like_external_plugins():
    infos = {i.name: i for i in Plugins(get_plugin_manager(load_entrypoints=False)).describe()}
    assert sorted(infos) == sorted(name.rsplit(".", 1)[-1] for name in DEFAULT_PLUGINS)
    assert {i.distribution for i in infos.values()} == {"fengqiao-core"}
    assert {i.version for i in infos.values()} == {fengqiao_core.__version__}
    backends = {b for i in infos.values() for b in i.backends}
    assert backends == {
        ("storage", "memory"),
        ("storage", "sqlite"),
        ("grid", "declared"),
        ("volunteers", "declared"),
        ("channel", "log"),
    }


def test_each_call_builds_a_fresh_manager():
    assert get_plugin_manager() is not get_plugin_manager()


def test_misspelled_hook_fails_at_start_up_naming_it(installed):
    installed(FakeEntryPoint("typo", plugin(fengqiao_register_backend=lambda: ())))
    with pytest.raises(PluginError) as info:
        get_plugin_manager()
    assert "fengqiao_register_backend" in str(info.value)
    assert info.value.plugin == "typo"
    assert info.value.distribution == "fengqiao-fake 9.9"


def test_plugin_that_cannot_be_imported_is_named(installed):
    installed(FakeEntryPoint("broken", ImportError("no module named shapely")))
    with pytest.raises(PluginError, match=r"broken.*cannot be imported"):
        get_plugin_manager()


@pytest.mark.parametrize(
    ("declared", "message"),
    [(2, "built for plugin API 2"), (None, "declares no FENGQIAO_PLUGIN_API")],
)
def test_incompatible_plugin_api_is_refused(installed, declared, message):
    module = plugin()
    module.FENGQIAO_PLUGIN_API = declared
    installed(FakeEntryPoint("old", module))
    with pytest.raises(PluginError, match=message) as info:
        get_plugin_manager()
    assert "provides plugin API 1" in str(info.value)


def test_blocked_plugin_is_not_loaded(installed, monkeypatch):
    entry = FakeEntryPoint("blocked_one", plugin())
    installed(entry)
    monkeypatch.setenv("FENGQIAO_BLOCKED_PLUGINS", "blocked_one, log_channel")
    names = {i.name for i in Plugins().describe()}
    assert not entry.loaded
    assert "blocked_one" not in names
    assert "log_channel" not in names
    assert "memory" in names


def test_autoload_can_be_switched_off(installed, monkeypatch):
    entry = FakeEntryPoint("external", plugin())
    installed(entry)
    monkeypatch.setenv("FENGQIAO_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert "external" not in {i.name for i in Plugins().describe()}
    assert not entry.loaded
    monkeypatch.setenv("FENGQIAO_DISABLE_PLUGIN_AUTOLOAD", "0")
    assert "external" in {i.name for i in Plugins().describe()}


def test_duplicate_backend_names_both_distributions(installed):
    spec = BackendSpec("storage", "memory", lambda context: None)
    installed(FakeEntryPoint("dup", plugin(fengqiao_register_backends=lambda: [spec])))
    with pytest.raises(PluginError) as info:
        Plugins().backends("storage")
    assert "fengqiao-fake 9.9" in str(info.value)
    assert "fengqiao-core" in str(info.value)


def test_unknown_backend_lists_the_valid_ones():
    plugins = Plugins(get_plugin_manager(load_entrypoints=False))
    with pytest.raises(ConfigurationError, match="choose one of: memory"):
        plugins.backend("storage", "cassandra")
    with pytest.raises(ConfigurationError, match=r"unknown grid backend 'h3://…'"):
        plugins.backend("grid", "h3://user:secret@host/x")


def test_backend_is_chosen_by_name_or_url_scheme(installed, config):
    spec = BackendSpec("storage", "fancy", lambda context: context.url, schemes=("fancy",))
    installed(FakeEntryPoint("fancy", plugin(fengqiao_register_backends=lambda: [spec])))
    plugins = Plugins()
    assert plugins.backend("storage", "fancy") is spec
    context = BackendContext("fancy:///tmp/db", config, None)
    assert plugins.open_backend("storage", context) == "fancy:///tmp/db"


def test_failing_backend_factory_is_a_plugin_error(installed, config):
    def explode(context):
        raise OSError("disk on fire")

    spec = BackendSpec("storage", "bad", explode)
    installed(FakeEntryPoint("bad", plugin(fengqiao_register_backends=lambda: [spec])))
    with pytest.raises(PluginError, match=r"bad.*storage backend failed: OSError"):
        Plugins().open_backend("storage", BackendContext("bad", config, None))


def test_wrong_result_types_are_plugin_errors(installed):
    installed(FakeEntryPoint("odd", plugin(fengqiao_register_backends=lambda: ["memory"])))
    with pytest.raises(PluginError, match="returned str where BackendSpec is expected"):
        Plugins().backends("grid")


def test_registered_types_are_merged_and_duplicates_refused(installed):
    pets = m.MatterCategory(m.MatterKind.DISPUTE, "pets", "pets", "宠物纠纷")
    installed(FakeEntryPoint("pets", plugin(fengqiao_register_categories=lambda: [pets])))
    assert Plugins().categories().get("dispute:pets") == pets
    labour = m.MatterCategory(m.MatterKind.DISPUTE, "labour", "x", "劳动")
    installed(FakeEntryPoint("clash", plugin(fengqiao_register_categories=lambda: [labour])))
    with pytest.raises(PluginError, match="clash"):
        Plugins().categories()


def test_advice_findings_and_converter_hooks_reach_their_callers(installed, config):
    advice = TriageAdvice(reason="parks first", raise_to=m.LadderLevel.STATION)
    finding = Finding("X1", FindingSeverity.WARNING, "eight forces expected")
    seen = []
    installed(
        FakeEntryPoint(
            "helpful",
            plugin(
                fengqiao_triage_advice=lambda matter, config: advice,
                fengqiao_check_jurisdiction=lambda config: [finding],
                fengqiao_configure_converter=lambda converter: seen.append(converter),
                fengqiao_on_matter_changed=lambda matter: seen.append(matter.id),
                fengqiao_register_commands=lambda cli: seen.append(cli),
            ),
        )
    )
    plugins = Plugins()
    matter, events = a_matter()
    assert plugins.triage_advice(matter, config) == [("helpful", advice)]
    assert plugins.check_jurisdiction(config) == [finding]
    converter = plugins.make_converter()
    plugins.notify_matter_changed(matter, events)
    plugins.register_commands("the-cli")
    assert seen == [converter, "m1", "the-cli"]


def _raise(*_args, **_kwargs):
    raise RuntimeError("plugin bug")


def _first(errors):
    """Observers' errors are returned, not raised (they come after a commit): raise the first."""
    assert errors, "the failing observer's error was not returned"
    raise errors[0]


CALLS = {
    "fengqiao_register_backends": lambda p, c: p.backends("storage"),
    "fengqiao_configure_converter": lambda p, c: p.make_converter(),
    "fengqiao_register_categories": lambda p, c: p.categories(),
    "fengqiao_register_micro_pillars": lambda p, c: p.micro_pillars(),
    "fengqiao_check_jurisdiction": lambda p, c: p.check_jurisdiction(c),
    "fengqiao_triage_advice": lambda p, c: p.triage_advice(a_matter()[0], c),
    "fengqiao_on_matter_changed": lambda p, c: _first(p.notify_matter_changed(*a_matter())),
    "fengqiao_register_commands": lambda p, c: p.register_commands(object()),
    "fengqiao_register_kpis": lambda p, c: p.kpis(),
    "fengqiao_register_algorithms": lambda p, c: p.algorithms(),
    "fengqiao_key_providers": lambda p, c: p.key_providers(),
}


def test_every_hook_has_a_facade_call():
    specs = {name for name in dir(hookspecs) if name.startswith("fengqiao_")}
    assert specs == set(CALLS)


@pytest.mark.parametrize("hook", sorted(CALLS))
def test_a_plugin_raising_in_any_hook_is_named(installed, config, hook):
    installed(FakeEntryPoint("buggy", plugin(**{hook: _raise})))
    with pytest.raises(PluginError) as info:
        CALLS[hook](Plugins(), config)
    assert info.value.plugin == "buggy"
    assert info.value.distribution == "fengqiao-fake 9.9"
    assert f"hook {hook} raised RuntimeError" in str(info.value)
    assert isinstance(info.value.__cause__, RuntimeError)


def test_tracing_logs_each_call(installed, monkeypatch, caplog):
    installed()
    monkeypatch.setenv("FENGQIAO_TRACE_PLUGINS", "1")
    with caplog.at_level(logging.DEBUG, logger="fengqiao_core"):
        Plugins().backends("storage")
    assert "hook fengqiao_register_backends -> plugin memory" in caplog.text
