"""Shared test configuration: hypothesis profiles (``default`` and ``ci``)."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None)
settings.register_profile(
    "ci", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "default")


# --- slow reliability runs: ``--run-slow`` adds the tests marked ``slow`` (TARGETS.md) ---


def pytest_addoption(parser):
    parser.addoption(
        "--run-slow", action="store_true", help="also run the long reliability runs (marked slow)"
    )


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    import pytest

    skip = pytest.mark.skip(reason="long reliability run: add --run-slow to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
