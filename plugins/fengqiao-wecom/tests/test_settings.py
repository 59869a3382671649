"""Keys come from an owner-only file or the environment, are checked, and never shown."""

import datetime as dt
import importlib.metadata
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fengqiao_wecom.settings import key_env_name, parse_settings
from fengqiao_wecom.testing import KEY, OFFICERS_KEY, write_keys

from fengqiao_core.errors import ConfigurationError
from fengqiao_core.model import FreeText
from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import BackendContext, OutboxMessage

AT = dt.datetime(2026, 11, 28, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_installed_and_selected_by_name_and_scheme():
    eps = importlib.metadata.entry_points(group="fengqiao_core", name="wecom")
    assert [ep.value for ep in eps] == ["fengqiao_wecom"]
    plugins = Plugins()
    assert plugins.backend("channel", "wecom").name == "wecom"
    assert plugins.backend("channel", "wecom:///etc/keys.toml").name == "wecom"
    info = {i.name: i for i in plugins.describe()}["wecom"]
    assert info.backends == (("channel", "wecom"),)


def test_fengqiao_plugins_json_lists_it():
    cli = Path(sys.executable).with_name("fengqiao")
    out = subprocess.run([cli, "plugins", "--json"], capture_output=True, check=True, text=True)
    listing = {p["name"]: p for p in json.loads(out.stdout)}
    assert listing["wecom"]["distribution"] == "fengqiao-wecom"
    backend = {"port": "channel", "name": "wecom", "schemes": ["wecom"]}
    assert backend in listing["wecom"]["backends"]


def test_group_or_world_readable_key_file_is_refused_saying_the_fix(tmp_path):
    path = write_keys(tmp_path, {"G01": KEY})
    os.chmod(path, 0o640)
    with pytest.raises(ConfigurationError, match="chmod 600") as caught:
        parse_settings(f"wecom://{path}", {}, ())
    assert KEY not in str(caught.value)


@pytest.mark.parametrize("bad", ["short", "has space in it!", "a" * 65])
def test_malformed_keys_are_refused_without_echoing_them(tmp_path, bad):
    path = write_keys(tmp_path, {"G01": bad})
    with pytest.raises(ConfigurationError, match="malformed") as caught:
        parse_settings(f"wecom://{path}", {}, ())
    assert bad not in str(caught.value)


def test_a_key_in_the_url_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="key file"):
        parse_settings(f"wecom://?key={KEY}", {}, ())


def test_plain_http_is_refused_except_on_loopback():
    with pytest.raises(ConfigurationError, match="https"):
        parse_settings("wecom://?base=http://robots.example/send", {}, ())
    settings = parse_settings("wecom://?base=http://127.0.0.1:9/send", {}, ())
    assert settings.base_url == "http://127.0.0.1:9/send"


def test_unknown_option_is_refused_listing_the_valid_ones():
    with pytest.raises(ConfigurationError, match="per_minute"):
        parse_settings("wecom://?speed=9", {}, ())


def test_keys_from_the_environment(tmp_path):
    env = {
        key_env_name("G01"): KEY,
        "FENGQIAO_WECOM_OFFICERS_KEY": OFFICERS_KEY,
        "FENGQIAO_WECOM_STATE_DIR": str(tmp_path),
    }
    settings = parse_settings("wecom", env, ("G01", "G02"))
    assert key_env_name("G01") == "FENGQIAO_WECOM_KEY_G01"
    assert settings.group_keys["G01"].reveal() == KEY
    assert "G02" not in settings.group_keys
    assert settings.officers_key is not None
    assert KEY not in repr(settings)
    assert OFFICERS_KEY not in repr(settings)
    assert settings.state_dir == tmp_path


def test_key_for_an_undeclared_group_is_refused(tmp_path, miaoshan):
    path = write_keys(tmp_path, {"NOPE": KEY})
    context = BackendContext(f"wecom://{path}?state={tmp_path / 's'}", miaoshan, None)
    with pytest.raises(ConfigurationError, match="NOPE"):
        Plugins().open_backend("channel", context)


def test_open_state_folder_is_refused(tmp_path):
    state = tmp_path / "s"
    state.mkdir(mode=0o755)
    os.chmod(state, 0o755)
    path = write_keys(tmp_path, {"G01": KEY})
    context = BackendContext(f"wecom://{path}?state={state}", None, None)
    with pytest.raises(ConfigurationError, match="chmod 700"):
        Plugins().open_backend("channel", context)


def test_keys_and_texts_never_reach_the_logs(make_channel, robot, caplog):
    channel = make_channel()
    caplog.set_level(logging.DEBUG)
    secret = "13800138000 的消息"
    message = OutboxMessage(id="m1", target="group-1", text=FreeText(secret), created_at=AT)
    assert channel.send(message).delivered
    assert any("key=***" in r.getMessage() for r in caplog.records)  # httpx's request line
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert KEY not in logged
    assert "13800138000" not in logged
    assert KEY not in repr(channel)


def test_the_bucket_is_shared_with_another_process(tmp_path, state_root, robot):
    keys = write_keys(tmp_path, {"G01": KEY})
    url = f"wecom://{keys}?state={state_root / 'state'}&base={robot.base}"
    child = Path(__file__).with_name("crash_child.py")
    run = subprocess.run([sys.executable, child, url, "20"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(robot.texts()) == 20
    channel = Plugins().open_backend("channel", BackendContext(url, None, None))
    try:
        route = channel._route("G01")
        wait = channel.state.take_token(route.robot, 20, 60.0)
    finally:
        channel.close()
    assert 0 < wait <= 60.0  # the other process spent all 20 tokens of this minute
