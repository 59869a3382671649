"""Strategies for storage tests: lawful matter histories, aggregate queries, hostile text.

Histories start with :class:`~fengqiao_core.model.MatterReported` at version 1 and go on with
follow-up events at versions 2, 3 … and non-decreasing times, so :func:`~fengqiao_core.model.replay`
folds them. Cells, police grids, communities and owners come from small pools so that grouped
aggregates have groups with several matters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from fengqiao_core import model as m
from fengqiao_core.model.personal import FreeText
from fengqiao_core.ports import AggregateQuery, Dimension, MatterFilter, Measure
from fengqiao_core.testing.strategies import codes, strategy_for

__all__ = [
    "CELLS",
    "COMMUNITIES",
    "HOSTILE_STRINGS",
    "OWNERS",
    "POLICE_GRIDS",
    "aggregate_queries",
    "hostile_texts",
    "matter_batches",
    "matter_filters",
    "matter_histories",
]

CELLS = ("420115001001001", "420115001001002", "420115001002001")
POLICE_GRIDS = ("pg1", "pg2")
COMMUNITIES = ("c1", "c2")
OWNERS = ("o1", "o2", "o3")

HOSTILE_STRINGS: dict[str, str] = {
    "sql_quote": "'); DROP TABLE matters; --",
    "sql_tautology": "' OR '1'='1' /* */ UNION SELECT * FROM people --",
    "nul_and_controls": "a\x00b\x01c\x1f\x7f\x1bd",
    "newlines": "line1\r\nline2\rline3\n\t\v\f",
    "rtl_marks": "\u202eevil\u202c \u200fمرحبا\u200e \u2067x\u2069",
    "zero_width_bom": "\ufeff\u200b\u200c\u200d\u2060",
    "astral": "𠜎𠜱😀🏳️‍🌈",
    "combining_not_normalised": "e\u0301 é \u1e9b\u0323",
    "format_and_escapes": "%s %d {0} {name} \\x00 \\\\ $1 `rm -rf`",
    "json_and_xml": '{"a": [1, "b"]}<script>alert(1)</script>&amp;',
    "one_megabyte_ascii": "x" * 1_048_576,
    "one_megabyte_cjk": "枫桥" * 174_763,
}
"""Named hostile strings (TARGETS.md R9): SQL, control characters, RTL marks, 1 MB text …"""

hostile_texts = st.sampled_from(sorted(v for v in HOSTILE_STRINGS.values() if len(v) < 1000))
"""The short hostile strings (the 1 MB ones are too slow for many examples)."""

_ZONES = (dt.timezone(dt.timedelta(hours=8)), dt.UTC)
_starts = st.datetimes(
    dt.datetime(2026, 1, 1), dt.datetime(2026, 12, 31), timezones=st.sampled_from(_ZONES)
)
_actors = strategy_for(m.Actor)
_levels = st.sampled_from(m.LadderLevel)


def _categories(kind: m.MatterKind) -> list[str]:
    return [c.key for c in m.DEFAULT_CATEGORIES if c.kind is kind]


def _follow_up(
    draw: Callable[[st.SearchStrategy[Any]], Any], kind: m.MatterKind, head: dict[str, Any]
) -> m.MatterEvent:
    states = list(m.MATTER_TYPES[kind].states)
    step = draw(st.sampled_from(("triage", "assign", "escalate", "state", "session", "score")))
    if step == "triage":
        return m.MatterTriaged(
            **head,
            cell=draw(st.none() | st.sampled_from(CELLS)),
            police_grid=draw(st.none() | st.sampled_from(POLICE_GRIDS)),
            community=draw(st.none() | st.sampled_from(COMMUNITIES)),
            level=draw(_levels),
            owner=draw(st.none() | st.sampled_from(OWNERS)),
            due=draw(st.none() | _starts),
        )
    if step == "assign":
        return m.MatterAssigned(**head, owner=draw(st.sampled_from(OWNERS)), level=draw(_levels))
    if step == "escalate":
        return m.MatterEscalated(**head, to_level=draw(_levels), rule=draw(st.none() | codes))
    if step == "state":
        state = draw(st.sampled_from(["closed", "closed", "reopened", *(s.value for s in states)]))
        return m.StateChanged(**head, action=draw(codes), state=state)
    if step == "session":
        return m.SessionRecorded(**head, summary=FreeText(draw(st.text(max_size=30))))
    return m.FeedbackRecorded(**head, score=draw(st.integers(1, 5)))


@st.composite
def matter_histories(
    draw: Callable[[st.SearchStrategy[Any]], Any],
    matter_id: str | None = None,
    max_events: int = 6,
) -> list[m.MatterEvent]:
    """A lawful history of one matter: ``MatterReported`` v1 then up to ``max_events - 1`` more.

    Args:
        draw: Supplied by hypothesis.
        matter_id: The matter's id (drawn when omitted).
        max_events: The longest history to draw (at least 1).
    """
    mid = matter_id or draw(codes)
    kind = draw(st.sampled_from(m.MatterKind))
    at = draw(_starts)
    events: list[m.MatterEvent] = [
        m.MatterReported(
            matter_id=mid,
            version=1,
            at=at,
            actor=draw(_actors),
            reason=draw(st.none() | st.text(max_size=20)),
            kind=kind,
            category=draw(st.sampled_from(_categories(kind))),
            severity=draw(st.sampled_from(m.Severity)),
            source=draw(st.sampled_from(m.Source)),
            location=m.Location(place=draw(codes)),
            description=FreeText(draw(st.text(max_size=40))),
            reference=draw(st.none() | codes.map(lambda c: f"ref-{c}")),
            amount_yuan=draw(st.none() | st.integers(0, 100_000)),
            criminal=draw(st.booleans()),
        )
    ]
    for version in range(2, draw(st.integers(1, max_events)) + 1):
        at = at + dt.timedelta(minutes=draw(st.integers(0, 60 * 24 * 40)))
        head = {"matter_id": mid, "version": version, "at": at, "actor": draw(_actors)}
        events.append(_follow_up(draw, kind, head))
    return events


def matter_batches(min_size: int = 0, max_size: int = 12) -> st.SearchStrategy[list[list[Any]]]:
    """Histories of several matters with distinct ids and distinct references."""
    return st.lists(
        st.integers(0, 10_000).flatmap(lambda n: matter_histories(matter_id=f"m{n}")),
        min_size=min_size,
        max_size=max_size,
        unique_by=(lambda h: h[0].matter_id, lambda h: h[0].reference or h[0].matter_id),
    )


def _some(values: tuple[str, ...] | list[str]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.just(()) | st.lists(st.sampled_from(values), min_size=1, max_size=2).map(tuple)


_STATE_VALUES = sorted({s.value for cls in m.MATTER_TYPES.values() for s in cls.states})

matter_filters = st.builds(
    MatterFilter,
    kinds=_some([k.value for k in m.MatterKind]),
    states=_some(_STATE_VALUES),
    levels=_some([level.value for level in m.LadderLevel]),
    cells=_some(CELLS),
    police_grids=_some(POLICE_GRIDS),
    communities=_some(COMMUNITIES),
    since=st.none() | _starts,
    until=st.none() | _starts,
)
"""Filters over the pools of :func:`matter_histories` (mostly unrestricted)."""


def aggregate_queries(
    group_by: st.SearchStrategy[tuple[Dimension, ...]] | None = None,
) -> st.SearchStrategy[AggregateQuery]:
    """Any aggregate query: 1-4 measures, up to 3 dimensions, a filter.

    Args:
        group_by: The groupings to draw (any up to 3 dimensions by default).
    """
    return st.builds(
        AggregateQuery,
        measures=st.lists(st.sampled_from(Measure), min_size=1, max_size=4, unique=True).map(tuple),
        group_by=group_by
        or st.lists(st.sampled_from(Dimension), max_size=3, unique=True).map(tuple),
        where=st.just(MatterFilter()) | matter_filters,
    )
