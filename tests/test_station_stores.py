"""Issue 13, configuration side: storage named and durable, paths from the station file's folder,
no shadowing of shipped stations, bounded regular station files, open-time checks, no plugin
blamed for storage failures, ``fengqiao outbox``."""

import importlib.metadata
import os
import sqlite3
import threading
from pathlib import Path

import attrs
import pytest
from typer.testing import CliRunner

from fengqiao_core import model as m
from fengqiao_core.builtin.sqlite import SqliteStorage
from fengqiao_core.cli.commands import app
from fengqiao_core.errors import ConfigurationError, PluginError, StorageError
from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import BackendContext, BackendSpec
from fengqiao_core.station import open_station
from fengqiao_core.station.file import load_station_config
from fengqiao_core.testing.contracts import _data as d
from station_helpers import SECRET, Clock, draft
from test_plugins import FakeEntryPoint, plugin

LAKESIDE = (Path(__file__).parent / "data" / "lakeside.toml").read_text("utf-8")
PLACE = "willow-court"
LAKE_OFFICER = m.Actor("ofc-north", m.Role.OFFICER)
STORAGE_LINE = 'storage = "sqlite:///lakeside.db"'


def _station_file(folder: Path, backends: str, *, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "station.toml"
    path.write_text(extra + LAKESIDE.replace(STORAGE_LINE, backends), "utf-8")
    return path


def _open(path, **options):
    return open_station(path, clock=Clock(), dispatch=False, **options)


def test_a_station_without_storage_is_refused_saying_what_to_write(tmp_path):
    path = _station_file(tmp_path, "")
    with pytest.raises(ConfigurationError, match=r"station\.toml: no storage is named.*sqlite:///"):
        _open(path, secret=SECRET)


def test_memory_storage_needs_the_durable_false_opt_in(tmp_path):
    refused = _station_file(tmp_path / "a", 'storage = "memory"')
    with pytest.raises(ConfigurationError, match=r"not durable.*durable = false"):
        _open(refused, secret=SECRET)
    allowed = _station_file(tmp_path / "b", 'storage = "memory"\ndurable = false')
    with _open(allowed, secret=SECRET) as station:
        assert station._storage.capabilities == frozenset(station._storage.capabilities)


def test_paths_resolve_against_the_station_files_folder_not_the_working_one(tmp_path, monkeypatch):
    monkeypatch.delenv("FENGQIAO_SECRET", raising=False)
    home = tmp_path / "station"
    path = _station_file(home, 'storage = "sqlite:///data/st.db"', extra='secret_file = "key"\n')
    (home / "key").write_text("file-held-station-secret-93f1c6e05ab2d87e", "utf-8")
    (home / "key").chmod(0o600)
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    monkeypatch.chdir(first)
    with _open(path) as station:
        reported = station.report(LAKE_OFFICER, draft(location=m.Location(place=PLACE)))
    monkeypatch.chdir(second)
    with _open(path) as station:
        assert station.get(LAKE_OFFICER, reported.id).id == reported.id
    assert (home / "data" / "st.db").is_file()
    assert os.listdir(first) == os.listdir(second) == []


def test_another_stations_database_is_refused(tmp_path):
    shared = tmp_path / "shared.db"
    SqliteStorage(shared, station="miaoshan-or-any").close()
    path = _station_file(tmp_path, f'storage = "sqlite:///{shared}"')
    with pytest.raises(StorageError, match=r"shared\.db belongs to station 'miaoshan-or-any'"):
        _open(path, secret=SECRET)


def test_a_storage_failure_is_a_storage_error_naming_the_file_not_a_plugin_error(tmp_path):
    (tmp_path / "afile").write_text("x", "utf-8")
    path = _station_file(tmp_path, 'storage = "sqlite:///afile/x.db"')
    with pytest.raises(StorageError, match=r"afile/x\.db") as caught:
        _open(path, secret=SECRET)
    assert not isinstance(caught.value, PluginError)
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    path = _station_file(tmp_path / "c", f'storage = "sqlite:///{corrupt}"')
    with pytest.raises(StorageError, match=r"corrupt\.db") as caught:
        _open(path, secret=SECRET)
    assert "FENGQIAO_BLOCKED_PLUGINS" not in str(caught.value)


def test_a_third_party_factory_error_is_a_plugin_error_showing_its_scrubbed_message(
    monkeypatch, tmp_path
):
    def explode(context):
        raise RuntimeError("cannot reach 13812345678's server")

    spec = BackendSpec("storage", "bad", explode)
    fake = [FakeEntryPoint("bad", plugin(fengqiao_register_backends=lambda: [spec]))]
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: fake)
    config = load_station_config(_station_file(tmp_path, 'storage = "bad"'))
    with pytest.raises(PluginError, match=r"RuntimeError: cannot reach 138\*\*\*\*5678") as caught:
        Plugins().open_backend("storage", BackendContext("bad", config, None))
    assert "13812345678" not in str(caught.value)


