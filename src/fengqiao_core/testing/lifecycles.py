"""Strategies for lawful matter histories 合法事件序列: random walks through the lifecycles.

Each history starts with a report and then takes only edges the matter's transition table
allows (DOMAIN.md §4), built with :func:`fengqiao_core.rules.lifecycle.act`, so it is exactly
what the Station service could have stored: escalations one rung at a time, every event with
actor, time and reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from fengqiao_core import model as m
from fengqiao_core.model.personal import FreeText
from fengqiao_core.rules.lifecycle import Action, act, allowed_actions

__all__ = ["lawful_histories"]

_TZ = dt.timezone(dt.timedelta(hours=8))
_ACTOR = m.Actor("officer", m.Role.OFFICER)
_times = st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2026, 6, 30), timezones=st.just(_TZ))


def _report(draw: Callable[[st.SearchStrategy[Any]], Any], kind: m.MatterKind) -> m.MatterReported:
    categories = [c.key for c in m.DEFAULT_CATEGORIES if c.kind is kind]
    return m.MatterReported(
        matter_id=draw(st.from_regex(r"m[a-z0-9]{1,10}", fullmatch=True)),
        version=1,
        at=draw(
            st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2026, 6, 30), timezones=st.just(_TZ))
        ),
        actor=_ACTOR,
        kind=kind,
        category=draw(st.sampled_from(categories)),
        severity=draw(st.sampled_from(m.Severity)),
        source=draw(st.sampled_from(m.Source)),
        location=m.Location(place="place1"),
        description=FreeText(draw(st.text(max_size=30))),
    )


@st.composite
def lawful_histories(
    draw: Callable[[st.SearchStrategy[Any]], Any],
    kind: m.MatterKind | None = None,
    max_steps: int = 15,
) -> list[m.MatterEvent]:
    """A matter's history: its report, then up to ``max_steps`` lawful lifecycle edges.

    Args:
        draw: Supplied by hypothesis.
        kind: The matter kind (any kind when omitted).
        max_steps: The most edges to take after the report.
    """
    kind = kind or draw(st.sampled_from(m.MatterKind))
    report = _report(draw, kind)
    events: list[m.MatterEvent] = [report]
    matter = m.replay(events)
    at = report.at
    for _ in range(draw(st.integers(0, max_steps))):
        options = [
            a
            for a in allowed_actions(matter)
            if a is not Action.ESCALATE or matter.level is not m.LadderLevel.BEYOND
        ]
        if not options:
            break
        action = draw(st.sampled_from(options))
        at += dt.timedelta(minutes=draw(st.integers(1, 3 * 24 * 60)))
        reason = draw(st.none() | st.text(min_size=1, max_size=20))
        new = act(matter, action, actor=_ACTOR, at=at, reason=reason)
        matter = m.replay(new, start=matter)
        events.extend(new)
    return events
