"""The README's commands stay in step with CI, and every Python block in the docs runs."""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def blocks(path, language):
    return [code for lang, code in BLOCK.findall(path.read_text("utf-8")) if lang == language]


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one():
    commands = [c.strip() for c in blocks(ROOT / "README.md", "sh")]
    assert len(commands) == 2
    demo, test = commands
    assert demo.startswith("python3 -m venv .venv")
    assert demo.endswith("fengqiao demo")
    assert test.startswith("python3 -m venv .venv")
    assert "pytest" in test
    assert test in (ROOT / ".ci" / "run").read_text("utf-8")


def test_every_plugin_distribution_is_installed_by_the_test_command():
    requirements = (ROOT / "requirements-dev.txt").read_text("utf-8")
    for plugin in sorted((ROOT / "plugins").glob("*/pyproject.toml")):
        assert f"./plugins/{plugin.parent.name}" in requirements


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(code, id=f"{path.name}#{i}")
        for path in DOCS
        for i, code in enumerate(blocks(path, "python"))
    ],
)
def test_python_blocks_in_docs_run(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples may create files in the cwd
    monkeypatch.setenv("FENGQIAO_DATA_DIR", str(tmp_path))  # and a shipped station's database
    namespace: dict[str, object] = {}
    exec(compile(code, "<docs>", "exec"), namespace)
    assert namespace


def test_use_case_table_lists_every_lifecycle_edge():
    from fengqiao_core import model as m
    from fengqiao_core.rules.lifecycle import edges

    table = (ROOT / "docs" / "use-cases.md").read_text("utf-8")
    rows = {
        tuple(cell.strip() for cell in line.strip("|").split("|")[:4])
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith("| kind")
    }
    expected = {
        (kind.value, s.value, f"{a.value} ({a.label_zh})", t.value)
        for kind in m.MatterKind
        for s, a, t in edges(kind)
    }
    assert rows == expected
