"""Export and import 导出导入: the station's side of Open311, through its public API.

Everything is read as the configured roster actor (``[open311].actor``, bound by
``station.actor``) through the station's public queries — ``matters`` for every help request
and dispute in the actor's scope (open and closed) and ``by_reference`` for an imported
request's id. Both are scoped, audited and masked: only masks are ever exported. An export of
the whole station needs an officer whose scope is station-wide (the duty officer 值班民警).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from attrs import frozen

from fengqiao_core import StationService, open_station
from fengqiao_core.errors import NotFound, ValidationError
from fengqiao_core.model import Actor, Matter
from fengqiao_open311.documents import parse_document
from fengqiao_open311.requests import reference_of, request_row, validate_document
from fengqiao_open311.services import REPORTABLE, ServiceCatalogue
from fengqiao_open311.settings import Open311Settings, check_services, resolve_actor

__all__ = [
    "ImportResult",
    "catalogue_of",
    "export_rows",
    "find_reference",
    "import_document",
    "open_for",
    "stream_matters",
]


def open_for(station: str, db: Path | None, secret: bytes | None = None) -> StationService:
    """Open a station file (optionally on another SQLite database), without dispatching.

    The secret comes from ``secret``, else ``FENGQIAO_SECRET`` or the file's ``secret_file``.
    """
    from fengqiao_core.station import load_station_config  # the one core import beyond the API

    config = load_station_config(station)
    if db is not None:
        config = config.with_backends(storage=f"sqlite:///{db.resolve()}")
    return open_station(config, secret=secret, dispatch=False)


def catalogue_of(station: StationService, settings: Open311Settings) -> ServiceCatalogue:
    """The station's services, with the settings' mapping checked against its categories."""
    catalogue = ServiceCatalogue(station.categories, settings.services)
    check_services(settings, set(catalogue.keys))
    return catalogue


def agency_of(station: StationService, settings: Open311Settings) -> str:
    """``agency_responsible``: the configured agency, else the station's name."""
    return settings.agency or station.config.station.name


def stream_matters(
    station: StationService,
    actor: Actor,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Iterator[Matter]:
    """Help requests and disputes reported in ``[since, until)``, open and closed, in scope.

    Read with ``station.matters`` (one audit entry per call); the matters come back masked.

    Raises:
        PermissionDenied: The actor may not read matters.
    """
    for matter in station.matters(actor, kinds=REPORTABLE, since=since, until=until):
        if matter.kind in REPORTABLE:
            yield matter


def find_reference(station: StationService, actor: Actor, request_id: str) -> Matter | None:
    """The matter reported under an Open311 request id, if in the actor's scope (masked).

    Raises:
        PermissionDenied: The actor may not read matters.
    """
    try:
        matter = station.by_reference(actor, reference_of(request_id))
    except (NotFound, ValidationError):  # absent, out of scope, or not an id at all
        return None
    return matter if matter.kind in REPORTABLE else None


def export_rows(
    station: StationService,
    settings: Open311Settings,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    lang: str = "zh",
) -> list[dict[str, Any]]:
    """Every help request and dispute of the period in scope, as masked service-request rows.

    Read as ``[open311].actor``: an officer with a station-wide scope (the duty officer)
    exports the whole station, another actor only their own scope.

    Raises:
        ConfigurationError: No ``[open311].actor``, or one the roster does not confirm.
        PermissionDenied: The actor may not read matters.
    """
    catalogue = catalogue_of(station, settings)
    agency = agency_of(station, settings)
    actor = resolve_actor(station, settings)
    return [
        request_row(matter, catalogue, agency, lang)
        for matter in stream_matters(station, actor, since=since, until=until)
    ]


@frozen
class ImportResult:
    """What an import did 导入结果: requests reported (new or known), closed ones skipped."""

    reported: int
    skipped_closed: int
    matter_ids: tuple[str, ...]


def import_document(
    station: StationService,
    settings: Open311Settings,
    actor: Actor,
    data: bytes,
    *,
    dry_run: bool = False,
) -> ImportResult:
    """Check a whole document, then report its open requests in one unit of work.

    Closed requests are checked but not reported: the station takes up open matters only.

    Raises:
        ValidationError: The document, or any request in it (every problem named).
    """
    catalogue = catalogue_of(station, settings)
    places = {place.id: place for place in station.config.places}
    incoming = validate_document(parse_document(data), catalogue, places, station.grid.locate)
    drafts = [i.draft for i in incoming if i.draft is not None]
    closed = sum(i.draft is None for i in incoming)
    if dry_run or not drafts:
        return ImportResult(len(drafts), closed, ())
    matters = station.report_many(actor, drafts, batch_size=len(drafts))
    return ImportResult(len(drafts), closed, tuple(m.id for m in matters))
