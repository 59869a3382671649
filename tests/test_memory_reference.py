"""The memory reference checked against a brute-force fold of what it stores.

For every grouping the port offers (each dimension alone, and random combinations with
filters), ``MemoryStorage.aggregate`` must equal a naive recomputation over the matters folded
from their stored histories, written here independently of ``metrics.aggregate``.
"""

import functools

from hypothesis import given
from hypothesis import strategies as st

from fengqiao_core.builtin.memory import MemoryStorage
from fengqiao_core.model import apply_event
from fengqiao_core.ports import AggregateQuery, Dimension, Measure
from fengqiao_core.testing.contracts.storage_data import same_rows
from fengqiao_core.testing.histories import aggregate_queries, matter_batches

KEYS = {
    Dimension.KIND: lambda m: type(m).kind.value,
    Dimension.CATEGORY: lambda m: m.category,
    Dimension.SEVERITY: lambda m: m.severity.value,
    Dimension.SOURCE: lambda m: m.source.value,
    Dimension.STATE: lambda m: m.state.value,
    Dimension.LEVEL: lambda m: m.level.value if m.level else None,
    Dimension.MONTH: lambda m: f"{m.reported_at.year:04d}-{m.reported_at.month:02d}",
    Dimension.CELL: lambda m: m.cell,
    Dimension.POLICE_GRID: lambda m: m.police_grid,
    Dimension.COMMUNITY: lambda m: m.community,
    Dimension.OUTCOME: lambda m: m.outcome,
    Dimension.PATH: lambda m: m.path,
    Dimension.STEWARDS: lambda m: (
        "yes" if any(p.role == "steward" for p in m.participants) else "no"
    ),
    Dimension.CRIMINAL: lambda m: "yes" if getattr(m, "criminal", False) else "no",
    Dimension.PERIOD: lambda m: None,
}
RANKS = {"grid": 0, "community": 1, "park": 1, "station": 2, "department": 3, "beyond": 4}


def passes(where, m):
    pairs = [
        (where.kinds, type(m).kind.value),
        (where.states, m.state.value),
        (where.levels, m.level.value if m.level else None),
        (where.cells, m.cell),
        (where.police_grids, m.police_grid),
        (where.communities, m.community),
    ]
    for allowed, value in pairs:
        if allowed and value not in allowed:
            return False
    extra = [
        (where.categories, m.category),
        (where.outcomes, m.outcome),
        (where.paths, m.path),
    ]
    if any(allowed and value not in allowed for allowed, value in extra):
        return False
    for flag, dimension in (("stewards", Dimension.STEWARDS), ("criminal", Dimension.CRIMINAL)):
        wanted = getattr(where, flag)
        if wanted is not None and (KEYS[dimension](m) == "yes") is not wanted:
            return False
    after_start = where.since is None or where.since <= m.reported_at
    return after_start and (where.until is None or m.reported_at < where.until)


def median(values):
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def hours(m, end):
    return (end - m.reported_at).total_seconds() / 3600


def contained(m):
    ceiling = 1 if m.severity.value == "general" else 2
    return m.closed_at is not None and (m.level is None or RANKS[m.level.value] <= ceiling)


FLAGS = {
    Measure.RESOLVED: lambda m: m.resolved_at is not None,
    Measure.CONTAINED: contained,
    Measure.ESCALATED_OUT: lambda m: m.level is not None and m.level.value == "beyond",
    Measure.ON_TIME: lambda m: None not in (m.resolved_at, m.due) and m.resolved_at <= m.due,
    Measure.FOLLOWED_UP: lambda m: m.followed_up,
    Measure.WITH_STEWARDS: lambda m: KEYS[Dimension.STEWARDS](m) == "yes",
    Measure.FEEDBACKS: lambda m: m.feedback_score is not None,
    Measure.CRIMINAL: lambda m: KEYS[Dimension.CRIMINAL](m) == "yes",
    Measure.SLA_YELLOW: lambda m: False,  # no as_of here: only resolved matters are judged
    Measure.SLA_RED: lambda m: False,
}


def sla(kind, m):
    if m.due is None or m.resolved_at is None or m.due <= m.reported_at:
        return False
    us = 1_000_000
    allowed = round((m.due - m.reported_at).total_seconds() * us)
    elapsed = round((m.resolved_at - m.reported_at).total_seconds() * us)
    red = elapsed >= 1.0 * allowed
    return red if kind is Measure.SLA_RED else (not red and elapsed >= 0.7 * allowed)


def measure(kind, group):
    closed = [m for m in group if m.closed_at is not None]
    if kind in (Measure.SLA_RED, Measure.SLA_YELLOW):
        return float(sum(sla(kind, m) for m in group))
    if kind in FLAGS:
        return float(sum(1 for m in group if FLAGS[kind](m)))
    if kind is Measure.FEEDBACK_SUM:
        return float(sum(m.feedback_score or 0 for m in group))
    if kind is Measure.COMMENDATIONS:
        return float(sum(m.commendations for m in group))
    if kind is Measure.MEDIAN_HOURS_TO_RESOLVE:
        return median([hours(m, m.resolved_at) for m in group if m.resolved_at is not None])
    if kind is Measure.COUNT:
        return float(len(group))
    if kind is Measure.CLOSED:
        return float(len(closed))
    if kind is Measure.DISTINCT_OWNERS:
        return float(len({m.owner for m in group} - {None}))
    return median([(m.closed_at - m.reported_at).total_seconds() / 3600 for m in closed])


def brute_force(query, matters):
    chosen = [m for m in matters if passes(query.where, m)]
    keys = {tuple(KEYS[d](m) for d in query.group_by) for m in chosen}
    if not query.group_by:
        keys = {()}
    ordered = sorted(keys, key=lambda k: [("" if p is None else "1" + p) for p in k])
    rows = []
    for key in ordered:
        group = [m for m in chosen if tuple(KEYS[d](m) for d in query.group_by) == key]
        rows.append((key, tuple(measure(x, group) for x in query.measures)))
    return rows


def stored_and_folded(batch):
    store = MemoryStorage()
    with store.unit_of_work() as uow:
        for history in batch:
            uow.matters.append(history, 0)
        uow.commit()
    with store.unit_of_work() as uow:
        ids = [m.id for m in uow.matters.stream()]
        folded = [functools.reduce(apply_event, uow.matters.history(i), None) for i in ids]
    return store, folded


def check(store, folded, query):
    with store.unit_of_work() as uow:
        got = uow.matters.aggregate(query)
    expected = brute_force(query, folded)
    assert [(r.key, r.values) for r in got] == expected or same_rows(
        got, [type(got[0])(k, v) for k, v in expected]
    )


@given(matter_batches(), st.sampled_from(list(Dimension)))
def test_each_grouping_equals_a_brute_force_fold(batch, dimension):
    store, folded = stored_and_folded(batch)
    check(store, folded, AggregateQuery(measures=tuple(Measure), group_by=(dimension,)))


@given(matter_batches(), aggregate_queries())
def test_random_queries_equal_a_brute_force_fold(batch, query):
    store, folded = stored_and_folded(batch)
    check(store, folded, query)


def test_an_ungrouped_query_over_nothing_is_one_row_of_zeros():
    store = MemoryStorage()
    with store.unit_of_work() as uow:
        rows = uow.matters.aggregate(AggregateQuery(measures=tuple(Measure)))
    zeros = tuple(None if m.value.startswith("median") else 0.0 for m in Measure)
    assert [(r.key, r.values) for r in rows] == [((), zeros)]