def test_a_shipped_station_is_never_shadowed_by_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "miaoshan").mkdir()
    (tmp_path / "miaoshan.toml").write_text("not = [toml", "utf-8")
    config = load_station_config("miaoshan")
    assert config.origin == "shipped:miaoshan"
    for named in ("miaoshan.toml", "./miaoshan.toml"):  # no station ships as miaoshan.toml
        with pytest.raises(ConfigurationError, match="is not valid TOML"):
            load_station_config(named)
    with pytest.raises(ConfigurationError, match=r"\./lakeside\.toml"):
        load_station_config("lakeside.toml")  # neither shipped nor here


def test_a_bare_file_name_in_the_working_folder_is_read_as_the_tutorials_write_it(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    lakeside = Path(__file__).parent / "data" / "lakeside.toml"
    (tmp_path / "lakeside.toml").write_bytes(lakeside.read_bytes())
    config = load_station_config("lakeside.toml")
    assert config.origin == str(tmp_path / "lakeside.toml")
    assert config == attrs.evolve(
        load_station_config(lakeside), origin=config.origin, base_dir=config.base_dir
    )


def test_a_fifo_or_device_is_refused_without_reading_it(tmp_path):
    fifo = tmp_path / "station.fifo"
    os.mkfifo(fifo)
    result: list[BaseException] = []

    def read() -> None:
        with pytest.raises(ConfigurationError) as caught:
            load_station_config(fifo)
        result.append(caught.value)

    worker = threading.Thread(target=read)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert "not a regular file" in str(result[0])
    with pytest.raises(ConfigurationError, match="not a regular file"):
        load_station_config("/dev/zero")


def test_outbox_list_and_retry_on_the_command_line(tmp_path):
    db = tmp_path / "cli.db"
    path = _station_file(tmp_path, f'storage = "sqlite:///{db}"')
    store = SqliteStorage(db, station="lakeside")
    with store.unit_of_work() as uow:
        uow.outbox.add(d.message("msg1"))
        uow.commit()
    with store.unit_of_work() as uow:
        (claimed,) = uow.outbox.claim("t", d.AT, d.AT)
        uow.outbox.record(attrs.evolve(claimed, given_up=True, last_error="refused"))
        uow.commit()
    store.close()
    runner = CliRunner()
    listed = runner.invoke(app, ["outbox", "list", "--station", str(path), "--json"])
    assert listed.exit_code == 0, listed.output
    assert '"id": "msg1"' in listed.stdout
    retried = runner.invoke(app, ["outbox", "retry", "msg1", "--station", str(path)])
    assert retried.exit_code == 0, retried.output
    again = runner.invoke(app, ["outbox", "retry", "msg1", "--station", str(path)])
    assert again.exit_code == 1
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT given_up FROM outbox").fetchall() == [(0,)]
    conn.close()
