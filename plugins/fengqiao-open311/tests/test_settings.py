"""Settings: the [open311] table, the acting roster person, API keys from configuration."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fengqiao_open311.settings import (
    Open311Settings,
    load_api_keys,
    load_settings,
    resolve_actor,
    settings_path,
)

from fengqiao_core.errors import ConfigurationError
from fengqiao_core.model import Actor, Role


def test_the_settings_file_sits_beside_the_station_file(tmp_path: Path) -> None:
    station = tmp_path / "lake.toml"
    station.write_text("", encoding="utf-8")
    path = settings_path(str(station), None)
    assert path == tmp_path / "lake.open311.toml"
    assert path is not None
    path.write_text(
        '[open311]\nactor = "aux-1"\nrate_per_minute = 5\n'
        '[open311.services]\n"L" = "help_request:welfare"\n',
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert settings.actor == "aux-1"
    assert settings.rate_per_minute == 5
    assert dict(settings.services) == {"L": "help_request:welfare"}


@pytest.mark.parametrize(
    "text",
    ['[open311]\nrate_per_minute = "fast"\n', "[open311]\nplaintext_key = 1\n", "[open311\n"],
)
def test_bad_settings_say_what_to_fix(tmp_path: Path, text: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError):
        load_settings(path)


def test_the_actor_is_bound_by_the_station_s_roster(make_station) -> None:  # type: ignore[no-untyped-def]
    station = make_station()
    assert resolve_actor(station, Open311Settings(actor="aux-1")).role is Role.AUXILIARY
    assert resolve_actor(station, Open311Settings(actor="ofc-duty")) == Actor(
        "ofc-duty", Role.OFFICER
    )
    for nobody in (None, "someone-else", "not an id!", "system"):
        with pytest.raises(ConfigurationError) as refused:
            resolve_actor(station, Open311Settings(actor=nobody))
        assert "officer" in str(refused.value)


def test_api_keys_come_from_the_environment_or_an_owner_only_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "open311.keys"
    keys.write_text("# city systems\ncity:city-key-0123456789abcdef\n", encoding="utf-8")
    os.chmod(keys, 0o600)
    monkeypatch.setenv("O311_KEY", "env-key-0123456789abcdef")
    settings = Open311Settings(api_key_env="O311_KEY", api_key_file="open311.keys", folder=tmp_path)
    assert load_api_keys(settings) == {
        "env": "env-key-0123456789abcdef",
        "city": "city-key-0123456789abcdef",
    }
    os.chmod(keys, 0o640)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        load_api_keys(settings)
    os.chmod(keys, 0o600)
    monkeypatch.setenv("O311_KEY", "short")
    with pytest.raises(ConfigurationError, match="16"):
        load_api_keys(settings)
