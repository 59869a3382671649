"""Station secrets 密钥 (issue 15 item 5): 32+ bytes, no published examples, owner-only files."""

from __future__ import annotations

import os

import pytest

from fengqiao_core import open_station
from fengqiao_core.errors import ConfigurationError
from fengqiao_core.security.keys import derive_key, load_secret, read_key_file
from station_helpers import MIAOSHAN, SECRET

PUBLISHED = [
    b"a-station-secret-key",
    b"a-secret-of-16-bytes",
    b"test-secret-0123456789",
    b"0123456789abcdef0123456789abcdef",
]


@pytest.mark.parametrize("value", [b"", b"x" * 31, b"short-but-random-9f2c"])
def test_a_secret_shorter_than_32_bytes_is_refused(value):
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        open_station(MIAOSHAN, secret=value, dispatch=False)


@pytest.mark.parametrize("value", PUBLISHED)
def test_published_example_secrets_are_refused_without_echoing_them(value):
    with pytest.raises(ConfigurationError) as info:
        load_secret(None, {"FENGQIAO_SECRET": value.decode()})
    assert value.decode() not in str(info.value)
    if len(value) >= 32:
        assert "example" in str(info.value)


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_open_to_others_is_refused_with_the_chmod_fix(tmp_path, mode):
    key = tmp_path / "station.key"
    key.write_bytes(SECRET)
    key.chmod(mode)
    with pytest.raises(ConfigurationError) as info:
        read_key_file(key)
    assert f"chmod 600 {key}" in str(info.value)
    assert SECRET.decode() not in str(info.value)
    key.chmod(0o600)
    assert read_key_file(key) == SECRET


def test_a_station_files_key_file_is_checked_at_open(tmp_path, monkeypatch):
    monkeypatch.delenv("FENGQIAO_SECRET", raising=False)
    key = tmp_path / "station.key"
    key.write_bytes(SECRET)
    key.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        load_secret(str(key), {})
    key.chmod(0o600)
    assert load_secret(str(key), {}) == SECRET


def test_each_purpose_has_its_own_key_and_a_key_id_that_hides_it():
    audit, screening = derive_key(SECRET, "audit"), derive_key(SECRET, "screening")
    assert audit.key != screening.key != SECRET
    assert audit.key_id.startswith("audit-v1-")
    assert screening.key_id.startswith("screening-v1-")
    assert audit.key.hex() not in repr(audit)
    assert audit.key.hex()[:12] not in audit.key_id
    assert derive_key(SECRET, "audit", version=2).key != audit.key
    with pytest.raises(ConfigurationError, match="purpose"):
        derive_key(SECRET, "data")
