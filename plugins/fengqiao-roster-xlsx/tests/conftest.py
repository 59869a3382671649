"""Fixtures of the roster plugin's tests: the Miaoshan station, a secret, workbooks, the CLI."""

import importlib.util
import sys
from pathlib import Path

import pytest
import typer
from fengqiao_roster_xlsx import _core, roster_vocabulary
from fengqiao_roster_xlsx.xlsxwrite import SheetData, write_workbook
from typer.testing import CliRunner

from fengqiao_core.plugins import Plugins

ROOT = Path(__file__).resolve().parents[3]
SECRET = "roster-tests-secret-6f2a0c9e4d17b835e2"


@pytest.fixture(scope="session")
def miaoshan():
    return _core.load_station("miaoshan")


@pytest.fixture(scope="session")
def vocabulary(miaoshan):
    return roster_vocabulary(miaoshan)


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setenv("FENGQIAO_SECRET", SECRET)
    return SECRET.encode()


@pytest.fixture
def workbook(tmp_path):
    """Write sheets ``{name: {row number: cells}}`` (or SheetData) to an .xlsx; returns its path."""

    def write(sheets, name="roster.xlsx"):
        path = tmp_path / name
        if isinstance(sheets, dict):
            sheets = [SheetData(n, rows) for n, rows in sheets.items()]
        data = list(sheets)
        write_workbook(path, data)
        return path

    return write


@pytest.fixture(scope="session")
def generator():
    spec = importlib.util.spec_from_file_location(
        "make_miaoshan_roster", ROOT / "tools" / "make_miaoshan_roster.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_miaoshan_roster", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def cli():
    """Run ``fengqiao …`` on a fresh command line built through the plugins' hooks."""
    app = typer.Typer(pretty_exceptions_enable=False)

    @app.callback()
    def root():
        """fengqiao"""

    Plugins().register_commands(app)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=True)

    return run
