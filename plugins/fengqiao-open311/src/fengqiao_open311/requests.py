"""Service requests 服务请求: matters out (masked), documents in (checked whole).

Out: a help request or dispute becomes a GeoReport service request — description and address
masked, the point rounded to three decimals (about 100 m) in WGS-84, ``expected_datetime`` from
the SLA deadline, ``status`` closed once the matter is closed. Incidents and tips are never
turned into rows.

In: every request of a document is checked before anything is reported; any problem refuses the
whole document, and every bad request and field is named (``requests[3] (A-17).lat``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from attrs import frozen

from fengqiao_core import MatterDraft
from fengqiao_core.errors import Problem, ValidationError
from fengqiao_core.model import (
    Address,
    CoordinateSystem,
    FreeText,
    GeoPoint,
    Location,
    Matter,
    MatterKind,
    Place,
    Severity,
    Source,
)
from fengqiao_core.model.geo import to_wgs84
from fengqiao_open311.documents import Document
from fengqiao_open311.services import REPORTABLE, ServiceCatalogue

__all__ = ["MAX_DESCRIPTION", "Incoming", "reference_of", "request_row", "validate_document"]

MAX_DESCRIPTION = 4000
"""The specification's limit on a description (characters)."""
PREFIX = "open311:"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,55}")
_CRS = {"wgs84": CoordinateSystem.WGS84, "wgs-84": CoordinateSystem.WGS84,
        "gcj02": CoordinateSystem.GCJ02, "gcj-02": CoordinateSystem.GCJ02}  # fmt: skip
_DATETIMES = ("requested_datetime", "updated_datetime", "expected_datetime")
Locate = Callable[[list[float], list[float], CoordinateSystem], list[str | None]]


def reference_of(request_id: str) -> str:
    """The idempotency reference a request id is reported under."""
    return PREFIX + request_id


