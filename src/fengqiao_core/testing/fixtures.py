"""Fixtures of the test kit: a fresh plugin manager, one-test plugins, Miaoshan and a clock.

They become available with ``pytest_plugins = ["fengqiao_core.testing"]`` in a top-level
``conftest.py``. None is autouse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pluggy
import pytest

from fengqiao_core.errors import ValidationError
from fengqiao_core.plugins import get_plugin_manager
from fengqiao_core.station.config import StationConfig
from fengqiao_core.station.file import load_station_config

__all__ = ["FakeClock", "clock", "miaoshan", "plugin_manager", "register_plugin"]

DEFAULT_NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
"""Where a :class:`FakeClock` starts unless told: 2026-11-28 09:00 in Asia/Shanghai."""


class FakeClock:
    """A zone-aware clock 假时钟 that only moves when told to.

    Call it (or :meth:`now`) for the current time; :meth:`set` and :meth:`advance` move it.

    Args:
        start: The first time it shows (zone-aware); :data:`DEFAULT_NOW` by default.
        zone: The zone times are shown in (the station's zone).

    Raises:
        ValidationError: ``start`` is naive.
    """

    def __init__(self, start: dt.datetime | None = None, zone: str = "Asia/Shanghai") -> None:
        self.zone = ZoneInfo(zone)
        self._now = DEFAULT_NOW
        self.set(start or DEFAULT_NOW)

    def now(self) -> dt.datetime:
        """The current (fake) time in :attr:`zone`."""
        return self._now

    def __call__(self) -> dt.datetime:
        """The current (fake) time, so the clock can stand in for ``datetime.now``."""
        return self._now

    def set(self, when: dt.datetime) -> dt.datetime:
        """Jump to ``when`` (zone-aware; shown in :attr:`zone`), backwards or forwards.

        Raises:
            ValidationError: ``when`` is naive.
        """
        if when.tzinfo is None or when.utcoffset() is None:
            raise ValidationError("now", f"{when.isoformat()} has no time zone")
        self._now = when.astimezone(self.zone)
        return self._now

    def advance(self, delta: dt.timedelta | None = None, **units: float) -> dt.datetime:
        """Move forward by ``delta`` or by ``timedelta`` keyword units (``hours=2``).

        Returns:
            The new time. Moves are in absolute time, so crossing a DST change works.
        """
        step = (delta or dt.timedelta()) + dt.timedelta(**units)
        return self.set(self._now + step)


@pytest.fixture
def clock() -> FakeClock:
    """A :class:`FakeClock` at 2026-11-28 09:00 Asia/Shanghai."""
    return FakeClock()


@pytest.fixture
def plugin_manager() -> pluggy.PluginManager:
    """A fresh plugin manager with the built-ins only (installed entry points not loaded)."""
    return get_plugin_manager(load_entrypoints=False)


@pytest.fixture
def register_plugin(
    plugin_manager: pluggy.PluginManager,
) -> Iterator[Callable[..., object]]:
    """Register plugins on ``plugin_manager`` for one test; they are unregistered afterwards.

    Yields:
        ``register(plugin, name=None)``, which returns the plugin.
    """
    registered: list[object] = []

    def register(plugin: object, name: str | None = None) -> object:
        plugin_manager.register(plugin, name)
        registered.append(plugin)
        return plugin

    yield register
    for plugin in reversed(registered):
        if plugin_manager.is_registered(plugin):
            plugin_manager.unregister(plugin)


@pytest.fixture(scope="session")
def miaoshan() -> StationConfig:
    """The shipped Miaoshan station 庙山派出所, loaded once per session (do not mutate it)."""
    return load_station_config("miaoshan")
