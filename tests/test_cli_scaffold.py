"""``fengqiao new-plugin`` writes a plugin distribution whose skeleton says what to implement."""

import importlib.util
import inspect
import tomllib

import pytest
from typer.testing import CliRunner

from fengqiao_core.cli.commands import app
from fengqiao_core.cli.scaffold import METHODS, scaffold
from fengqiao_core.errors import ConfigurationError, ValidationError

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
    backend = spec.factory(None)
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