def _w3(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def request_row(
    matter: Matter, catalogue: ServiceCatalogue, agency: str, lang: str
) -> dict[str, Any]:
    """One matter as a GeoReport service request, masked (help requests and disputes only).

    Raises:
        ValueError: The matter is an incident or a tip (a programming error: never exported).
    """
    if matter.kind not in REPORTABLE:
        raise ValueError("only help requests and disputes are service requests")
    code = catalogue.code_of(matter.category)
    service = catalogue.by_code(code) if code else None
    name = None
    if service is not None:
        name = service.category.label_zh if lang == "zh" else service.category.label_en
    location = matter.location
    lat = lon = None
    if location.point is not None:
        point = location.point
        lon, lat = (round(v, 3) for v in to_wgs84(point.lon, point.lat, point.crs))
    level = matter.level
    return {
        "service_request_id": matter.id,
        "status": "closed" if matter.closed_at is not None else "open",
        "status_notes": matter.state.label_zh if lang == "zh" else matter.state.value,
        "service_name": name,
        "service_code": code,
        "description": str(matter.description),
        "agency_responsible": agency,
        "service_notice": None
        if level is None
        else (level.label_zh if lang == "zh" else level.value),
        "requested_datetime": _w3(matter.reported_at),
        "updated_datetime": _w3(matter.closed_at or matter.updated_at or matter.reported_at),
        "expected_datetime": _w3(matter.due),
        "address": None if location.address is None else str(location.address),
        "address_id": location.place,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": None,
    }


@frozen
class Incoming:
    """A checked request 已校验请求: its id, status and the draft to report (``None`` if closed)."""

    request_id: str
    status: str
    draft: MatterDraft | None


def validate_document(
    document: Document,
    catalogue: ServiceCatalogue,
    places: Mapping[str, Place],
    locate: Locate,
) -> list[Incoming]:
    """Check every request; return them all, or raise naming every bad request and field.

    Raises:
        ValidationError: One problem per bad field, ``requests[i] (id).field: why``.
    """
    problems: list[Problem] = []
    checked: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    doc_crs = _crs(document.crs, "document", problems)
    for index, row in enumerate(document.rows):
        where = f"requests[{index}]"
        if not isinstance(row, dict):
            problems.append(Problem(where, "expected a request object"))
            continue
        request_id = _text(row.get("service_request_id"))
        if request_id is None or not _ID.fullmatch(request_id):
            problems.append(Problem(f"{where}.service_request_id", "missing or not an id"))
        else:
            where = f"{where} ({request_id})"
            if request_id in seen:
                problems.append(Problem(f"{where}.service_request_id", "appears twice"))
            seen.add(request_id)
        fields = _check_row(row, where, catalogue, places, doc_crs, problems)
        if request_id is not None and fields is not None:
            checked.append((where, {"id": request_id, **fields}))
    _check_points(checked, locate, problems)
    if problems:
        raise ValidationError.from_problems(problems)
    return [_incoming(fields) for _, fields in checked]


def _check_row(
    row: Mapping[str, Any],
    where: str,
    catalogue: ServiceCatalogue,
    places: Mapping[str, Place],
    doc_crs: CoordinateSystem | None,
    problems: list[Problem],
) -> dict[str, Any] | None:
    before = len(problems)
    status = _text(row.get("status"))
    if status not in ("open", "closed"):
        problems.append(Problem(f"{where}.status", "expected open or closed"))
    code = _text(row.get("service_code"))
    service = catalogue.by_code(code) if code else None
    if service is None:
        problems.append(Problem(f"{where}.service_code", "missing or not a service of the station"))
    for name in _DATETIMES:
        if row.get(name) not in (None, "") and _datetime(row[name]) is None:
            problems.append(Problem(f"{where}.{name}", "not a w3 datetime with a time zone"))
    description = row.get("description")
    if description is not None and not isinstance(description, str):
        problems.append(Problem(f"{where}.description", "expected text"))
    elif description is not None and len(description) > MAX_DESCRIPTION:
        problems.append(
            Problem(f"{where}.description", f"longer than {MAX_DESCRIPTION} characters")
        )
    amount = _amount(row.get("amount_yuan"), f"{where}.amount_yuan", problems)
    if (
        amount is not None
        and service is not None
        and service.category.kind is not MatterKind.DISPUTE
    ):
        problems.append(Problem(f"{where}.amount_yuan", "only disputes carry a sum"))
    crs = _crs(row.get("crs"), f"{where}.crs", problems) or doc_crs or CoordinateSystem.WGS84
    point = _point(row, where, problems)
    address = _text(row.get("address_string")) or _text(row.get("address"))
    place = _text(row.get("address_id"))
    if place is not None and (place not in places or places[place].kind.is_settlement):
        place = None  # another system's address id: kept out of the station's places
    if point is None and address is None and place is None and len(problems) == before:
        problems.append(Problem(f"{where}.lat", "give lat and long, an address or an address_id"))
    if len(problems) > before or service is None:
        return None
    return {"status": status, "category": service.category, "point": point, "crs": crs,
            "address": address, "place": place, "description": description or "",
            "amount": amount}  # fmt: skip


def _check_points(
    checked: list[tuple[str, dict[str, Any]]], locate: Locate, problems: list[Problem]
) -> None:
    for crs in CoordinateSystem:
        located = [(w, f) for w, f in checked if f["point"] is not None and f["crs"] is crs]
        if not located:
            continue
        cells = locate(
            [f["point"][1] for _, f in located], [f["point"][0] for _, f in located], crs
        )
        for (where, _), cell in zip(located, cells, strict=True):
            if cell is None:
                problems.append(Problem(f"{where}.lat", "outside the station's jurisdiction"))


def _incoming(fields: Mapping[str, Any]) -> Incoming:
    if fields["status"] == "closed":
        return Incoming(fields["id"], "closed", None)
    point = fields["point"]
    location = Location(
        point=None if point is None else GeoPoint(point[1], point[0], fields["crs"]),
        address=None if fields["address"] is None else Address(fields["address"]),
        place=fields["place"],
    )
    category = fields["category"]
    draft = MatterDraft(
        kind=category.kind, category=category.key, severity=Severity.GENERAL,
        source=Source.REFERRAL, location=location, description=FreeText(fields["description"]),
        reference=reference_of(fields["id"]), amount_yuan=fields["amount"],
    )  # fmt: skip
    return Incoming(fields["id"], "open", draft)


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str):
        text = str(value).strip()
        return text or None
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, int | float | str) else math.nan
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _point(
    row: Mapping[str, Any], where: str, problems: list[Problem]
) -> tuple[float, float] | None:
    raw_lat, raw_long = row.get("lat"), row.get("long")
    if raw_lat in (None, "") and raw_long in (None, ""):
        return None
    lat, lon = _number(raw_lat), _number(raw_long)
    if lat is None or not -90.0 <= lat <= 90.0:
        problems.append(Problem(f"{where}.lat", "not a latitude in [-90, 90]"))
    if lon is None or not -180.0 <= lon <= 180.0:
        problems.append(Problem(f"{where}.long", "not a longitude in [-180, 180]"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _amount(value: Any, where: str, problems: list[Problem]) -> int | None:
    if value in (None, ""):
        return None
    text = _text(value)
    if text is None or not text.isdigit():
        problems.append(Problem(where, "expected a whole number of yuan >= 0"))
        return None
    return int(text)


def _crs(value: Any, where: str, problems: list[Problem]) -> CoordinateSystem | None:
    if value in (None, ""):
        return None
    found = _CRS.get(str(value).lower()) if isinstance(value, str) else None
    if found is None:
        problems.append(Problem(where, "expected wgs84 or gcj02"))
    return found


def parse_datetime(value: str, field: str) -> dt.datetime:
    """A w3 datetime with a time zone (the API's ``start_date`` and ``end_date``).

    Raises:
        ValidationError: ``field`` is not one.
    """
    found = _datetime(value)
    if found is None:
        raise ValidationError(
            field, "not a w3 datetime with a time zone, e.g. 2010-01-01T00:00:00Z"
        )
    return found


def rows_of(
    matters: Sequence[Matter], catalogue: ServiceCatalogue, agency: str, lang: str
) -> list[dict[str, Any]]:
    """Rows of the help requests and disputes among ``matters`` (others are dropped)."""
    return [request_row(m, catalogue, agency, lang) for m in matters if m.kind in REPORTABLE]
