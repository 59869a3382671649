"""sqlite.P1.eventsourcing: ``report_many`` vs the ``eventsourcing`` library on SQLite.

The peer is what a developer would build an event-sourced station on instead: the
``eventsourcing`` library's ``Application`` with its SQLite persistence module (its defaults:
WAL, one ``stored_events`` table, JSON transcoding), one ``Aggregate`` per matter created by a
``Reported`` event and changed by a ``Triaged`` event that carry the same fields, with the
same values, as our ``MatterReported`` and ``MatterTriaged`` (read back from the rows our
first run wrote and decoded before timing: the peer gets them for free), saved with
``app.save(*aggregates)`` in batches of :data:`~benchmarks.bench_sqlite.BATCH` (one
transaction each). It does no validation, screening, triage, audit chain, projection or
outbox: our side does all of them. Throughputs in matters/s, interleaved rounds in one run.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from benchmarks.bench_sqlite import BATCH, _remove, _tmp, table_rows, timed_report
from benchmarks.harness import Measurement, benchmark, interleave

_DATES = ("at", "due")
_OURS = ("matter_id", "version", "type")  # the library keeps id, version and type itself


class ReportedMatter(Aggregate):
    """A matter as an ``eventsourcing`` aggregate, with the fields of our two intake events."""

    @event("Reported")
    def __init__(
        self, at: dt.datetime, actor: dict[str, str], reason: str | None, kind: str,
        category: str, severity: str, source: str, location: dict[str, Any], description: str,
        parties: list[dict[str, Any]], reference: str | None, amount_yuan: int | None,
        criminal: bool,
    ) -> None:  # fmt: skip
        self.reported_at, self.reported_by, self.kind = at, actor, kind
        self.category, self.severity, self.source = category, severity, source
        self.location, self.description, self.parties = location, description, parties
        self.reference, self.amount_yuan, self.criminal = reference, amount_yuan, criminal
        self.reason = reason
        self.state = "reported"

    @event("Triaged")
    def triage(
        self, at: dt.datetime, actor: dict[str, str], reason: str | None, cell: str | None,
        police_grid: str | None, community: str | None, level: str, owner: str | None,
        due: dt.datetime | None, path: str | None, reasons: list[str],
        participants: list[dict[str, str]], related: list[str], alert: str | None,
    ) -> None:  # fmt: skip
        self.updated_at, self.reason = at, reason
        self.cell, self.police_grid, self.community = cell, police_grid, community
        self.level, self.owner, self.due, self.path = level, owner, due, path
        self.reasons, self.participants = reasons, participants
        self.related, self.alert = related, alert
        self.triaged_by = actor


class Station(Application[Any]):
    """The peer application (its repository, event store and SQLite recorder)."""


def _fields(body: str) -> dict[str, Any]:
    fields = {k: v for k, v in json.loads(body).items() if k not in _OURS}
    for name in _DATES:
        if fields.get(name) is not None:
            fields[name] = dt.datetime.fromisoformat(fields[name])
    return fields


def _peer_input(events: list[tuple[Any, ...]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each matter's report and triage fields, in reporting order."""
    by_matter: dict[str, dict[int, dict[str, Any]]] = {}
    for matter_id, version, _, _, body in events:
        by_matter.setdefault(matter_id, {})[version] = _fields(body)
    return [(pair[1], pair[2]) for pair in by_matter.values()]


@benchmark("sqlite.P1.eventsourcing", goal=">= 1.0")
def against_eventsourcing(quick: bool) -> Measurement:
    count = 10_000 if quick else 100_000
    runs = iter(range(1000))
    matters: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def ours() -> float:
        path = _tmp / f"p1es-ours-{next(runs)}.db"
        rate = timed_report(path, count)
        if not matters:
            matters.extend(_peer_input(table_rows(path)["events"]))
        _remove(path)
        return rate

    def peer() -> float:
        path = _tmp / f"p1es-peer-{next(runs)}.db"
        app = Station(
            env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
        )
        started = time.perf_counter()
        for start in range(0, len(matters), BATCH):
            aggregates = []
            for reported, triaged in matters[start : start + BATCH]:
                aggregate = ReportedMatter(**reported)
                aggregate.triage(**triaged)
                aggregates.append(aggregate)
            app.save(*aggregates)
        elapsed = time.perf_counter() - started
        app.close()
        _remove(path)
        return len(matters) / elapsed

    ours()  # the first run also provides the peer's event fields
    if len(matters) != count:
        raise AssertionError(f"read back {len(matters)} matters' events, not {count}")
    mine, theirs = interleave(ours, peer, 3)
    return Measurement(mine, theirs, "matters/s")
