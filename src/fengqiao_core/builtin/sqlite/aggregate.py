"""Filters and aggregate queries as SQL over the ``matters`` projection 聚合查询.

The numbers equal :func:`fengqiao_core.metrics.aggregate.evaluate`'s: the projection stores
``month`` and ``closed_hours`` computed as the reference computes them, counts are SQL counts,
and the median takes the one or two middle values of each group (window functions) and averages
them in Python exactly as :func:`statistics.median` does. Groups are sorted in Python with the
reference's key (``None`` first, then by code point).
"""

from __future__ import annotations

import sqlite3
from typing import Any

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
}
_FILTERS = (
    ("kinds", "kind"),
    ("states", "state"),
    ("levels", "level"),
    ("cells", "cell"),
    ("police_grids", "police_grid"),
    ("communities", "community"),
)
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


def _medians(
    conn: sqlite3.Connection, keys: list[str], source: str, where: str, params: list[Any]
) -> dict[tuple[Any, ...], float]:
    partition = f"PARTITION BY {', '.join(keys)}" if keys else ""
    select = "".join(f"{k}, " for k in keys)
    sql = (
        f"SELECT {select}closed_hours FROM ("
        f"SELECT {select}closed_hours,"
        f" row_number() OVER ({partition} ORDER BY closed_hours) AS rn,"
        f" count(*) OVER ({partition}) AS n"
        f" FROM {source} WHERE ({where}) AND closed_hours IS NOT NULL"
        ") WHERE rn IN ((n + 1) / 2, (n + 2) / 2) ORDER BY rn"
    )
    middle: dict[tuple[Any, ...], list[float]] = {}
    for row in conn.execute(sql, params):
        middle.setdefault(tuple(row[:-1]), []).append(row[-1])
    return {k: v[0] if len(v) == 1 else (v[0] + v[1]) / 2 for k, v in middle.items()}


def aggregate(
    conn: sqlite3.Connection, query: AggregateQuery, source: str = "matters"
) -> list[AggregateRow]:
    """Run ``query`` over ``source`` (the projection, or :func:`pending_source`'s overlay)."""
    keys = [_COLUMNS[d] for d in query.group_by]
    where, params = filter_sql(query.where)
    select = "".join(f"{k}, " for k in keys)
    group = f" GROUP BY {', '.join(keys)}" if keys else ""
    sql = (
        f"SELECT {select}count(*), count(closed_hours), count(DISTINCT NULLIF(owner, ''))"
        f" FROM {source} WHERE {where}{group}"
    )
    n = len(keys)
    groups = {tuple(row[:n]): row[n:] for row in conn.execute(sql, params)}
    medians = (
        _medians(conn, keys, source, where, params)
        if Measure.MEDIAN_HOURS_TO_CLOSE in query.measures
        else {}
    )
    result = []
    for key in sorted(groups, key=_sort_key):
        count, closed, owners = groups[key]
        measured = {
            Measure.COUNT: float(count),
            Measure.CLOSED: float(closed),
            Measure.DISTINCT_OWNERS: float(owners),
            Measure.MEDIAN_HOURS_TO_CLOSE: medians.get(key),
        }
        result.append(AggregateRow(key, tuple(measured[m] for m in query.measures)))
    return result
