"""Shared test configuration: the test kit as a plugin, its hypothesis profiles, slow runs.

``default`` for the test command, ``ci`` when ``$CI`` is set (or ``$HYPOTHESIS_PROFILE``,
e.g. ``thorough`` for nightly runs). The profile is loaded in ``pytest_configure``: importing
the kit here, before pytest loads it as a plugin, would stop pytest from rewriting its asserts.

Tests that name their own budget (``@settings(max_examples=1500)``, a state machine's
``TestCase.settings``) state what a *thorough* run spends. Under any other profile that budget
is scaled by the profile's share of hypothesis' 100 examples (``default``: a quarter), never
below the profile's own count, so every property still runs in the five-minute default run.
"""

BASELINE_EXAMPLES = 100
"""Hypothesis' own default budget, which the explicit budgets of the tests are written against."""


def pytest_configure(config):
    from fengqiao_core.testing.profiles import load_profile

    load_profile()


# --- slow reliability runs: ``--run-slow`` adds the tests marked ``slow`` (TARGETS.md) ---


def pytest_addoption(parser):
    parser.addoption(
        "--run-slow", action="store_true", help="also run the long reliability runs (marked slow)"
    )


def pytest_collection_modifyitems(config, items):
    _scale_explicit_budgets(items)
    if config.getoption("--run-slow"):
        return
    import pytest

    skip = pytest.mark.skip(reason="long reliability run: add --run-slow to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def scaled(explicit, profile_examples):
    """The examples a test asking for ``explicit`` gets under a profile of ``profile_examples``."""
    if explicit <= profile_examples:
        return explicit
    return max(profile_examples, explicit * profile_examples // BASELINE_EXAMPLES)


def _scale_explicit_budgets(items):
    from hypothesis import settings

    from fengqiao_core.testing.profiles import current_profile

    if current_profile() == "thorough":
        return
    share = settings.default.max_examples
    done = set()
    for item in items:
        test = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
        holder = getattr(item, "cls", None)
        for owner, name in ((test, "_hypothesis_internal_use_settings"), (holder, "settings")):
            chosen = getattr(owner, name, None)
            if not isinstance(chosen, settings) or id(owner) in done:
                continue
            done.add(id(owner))
            fewer = scaled(chosen.max_examples, share)
            if fewer != chosen.max_examples:
                setattr(owner, name, settings(chosen, max_examples=fewer))
