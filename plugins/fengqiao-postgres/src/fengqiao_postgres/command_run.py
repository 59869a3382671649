"""What ``fengqiao migrate`` runs: open both stores, copy with a progress bar on stderr."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from fengqiao_core.cli.output import say
from fengqiao_core.errors import FengqiaoError
from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import BackendContext
from fengqiao_postgres.migrate import copy_store, counts
from fengqiao_postgres.store import PostgresStorage

__all__ = ["run", "unclaimed"]


def unclaimed() -> Any:
    """A stand-in station with no id: the source store is read as it is, claimed by no one.

    The SQLite backend refuses a database claimed by another station and claims an unclaimed
    one for the station it is opened for; copying must do neither.
    """
    return SimpleNamespace(station=SimpleNamespace(id=None))


def run(source_url: str, target_url: str, station: str | None) -> int:
    """Copy ``source_url`` (an SQLite store) into ``target_url``; returns the exit code."""
    err = Console(stderr=True)
    plugins = Plugins()
    converter = plugins.make_converter()
    try:
        if not source_url.startswith("sqlite:"):
            say("error: --from must be an sqlite:/// URL", stderr=True)
            return 2
        context = BackendContext(source_url, unclaimed(), converter)
        source = plugins.open_backend("storage", context)
        try:
            target = PostgresStorage(target_url, station, converter=converter)
            try:
                path = str(source.path)
                totals = counts(path)
                with Progress(
                    TextColumn("{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    console=err,
                ) as bar:
                    tasks = {k: bar.add_task(k, total=n) for k, n in totals.items()}
                    copy_store(source, path, target, lambda part, n: bar.advance(tasks[part], n))
            finally:
                target.close()
        finally:
            source.close()
    except FengqiaoError as exc:
        say(f"error: {exc}", stderr=True)
        return 1
    say(f"copied into station {target.station_id}", stderr=True)
    return 0
