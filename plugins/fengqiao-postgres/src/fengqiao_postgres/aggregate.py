"""Filters and aggregate queries as SQL over the ``matters`` projection 聚合查询.

The numbers equal :func:`fengqiao_core.metrics.aggregate.evaluate`'s: the projection stores
``month``, ``closed_hours`` and the figures facts (:mod:`fengqiao_core.metrics.facts`) computed
as the reference computes them, counts are SQL counts (``FILTER`` for the conditional ones),
a median averages the one or two middle values of the sorted group as :func:`statistics.median`
does, ``PERIOD`` is a ``CASE`` over the query's periods (giving the period's number), and groups
are sorted with the reference's key (``None`` first, then by code point). Every query is
limited to one station.
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
    Dimension.OUTCOME: "outcome",
    Dimension.PATH: "path",
    Dimension.STEWARDS: "stewards",  # flags and PERIOD's numbers group and sort faster than
    Dimension.CRIMINAL: "criminal",  # texts; _label names them as the reference does
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
_ELAPSED = "(coalesce(resolved_us, %s::bigint) - reported_us)"
_ALLOWED = "(due_us - reported_us)"
_SLA = "count(*) FILTER (WHERE due_us > reported_us AND {})"  # a NULL elapsed time fails it
_SIMPLE: dict[Measure, str] = {
    Measure.COUNT: "count(*)",
    Measure.CLOSED: "count(closed_hours)",
    Measure.DISTINCT_OWNERS: "count(DISTINCT NULLIF(owner, ''))",
    Measure.RESOLVED: "count(resolved_us)",
    Measure.CONTAINED: "count(*) FILTER (WHERE closed_hours IS NOT NULL AND NOT over_ceiling)",
    Measure.ESCALATED_OUT: "count(*) FILTER (WHERE level = 'beyond')",
    Measure.ON_TIME: "count(*) FILTER (WHERE resolved_us <= due_us)",
    Measure.FOLLOWED_UP: "count(*) FILTER (WHERE followed_up)",
    Measure.WITH_STEWARDS: "count(*) FILTER (WHERE stewards)",
    Measure.FEEDBACKS: "count(feedback)",
    Measure.FEEDBACK_SUM: "coalesce(sum(feedback), 0)",
    Measure.COMMENDATIONS: "coalesce(sum(commendations), 0)",
    Measure.CRIMINAL: "count(*) FILTER (WHERE criminal)",
}
_MEDIANS = {
    Measure.MEDIAN_HOURS_TO_CLOSE: "closed_hours",
    Measure.MEDIAN_HOURS_TO_RESOLVE: "resolved_hours",
}
_COLS = ", ".join(MATTER_COLUMNS)
_MIDDLE = "ARRAY[0.5, 0.5000000001]::float8[]"
"""The fractions whose ``percentile_disc`` are a sorted group's middle values: row
``ceil(n / 2)`` and row ``ceil(n / 2 + n / 10¹⁰)`` — ``n / 2 + 1`` for an even ``n``, the same
middle row for an odd one (exact below 5·10⁹ values a group)."""
_UNHASHABLE = frozenset({Measure.DISTINCT_OWNERS, *_MEDIANS})
"""Measures PostgreSQL computes only over sorted input (no hash aggregation with them)."""


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
    for flag in ("stewards", "criminal"):
        wanted = getattr(where, flag)
        if wanted is not None:
            parts.append(f"{prefix}{flag} = %s")
            params.append(bool(wanted))
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


def _keys(query: AggregateQuery) -> tuple[list[str], list[Any]]:
    """The group key expressions (``PERIOD`` as a ``CASE`` over the periods) and parameters."""
    keys: list[str] = []
    params: list[Any] = []
    for dimension in query.group_by:
        if dimension is Dimension.PERIOD:
            if not query.periods:
                keys.append("NULL::text")
                continue
            whens = " ".join(
                f"WHEN reported_us >= %s AND reported_us < %s THEN {i}"
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
        # one bounding range (a single index range, never an OR of ranges), then the periods
        # themselves unless they tile the range without gaps
        spans = sorted((micros(a), micros(b)) for a, b in query.periods)
        where = f"({where}) AND reported_us >= %s AND reported_us < %s"
        params = [*params, spans[0][0], max(b for _, b in spans)]
        tiled = all(spans[i][1] >= spans[i + 1][0] for i in range(len(spans) - 1))
        if not tiled:
            inside = " OR ".join("(reported_us >= %s AND reported_us < %s)" for _ in spans)
            where = f"{where} AND ({inside})"
            params += [t for span in spans for t in span]
    return where, params


def _measure(query: AggregateQuery, measure: Measure) -> tuple[str, list[Any]]:
    """One measure's SQL expression and parameters.

    A median is the group's two middle values (:data:`_MIDDLE`, one sort), averaged in Python
    exactly as :func:`statistics.median` averages them (``percentile_cont`` interpolates,
    which may round differently).
    """
    if measure in _SIMPLE:
        return _SIMPLE[measure], []
    if measure in _MEDIANS:
        column = _MEDIANS[measure]
        return f"percentile_disc({_MIDDLE}) WITHIN GROUP (ORDER BY {column})", []
    as_of = None if query.as_of is None else micros(query.as_of)
    if measure is Measure.SLA_RED:
        red, red_params = _share(query.red_at)
        return _SLA.format(f"{_ELAPSED} >= {red}"), [as_of, *red_params]
    yellow, yellow_params = _share(query.yellow_at)
    red, red_params = _share(query.red_at)
    test = f"{_ELAPSED} >= {yellow} AND {_ELAPSED} < {red}"
    return _SLA.format(test), [as_of, *yellow_params, as_of, *red_params]


def _share(factor: float) -> tuple[str, list[Any]]:
    """``factor`` × the allowed time (the allowed time itself, compared exactly, for 1)."""
    if factor == 1:
        return _ALLOWED, []
    return f"%s * {_ALLOWED}", [float(factor)]


def aggregate(
    conn: psycopg.Connection[Any],
    station_id: str,
    query: AggregateQuery,
    source: str | None = None,
) -> list[AggregateRow]:
    """Run ``query`` over one station's matters (or :func:`pending_source`'s overlay)."""
    keys, params = _keys(query)
    where, where_params = _where(query)
    if source is None:
        source, where = "matters", f"station_id = %s AND {where}"
    measures = list(dict.fromkeys(query.measures))
    columns = list(keys)
    for measure in measures:
        expression, extra = _measure(query, measure)
        columns.append(expression)
        params.extend(extra)
    group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""
    text = f"SELECT {', '.join(columns) or '1'} FROM {source} AS s WHERE {where}{group}"
    n = len(keys)
    with conn.transaction():
        if keys and not _UNHASHABLE.intersection(measures):
            # hash the groups: the planner reads a CASE over reported_us (PERIOD) as having as
            # many values as reported_us has, and would sort every row to group a few hundred
            conn.execute("SET LOCAL enable_sort = off")
        rows = conn.execute(sql.SQL(text), [*params, station_id, *where_params]).fetchall()
    groups = {
        tuple(_label(v) for v in row[:n]): dict(zip(measures, row[n:], strict=False))
        for row in rows
    }
    result = []
    for key in sorted(groups, key=_sort_key):
        values = groups[key]
        measured = [_number(measure, values[measure]) for measure in query.measures]
        result.append(AggregateRow(key, tuple(measured)))
    return result


def _label(value: Any) -> str | None:
    """A group key part as the reference gives it (``"yes"``/``"no"``, a number, a text)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return plain_text(value)


def _number(measure: Measure, value: Any) -> float | None:
    """A measure's value as the reference gives it (a median from its two middle values)."""
    if value is None:
        return None
    if measure in _MEDIANS:
        lower, upper = value
        return None if lower is None else (float(lower) + float(upper)) / 2
    return float(value)
