"""Batch reads of the ``postgresql`` backend (``MatterBatchReads``) and the batch write path."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from fengqiao_postgres import PostgresStorage

from fengqiao_core import model as m
from fengqiao_core.errors import ConflictError
from fengqiao_core.model.personal import FreeText
from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import MatterBatchReads
from fengqiao_core.station import MatterDraft, open_station
from fengqiao_core.station.file import load_station_config
from fengqiao_core.testing.contracts import _data as d

SECRET = b"test-secret-for-batch-reads-4f1c9e7a"


def _store(pg_url: str) -> PostgresStorage:
    return PostgresStorage(pg_url, f"batch-{uuid.uuid4().hex[:8]}")


def test_batch_reads_see_committed_and_pending_matters(pg_url: str) -> None:
    """References and versions read in one query each, this unit's pending appends overlaid."""
    store = _store(pg_url)
    try:
        with store.unit_of_work() as uow:
            uow.matters.append([d.report("m1", reference="r1"), d.triage("m1", 2)], 0)
            uow.commit()
        with store.unit_of_work() as uow:
            matters = uow.matters
            assert isinstance(matters, MatterBatchReads)
            matters.append([d.report("m2", reference="r2")], 0)
            found = matters.find_by_references(["r1", "r2", "r3"])
            assert {k: v.id for k, v in found.items()} == {"r1": "m1", "r2": "m2"}
            assert found["r1"].version == 2
            assert matters.versions(["m1", "m2", "m3"]) == {"m1": 2, "m2": 1}
    finally:
        store.close()


def test_a_version_read_in_batch_is_checked_again_at_commit(pg_url: str) -> None:
    """A matter stored by another unit after ``versions`` read it fails the commit, not silently."""
    store = _store(pg_url)
    try:
        with store.unit_of_work() as late:
            assert isinstance(late.matters, MatterBatchReads)
            assert late.matters.versions(["m1"]) == {}
            with store.unit_of_work() as early:
                early.matters.append([d.report("m1")], 0)
                early.commit()
            late.matters.append([d.report("m1")], 0)
            late.outbox.add(d.message("msg1"))
            with pytest.raises(ConflictError):
                late.commit()
        with store.unit_of_work() as uow:
            assert [x.id for x in uow.matters.stream()] == ["m1"]
            assert uow.outbox.pending(d.AT) == []
    finally:
        store.close()


def test_a_stored_message_id_is_refused_at_commit(pg_url: str) -> None:
    """``outbox.add`` asks nothing; the primary key refuses a stored id and nothing is written."""
    store = _store(pg_url)
    try:
        with store.unit_of_work() as uow:
            uow.outbox.add(d.message("msg1"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.matters.append([d.report("m1")], 0)
            uow.outbox.add(d.message("msg1"))
            with pytest.raises(ConflictError):
                uow.commit()
        with store.unit_of_work() as uow:
            assert list(uow.matters.stream()) == []
    finally:
        store.close()


def test_report_many_twice_stores_each_reference_once(pg_url: str) -> None:
    """The batch path keeps ``report_many`` idempotent by reference (within and across calls)."""
    store = _store(pg_url)
    plugins = Plugins()
    clock = dt.datetime(2026, 11, 2, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    service = open_station(
        load_station_config("miaoshan"), plugins=plugins, clock=lambda: clock, secret=SECRET,
        backends={"storage": store}, dispatch=False,
    )  # fmt: skip
    place = next(p.id for p in service.config.places if p.cell is not None)
    actor = m.Actor("O01", m.Role.OFFICER)
    drafts = [
        MatterDraft(
            kind=m.MatterKind.HELP_REQUEST,
            category="help_request:lost_property",
            severity=m.Severity.GENERAL,
            source=m.Source.WALK_IN,
            location=m.Location(place=place),
            description=FreeText(f"lost wallet {i}"),
            reference=f"ref-{i % 3}",
        )
        for i in range(5)
    ]
    try:
        first = service.report_many(actor, drafts, batch_size=2)
        again = service.report_many(actor, drafts[:3], batch_size=3)
        assert len({x.id for x in first}) == 3
        assert [x.id for x in again] == [x.id for x in first[:3]]
        with store.unit_of_work() as uow:
            assert sorted(x.reference or "" for x in uow.matters.stream()) == [
                "ref-0",
                "ref-1",
                "ref-2",
            ]
    finally:
        service.shutdown()
