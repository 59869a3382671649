"""``fengqiao new-plugin`` writes a plugin distribution whose skeleton says what to implement."""

import importlib.util
import inspect
import json
import os
import pathlib
import re
import subprocess
import sys
import tomllib

import pytest
from typer.testing import CliRunner

from fengqiao_core.cli.commands import app
from fengqiao_core.cli.scaffold import METHODS, scaffold
from fengqiao_core.errors import ConfigurationError, ValidationError
from fengqiao_core.ports import BackendContext
from fengqiao_core.station.file import load_station_config

CONTRACTS = {
    "grid": "GridContract",
    "storage": "StorageContract",
    "volunteers": "VolunteerContract",
    "channel": "ChannelContract",
}


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("port", sorted(METHODS))
def test_scaffolds_each_port(port, tmp_path):
    result = CliRunner().invoke(
        app, ["new-plugin", "city-map", "--port", port, "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    root = tmp_path / "fengqiao-city-map"
    project = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    assert project["project"]["name"] == "fengqiao-city-map"
    assert project["project"]["entry-points"]["fengqiao_core"] == {
        "fengqiao_city_map": "fengqiao_city_map"
    }
    assert (root / "src" / "fengqiao_city_map" / "py.typed").exists()
    assert "pytest" in (root / "README.md").read_text("utf-8")
    tests = (root / "tests" / "test_contract.py").read_text("utf-8")
    assert f"({CONTRACTS[port]}):" in tests
    compile(tests, "test_contract.py", "exec")

    module = load(root / "src" / "fengqiao_city_map" / "__init__.py", f"scaffold_{port}")
    assert module.FENGQIAO_PLUGIN_API == 1
    [spec] = module.fengqiao_register_backends()
    assert (spec.port, spec.name, spec.schemes) == (port, "city-map", ("city-map",))
    config = load_station_config("miaoshan")
    backend = spec.factory(BackendContext(f"city-map://{tmp_path}", config, None))
    for method, _, what in METHODS[port]:
        bound = getattr(backend, method)
        with pytest.raises(NotImplementedError, match=method) as raised:
            bound(*[None] * len(inspect.signature(bound).parameters))
        assert what in str(raised.value)


def test_refuses_a_bad_name_an_unknown_port_and_an_existing_folder(tmp_path):
    with pytest.raises(ValidationError, match="name"):
        scaffold("City Map", "grid", tmp_path)
    with pytest.raises(ValidationError, match="port"):
        scaffold("city", "telepathy", tmp_path)
    scaffold("city", "grid", tmp_path)
    with pytest.raises(ConfigurationError, match="exists already"):
        scaffold("city", "grid", tmp_path)
    result = CliRunner().invoke(
        app, ["new-plugin", "city", "--port", "grid", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2


# --- from the scaffold to a passing, installed plugin ------------------------------------------

NAMES = {
    "grid": "tiny-map",
    "storage": "tiny-store",
    "volunteers": "tiny-roster",
    "channel": "tiny-post",
}
DELEGATES = {
    "grid": (
        "from fengqiao_core.builtin.declared_grid import DeclaredGrid",
        "DeclaredGrid(station)",
    ),
    "storage": ("from fengqiao_core.builtin.memory import MemoryStorage", "MemoryStorage()"),
    "volunteers": (
        "from fengqiao_core.builtin.declared_volunteers import DeclaredVolunteers",
        "DeclaredVolunteers(stewards, zone)",
    ),
    "channel": ("from fengqiao_core.builtin.log_channel import LogChannel", "LogChannel()"),
}
ARGUMENTS = {
    "locate": "lons, lats, crs",
    "cells": "",
    "cell_of_place": "place_id",
    "neighbours": "cell_id",
    "unit_of_work": "",
    "close": "",
    "candidates": "community, skills, at, limit",
    "record_assignment": "steward_id",
    "load": "steward_id",
    "send": "message",
}


def run(*args, cwd, path=(), timeout=900):
    """Run ``python *args`` in a fresh process that sees ``path`` before the shared venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CI")}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in path)
    env["COLUMNS"] = "400"
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


def fill(root, port):
    """Replace the skeleton's NotImplementedErrors by a tiny backend delegating to a built-in."""
    [module] = (root / "src").glob("*/__init__.py")
    text = module.read_text("utf-8")
    imported, delegate = DELEGATES[port]
    text = text.replace(
        "from fengqiao_core import hookimpl", f"{imported}\nfrom fengqiao_core import hookimpl"
    )
    text = re.sub(
        r'(    def __init__\(.*\n        """.*"""\n)',
        rf"\1        self._inner = {delegate}\n",
        text,
    )
    text = re.sub(
        r'raise NotImplementedError\(\s*"\w+\.(\w+): (?:[^"]*"\s*")*[^"]*"\s*\)',
        lambda found: f"return self._inner.{found[1]}({ARGUMENTS[found[1]]})",
        text,
    )
    text = text.replace("= frozenset()\n", "= MemoryStorage.capabilities\n")
    assert "raise NotImplementedError" not in text
    module.write_text(text, "utf-8")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Every port's scaffold, filled and installed with pip into a folder of its own."""
    out, site = tmp_path_factory.mktemp("plugins"), tmp_path_factory.mktemp("site")
    roots = {port: scaffold(name, port, out) for port, name in NAMES.items()}
    for port, root in roots.items():
        fill(root, port)
    pip = run(
        "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps", "--no-index",
        "--disable-pip-version-check", "--target", str(site), *map(str, roots.values()),
        cwd=out,
    )  # fmt: skip
    assert pip.returncode == 0, pip.stderr
    return roots, site


@pytest.mark.parametrize("port", sorted(NAMES))
def test_a_filled_scaffold_installed_with_pip_passes_its_contract(port, installed):
    roots, site = installed
    root = roots[port]
    result = run(
        "-m", "pytest", "-q", "-rfEs", "-p", "no:cacheprovider", "--hypothesis-profile=quick",
        str(root / "tests"), cwd=root, path=[site],
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"\d+ passed", result.stdout), result.stdout[-2000:]
    assert " failed" not in result.stdout
    # the installed copy was tested, not the folder it was built from
    assert (
        str(site)
        in run(
            "-c",
            f"import {root.name.replace('-', '_')} as p; print(p.__file__)",
            cwd=root,
            path=[site],
        ).stdout
    )


def test_the_installed_plugins_appear_in_fengqiao_plugins_with_their_schemes(installed):
    _, site = installed
    listing = run(
        "-c",
        "from fengqiao_core.cli import main; main()",
        "plugins",
        "--json",
        cwd=site,
        path=[site],
    )
    assert listing.returncode == 0, listing.stderr
    found = {
        b["name"]: (b["port"], plugin["distribution"], b["schemes"])
        for plugin in json.loads(listing.stdout)
        for b in plugin["backends"]
    }
    for port, name in NAMES.items():
        assert found[name] == (port, f"fengqiao-{name}", [name])
    shared = run(
        "-c", "from fengqiao_core.cli import main; main()", "plugins", "--json", cwd=site.parent
    )
    assert not set(NAMES.values()) & {
        b["name"] for plugin in json.loads(shared.stdout) for b in plugin["backends"]
    }, "the shared venv must not see the test's plugins"


@pytest.mark.parametrize("port", sorted(NAMES))
def test_the_scaffold_is_ruff_clean(port, tmp_path):
    root = scaffold(NAMES[port], port, tmp_path)
    ruff = pathlib.Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed beside this Python")
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        result = subprocess.run(
            [str(ruff), *command, "."], cwd=root, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


FAIL_FAST = """from hypothesis import Phase, settings

settings.register_profile(
    "fail-fast", max_examples=3, phases=[Phase.explicit, Phase.generate], report_multiple_bugs=False
)
"""
"""A profile for this test only: a skeleton fails every example at once, so there is nothing to
search or shrink; the messages are the same under any profile."""


@pytest.mark.parametrize("port", sorted(NAMES))
def test_unfilled_contract_tests_fail_saying_what_to_implement_next(port, tmp_path):
    root = scaffold(NAMES[port], port, tmp_path)
    (root / "conftest.py").write_text(FAIL_FAST, "utf-8")
    result = run(
        "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", "--hypothesis-profile=fail-fast",
        str(root / "tests"), cwd=root, path=[root / "src"],
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:]
    passed = re.search(r"(\d+) passed", result.stdout.splitlines()[-1])
    # only the storage skeleton's declared (empty) capabilities are right before any work
    assert (int(passed[1]) if passed else 0) == (1 if port == "storage" else 0), passed
    summary = [line for line in result.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    assert summary
    [module] = (root / "src").glob("*/__init__.py")
    cls = re.search(r"^class (\w+):", module.read_text("utf-8"), re.M)[1]
    for line in summary:  # each failure names the method to write and what it must do
        assert f"NotImplementedError: {cls}." in line, line
    for method, _, what in METHODS[port]:
        assert f"NotImplementedError: {cls}.{method}: {what}" in result.stdout, method
