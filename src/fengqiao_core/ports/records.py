"""Records 记录 the ports exchange: backend registrations, queries, audit entries, messages.

Frozen attrs values, re-exported by :mod:`fengqiao_core.ports` (import them from there).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import attrs
from attrs import field, frozen

from fengqiao_core.errors import ValidationError
from fengqiao_core.model import LabelledEnum, LadderLevel, Participant, Role, StationData
from fengqiao_core.model.personal import FreeText
from fengqiao_core.model.values import aware, code, code_or_any, of_type, plain_text

__all__ = [
    "AggregateQuery",
    "AggregateRow",
    "AuditEntry",
    "BackendContext",
    "BackendSpec",
    "Capability",
    "Covered",
    "DeliveryResult",
    "Dimension",
    "MatterFilter",
    "Measure",
    "OutboxMessage",
    "Port",
    "TriageAdvice",
]

_HEX = re.compile(r"[0-9a-f]{16,128}")

Port = Literal["storage", "grid", "volunteers", "channel"]
"""The four ports; the same words are the station file's backend keys."""


def _sequence(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(attribute.name, "expected a whole number >= 1")


def _detail(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value != "":
        plain_text(_, attribute, value)


def _optional_code(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value != "":
        code(_, attribute, value)


def _hex_digest(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or (value and not _HEX.fullmatch(value)):
        raise ValidationError(attribute.name, "expected a hex digest (or nothing)")


class Capability(LabelledEnum):
    """Optional abilities a backend declares; contract tests needing one skip without it."""

    SHARED_BETWEEN_PROCESSES = "shared_between_processes", "多进程共享"
    DURABLE = "durable", "持久化"
    CONCURRENT_WRITERS = "concurrent_writers", "并发写入"


@frozen
class BackendContext:
    """What a backend factory receives: the configured value, the station and the converter.

    Attributes:
        url: The configured name or URL, e.g. ``"sqlite:///miaoshan.db"``.
        station: The station configuration (cells, places, roster …).
        converter: The project's configured converter (for backends that serialise).
        base_dir: The folder relative paths in ``url`` are relative to: the station file's own
            folder (``None`` for a station built in code: the current folder).
    """

    url: str
    station: StationData
    converter: Any
    base_dir: Path | None = None

    def path(self, raw: str) -> Path:
        """Resolve a path from the backend URL against the station file's folder.

        ``~`` is expanded; an absolute path stays as it is; a relative one is taken from
        :attr:`base_dir`, so a station works the same from whatever folder it is run.

        Args:
            raw: The path as written, e.g. ``"miaoshan.db"`` of ``sqlite:///miaoshan.db``.

        Returns:
            An absolute path.
        """
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = (self.base_dir if self.base_dir is not None else Path.cwd()) / path
        return Path(os.path.abspath(path))


@frozen
class BackendSpec:
    """A backend a plugin provides 后端登记: its port, unique name, factory and URL schemes.

    Attributes:
        port: ``"storage"``, ``"grid"``, ``"volunteers"`` or ``"channel"``.
        name: Unique per port across installed plugins; what a station file names.
        factory: Builds the backend from a :class:`BackendContext`.
        description: One line for ``fengqiao plugins``.
        schemes: URL schemes it claims (``("sqlite",)`` selects it for ``sqlite:///x.db``).
    """

    port: Port
    name: str
    factory: Callable[[BackendContext], Any]
    description: str = ""
    schemes: tuple[str, ...] = ()


class Dimension(LabelledEnum):
    """What an aggregate query may group matters by 分组维度.

    ``OUTCOME`` is the matter's outcome (kept after closing), ``PATH`` the resolution path
    triage chose, ``STEWARDS`` and ``CRIMINAL`` are ``"yes"``/``"no"`` (a red steward took part;
    an incident with criminal signs), ``PERIOD`` the index (``"0"``, ``"1"`` …) of the query's
    period the matter was reported in (``None`` without periods).
    """

    KIND = "kind", "类型"
    CATEGORY = "category", "类别"
    SEVERITY = "severity", "等级"
    SOURCE = "source", "来源"
    STATE = "state", "状态"
    LEVEL = "level", "层级"
    MONTH = "month", "月份"
    CELL = "cell", "网格"
    POLICE_GRID = "police_grid", "警格"
    COMMUNITY = "community", "社区"
    OUTCOME = "outcome", "办理结果"
    PATH = "path", "化解路径"
    STEWARDS = "stewards", "红色管家参与"
    CRIMINAL = "criminal", "刑事"
    PERIOD = "period", "期间"


class Measure(LabelledEnum):
    """What an aggregate query computes per group 度量 (conditional counts and sums).

    ``RESOLVED`` counts matters with ``resolved_at``; ``CONTAINED`` closed matters at or below
    their severity's ceiling (rule L2); ``ESCALATED_OUT`` matters at ``BEYOND``; ``ON_TIME``
    resolved matters resolved by their ``due``; ``SLA_YELLOW``/``SLA_RED`` matters with a
    ``due`` whose elapsed time (to ``resolved_at``, else to the query's ``as_of``; never counted
    without either) reached ``yellow_at`` (but not ``red_at``) / ``red_at`` of the time allowed
    from ``reported_at`` to ``due``; ``FOLLOWED_UP``, ``WITH_STEWARDS`` and ``CRIMINAL`` count
    those flags; ``FEEDBACKS``/``FEEDBACK_SUM`` count and add feedback scores;
    ``COMMENDATIONS`` adds banners.
    """

    COUNT = "count", "数量"
    CLOSED = "closed", "已办结数量"
    MEDIAN_HOURS_TO_CLOSE = "median_hours_to_close", "办结用时中位数(小时)"
    DISTINCT_OWNERS = "distinct_owners", "包案人数"
    RESOLVED = "resolved", "已化解数量"
    MEDIAN_HOURS_TO_RESOLVE = "median_hours_to_resolve", "化解用时中位数(小时)"
    CONTAINED = "contained", "层级内办结数量"
    ESCALATED_OUT = "escalated_out", "上交数量"
    ON_TIME = "on_time", "按时化解数量"
    SLA_YELLOW = "sla_yellow", "黄色预警数量"
    SLA_RED = "sla_red", "红色预警数量"
    FOLLOWED_UP = "followed_up", "已回访数量"
    WITH_STEWARDS = "with_stewards", "红色管家参与数量"
    FEEDBACKS = "feedbacks", "评价数量"
    FEEDBACK_SUM = "feedback_sum", "评分合计"
    COMMENDATIONS = "commendations", "锦旗数量"
    CRIMINAL = "criminal", "刑事数量"


@frozen(kw_only=True)
class MatterFilter:
    """Which matters a query covers; empty tuples mean "any".

    ``since``/``until`` bound ``reported_at`` as a half-open period ``[since, until)``;
    ``stewards`` and ``criminal``, when set, keep only matters with (``True``) or without
    (``False``) a red steward taking part, or criminal signs.
    """

    kinds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    stewards: bool | None = None
    criminal: bool | None = None
    states: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()
    police_grids: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@frozen(kw_only=True)
class AggregateQuery:
    """A declarative aggregate over matters: filter, group and measure (pushed to storage).

    ``MONTH`` is ``YYYY-MM`` of ``reported_at`` in the offset it was recorded with (the
    station's zone). Groups come back sorted by their keys, ``None`` first.

    ``periods`` (period over period): half-open ``(since, until)`` periods of ``reported_at``;
    when given, only matters inside one of them count and ``PERIOD`` groups by the first
    period holding each. ``as_of`` is the time unresolved matters are judged at for
    ``SLA_YELLOW``/``SLA_RED``; ``yellow_at``/``red_at`` are the rule D2 shares.
    """

    measures: tuple[Measure, ...] = (Measure.COUNT,)
    group_by: tuple[Dimension, ...] = ()
    where: MatterFilter = MatterFilter()
    periods: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    as_of: dt.datetime | None = None
    yellow_at: float = 0.7
    red_at: float = 1.0


@frozen
class AggregateRow:
    """One group of an aggregate: its key values (per dimension) and measures (per measure)."""

    key: tuple[str | None, ...]
    values: tuple[float | None, ...]


COVERED_KINDS = ("matter", "person", "place", "team")
"""What an audit entry's writes can be: a matter's events or a person, place or team."""


def _covered_kind(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in COVERED_KINDS:
        raise ValidationError(attribute.name, f"expected one of {', '.join(COVERED_KINDS)}")


def _covers(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple) or not all(isinstance(c, Covered) for c in value):
        raise ValidationError(attribute.name, "expected a tuple of Covered")


@frozen
class Covered:
    """One write an audit entry covers 审计覆盖: a matter's new events or an entity's body.

    Attributes:
        kind: ``matter`` (events ``first``..``last`` of the matter) or ``person``, ``place``,
            ``team`` (the entity stored at version ``first`` = ``last``).
        id: The matter's or the entity's id.
        first: The first version written.
        last: The last version written.
        digest: The hex digest (the entry's ``digest_algorithm``) of what was handed to the
            store, in its canonical encoding (:mod:`fengqiao_core.security.coverage`).
    """

    kind: str = field(validator=_covered_kind)
    id: str = field(validator=code)
    first: int = field(validator=_sequence)
    last: int = field(validator=_sequence)
    digest: str = field(validator=_hex_digest)


@frozen(kw_only=True)
class AuditEntry:
    """An audit entry 审计记录: who did what to which object, when, with what outcome.

    ``seq`` numbers the entries from 1; ``prev_hash``/``entry_hash`` chain them (HMAC-SHA-256,
    computed by the core). ``detail`` says more where a reader needs it: the purpose of an
    unmasked read and the fields it revealed, the filter of a list. ``algorithm`` and ``key_id``
    name the MAC and the derived audit key that sealed the entry (chain v2); entries written
    before v2 leave both empty and keep their old digest. ``covers`` lists what the entry's
    unit of work stored (matter events by version range, entities by version) with the digest
    of each, computed with ``digest_algorithm`` (chain v3; empty in older entries, whose
    digests stay as they were). Entries never hold personal values.
    """

    seq: int = field(validator=_sequence)
    at: dt.datetime = field(validator=aware)
    actor: str = field(validator=code)
    role: Role = field(validator=of_type(Role))
    action: str = field(validator=code)
    object_type: str = field(validator=code)
    object_id: str = field(validator=code_or_any)
    outcome: str = field(default="success", validator=code)
    detail: str = field(default="", validator=_detail)
    algorithm: str = field(default="", validator=_optional_code)
    key_id: str = field(default="", validator=_optional_code)
    digest_algorithm: str = field(default="", validator=_optional_code)
    covers: tuple[Covered, ...] = field(default=(), validator=_covers)
    prev_hash: str = field(default="", validator=_hex_digest)
    entry_hash: str = field(default="", validator=_hex_digest)


@frozen(kw_only=True)
class OutboxMessage:
    """A message waiting to be sent through a channel 待发消息 (written with the change).

    Attributes:
        id: Unique message id.
        target: A resident group or person id.
        text: The message (masked wherever shown).
        created_at: When the use case wrote it.
        attempts: Delivery attempts so far.
        delivered_at: When a channel accepted it, if it did.
        next_attempt_at: The earliest time of the next attempt.
        last_error: Why the last attempt failed.
        given_up: The dispatcher gave up on it (a dead letter 死信): it is listed by
            ``fengqiao outbox list`` and sent again only after ``fengqiao outbox retry``.
    """

    id: str = field(validator=code)
    target: str = field(validator=code)
    text: FreeText = field(validator=of_type(FreeText))
    created_at: dt.datetime = field(validator=aware)
    attempts: int = 0
    delivered_at: dt.datetime | None = None
    next_attempt_at: dt.datetime | None = None
    last_error: str | None = None
    given_up: bool = False


@frozen(kw_only=True)
class TriageAdvice:
    """A plugin's advice on a triage 分流建议: extra participants and/or a higher level.

    Advice can add participants or raise the ladder level; it never lowers what a rule decided.

    Attributes:
        reason: Why (shown in the triage explanation).
        participants: People or bodies to add, each with its linkage and rule.
        raise_to: A ladder level to raise the matter to, if higher than the decided one.
    """

    reason: str = field(validator=plain_text)
    participants: tuple[Participant, ...] = ()
    raise_to: LadderLevel | None = None


@frozen
class DeliveryResult:
    """What a channel says of one message: delivered or not, why, and whether to retry."""

    delivered: bool
    detail: str = ""
    retry: bool = True
