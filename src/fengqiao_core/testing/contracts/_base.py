"""What every contract mixin shares: the ``known_gaps`` skip list and capability skips."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import settings

from fengqiao_core.ports import Capability
from fengqiao_core.testing.profiles import bound_shrinking

__all__ = ["Contract", "require", "run_settings", "snapshot"]


class Contract:
    """Base of the contract mixins (never collected: its name does not start with ``Test``).

    Attributes:
        known_gaps: Test name → reason, for contract tests this backend is known to fail or
            not to support; each is skipped with ``known gap: <reason>``. Naming a test that
            does not exist is an error, so the list cannot silently go stale.
    """

    known_gaps: ClassVar[Mapping[str, str]] = {}

    @pytest.fixture(autouse=True)
    def _skip_known_gaps(self, request: pytest.FixtureRequest) -> None:
        """Skip the current test if ``known_gaps`` names it (applies only to subclasses)."""
        tests = {name for name in dir(type(self)) if name.startswith("test_")}
        unknown = sorted(set(self.known_gaps) - tests)
        if unknown:
            pytest.fail(f"known_gaps names tests that do not exist: {', '.join(unknown)}")
        name = getattr(request.node, "originalname", request.node.name)
        if name in self.known_gaps:
            pytest.skip(f"known gap: {self.known_gaps[name]}")


def require(capabilities: Iterable[Capability], needed: Capability) -> None:
    """Skip the current test, saying why, unless the backend declares ``needed``."""
    if needed not in frozenset(capabilities):
        pytest.skip(f"backend does not declare the {needed.value!r} capability ({needed.label_zh})")


def snapshot(value: Any) -> Any:
    """A deep, comparable picture of a model value: every attrs field, recursively.

    Entities compare by id only; snapshots compare every field, the concrete type and, for
    datetimes, the UTC offset too (a store must give back the offset it was given).
    """
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))
        return (type(value).__qualname__, tuple(snapshot(getattr(value, f.name)) for f in fields))
    if isinstance(value, tuple | list):
        return tuple(snapshot(item) for item in value)
    if isinstance(value, dt.datetime):
        return (value, value.utcoffset())
    return value


def run_settings(**overrides: Any) -> settings:
    """Hypothesis settings made while a test runs, so the loaded profile counts; no deadline.

    Settings objects copy the profile loaded when they are made: the contracts build theirs at
    run time rather than in decorators at import time, so ``--hypothesis-profile`` and
    ``settings.load_profile`` in a ``conftest.py`` govern the contract suites too. Shrinking
    is bounded by the profile's budget (:func:`~fengqiao_core.testing.profiles.bound_shrinking`).
    """
    bound_shrinking()
    return settings(deadline=None, **overrides)
