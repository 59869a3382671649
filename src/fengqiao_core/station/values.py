"""Small values the station's parts share 公共值: clock type, ids, system actor, problems."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterable

from attrs import frozen

from fengqiao_core.model import Actor, MatterEvent, Role, StateChanged

__all__ = ["RETRIES", "SYSTEM_ACTOR", "AfterCommitProblem", "Clock", "new_id", "state_names"]

Clock = Callable[[], dt.datetime]
"""A zone-aware clock; injected so that tests and simulations control time."""
RETRIES = 20
"""How often a change is retried when a concurrent writer got there first."""

SYSTEM_ACTOR = Actor("system", Role.SYSTEM)
"""The station itself, as the actor of what it records on its own (e.g. a plugin's failure)."""


@frozen
class AfterCommitProblem:
    """A failure after a commit 提交后故障: which plugin, on which matter, when, and what.

    The message is scrubbed of personal numbers and never holds the matter's values.
    """

    at: dt.datetime
    plugin: str
    matter_id: str
    message: str


def state_names(history: Iterable[MatterEvent]) -> set[str]:
    """The states a matter has been in, from its history (e.g. to ask "was it ever agreed?")."""
    return {e.state for e in history if isinstance(e, StateChanged)}


def new_id() -> str:
    """A new id: 16 hex digits of nanoseconds, then 8 random ones (time-ordered, like UUIDv7).

    Time-ordered keys keep a store's B-tree appends local, so writing stays cheap as it grows.
    """
    return f"{time.time_ns():016x}{os.urandom(4).hex()}"
