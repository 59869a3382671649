"""A process killed (SIGKILL) in the middle of a POST and started again posts nothing twice."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fengqiao_wecom.testing import KEY, RobotAPI, write_keys

CHILD = Path(__file__).with_name("crash_child.py")
COUNT = 12


def run(url, env):
    return subprocess.Popen(
        [sys.executable, str(CHILD), url, str(COUNT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )


@pytest.fixture
def api():
    robot = RobotAPI()
    robot.start()
    yield robot
    robot.stop()


@pytest.mark.parametrize("killed_at", [1, 6, COUNT])
def test_killed_mid_post_and_restarted_posts_nothing_twice(tmp_path, state_root, api, killed_at):
    keys = write_keys(tmp_path, {"G01": KEY})
    url = f"wecom://{keys}?state={state_root / 'state'}&base={api.base}"
    env = dict(os.environ)
    api.hold_at = killed_at  # the robot takes message number killed_at, then holds its answer
    first = run(url, env)
    assert api.arrived.wait(60), "the child never reached the held message"
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=60)
    assert first.returncode == -signal.SIGKILL
    api.release.set()

    second = run(url, env)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err[-2000:]
    results = {r["id"]: r for r in map(json.loads, out.splitlines())}

    texts = api.texts()
    assert sorted(texts) == sorted(f"通知 {i}" for i in range(COUNT))  # each exactly once
    held = results[f"c{killed_at - 1}"]
    assert held["delivered"] is False
    assert held["retry"] is False
    assert "uncertain" in held["detail"]
    assert all(r["delivered"] for mid, r in results.items() if mid != f"c{killed_at - 1}")
