"""Shared test configuration: the test kit as a plugin, and its hypothesis profiles.

``default`` for the test command, ``ci`` when ``$CI`` is set (or ``$HYPOTHESIS_PROFILE``).
The profile is loaded in ``pytest_configure``: importing the kit here, before pytest loads it
as a plugin, would stop pytest from rewriting its asserts.
"""

pytest_plugins = ["fengqiao_core.testing"]


def pytest_configure(config):
    from fengqiao_core.testing.profiles import load_profile

    load_profile()


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
