"""Many stations in one schema never see each other; schema versions; errors are ours."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from fengqiao_postgres import SCHEMA_VERSION, PostgresStorage
from psycopg import sql

from fengqiao_core.errors import ConfigurationError, StorageError, StorageUnavailable
from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import AggregateQuery, BackendContext, Dimension, Measure
from fengqiao_core.testing.contracts import _data as d


def _fill(store: PostgresStorage, tag: str) -> None:
    with store.unit_of_work() as uow:
        for i in range(3):
            matter_id = f"{tag}-m{i}"
            uow.matters.append(
                [d.report(matter_id, reference=f"ref{i}"), d.triage(matter_id, 2)], 0
            )
            uow.audit.append(d.audit_entry(i + 1, object_id=matter_id))
            uow.outbox.add(d.message(f"msg{i}"))
        uow.people.add(d.person("p1"))
        uow.commit()


def test_two_stations_in_one_schema_never_see_each_other(pg_url: str) -> None:
    """Same ids, references, audit numbers and message ids in two stations: each sees its own."""
    run = uuid.uuid4().hex[:8]
    east, west = PostgresStorage(pg_url, f"east-{run}"), PostgresStorage(pg_url, f"west-{run}")
    try:
        _fill(east, "east")
        with west.unit_of_work() as uow:
            assert list(uow.matters.stream()) == []
            assert uow.matters.find_by_reference("ref0") is None
            assert uow.audit.last() is None
            assert uow.outbox.pending(d.AT.replace(year=2100)) == []
            rows = uow.matters.aggregate(AggregateQuery(measures=tuple(Measure)))
            assert rows[0].values[0] == 0.0
        _fill(west, "west")
        for store, tag in ((east, "east"), (west, "west")):
            with store.unit_of_work() as uow:
                assert [x.id for x in uow.matters.stream()] == [f"{tag}-m{i}" for i in range(3)]
                found = uow.matters.find_by_reference("ref1")
                assert found is not None
                assert found.id == f"{tag}-m1"
                assert [e.object_id for e in uow.audit.stream()] == [
                    f"{tag}-m{i}" for i in range(3)
                ]
                assert len(uow.outbox.pending(d.AT.replace(year=2100))) == 3
                assert [p.id for p in uow.people.stream()] == ["p1"]
                grouped = uow.matters.aggregate(
                    AggregateQuery(measures=(Measure.COUNT,), group_by=(Dimension.KIND,))
                )
                assert sum(r.values[0] or 0 for r in grouped) == 3.0
                # pending matters of this unit overlay this station only
                uow.matters.append([d.report(f"{tag}-new")], 0)
                total = uow.matters.aggregate(AggregateQuery())
                assert total[0].values == (4.0,)
    finally:
        east.close()
        west.close()


def test_a_newer_schema_is_refused_with_a_clear_error(pg_base: str) -> None:
    """A schema whose version is above ours is refused, saying to upgrade."""
    schema = f"fq_newer_{uuid.uuid4().hex[:8]}"
    url = f"{pg_base}?schema={schema}"
    try:
        PostgresStorage(url, "s1").close()
        with psycopg.connect(pg_base, autocommit=True) as conn:
            conn.execute(
                sql.SQL("UPDATE {}.fengqiao_schema SET version = %s").format(
                    sql.Identifier(schema)
                ),
                (SCHEMA_VERSION + 1,),
            )
        with pytest.raises(StorageError, match=r"newer.*upgrade fengqiao-postgres"):
            PostgresStorage(url, "s1")
    finally:
        with psycopg.connect(pg_base, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def test_the_backend_is_selected_by_url_with_the_station_id(pg_url: str, miaoshan) -> None:
    """``storage = "postgresql://…"`` opens this plugin's store for the station file's id."""
    store = Plugins().open_backend("storage", BackendContext(pg_url, miaoshan, None))
    try:
        assert isinstance(store, PostgresStorage)
        assert store.station_id == miaoshan.station.id
    finally:
        store.close()


def test_configuration_and_server_errors_are_ours(pg_url: str) -> None:
    """No station id, a bad pool size and an unreachable server raise our errors."""
    with pytest.raises(ConfigurationError, match="station id"):
        PostgresStorage(pg_url)
    with pytest.raises(ConfigurationError, match="pool_size"):
        PostgresStorage(f"{pg_url}&pool_size=zero", "s1")
    with pytest.raises(StorageUnavailable) as caught:
        PostgresStorage("postgresql://postgres@127.0.0.1:1/none?connect_timeout=1", "s1")
    assert not isinstance(caught.value, psycopg.Error)
    assert caught.value.__cause__ is None
