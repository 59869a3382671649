"""Hypothesis profiles of the test kit: ``default``, ``ci`` and ``quick``.

Importing this module only *registers* the profiles; nothing is loaded until
:func:`load_profile` is called (the repository's ``tests/conftest.py`` does, and so may a
plugin's). ``hypothesis --hypothesis-profile=ci`` also works once the kit is loaded as a pytest
plugin, because registration happens when the plugin is imported.

- ``default``: hypothesis' example budget (100), no deadline (storage tests are I/O bound);
- ``ci``: the same budget, derandomised so a CI failure reproduces, with the failing blob
  printed and the ``too_slow`` health check off on shared runners;
- ``quick``: 10 examples and 10 state-machine steps, for smoke runs of a contract suite.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

__all__ = ["PROFILES", "load_profile", "register_profiles"]

PROFILES: tuple[str, ...] = ("default", "ci", "quick")
"""The profile names this module registers."""


def register_profiles() -> None:
    """Register the kit's profiles with hypothesis (idempotent)."""
    settings.register_profile("default", deadline=None)
    settings.register_profile(
        "ci",
        deadline=None,
        derandomize=True,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile("quick", deadline=None, max_examples=10, stateful_step_count=10)


def load_profile(name: str | None = None) -> str:
    """Load a profile: ``name``, else ``$HYPOTHESIS_PROFILE``, else ``ci`` under CI.

    Args:
        name: One of :data:`PROFILES`; chosen from the environment when omitted.

    Returns:
        The name of the loaded profile.
    """
    register_profiles()
    chosen = (
        name
        or os.environ.get("HYPOTHESIS_PROFILE")
        or ("ci" if os.environ.get("CI") else "default")
    )
    settings.load_profile(chosen)
    return chosen


register_profiles()
