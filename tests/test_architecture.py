"""The house keeps its shape: no import circles, dependencies point inward, a light public face."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "fengqiao_core"
INNER = ("fengqiao_core.model", "fengqiao_core.rules")
OUTER = (
    "fengqiao_core.station",
    "fengqiao_core.builtin",
    "fengqiao_core.cli",
    "fengqiao_core.plugins",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Every module's imports of other package modules, ``TYPE_CHECKING`` blocks included."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(
                        [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                    ).strip(".")
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            for target in targets:
                while target and target not in paths:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    found.add(target)
        graph[name] = found
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles():
    assert _circles(_imports()) == []


def test_the_circle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("inner", INNER)
def test_model_and_rules_import_nothing_from_outer_rooms(inner):
    graph = _imports()
    bad = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module == inner or module.startswith(inner + ".")
        for target in targets
        if any(target == outer or target.startswith(outer + ".") for outer in OUTER)
    )
    assert bad == []


def test_the_package_root_reads_like_a_table_of_contents():
    entries = sorted(p.name for p in PACKAGE.iterdir() if p.name not in {"__pycache__", "py.typed"})
    assert len(entries) <= 14, entries
    stems = [name.removesuffix(".py") for name in entries if not name.startswith("_")]
    shared = {a for a in stems for b in stems if a != b and b.startswith(a)}
    assert shared == set()


def test_no_module_is_over_400_lines():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}


def test_the_public_face_is_lazy():
    code = (
        "import sys, fengqiao_core;"
        "from fengqiao_core import open_station, MatterDraft, hookimpl, model, NotFound;"
        "import fengqiao_core as f;"
        "heavy = [m for m in ('typer', 'rich') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    bare = (
        "import sys, fengqiao_core;"
        "print(','.join(m for m in sys.modules if m.startswith('fengqiao_core.station')"
        " or m in ('typer', 'rich', 'sqlite3', 'pluggy')))"
    )
    out = subprocess.run([sys.executable, "-c", bare], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_face_refuses_unknown_names():
    import fengqiao_core

    with pytest.raises(AttributeError, match="no_such_name"):
        fengqiao_core.no_such_name  # noqa: B018
    assert "open_station" in dir(fengqiao_core)
