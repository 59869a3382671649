"""Figures 指标: a station's KPI report and scorecard, read as aggregates and audited.

Figures are aggregates without case contents: the ``read_figures`` permission (officers,
administrators, auditors) reads them station-wide, any other role is refused (and the refusal is
audited). Every read is audited with its filter — the period and the scopes — in its own unit of
work, after the store answered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

from fengqiao_core.errors import ValidationError
from fengqiao_core.metrics.kpis import Kpi
from fengqiao_core.metrics.report import KpiReport, compute_report
from fengqiao_core.metrics.scope import Period, Scope
from fengqiao_core.metrics.scorecard import Scorecard, scorecard
from fengqiao_core.model import Actor
from fengqiao_core.ports import AggregateQuery, AggregateRow
from fengqiao_core.security.access import READ_FIGURES
from fengqiao_core.station import arguments as args
from fengqiao_core.station.core import StationCore

__all__ = ["FiguresQueries", "filter_id"]


def filter_id(period: Period, scopes: Sequence[Scope]) -> str:
    """The audit entry's object id for a figures read: its period and scopes (or a digest).

    ``20230101-20240101`` for the station, ``20230101-20240101:cell:4201…`` with one scope; a
    filter longer than an object id allows becomes the period and a digest of the scopes.
    """
    dates = f"{period.since:%Y%m%d}-{period.until:%Y%m%d}"
    labels = [s.label() for s in scopes if s.kind != "station"]
    text = ":".join([dates, *labels])
    if len(text) <= 64 and all(ch.isalnum() or ch in "_.:-" for ch in text):
        return text
    digest = hashlib.sha256("|".join(labels).encode()).hexdigest()[:16]
    return f"{dates}:scopes-{digest}"


def _period(period: object) -> Period:
    if isinstance(period, Period):
        return period
    raise ValidationError("period", f"expected a Period, got {type(period).__name__}")


def _scopes(scope: object) -> tuple[Scope, ...]:
    if scope is None:
        return ()
    if isinstance(scope, Scope):
        return (scope,)
    if isinstance(scope, str) or not isinstance(scope, Iterable):
        raise ValidationError("scope", "expected a Scope or a sequence of Scope")
    found = tuple(scope)
    if not all(isinstance(s, Scope) for s in found):
        raise ValidationError("scope", "expected a Scope or a sequence of Scope")
    return found


class FiguresQueries(StationCore):
    """The figures of a station 指标查询 (a mixin over the core, combined once)."""

    _plugin_kpis: list[tuple[str, Kpi]] | None = None

    def kpis(
        self,
        actor: Actor,
        period: Period,
        scope: Scope | Sequence[Scope] | None = None,
        *,
        as_of: dt.datetime | None = None,
    ) -> KpiReport:
        """Every KPI over ``period`` and ``scope`` with its change year on year (audited).

        Args:
            actor: Who asks; needs the ``read_figures`` permission.
            period: The reported period (half-open).
            scope: A scope or several (none: the whole station).
            as_of: When unresolved matters are judged for SLA warnings (default: the earlier of
                the period's end and now).

        Raises:
            PermissionDenied: The actor's role may not read figures (audited).
            ValidationError: The period or a scope is not one.
        """
        period, scopes = _period(period), _scopes(scope)
        args.actor(actor)
        if as_of is not None and (not isinstance(as_of, dt.datetime) or as_of.tzinfo is None):
            raise ValidationError("as_of", "expected a zone-aware datetime")
        object_id = filter_id(period, scopes)
        self._authorise(actor, READ_FIGURES, "figures", object_id)
        if self._plugin_kpis is None:
            self._plugin_kpis = self.plugins.kpis()
        judged = as_of or min(period.until, self.now())
        with self._storage.unit_of_work() as uow:
            report = compute_report(
                uow.matters.aggregate,
                period,
                scopes,
                station=self.config,
                kpis=self._plugin_kpis,
                as_of=judged,
            )
        self._record_denial(actor, READ_FIGURES, "figures", object_id, outcome="success")
        return report

    def aggregate(self, actor: Actor, query: AggregateQuery) -> list[AggregateRow]:
        """Any aggregate over the stored matters 聚合 (charts, breakdowns), audited like kpis.

        Raises:
            PermissionDenied: The actor's role may not read figures (audited).
            ValidationError: ``query`` is not an :class:`AggregateQuery`.
        """
        args.actor(actor)
        if not isinstance(query, AggregateQuery):
            raise ValidationError(
                "query", f"expected an AggregateQuery, got {type(query).__name__}"
            )
        where = query.where
        object_id = "aggregate"
        if where.since is not None and where.until is not None and where.until > where.since:
            object_id = f"aggregate:{filter_id(Period(where.since, where.until), ())}"
        self._authorise(actor, READ_FIGURES, "figures", object_id)
        with self._storage.unit_of_work() as uow:
            rows = uow.matters.aggregate(query)
        self._record_denial(actor, READ_FIGURES, "figures", object_id, outcome="success")
        return rows

    def scorecard(
        self,
        actor: Actor,
        period: Period,
        scope: Scope | Sequence[Scope] | None = None,
    ) -> Scorecard:
        """The Fengqiao scorecard 枫桥式评价 over ``period`` and ``scope`` (audited like kpis)."""
        return scorecard(self.kpis(actor, period, scope))
