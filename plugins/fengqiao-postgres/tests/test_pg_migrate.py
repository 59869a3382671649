"""``fengqiao migrate --from sqlite:///… --to postgresql://…``: whole, chained, resumable."""

from __future__ import annotations

import itertools
import subprocess
import sys
import uuid
from pathlib import Path

import attrs
import pytest
from fengqiao_postgres import PostgresStorage, migrate
from fengqiao_postgres.command_run import unclaimed

from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import BackendContext, StorageBackend
from fengqiao_core.testing.contracts import _data as d
from fengqiao_core.testing.contracts._base import snapshot


def _source(tmp_path: Path) -> tuple[str, StorageBackend]:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    store = Plugins().open_backend("storage", BackendContext(url, unclaimed(), None))
    previous = ""
    with store.unit_of_work() as uow:
        for i in range(40):
            uow.matters.append(
                [d.report(f"m{i:02d}", reference=f"r{i}"), d.triage(f"m{i:02d}", 2)], 0
            )
            entry = attrs.evolve(
                d.audit_entry(i + 1, object_id=f"m{i:02d}"),
                prev_hash=previous,
                entry_hash=f"{i:016x}",
            )
            previous = entry.entry_hash
            uow.audit.append(entry)
            uow.outbox.add(d.message(f"msg{i:02d}"))
        for i in range(9):
            uow.people.add(d.person(f"p{i}"))
        uow.commit()
    with store.unit_of_work() as uow:
        person = uow.people.get("p3")
        uow.people.update(person)
        uow.commit()
    return url, store


def _everything(store: StorageBackend) -> list[object]:
    with store.unit_of_work() as uow:
        matters = list(uow.matters.stream())
        return [
            [snapshot(x) for x in matters],
            [snapshot(uow.matters.history(x.id)) for x in matters],
            [snapshot(x) for x in uow.people.stream()],
            [snapshot(x) for x in uow.audit.stream()],
            [snapshot(x) for x in uow.outbox.pending(d.AT.replace(year=2100), limit=1000)],
        ]


def test_an_interrupted_copy_resumes_to_an_identical_store(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped after three chunks, run again: the target equals the source, chain included."""
    _, source = _source(tmp_path)
    target = PostgresStorage(pg_url, f"mig-{uuid.uuid4().hex[:8]}")
    monkeypatch.setattr(migrate, "CHUNK", 7)
    calls = []

    def interrupt(part: str, n: int) -> None:
        calls.append(part)
        if len(calls) == 4:
            raise KeyboardInterrupt

    path = str(tmp_path / "a.db")
    with pytest.raises(KeyboardInterrupt):
        migrate.copy_store(source, path, target, interrupt)
    partial = _everything(target)
    assert 0 < len(partial[0]) < 40
    done: dict[str, int] = {}
    migrate.copy_store(source, path, target, lambda p, n: done.__setitem__(p, done.get(p, 0) + n))
    assert _everything(target) == _everything(source)
    assert done["audit"] == 40
    with target.unit_of_work() as uow:
        entries = list(uow.audit.stream())
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(entries))
    migrate.copy_store(source, path, target, lambda p, n: None)  # a third run changes nothing
    assert _everything(target) == _everything(source)
    source.close()
    target.close()


def test_the_command_copies_with_a_progress_bar_on_stderr(tmp_path: Path, pg_url: str) -> None:
    """``fengqiao migrate`` (the plugin's command hook) copies the store and shows progress."""
    url, source = _source(tmp_path)
    source.close()
    station = f"cli-{uuid.uuid4().hex[:8]}"
    command = Path(sys.executable).parent / "fengqiao"
    done = subprocess.run(
        [str(command), "migrate", "--from", url, "--to", pg_url, "--station", station],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "matters" in done.stderr
    assert "40/40" in done.stderr
    target = PostgresStorage(pg_url, station)
    source = Plugins().open_backend("storage", BackendContext(url, unclaimed(), None))
    assert _everything(target) == _everything(source)
    target.close()
    source.close()
