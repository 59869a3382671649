"""Filters and aggregate queries as SQL over the ``matters`` projection 聚合查询.

The numbers equal :func:`fengqiao_core.metrics.aggregate.evaluate`'s: the projection stores
``month`` and ``closed_hours`` computed as the reference computes them, counts are SQL counts,
the median is ``percentile_cont(0.5)`` (the mean of the two middle values for an even count,
as :func:`statistics.median`), and groups are sorted with the reference's key (``None`` first,
then by code point). Every query is limited to one station.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from fengqiao_core.ports import AggregateQuery, AggregateRow, Dimension, MatterFilter, Measure
from fengqiao_postgres.rows import key_text, micros, plain_text
from fengqiao_postgres.schema import MATTER_COLUMNS

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
            parts.append(f"{prefix}{column} = ANY(%s)")
            params.append([key_text(value) for value in wanted])
    if where.since is not None:
        parts.append(f"{prefix}reported_us >= %s")
        params.append(micros(where.since))
    if where.until is not None:
        parts.append(f"{prefix}reported_us < %s")
        params.append(micros(where.until))
    return " AND ".join(parts) or "TRUE", params


def pending_source(conn: psycopg.Connection[Any], rows: list[tuple[Any, ...]]) -> str:
    """Copy a unit's uncommitted projection rows into a temporary table (inside a transaction).

    Returns:
        A ``FROM`` source: the committed matters overlaid with those rows (a ``%s`` for the
        station id comes first in its parameters).
    """
    conn.execute(
        "CREATE TEMP TABLE pending_matters ON COMMIT DROP AS"
        " SELECT * FROM matters WITH NO DATA"  # same columns and collations
    )
    with conn.cursor().copy(f"COPY pending_matters ({_COLS}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return (
        f"(SELECT {_COLS} FROM matters AS c WHERE c.station_id = %s"
        " AND NOT EXISTS (SELECT 1 FROM pending_matters AS p WHERE p.id = c.id)"
        f" UNION ALL SELECT {_COLS} FROM pending_matters)"
    )


def _sort_key(key: tuple[str | None, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((part is not None, part or "") for part in key)


def aggregate(
    conn: psycopg.Connection[Any],
    station_id: str,
    query: AggregateQuery,
    source: str | None = None,
) -> list[AggregateRow]:
    """Run ``query`` over one station's matters (or :func:`pending_source`'s overlay)."""
    keys = [_COLUMNS[d] for d in query.group_by]
    where, params = filter_sql(query.where)
    if source is None:
        source, where = "matters", f"station_id = %s AND {where}"
    select = "".join(f"{k}, " for k in keys)
    group = f" GROUP BY {', '.join(keys)}" if keys else ""
    median = (
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY closed_hours)"
        if Measure.MEDIAN_HOURS_TO_CLOSE in query.measures
        else "NULL::float8"
    )
    text = (
        f"SELECT {select}count(*), count(closed_hours), count(DISTINCT NULLIF(owner, '')),"
        f" {median} FROM {source} AS s WHERE {where}{group}"
    )
    n = len(keys)
    rows = conn.execute(sql.SQL(text), [station_id, *params]).fetchall()
    groups = {tuple(plain_text(v) for v in row[:n]): row[n:] for row in rows}
    if not keys:
        groups.setdefault((), (0, 0, 0, None))
    result = []
    for key in sorted(groups, key=_sort_key):
        count, closed, owners, middle = groups[key]
        measured = {
            Measure.COUNT: float(count),
            Measure.CLOSED: float(closed),
            Measure.DISTINCT_OWNERS: float(owners),
            Measure.MEDIAN_HOURS_TO_CLOSE: None if middle is None else float(middle),
        }
        result.append(AggregateRow(key, tuple(measured[m] for m in query.measures)))
    return result
