"""The PostgreSQL outbox beyond the contract: quarantine and stations that share a schema."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import pytest
from fengqiao_postgres import PostgresStorage

from fengqiao_core.testing.contracts import _data as d

_LATER = d.AT + dt.timedelta(minutes=1)


def _store(pg_url: str) -> PostgresStorage:
    return PostgresStorage(pg_url, f"ob-{uuid.uuid4().hex[:8]}")


def _add(store: PostgresStorage, *ids: str) -> None:
    with store.unit_of_work() as uow:
        for message_id in ids:
            uow.outbox.add(d.message(message_id))
        uow.commit()


def test_an_undecodable_row_is_quarantined_and_the_others_are_claimed(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A corrupt body is logged by id, marked ``poison`` and never listed again."""
    store = _store(pg_url)
    try:
        _add(store, "msg1", "msg2", "msg3")
        with store.unit_of_work() as uow:
            uow.connection.execute(
                "UPDATE outbox SET body = '{broken' WHERE station_id = %s AND id = 'msg2'",
                (store.station_id,),
            )
        with caplog.at_level(logging.ERROR), store.unit_of_work() as uow:
            claimed = uow.outbox.claim("a", d.AT, _LATER)
        assert [m.id for m in claimed] == ["msg1", "msg3"]
        assert "msg2" in caplog.text
        with store.unit_of_work() as uow:
            row = uow.fetchone(
                "SELECT poison, lease_owner FROM outbox WHERE station_id = %s AND id = 'msg2'",
                (store.station_id,),
            )
            assert row == (True, None)
            assert [m.id for m in uow.outbox.pending(_LATER)] == ["msg1", "msg3"]
            assert uow.outbox.claim("b", _LATER, _LATER + dt.timedelta(minutes=1)) != []
            assert all(m.id != "msg2" for m in uow.outbox.pending(_LATER))
    finally:
        store.close()


def test_a_station_claims_only_its_own_messages(pg_url: str) -> None:
    """Two stations in one schema, same message ids: each claims its own, once."""
    first, second = _store(pg_url), _store(pg_url)
    try:
        _add(first, "msg1", "msg2")
        _add(second, "msg1")
        with first.unit_of_work() as uow:
            assert [m.id for m in uow.outbox.claim("a", d.AT, _LATER)] == ["msg1", "msg2"]
        with second.unit_of_work() as uow:
            assert [m.id for m in uow.outbox.claim("b", d.AT, _LATER)] == ["msg1"]
        with first.unit_of_work() as uow:
            assert uow.outbox.claim("c", d.AT, _LATER) == []
    finally:
        first.close()
        second.close()
