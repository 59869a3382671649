"""Work run in threads or other processes by the concurrency contract tests (importable)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fengqiao_core import model as m
from fengqiao_core.errors import ConflictError
from fengqiao_core.model.personal import FreeText
from fengqiao_core.ports import StorageBackend
from fengqiao_core.testing.contracts._data import ACTOR, AT

__all__ = ["MAX_TRIES", "record_sessions", "run_in_process"]

MAX_TRIES = 10_000


def record_sessions(backend: StorageBackend, matter_id: str, count: int) -> int:
    """Append ``count`` sessions to a matter, retrying on conflicts; returns the conflicts met."""
    conflicts = 0
    for _ in range(count):
        for _ in range(MAX_TRIES):
            try:
                with backend.unit_of_work() as uow:
                    version = uow.matters.get(matter_id).version
                    event = m.SessionRecorded(
                        matter_id=matter_id,
                        version=version + 1,
                        at=AT,
                        actor=ACTOR,
                        summary=FreeText("session"),
                    )
                    uow.matters.append([event], version)
                    uow.commit()
                break
            except ConflictError:
                conflicts += 1
        else:
            raise RuntimeError(f"no append succeeded in {MAX_TRIES} tries")
    return conflicts


def run_in_process(
    opener: Callable[[], StorageBackend], barrier: Any, matter_id: str, count: int
) -> None:
    """Child-process entry point: open the shared store, wait for the others, then write."""
    backend = opener()
    try:
        barrier.wait()
        record_sessions(backend, matter_id, count)
    finally:
        backend.close()
