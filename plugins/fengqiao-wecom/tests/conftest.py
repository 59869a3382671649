"""Fixtures: the fake robot API on 127.0.0.1 (ephemeral port), a fake clock, channels."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fengqiao_wecom.channel import WeComChannel
from fengqiao_wecom.settings import parse_settings
from fengqiao_wecom.testing import KEY, OFFICERS_KEY, FakeTime, RobotAPI, write_keys


@pytest.fixture
def state_root(tmp_path: Path) -> Iterator[Path]:
    """A folder for state files: in /dev/shm when there is one (fsync is then free, so the
    tests stay fast on a busy disk; a killed process loses nothing either way)."""
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix="fengqiao-wecom-", dir="/dev/shm"))
        yield folder
        shutil.rmtree(folder, ignore_errors=True)
    else:
        yield tmp_path


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def robot(fake_time: FakeTime) -> Iterator[RobotAPI]:
    api = RobotAPI(clock=fake_time)
    api.start()
    yield api
    api.stop()


@pytest.fixture
def make_channel(
    tmp_path: Path, state_root: Path, robot: RobotAPI, fake_time: FakeTime
) -> Iterator[Callable[..., WeComChannel]]:
    """Build channels against ``robot`` with the fake clock; closed after the test."""
    made: list[WeComChannel] = []

    def make(
        groups: dict[str, str] | None = None,
        station: Any = None,
        officers: str | None = OFFICERS_KEY,
        options: str = "",
        seed: int = 0,
    ) -> WeComChannel:
        keys = write_keys(tmp_path, groups or {"group-1": KEY, "G01": KEY}, officers)
        url = f"wecom://{keys}?state={state_root / 'state'}&base={robot.base}{options}"
        settings = parse_settings(url, {}, ())
        channel = WeComChannel(
            settings, station, clock=fake_time, sleep=fake_time.sleep, rng=random.Random(seed)
        )
        made.append(channel)
        return channel

    yield make
    for channel in made:
        channel.close()
