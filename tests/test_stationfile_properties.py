"""Property tests: malformed and hostile station files give a clear error or a finding, never a
traceback, and never echo personal data."""

import copy
import importlib.util
import json
import pathlib
import re
import tomllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from fengqiao_core.cli.commands import app
from fengqiao_core.errors import ConfigurationError, ValidationError
from fengqiao_core.rules.findings import Finding, FindingSeverity
from fengqiao_core.rules.topology import check_topology
from fengqiao_core.station.file import (
    COUNT_KEYS,
    counts,
    parse_station_config,
    station_config_from_dict,
)
from fengqiao_core.station.summary import summarise

ROOT = pathlib.Path(__file__).resolve().parents[1]
LAKESIDE = ROOT / "tests" / "data" / "lakeside.toml"
BASE = tomllib.loads(LAKESIDE.read_text("utf-8"))
PEOPLE = ("officers", "auxiliary_officers", "red_stewards", "grid_workers", "mediators", "lawyers")
SECRET = "".join(map(chr, (0x79D8, 0x5BC6, 0x7801)))  # built at run time: hypothesis mines literals
SOURCE = "t.toml"


def _topology(config):
    return check_topology(config, config.rules)


def _load_tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dumps = _load_tool("tomlwrite").dumps

texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
hostile = st.sampled_from(
    ["", " ", "\x00", "\x1b[31mred", "[bold]x[/bold]", "\u202eevil", "a" * 300, "$.x", "{}", "'\""]
)
scalars = st.one_of(
    texts,
    hostile,
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.times(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
secrets = st.builds(
    lambda head, tail: f"{head}{SECRET}{tail}",
    st.text(st.characters(exclude_categories=("Cs",)), min_size=3, max_size=8),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=4, max_size=8),
)


def _tables(data):
    """Every (container, key) pair in the data: where a mutation can land."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                found.append((node, key))
                walk(value)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                found.append((node, index))
                walk(value)

    walk(data)
    return found


@st.composite
def mutated(draw):
    """The second station with one to three random mutations."""
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        spots = _tables(data)
        container, key = draw(st.sampled_from(spots))
        action = draw(st.sampled_from(["delete", "replace", "extra", "duplicate", "secret"]))
        if action == "delete":
            del container[key]
        elif action == "replace":
            container[key] = draw(values)
        elif action == "extra" and isinstance(container, dict):
            container[draw(texts)] = draw(values)
        elif action == "duplicate" and isinstance(container, list):
            container.append(copy.deepcopy(container[key]))
        elif action == "secret":
            kind = draw(st.sampled_from(PEOPLE))
            if data.get(kind) and isinstance(data[kind], list):
                person = draw(st.sampled_from(data[kind]))
                if isinstance(person, dict):
                    person[draw(st.sampled_from(["name", "phone"]))] = draw(secrets)
    return data


def attempt(function, *args, errors=(ValidationError,)):
    """(result, None) or (None, error) for the expected error types."""
    try:
        return function(*args, source=SOURCE), None
    except errors as error:
        return None, error


def _assert_clear(error):
    assert error.problems
    for problem in error.problems:
        assert str(problem).startswith(f"{SOURCE}: $"), str(problem)
    assert SECRET not in str(error)
    assert "Traceback" not in str(error)


def _assert_usable(config):
    findings = check_topology(config, config.rules)
    assert all(isinstance(f, Finding) and re.fullmatch(r"T[123]", f.rule) for f in findings)
    assert all(f.severity in FindingSeverity for f in findings)
    assert list(counts(config)) == list(COUNT_KEYS)
    assert summarise(config)
    shown = repr(config) + "".join(f.message for f in findings)
    shown += "".join(str(row) for section in summarise(config) for row in section.rows)
    assert SECRET not in shown


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_any_mutation_gives_a_config_or_a_clear_error(data):
    config, error = attempt(parse_station_config, dumps(data))
    if error is not None:
        _assert_clear(error)
    else:
        _assert_usable(config)


@settings(max_examples=500)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=200))
def test_arbitrary_text_is_invalid_toml_or_a_clear_error(text):
    config, error = attempt(
        parse_station_config, text, errors=(ValidationError, ConfigurationError)
    )
    if isinstance(error, ConfigurationError):
        assert str(error).startswith(f"{SOURCE}: is not valid TOML")
    elif error is not None:
        _assert_clear(error)
    else:
        _assert_usable(config)


@settings(max_examples=400)
@given(st.dictionaries(texts, values, max_size=4))
def test_arbitrary_top_level_tables_give_clear_errors(data):
    config, error = attempt(station_config_from_dict, data)
    if error is not None:
        _assert_clear(error)
    else:
        _assert_usable(config)


@settings(max_examples=300)
@given(st.data())
def test_a_cell_in_two_police_grids_is_always_refused(draw):
    data = copy.deepcopy(BASE)
    cell = copy.deepcopy(draw.draw(st.sampled_from(data["cells"])))
    others = [g["id"] for g in data["police_grids"] if g["id"] != cell["police_grid"]]
    cell["police_grid"] = draw.draw(st.sampled_from(others))
    data["cells"].insert(draw.draw(st.integers(0, len(data["cells"]))), cell)
    config, error = attempt(station_config_from_dict, data)
    assert config is None
    assert any(f"duplicate id '{cell['id']}'" in p.message for p in error.problems)


@settings(max_examples=300)
@given(st.data())
def test_a_place_in_no_cell_is_a_t1_error(draw):
    data = copy.deepcopy(BASE)
    placed = [p for p in data["places"] if "cell" in p]
    lost = draw.draw(st.lists(st.sampled_from(placed), min_size=1, unique_by=lambda p: p["id"]))
    for place in lost:
        del place["cell"]
    findings = _topology(station_config_from_dict(data, source=SOURCE))
    errors = [f.message for f in findings if f.severity is FindingSeverity.ERROR and f.rule == "T1"]
    assert errors == [
        f"{p['kind']} {p['id']} ({p['name']}) lies in no grid cell"
        for p in data["places"]
        if p in lost
    ]


@settings(max_examples=300)
@given(st.data())
def test_communities_without_a_team_are_t2_errors(draw):
    data = copy.deepcopy(BASE)
    data["teams"] = draw.draw(st.lists(st.sampled_from(BASE["teams"]), unique_by=lambda t: t["id"]))
    data["rules"]["village_teams"] = draw.draw(st.booleans())
    findings = _topology(station_config_from_dict(data, source=SOURCE))
    missing = {f.message.split()[1] for f in findings if f.message.endswith("has no team")}
    kinds = {"community", "village"} if data["rules"]["village_teams"] else {"community"}
    expected = {p["id"] for p in data["places"] if p["kind"] in kinds}
    assert missing == expected - {t["community"] for t in data["teams"]}


BACKEND = re.compile(r"[a-z][a-z0-9_-]{0,63}|[a-z][a-z0-9+.-]{0,31}://[^\s\x00-\x1f\x7f]{1,2000}")


@settings(max_examples=700)
@given(
    st.sampled_from(["storage", "grid", "volunteers", "channel"]),
    st.one_of(texts, hostile, st.from_regex(BACKEND, fullmatch=True)),
)
def test_backend_names_are_checked_by_syntax_only(key, value):
    data = copy.deepcopy(BASE)
    data["backends"] = {key: value}
    config, error = attempt(station_config_from_dict, data)
    if error is not None:
        (problem,) = error.problems
        assert problem.field == f"{SOURCE}: $.backends.{key}"
        assert not BACKEND.fullmatch(value)
    else:
        assert BACKEND.fullmatch(value)
        assert getattr(config.backends, key) == value


@settings(max_examples=200)
@given(texts, texts, st.booleans())
def test_backend_url_passwords_are_never_shown(user, host, broken):
    url = f"postgresql://{user}:{SECRET}@{host}{' ' if broken else ''}/db"
    data = copy.deepcopy(BASE)
    data["backends"] = {"storage": url}
    config, error = attempt(station_config_from_dict, data)
    shown = str(error) if error is not None else repr(config.backends) + repr(config)
    assert SECRET not in shown


runner = CliRunner()


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(
        [
            ("station", "name"),
            ("places", 0, "name"),
            ("police_grids", 1, "name"),
            ("forces", 0, "name"),
        ]
    ),
    st.one_of(hostile, texts),
)
def test_cli_check_never_shows_a_traceback(tmp_path_factory, where, value):
    data = copy.deepcopy(BASE)
    node = data
    for step in where[:-1]:
        node = node[step]
    node[where[-1]] = value
    path = tmp_path_factory.mktemp("cli") / "s.toml"
    path.write_text(dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["check", str(path), "--json"])
    assert result.exit_code in (0, 1)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    report = json.loads(result.stdout)
    assert set(report) in ({"station", "counts", "findings"}, {"error"})
