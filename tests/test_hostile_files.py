"""Files named by a user that are not what they claim: pipes, devices, huge or deep files.

Each reader refuses them with the library's own error, at once (a named pipe would block, a
device never end), and leaves nothing behind.
"""

import datetime as dt
import os

import pytest
from typer.testing import CliRunner

from fengqiao_core.cli.commands import app
from fengqiao_core.errors import ConfigurationError
from fengqiao_core.security.files import read_regular_file
from fengqiao_core.security.keys import read_key_file
from fengqiao_core.security.witness import Checkpoint, read_witness, write_witness

pipes = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


@pipes
def test_a_named_pipe_is_refused_at_once(tmp_path):
    pipe = tmp_path / "secret.key"
    os.mkfifo(pipe, 0o600)
    with pytest.raises(ConfigurationError, match="not a regular file"):
        read_key_file(pipe)
    with pytest.raises(ConfigurationError, match="not a regular file"):
        read_witness(pipe)


def test_a_file_past_its_bound_is_refused_and_one_at_it_is_read(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert read_regular_file(path, 100, "the file") == b"x" * 100
    with pytest.raises(ConfigurationError, match="larger than 99 bytes"):
        read_regular_file(path, 99, "the file")
    with pytest.raises(ConfigurationError, match="not a regular file"):
        read_regular_file(tmp_path, 99, "the file")
    with pytest.raises(ConfigurationError, match="cannot read the file"):
        read_regular_file(tmp_path / "missing", 99, "the file")


def test_a_huge_key_file_is_refused_before_it_is_read_whole(tmp_path):
    key = tmp_path / "big.key"
    key.write_bytes(b"a" * (1 << 20))
    key.chmod(0o600)
    with pytest.raises(ConfigurationError, match="larger than"):
        read_key_file(key)


def test_a_deeply_nested_witness_is_not_a_witness(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ConfigurationError, match="not a fengqiao audit witness file"):
        read_witness(deep)


def test_a_witness_that_cannot_be_written_leaves_nothing_beside_it(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    checkpoint = Checkpoint(
        station="s", seq=0, digest="0" * 64, at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        algorithm="ed25519", key_id="k", public_key="00", signature="00",
    )  # fmt: skip
    with pytest.raises(ConfigurationError, match="cannot write the witness file"):
        write_witness(target, checkpoint)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]


def test_demo_refuses_a_file_that_is_no_database_before_making_a_key(tmp_path, monkeypatch):
    monkeypatch.delenv("FENGQIAO_SECRET", raising=False)
    impostor = tmp_path / "notes.txt"
    impostor.write_text("not a database\n")
    result = CliRunner().invoke(
        app, ["demo", "--no-simulate", "--db", str(impostor), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "is not an SQLite database" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no key beside it
    assert impostor.read_text() == "not a database\n"


def test_cli_paths_that_are_the_wrong_kind_are_errors_not_tracebacks(tmp_path):
    runner = CliRunner()
    a_file = tmp_path / "plain.txt"
    a_file.write_text("x")
    scaffolded = runner.invoke(app, ["new-plugin", "ok", "--port", "grid", "--out", str(a_file)])
    assert scaffolded.exit_code == 2
    assert "is not a folder" in scaffolded.stderr
    backed = runner.invoke(app, ["backup", "--db", str(a_file), "--to", str(tmp_path)])
    assert backed.exit_code == 2
    assert isinstance(backed.exception, SystemExit)
    report = runner.invoke(
        app, ["report", "--station", "miaoshan", "--db", str(tmp_path / "r.db"),
              "--from", "2026-11-01", "--to", "9999-12-31"],
        env={"FENGQIAO_SECRET": "hostile-files-secret-0e1f2a3b4c5d6e7f"},
    )  # fmt: skip
    assert report.exit_code == 1
    assert "a period lies within" in report.stderr
    limit = runner.invoke(app, ["outbox", "list", "--station", "miaoshan", "--limit", "9" * 30])
    assert limit.exit_code == 2
    assert isinstance(limit.exception, SystemExit)
