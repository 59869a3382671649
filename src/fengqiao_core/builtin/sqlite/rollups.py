"""Aggregates read from the rollup ``matter_rollup`` 汇总表 where a query allows it.

A query is answered from the rollup when it groups and filters only by what the rollup keeps
(period, kind, category, outcome, path, steward and criminal flags) and asks for measures the
rollup sums. Each period is cut into whole buckets of 64, 8 and 1 UTC days, read from the
rollup, and the partial days at its ends, read from ``matters`` by ``reported_us`` with the
very per-matter expressions the rollup sums.

Rule D2 warnings of unresolved matters depend on ``as_of``: at the default shares an unresolved
matter with time allowed is red exactly when ``as_of`` reached its ``due``, so the rollup's
``open_sla`` count is red except the few matters due after ``as_of``, which are read one by
one (index ``ix_matters_open``). Every number is an integer count or sum, so the result equals
the plain SQL over ``matters`` (and the memory reference) exactly. Medians stay exact: the
index on ``resolved_hours`` is walked in order to the middle value(s) of the period, whose
count the rollup gives.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from fengqiao_core.builtin.sqlite.rows import micros
from fengqiao_core.builtin.sqlite.schema import ROLLUP_DAY_US, ROLLUP_GRAINS, ROLLUP_MEASURES
from fengqiao_core.ports import AggregateQuery, Dimension, Measure

__all__ = ["rollup_groups", "rollup_median"]

_FLAG = "CASE WHEN {} THEN 'yes' ELSE 'no' END"
_KEYS: dict[Dimension, tuple[str, str]] = {
    Dimension.KIND: ("kind", "kind"),
    Dimension.CATEGORY: ("category", "category"),
    Dimension.OUTCOME: ("NULLIF(outcome, '')", "outcome"),
    Dimension.PATH: ("NULLIF(path, '')", "path"),
    Dimension.STEWARDS: (_FLAG.format("stewards"), _FLAG.format("stewards")),
    Dimension.CRIMINAL: (_FLAG.format("criminal"), _FLAG.format("criminal")),
}
"""Group keys the rollup keeps: ``(rollup expression, projection expression)``."""
_ROLLED: dict[Measure, str] = {
    Measure.COUNT: "n",
    Measure.CLOSED: "closed",
    Measure.RESOLVED: "resolved",
    Measure.CONTAINED: "contained",
    Measure.ESCALATED_OUT: "beyond",
    Measure.ON_TIME: "on_time",
    Measure.FOLLOWED_UP: "followed_up",
    Measure.WITH_STEWARDS: "with_stewards",
    Measure.FEEDBACKS: "feedbacks",
    Measure.FEEDBACK_SUM: "feedback_sum",
    Measure.COMMENDATIONS: "commendations",
    Measure.CRIMINAL: "criminal_sum",
}
_PER_MATTER = {name: expression.format(x="") for name, expression in ROLLUP_MEASURES}
_SLA = (Measure.SLA_YELLOW, Measure.SLA_RED)
_ELAPSED = "(coalesce(resolved_us, ?) - reported_us)"
_ALLOWED = "(due_us - reported_us)"
_YELLOW = (
    f"CASE WHEN due_us > reported_us AND {_ELAPSED} IS NOT NULL THEN {_ELAPSED} >= 0.7 *"
    f" {_ALLOWED} AND {_ELAPSED} < 1.0 * {_ALLOWED} END"
)
_RED = (
    f"CASE WHEN due_us > reported_us AND {_ELAPSED} IS NOT NULL THEN"
    f" {_ELAPSED} >= 1.0 * {_ALLOWED} END"
)
_UNKEPT = ("states", "levels", "cells", "police_grids", "communities")
_COLUMN = {"kinds": "kind", "categories": "category", "outcomes": "outcome", "paths": "path"}
_FILTERED = {*_UNKEPT, *_COLUMN}

Segment = tuple[str | None, int | None, int | None]
"""A half-open range of ``reported_us`` (``None``: unbounded) and its ``PERIOD`` key."""
Piece = tuple[str | None, int | None, int | None, int | None]
"""``(PERIOD key, grain, start, end)``: buckets of a rollup grain, or (grain ``None``) a range
of ``reported_us``."""


def _segments(query: AggregateQuery) -> list[Segment] | None:
    """The ranges the query counts, or ``None`` when its periods overlap."""
    where = query.where
    low = None if where.since is None else micros(where.since)
    high = None if where.until is None else micros(where.until)
    if not query.periods:
        return [(None, low, high)]
    spans = sorted((micros(a), micros(b), str(i)) for i, (a, b) in enumerate(query.periods))
    spans = [span for span in spans if span[0] < span[1]]
    if any(spans[i][1] > spans[i + 1][0] for i in range(len(spans) - 1)):
        return None
    found: list[Segment] = []
    for a, b, label in spans:
        start = a if low is None else max(a, low)
        end = b if high is None else min(b, high)
        if start < end:
            found.append((label, start, end))
    return found


def _usable(query: AggregateQuery, measures: list[Measure]) -> bool:
    where = query.where
    keys = set(query.group_by) - {Dimension.PERIOD}
    return (
        keys <= _KEYS.keys()
        and not any(getattr(where, name) for name in _UNKEPT)
        and all(m in _ROLLED or m in _SLA for m in measures)
        and (not set(measures) & set(_SLA) or (query.yellow_at, query.red_at) == (0.7, 1.0))
    )


def _cover(lo: int | None, hi: int | None, grains: tuple[int, ...]) -> list[Piece]:
    """Buckets covering days ``[lo, hi)``: whole coarse buckets, then finer ones at the ends."""
    grain, finer = grains[0], grains[1:]
    size = 1 << grain
    first = None if lo is None else -(-lo // size)
    last = None if hi is None else hi // size
    if finer and first is not None and last is not None and first >= last:
        return _cover(lo, hi, finer)
    found: list[Piece] = [(None, grain, first, last)]
    if finer and lo is not None and first is not None and lo < first * size:
        found += _cover(lo, first * size, finer)
    if finer and hi is not None and last is not None and last * size < hi:
        found += _cover(last * size, hi, finer)
    return found


def _split(segments: list[Segment]) -> tuple[list[Piece], list[Segment], list[Segment]]:
    """Rollup buckets, the partial days at the edges (from ``matters``) and the whole days."""
    buckets: list[Piece] = []
    edges: list[Segment] = []
    days: list[Segment] = []
    for label, a, b in segments:
        first = None if a is None else -(-a // ROLLUP_DAY_US)
        last = None if b is None else b // ROLLUP_DAY_US
        if first is not None and last is not None and first >= last:
            edges.append((label, a, b))
            continue
        buckets += [(label, *piece[1:]) for piece in _cover(first, last, ROLLUP_GRAINS)]
        days.append(
            (
                label,
                None if first is None else first * ROLLUP_DAY_US,
                None if last is None else last * ROLLUP_DAY_US,
            )
        )
        if a is not None and first is not None and a < first * ROLLUP_DAY_US:
            edges.append((label, a, first * ROLLUP_DAY_US))
        if b is not None and last is not None and last * ROLLUP_DAY_US < b:
            edges.append((label, last * ROLLUP_DAY_US, b))
    return buckets, edges, days


def _range(piece: Piece) -> tuple[str, list[Any]]:
    """The condition of one piece: a bucket range of one grain, or a ``reported_us`` range."""
    _, grain, a, b = piece
    column = "reported_us" if grain is None else "bucket"
    parts = [] if grain is None else [f"grain = {int(grain)}"]
    parts += [f"{column} >= ?"] if a is not None else []
    parts += [f"{column} < ?"] if b is not None else []
    return " AND ".join(parts) or "1", [v for v in (a, b) if v is not None]


def _pieces(segments: list[Segment]) -> list[Piece]:
    return [(label, None, a, b) for label, a, b in segments]


def _ranges(pieces: list[Piece]) -> tuple[str, list[Any]]:
    """``(range OR range …)`` over ``pieces``."""
    parts, params = [], []
    for piece in pieces:
        sql, values = _range(piece)
        parts.append(f"({sql})")
        params += values
    return f"({' OR '.join(parts) or '0'})", params


def _period_key(pieces: list[Piece]) -> tuple[str, list[Any]]:
    whens, params = [], []
    for piece in pieces:
        if piece[0] is None:
            return "NULL", []
        sql, values = _range(piece)
        whens.append(f"WHEN {sql} THEN '{piece[0]}'")
        params += values
    return (f"CASE {' '.join(whens)} END" if whens else "NULL"), params


def _filters(query: AggregateQuery) -> tuple[str, list[Any]]:
    where = query.where
    parts: list[str] = []
    params: list[Any] = []
    for attribute in ("kinds", "categories", "outcomes", "paths"):
        wanted = getattr(where, attribute)
        if wanted:
            parts.append(f"{_COLUMN[attribute]} IN ({', '.join('?' * len(wanted))})")
            params += wanted
    for flag in ("stewards", "criminal"):
        wanted = getattr(where, flag)
        if wanted is not None:
            parts.append(f"{flag} = ?")
            params.append(int(wanted))
    return " AND ".join(parts) or "1", params


def _branch(
    query: AggregateQuery,
    pieces: list[Piece],
    table: str,
    columns: list[tuple[str, list[Any]]],
) -> tuple[str, list[Any]]:
    """One ``SELECT`` of the union: the keys and measure ``columns`` over ``pieces``."""
    rollup = table == "matter_rollup"
    select: list[str] = []
    params: list[Any] = []
    for i, dimension in enumerate(query.group_by):
        if dimension is Dimension.PERIOD:
            sql, values = _period_key(pieces)
            params += values
        else:
            sql = _KEYS[dimension][0 if rollup else 1]
        select.append(f"{sql} AS k{i}")
    for i, (sql, values) in enumerate(columns):
        select.append(f"{sql} AS v{i}")
        params += values
    ranges, range_params = _ranges(pieces)
    filters, filter_params = _filters(query)
    return (
        f"SELECT {', '.join(select)} FROM {table} WHERE {ranges} AND {filters}",
        [*params, *range_params, *filter_params],
    )


def _columns(
    query: AggregateQuery, measures: list[Measure], part: str
) -> list[tuple[str, list[Any]]]:
    """Per-row measure columns, then the matter count, of one branch: rollup, edge or open."""
    as_of = None if query.as_of is None else micros(query.as_of)
    found: list[tuple[str, list[Any]]] = []
    for measure in [*measures, Measure.COUNT]:
        if measure in _ROLLED:
            name = _ROLLED[measure]
            per_part = {"rollup": name, "open": "0", "edge": _PER_MATTER[name]}
            found.append((per_part[part], []))
        elif part == "rollup":
            done = "yellow_done" if measure is Measure.SLA_YELLOW else "red_done"
            red_open = measure is Measure.SLA_RED and as_of is not None
            found.append((f"{done} + open_sla" if red_open else done, []))
        elif part == "open" and measure is Measure.SLA_RED:
            found.append(("-1", []))
        else:
            sql = _YELLOW if measure is Measure.SLA_YELLOW else _RED
            found.append((sql, [as_of] * sql.count("?")))
    return found


def rollup_groups(
    conn: sqlite3.Connection, query: AggregateQuery, measures: list[Measure]
) -> dict[tuple[Any, ...], dict[Measure, Any]] | None:
    """The groups of ``query`` with ``measures`` (no medians) from the rollup, or ``None``.

    ``None`` means the rollup cannot answer this query exactly; the caller reads ``matters``.
    """
    segments = _segments(query) if _usable(query, measures) else None
    if segments is None:
        return None
    buckets, edges, days = _split(segments)
    branches = []
    if buckets:
        rolled = _columns(query, measures, "rollup")
        branches.append(_branch(query, buckets, "matter_rollup", rolled))
    if edges:
        branches.append(
            _branch(query, _pieces(edges), "matters", _columns(query, measures, "edge"))
        )
    if days and query.as_of is not None and set(measures) & set(_SLA):
        table = "matters INDEXED BY ix_matters_open"
        sql, params = _branch(query, _pieces(days), table, _columns(query, measures, "open"))
        sql += " AND resolved_us IS NULL AND due_us > ? AND due_us > reported_us"
        branches.append((sql, [*params, micros(query.as_of)]))
    n = len(query.group_by)
    names = [f"k{i}" for i in range(n)]
    values = [f"v{i}" for i in range(len(measures) + 1)]
    if not branches:
        empty = [f"NULL AS {k}" for k in names] + [f"0 AS {v}" for v in values]
        branches.append((f"SELECT {', '.join(empty)} WHERE 0", []))
    union = " UNION ALL ".join(sql for sql, _ in branches)
    group = f" GROUP BY {', '.join(names)} HAVING total({values[-1]}) > 0" if names else ""
    sql = f"SELECT {', '.join([*names, *(f'total({v})' for v in values)])} FROM ({union}){group}"
    params = [p for _, ps in branches for p in ps]
    return {
        tuple(row[:n]): dict(zip(measures, row[n:-1], strict=True))
        for row in conn.execute(sql, params)
    }


def rollup_median(
    conn: sqlite3.Connection, query: AggregateQuery
) -> dict[tuple[Any, ...], float] | None:
    """Exact medians of ``resolved_hours`` per group, by walking its index, or ``None``.

    Only for queries grouped by nothing but ``PERIOD`` and filtered by nothing but time: the
    rollup counts each group's resolved matters, and the index gives its middle value(s).
    """
    where = query.where
    plain = not (_FILTERED & {a for a in _FILTERED if getattr(where, a)}) and (
        where.stewards is None and where.criminal is None
    )
    if not plain or set(query.group_by) - {Dimension.PERIOD}:
        return None
    segments = _segments(query)
    counts = rollup_groups(conn, query, [Measure.RESOLVED])
    if segments is None or counts is None:
        return None
    medians: dict[tuple[Any, ...], float] = {}
    for key, values in counts.items():
        n = int(values[Measure.RESOLVED])
        if not n:
            continue
        mine = [s for s in segments if not key or key[0] is None or s[0] == key[0]]
        ranges, params = _ranges(_pieces(mine))
        middle = [
            row[0]
            for row in conn.execute(
                "SELECT resolved_hours FROM matters INDEXED BY ix_matters_resolved"
                f" WHERE resolved_hours IS NOT NULL AND {ranges}"
                " ORDER BY resolved_hours LIMIT ? OFFSET ?",
                [*params, 2 - n % 2, (n - 1) // 2],
            )
        ]
        medians[key] = middle[0] if len(middle) == 1 else (middle[0] + middle[1]) / 2
    return medians
