"""The SQLite rollup 汇总表: kept by triggers through inserts and updates, rebuilt by the
version-6 migration, and read with exactly the numbers of plain SQL and the memory reference."""

import datetime as dt
import sqlite3
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from fengqiao_core.builtin.sqlite import SqliteStorage
from fengqiao_core.builtin.sqlite.aggregate import aggregate
from fengqiao_core.builtin.sqlite.rollups import rollup_groups, rollup_median
from fengqiao_core.builtin.sqlite.schema import rollup_fill
from fengqiao_core.metrics.aggregate import evaluate
from fengqiao_core.metrics.kpis import GROUPS, MEASURES
from fengqiao_core.ports import AggregateQuery, Dimension, MatterFilter, Measure
from fengqiao_core.testing.contracts._base import run_settings
from fengqiao_core.testing.contracts.aggregates import figure_batches, figure_queries
from fengqiao_core.testing.contracts.storage_data import same_rows

Z = dt.timezone(dt.timedelta(hours=8))
PLAIN = "(SELECT * FROM main.matters)"
"""A source the rollup never answers for: the plain SQL over the projection."""
_MOMENTS = st.datetimes(
    min_value=dt.datetime(2025, 10, 1), max_value=dt.datetime(2027, 3, 1), timezones=st.just(Z)
)


@st.composite
def odd_queries(draw):
    """Figure queries whose periods and bounds fall anywhere in a day (partial days at ends)."""
    query = draw(figure_queries())
    periods = []
    for _ in range(draw(st.integers(0, 2))):
        a, b = sorted((draw(_MOMENTS), draw(_MOMENTS)))
        periods.append((a, b))
    where = query.where
    bounds = {"since": draw(st.none() | _MOMENTS), "until": draw(st.none() | _MOMENTS)}
    return AggregateQuery(
        measures=query.measures,
        group_by=query.group_by,
        where=MatterFilter(**{**{k: getattr(where, k) for k in _FILTER_FIELDS}, **bounds}),
        periods=tuple(periods),
        as_of=draw(st.none() | _MOMENTS),
        yellow_at=draw(st.sampled_from((0.7, 0.7, 0.5))),
        red_at=draw(st.sampled_from((1.0, 1.0, 1.5))),
    )


_FILTER_FIELDS = ("kinds", "categories", "outcomes", "paths", "stewards", "criminal", "cells")


def _store(tmp_path, batch, cut):
    """Each history's first ``cut`` events in one unit of work, the rest in a second one."""
    path = tmp_path / f"r{id(batch)}-{cut}.db"
    path.unlink(missing_ok=True)
    backend = SqliteStorage(path)
    with backend.unit_of_work() as uow:
        states = {h[0].matter_id: uow.matters.append(h[:cut], 0) for h in batch}
        uow.commit()
    with backend.unit_of_work() as uow:
        for history in batch:
            if len(history) > cut:
                states[history[0].matter_id] = uow.matters.append(history[cut:], cut)
        uow.commit()
    return backend, list(states.values())


def _path(backend: SqliteStorage) -> Path:
    with backend.unit_of_work() as uow:
        return Path(uow.connection.execute("PRAGMA database_list").fetchone()[2])


def test_rollup_answers_equal_plain_sql_and_the_reference(tmp_path):
    """Through inserts and later updates, any rollup-shaped query (periods and bounds cutting
    days anywhere, ``as_of`` before, inside or after them) gives the plain SQL's and the
    reference's numbers."""

    @run_settings()
    @given(figure_batches(), odd_queries(), st.integers(1, 3))
    def check(batch, query, cut):
        backend, states = _store(tmp_path, batch, cut)
        try:
            with backend.unit_of_work() as uow:
                got = aggregate(uow.connection, query)
                plain = aggregate(uow.connection, query, PLAIN)
            want = evaluate(query, states)
            assert same_rows(got, want), f"{query}:\n got {got}\n want {want}"
            assert same_rows(plain, want)
        finally:
            backend.close()

    check()


def _report_query(periods):
    return AggregateQuery(measures=MEASURES, group_by=GROUPS, periods=periods, as_of=periods[0][1])


def test_a_report_query_is_read_from_the_rollup(tmp_path):
    """The KPI report's tally and median are answered by the rollup path (not ``None``)."""
    backend = SqliteStorage(tmp_path / "empty.db")
    year = (dt.datetime(2026, 1, 1, tzinfo=Z), dt.datetime(2027, 1, 1, tzinfo=Z))
    earlier = (dt.datetime(2025, 1, 1, tzinfo=Z), year[0])
    with backend.unit_of_work() as uow:
        conn = uow.connection
        query = _report_query((year, earlier))
        assert rollup_groups(conn, query, list(MEASURES)) is not None
        median = AggregateQuery(
            measures=(Measure.MEDIAN_HOURS_TO_RESOLVE,),
            group_by=(Dimension.PERIOD,),
            periods=(year, earlier),
        )
        assert rollup_median(conn, median) is not None
        by_cell = AggregateQuery(group_by=(Dimension.CELL,))
        assert rollup_groups(conn, by_cell, [Measure.COUNT]) is None
    backend.close()


def _rollup(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT * FROM matter_rollup WHERE n != 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
        )
        return rows.fetchall()
    finally:
        conn.close()


def _recount(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM matter_rollup")
    conn.execute(rollup_fill())
    conn.commit()
    conn.close()


def test_the_triggers_keep_what_a_recount_gives(tmp_path):
    """After inserts and updates the rollup holds what counting the projection afresh gives."""

    @run_settings(max_examples=25)
    @given(figure_batches(max_size=8), st.integers(1, 3))
    def check(batch, cut):
        backend, _ = _store(tmp_path, batch, cut)
        path = _path(backend)
        backend.close()
        kept = _rollup(path)
        _recount(path)
        assert _rollup(path) == kept
        assert sum(row[8] for row in kept) == 3 * len(batch), "each matter once per grain"

    check()


def test_a_version_5_store_gains_its_rollup_on_open(tmp_path):
    """The version-6 migration builds the rollup and its indexes from the stored matters (and
    the version-7 one the key ring a version-5 store did not have)."""

    @run_settings(max_examples=10)
    @given(figure_batches(max_size=6))
    def check(batch):
        backend, states = _store(tmp_path, batch, 1)
        path = _path(backend)
        backend.close()
        kept = _rollup(path)
        conn = sqlite3.connect(path)
        for kind, name in conn.execute(
            "SELECT type, name FROM sqlite_schema WHERE name LIKE 'matter_rollup%'"
            " OR name IN ('ix_matters_resolved', 'ix_matters_open')"
        ).fetchall():
            conn.execute(f"DROP {kind.upper()} IF EXISTS {name}")
        conn.execute("DROP TABLE data_keys")  # and its indexes
        conn.execute("PRAGMA user_version = 5")
        conn.commit()
        conn.close()
        reopened = SqliteStorage(path)
        try:
            year = (dt.datetime(2026, 1, 1, tzinfo=Z), dt.datetime(2026, 7, 1, tzinfo=Z))
            query = _report_query((year,))
            with reopened.unit_of_work() as uow:
                got = uow.matters.aggregate(query)
            assert same_rows(got, evaluate(query, states))
        finally:
            reopened.close()
        assert _rollup(path) == kept

    check()
