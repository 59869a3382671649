"""Filters and aggregate queries as SQL over the ``matters`` projection 聚合查询.

The numbers equal :func:`fengqiao_core.metrics.aggregate.evaluate`'s: the projection stores
``month`` and ``closed_hours`` computed as the reference computes them, counts are SQL counts,
and the median takes the one or two middle values of each group (window functions) and averages
them in Python exactly as :func:`statistics.median` does. Queries the rollup can answer are
read from it (:mod:`~fengqiao_core.builtin.sqlite.rollups`) with the same numbers. Groups are
sorted in Python with the reference's key (``None`` first, then by code point).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from fengqiao_core.builtin.sqlite.rollups import rollup_groups, rollup_median
from fengqiao_core.builtin.sqlite.rows import micros
from fengqiao_core.builtin.sqlite.schema import MATTER_COLUMNS
from fengqiao_core.ports import AggregateQuery, AggregateRow, Dimension, MatterFilter, Measure

__all__ = ["aggregate", "filter_sql", "pending_source"]

_COLUMNS: dict[Dimension, str] = {
    Dimension.KIND: "kind",
    Dimension.CATEGORY: "category",
    Dimension.SEVERITY: "severity",
    Dimension.SOURCE: "source",
    Dimension.STATE: "state",
    Dimension.LEVEL: "level",
    Dimension.MONTH: "month",
    Dimension.CELL: "cell",
    Dimension.POLICE_GRID: "police_grid",
    Dimension.COMMUNITY: "community",
    Dimension.OUTCOME: "outcome",
    Dimension.PATH: "path",
    Dimension.STEWARDS: "CASE WHEN stewards THEN 'yes' ELSE 'no' END",
    Dimension.CRIMINAL: "CASE WHEN criminal THEN 'yes' ELSE 'no' END",
}
_FILTERS = (
    ("kinds", "kind"),
    ("categories", "category"),
    ("outcomes", "outcome"),
    ("paths", "path"),
    ("states", "state"),
    ("levels", "level"),
    ("cells", "cell"),
    ("police_grids", "police_grid"),
    ("communities", "community"),
)
_ELAPSED = "(coalesce(resolved_us, ?) - reported_us)"
_ALLOWED = "(due_us - reported_us)"
_SLA = f"CASE WHEN due_us > reported_us AND {_ELAPSED} IS NOT NULL THEN {{}} END"
_SIMPLE: dict[Measure, str] = {
    Measure.COUNT: "count(*)",
    Measure.CLOSED: "count(closed_hours)",
    Measure.DISTINCT_OWNERS: "count(DISTINCT NULLIF(owner, ''))",
    Measure.RESOLVED: "count(resolved_us)",
    Measure.CONTAINED: "total(closed_hours IS NOT NULL AND NOT over_ceiling)",
    Measure.ESCALATED_OUT: "total(level = 'beyond')",
    Measure.ON_TIME: "total(resolved_us <= due_us)",
    Measure.FOLLOWED_UP: "total(followed_up)",
    Measure.WITH_STEWARDS: "total(stewards)",
    Measure.FEEDBACKS: "count(feedback)",
    Measure.FEEDBACK_SUM: "total(feedback)",
    Measure.COMMENDATIONS: "total(commendations)",
    Measure.CRIMINAL: "total(criminal)",
}
_MEDIANS = {
    Measure.MEDIAN_HOURS_TO_CLOSE: "closed_hours",
    Measure.MEDIAN_HOURS_TO_RESOLVE: "resolved_hours",
}
_COLS = ", ".join(MATTER_COLUMNS)


def filter_sql(where: MatterFilter, table: str = "") -> tuple[str, list[Any]]:
    """A ``WHERE`` condition (never empty) and its parameters for a :class:`MatterFilter`."""
    prefix = f"{table}." if table else ""
    parts: list[str] = []
    params: list[Any] = []
    for attribute, column in _FILTERS:
        wanted = getattr(where, attribute)
        if wanted:
            parts.append(f"{prefix}{column} IN ({', '.join('?' * len(wanted))})")
            params.extend(wanted)
    for flag in ("stewards", "criminal"):
        wanted = getattr(where, flag)
        if wanted is not None:
            parts.append(f"{prefix}{flag} = ?")
            params.append(int(wanted))
    if where.since is not None:
        parts.append(f"{prefix}reported_us >= ?")
        params.append(micros(where.since))
    if where.until is not None:
        parts.append(f"{prefix}reported_us < ?")
        params.append(micros(where.until))
    return " AND ".join(parts) or "1", params


def pending_source(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> str:
    """Load a unit of work's uncommitted projection rows into a temporary table.

    Returns:
        A ``FROM`` source: the committed matters overlaid with those rows.
    """
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS pending_matters ({_COLS}, PRIMARY KEY (id))")
    conn.execute("DELETE FROM temp.pending_matters")
    marks = ", ".join("?" * len(MATTER_COLUMNS))
    conn.executemany(f"INSERT INTO temp.pending_matters VALUES ({marks})", rows)
    return (
        f"(SELECT {_COLS} FROM main.matters"
        " WHERE id NOT IN (SELECT id FROM temp.pending_matters)"
        f" UNION ALL SELECT {_COLS} FROM temp.pending_matters)"
    )


def _sort_key(key: tuple[str | None, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((part is not None, part or "") for part in key)


def _keys(query: AggregateQuery) -> tuple[list[str], list[Any]]:
    """The group key expressions (``PERIOD`` as a ``CASE`` over the periods) and parameters."""
    keys: list[str] = []
    params: list[Any] = []
    for dimension in query.group_by:
        if dimension is Dimension.PERIOD:
            if not query.periods:
                keys.append("NULL")
                continue
            whens = " ".join(
                f"WHEN reported_us >= ? AND reported_us < ? THEN '{i}'"
                for i in range(len(query.periods))
            )
            keys.append(f"CASE {whens} END")
            params.extend(micros(t) for period in query.periods for t in period)
        else:
            keys.append(_COLUMNS[dimension])
    return keys, params


def _where(query: AggregateQuery) -> tuple[str, list[Any]]:
    where, params = filter_sql(query.where)
    if query.periods:
        # one bounding range (a single scan or index range, never an OR of ranges), then the
        # periods themselves unless they tile the range without gaps
        spans = sorted((micros(a), micros(b)) for a, b in query.periods)
        where = f"({where}) AND reported_us >= ? AND reported_us < ?"
        params = [*params, spans[0][0], max(b for _, b in spans)]
        tiled = all(spans[i][1] >= spans[i + 1][0] for i in range(len(spans) - 1))
        if not tiled:
            inside = " OR ".join("(reported_us >= ? AND reported_us < ?)" for _ in spans)
            where = f"{where} AND ({inside})"
            params += [t for span in spans for t in span]
    return where, params


def _measure(query: AggregateQuery, measure: Measure) -> tuple[str, list[Any]]:
    if measure in _SIMPLE:
        return _SIMPLE[measure], []
    as_of = None if query.as_of is None else micros(query.as_of)
    if measure is Measure.SLA_RED:
        test = f"{_ELAPSED} >= ? * {_ALLOWED}"
        return f"total({_SLA.format(test)})", [as_of, as_of, query.red_at]
    test = f"{_ELAPSED} >= ? * {_ALLOWED} AND {_ELAPSED} < ? * {_ALLOWED}"
    return f"total({_SLA.format(test)})", [as_of, as_of, query.yellow_at, as_of, query.red_at]


def _medians(
    conn: sqlite3.Connection, query: AggregateQuery, column: str, source: str
) -> dict[tuple[Any, ...], float]:
    keys, key_params = _keys(query)
    where, params = _where(query)
    names = [f"k{i}" for i in range(len(keys))]
    partition = f"PARTITION BY {', '.join(names)}" if names else ""
    inner = "".join(f"{k} AS {n}, " for k, n in zip(keys, names, strict=True))
    select = "".join(f"{n}, " for n in names)
    sql = (
        f"SELECT {select}v FROM ("
        f"SELECT {select}v, row_number() OVER ({partition} ORDER BY v) AS rn,"
        f" count(*) OVER ({partition}) AS n FROM ("
        f"SELECT {inner}{column} AS v FROM {source} WHERE ({where}) AND {column} IS NOT NULL"
        ")) WHERE rn IN ((n + 1) / 2, (n + 2) / 2) ORDER BY rn"
    )
    middle: dict[tuple[Any, ...], list[float]] = {}
    for row in conn.execute(sql, [*key_params, *params]):
        middle.setdefault(tuple(row[:-1]), []).append(row[-1])
    return {k: v[0] if len(v) == 1 else (v[0] + v[1]) / 2 for k, v in middle.items()}


def _median_of(
    conn: sqlite3.Connection, query: AggregateQuery, column: str, source: str
) -> dict[tuple[Any, ...], float]:
    walked = None
    if source == "matters" and column == "resolved_hours":
        walked = rollup_median(conn, query)
    return walked if walked is not None else _medians(conn, query, column, source)


def aggregate(
    conn: sqlite3.Connection, query: AggregateQuery, source: str = "matters"
) -> list[AggregateRow]:
    """Run ``query`` over ``source`` (the projection, or :func:`pending_source`'s overlay)."""
    keys, key_params = _keys(query)
    where, where_params = _where(query)
    names = [f"k{i}" for i in range(len(keys))]
    simple = [m for m in dict.fromkeys(query.measures) if m not in _MEDIANS]
    columns: list[str] = [f"{k} AS {n}" for k, n in zip(keys, names, strict=True)]
    params: list[Any] = list(key_params)
    for measure in simple:
        expression, extra = _measure(query, measure)
        columns.append(expression)
        params.extend(extra)
    columns.append("count(*)")
    group = f" GROUP BY {', '.join(names)}" if names else ""
    sql = f"SELECT {', '.join(columns)} FROM {source} WHERE {where}{group}"
    n = len(keys)
    rolled = rollup_groups(conn, query, simple) if source == "matters" else None
    groups = (
        rolled
        if rolled is not None
        else {
            tuple(row[:n]): dict(zip(simple, row[n:], strict=False))
            for row in conn.execute(sql, [*params, *where_params])
        }
    )
    medians = {
        measure: _median_of(conn, query, column, source)
        for measure, column in _MEDIANS.items()
        if measure in query.measures
    }
    result = []
    for key in sorted(groups, key=_sort_key):
        values = groups[key]
        measured = [
            medians[m].get(key) if m in medians else float(values[m]) for m in query.measures
        ]
        result.append(AggregateRow(key, tuple(measured)))
    return result
