"""Hypothesis profiles of the test kit: ``default``, ``ci``, ``quick`` and ``thorough``.

Importing this module only *registers* the profiles; nothing is loaded until
:func:`load_profile` is called (the repository's ``tests/conftest.py`` does, and so may a
plugin's). ``pytest --hypothesis-profile=thorough`` also works once the kit is loaded as a
pytest plugin, because registration happens when the plugin is imported.

- ``default``: 25 examples a property, no deadline (storage tests are I/O bound): the every-day
  run, where the volume tests of the contracts carry the weight;
- ``ci``: the same budget, derandomised so a CI failure reproduces, with the failing blob
  printed and the ``too_slow`` health check off on shared runners;
- ``quick``: 10 examples, for smoke runs of a contract suite;
- ``thorough``: 500 examples a property and long state-machine runs, for nightly runs.

Each profile also has a kit :class:`Budget`: how many runs and steps the storage model check
makes (its cost grows with both, so it gets fewer examples than a plain property), and how
long hypothesis may spend shrinking a failure so that it reports within a minute.
"""

from __future__ import annotations

import os

import attrs
from hypothesis import HealthCheck, settings

__all__ = [
    "BUDGETS",
    "PROFILES",
    "Budget",
    "bound_shrinking",
    "budget",
    "current_profile",
    "load_profile",
    "register_profiles",
]

PROFILES: tuple[str, ...] = ("default", "ci", "quick", "thorough")
"""The profile names this module registers."""


@attrs.frozen
class Budget:
    """What a kit profile 测试预算 allows beyond hypothesis' own settings.

    Attributes:
        machine_examples: Runs of the storage state machine (each a fresh pair of stores).
        machine_steps: Steps per run of the state machine.
        shrink_seconds: The most hypothesis spends shrinking one failure.
    """

    machine_examples: int
    machine_steps: int
    shrink_seconds: float = 30.0


_EXAMPLES = {"default": 25, "ci": 25, "quick": 10, "thorough": 500}

BUDGETS: dict[str, Budget] = {
    "default": Budget(machine_examples=20, machine_steps=30),
    "ci": Budget(machine_examples=20, machine_steps=30),
    "quick": Budget(machine_examples=3, machine_steps=10),
    "thorough": Budget(machine_examples=200, machine_steps=60, shrink_seconds=120.0),
}
"""The kit budget of each profile."""


def register_profiles() -> None:
    """Register the kit's profiles with hypothesis (idempotent)."""
    for name in ("default", "thorough"):
        settings.register_profile(name, deadline=None, max_examples=_EXAMPLES[name])
    settings.register_profile(
        "quick", deadline=None, max_examples=_EXAMPLES["quick"], stateful_step_count=10
    )
    settings.register_profile(
        "ci",
        deadline=None,
        max_examples=_EXAMPLES["ci"],
        derandomize=True,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )


def current_profile() -> str | None:
    """The name of the loaded hypothesis profile (``None`` if hypothesis cannot say)."""
    getter = getattr(settings, "get_current_profile_name", None)
    if getter is not None:
        return str(getter())
    return getattr(settings, "_current_profile", None)


def budget() -> Budget:
    """The kit budget of the loaded profile.

    A profile the kit does not know gets one from its settings: a fifth of its examples for
    the state machine, its ``stateful_step_count`` steps.
    """
    known = BUDGETS.get(current_profile() or "")
    if known is not None:
        return known
    current = settings()
    return Budget(max(1, current.max_examples // 5), current.stateful_step_count)


def bound_shrinking(seconds: float | None = None) -> None:
    """Let hypothesis shrink one failure for at most ``seconds`` (the budget's by default).

    Hypothesis has no public setting for this; where its engine keeps the limit in
    ``MAX_SHRINKING_SECONDS`` (five minutes in 6.x), the kit lowers it, otherwise nothing.
    """
    from hypothesis.internal.conjecture import engine

    limit = budget().shrink_seconds if seconds is None else seconds
    if hasattr(engine, "MAX_SHRINKING_SECONDS"):
        engine.MAX_SHRINKING_SECONDS = int(limit)


def load_profile(name: str | None = None) -> str:
    """Load a profile: ``name``, else ``$HYPOTHESIS_PROFILE``, else ``ci`` under CI.

    Also bounds shrinking to the profile's :attr:`Budget.shrink_seconds`.

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
    bound_shrinking()
    return chosen


register_profiles()
