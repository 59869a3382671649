"""The README's commands stay in step with CI, and every Python block in the docs runs."""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
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
        pytest.param(code, id=f"{path.relative_to(ROOT)}#{i}")
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


def mermaid_lifecycle(kind):
    """The state diagram of one matter kind, generated from its lifecycle table."""
    from fengqiao_core.rules.lifecycle import edges

    lines = ["stateDiagram-v2"]
    lines += [f"    {s.value} --> {t.value}: {a.value} {a.label_zh}" for s, a, t in edges(kind)]
    return "\n".join(lines) + "\n"


def test_domain_page_diagrams_are_the_lifecycle_tables():
    from fengqiao_core import model as m

    diagrams = blocks(ROOT / "docs" / "domain.md", "mermaid")
    expected = [mermaid_lifecycle(kind) for kind in m.MatterKind]
    assert diagrams == expected, "regenerate docs/domain.md §4 with mermaid_lifecycle()"


def test_domain_page_names_every_rule_and_builtin_kpi():
    from fengqiao_core.metrics.kpis import BUILTIN_KPIS

    page = (ROOT / "docs" / "domain.md").read_text("utf-8")
    rule_ids = re.findall(r"^\| ([TLMD]\d) \|", page, re.M)
    assert rule_ids == [
        *["T1", "T2", "T3", "T4"],
        *[f"L{i}" for i in range(1, 9)],
        *[f"M{i}" for i in range(1, 6)],
        "D1",
        "D2",
    ]
    for kpi in BUILTIN_KPIS:
        assert f"`{kpi.id}`" in page, kpi.id
        assert kpi.label_zh.split("(")[0] in page or kpi.id.startswith("incidents_"), kpi.id
