"""contracts.storage.memory, contracts.storage.sqlite: one run of the whole storage contract.

A plugin author runs the storage contract on every change, so it must finish within a minute
on the project's 2-core machine (issue 16). Each benchmark writes a one-class test module
subclassing ``StorageContract`` for the backend into a fresh folder and runs
``python -m pytest -p fengqiao_core.testing`` on it in a fresh interpreter, as a plugin author
would. ``ours`` is the wall-clock seconds of that run (start-up and collection included);
``baseline`` is the 60 s budget, so the ratio is the share of the budget used. Goal ≤ 1.0.

The run uses the kit's ``default`` hypothesis profile (``quick`` under ``--quick``). The run
must pass: a failing contract is a failed benchmark, not a fast one.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Measurement, benchmark

BUDGET_S = 60.0
"""What one run of the storage contract may take on this machine."""

_CONFTEST = """
def pytest_configure(config):
    from fengqiao_core.testing.profiles import load_profile

    load_profile({profile!r})
"""

_SUITES = {
    "memory": """
import pytest
from fengqiao_core.builtin.memory import MemoryStorage
from fengqiao_core.testing.contracts import StorageContract


class TestMemoryStorage(StorageContract):
    @pytest.fixture
    def make_backend(self):
        return MemoryStorage
""",
    "sqlite": """
import functools
import itertools

import pytest
from fengqiao_core.builtin.sqlite import SqliteStorage
from fengqiao_core.testing.contracts import StorageContract


class TestSqliteStorage(StorageContract):
    @pytest.fixture
    def make_backend(self, tmp_path):
        numbers = itertools.count()
        return lambda: SqliteStorage(tmp_path / f"store-{next(numbers)}.db")

    @pytest.fixture
    def share_backend(self):
        return lambda backend: functools.partial(SqliteStorage, backend.path)
""",
}


def run_contract(backend: str, profile: str) -> float:
    """Seconds of one ``pytest`` run of the storage contract over ``backend``.

    Raises:
        RuntimeError: The contract did not pass (the output's tail says why).
    """
    with tempfile.TemporaryDirectory(prefix="fengqiao-contract-") as folder:
        root = Path(folder)
        (root / "conftest.py").write_text(_CONFTEST.format(profile=profile), "utf-8")
        (root / f"test_{backend}_contract.py").write_text(_SUITES[backend], "utf-8")
        command = [sys.executable, "-m", "pytest", "-p", "fengqiao_core.testing", "-q"]
        command += ["-p", "no:cacheprovider", "-W", "error", str(root)]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"the {backend} storage contract failed:\n{done.stdout[-3000:]}")
    return seconds


@benchmark("contracts.storage.memory", goal="<= 1.0")
def storage_memory(quick: bool) -> Measurement:
    return Measurement(run_contract("memory", "quick" if quick else "default"), BUDGET_S, "s")


@benchmark("contracts.storage.sqlite", goal="<= 1.0")
def storage_sqlite(quick: bool) -> Measurement:
    return Measurement(run_contract("sqlite", "quick" if quick else "default"), BUDGET_S, "s")
