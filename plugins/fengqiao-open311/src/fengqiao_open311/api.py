"""The GeoReport v2 HTTP API 市民服务接口 (Starlette; served by uvicorn).

``GET services.{fmt}``, ``GET services/{code}.{fmt}``, ``POST requests.{fmt}`` (API key),
``GET requests.{fmt}`` (filters and paging), ``GET requests/{id}.{fmt}`` and ``GET
tokens/{token}.{fmt}``; ``fmt`` is ``json`` or ``xml``. Errors are the specification's list of
``code`` and ``description``: 404 for what does not exist, 403 for a missing or wrong API key,
400 otherwise — and 413 for a body over the limit, 429 (with ``Retry-After``) past a key's rate.
Everything is read as the roster actor ``[open311].actor`` through the station's public,
scoped and masked queries (so the actor should be an officer with a station-wide scope, the
duty officer 值班民警); incidents and tips do not exist here (404).
"""

from __future__ import annotations

import datetime as dt
import hmac
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fengqiao_core import StationService
from fengqiao_core.errors import FengqiaoError, NotFound, ValidationError
from fengqiao_core.model import Actor
from fengqiao_open311.documents import Document, encode, error_rows
from fengqiao_open311.exchange import agency_of, catalogue_of, find_reference, stream_matters
from fengqiao_open311.requests import parse_datetime, request_row, validate_document
from fengqiao_open311.services import REPORTABLE, definition, service_row
from fengqiao_open311.settings import Open311Settings, load_api_keys, resolve_actor

__all__ = ["RateLimiter", "build_app"]

MAX_PAGE_SIZE = 1000
MAX_SPAN = dt.timedelta(days=90)
_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
_FIELDS = ("service_code", "lat", "long", "address_string", "address_id", "description", "crs")
_ATTRIBUTES = {"attribute[amount_yuan]": "amount_yuan"}


class RateLimiter:
    """A token bucket per API key 限流: ``per_minute`` requests, refilled continuously."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = per_minute / 60.0
        self._capacity = float(per_minute)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token for ``key``: 0 when allowed, else the seconds to wait."""
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get(key, (self._capacity, now))
            tokens = min(self._capacity, tokens + (now - last) * self._rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self._rate


class _Refused(Exception):
    def __init__(self, status: int, problems: Iterable[tuple[int, str]], wait: float = 0) -> None:
        self.status, self.problems, self.wait = status, list(problems), wait


def _fmt(request: Request) -> str:
    fmt = str(request.path_params.get("fmt", "xml"))
    if fmt not in _TYPES:
        raise _Refused(400, [(400, "format must be json or xml")])
    return fmt


def _respond(root: str, body: Any, fmt: str, status: int = 200, **headers: str) -> Response:
    return Response(encode(root, body, fmt), status, headers, media_type=_TYPES[fmt])


def build_app(
    station: StationService,
    settings: Open311Settings,
    *,
    keys: dict[str, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Starlette:
    """The GeoReport v2 application over an open station, acting as ``[open311].actor``.

    Reads and POSTs act as that roster actor (bound with ``station.actor``); what it reads is
    its scope, masked. Name an officer with a station-wide scope (the duty officer).

    Raises:
        ConfigurationError: No actor, one the roster does not confirm, or an unreadable key
            file.
    """
    catalogue = catalogue_of(station, settings)
    agency = agency_of(station, settings)
    api_keys = load_api_keys(settings) if keys is None else dict(keys)
    actor = resolve_actor(station, settings)
    limiter = RateLimiter(settings.rate_per_minute, clock)
    lock = threading.Lock()

    def lang(request: Request) -> str:
        return "en" if request.query_params.get("lang") == "en" else "zh"

    def guarded(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            try:
                wanted = request.query_params.get("jurisdiction_id")
                if wanted and settings.jurisdiction_id and wanted != settings.jurisdiction_id:
                    raise _Refused(404, [(404, "jurisdiction_id not found")])
                return await handler(request)  # type: ignore[no-any-return]
            except _Refused as refused:
                fmt = request.path_params.get("fmt")
                headers = {"Retry-After": str(max(1, round(refused.wait)))} if refused.wait else {}
                body = error_rows(refused.problems)
                return _respond("errors", body, fmt if fmt in _TYPES else "xml", refused.status,
                                **headers)  # fmt: skip
            except NotFound:
                return _respond("errors", error_rows([(404, "not found")]), "xml", 404)

        return endpoint

    async def services(request: Request) -> Response:
        rows = [service_row(s, lang(request)) for s in catalogue.services()]
        return _respond("services", rows, _fmt(request))

    async def service_definition(request: Request) -> Response:
        fmt = _fmt(request)
        service = catalogue.by_code(request.path_params["code"])
        if service is None:
            raise _Refused(404, [(404, "service_code not found")])
        return _respond("service_definition", definition(service), fmt)

    def read(work: Callable[[], Any]) -> Any:
        with lock:
            try:
                return work()
            except ValidationError as exc:
                raise _Refused(400, [(400, str(p)) for p in exc.problems]) from None
            except NotFound:
                raise _Refused(404, [(404, "not found")]) from None
            except FengqiaoError as exc:
                raise _Refused(400, [(400, f"general service error: {exc}")]) from None

    def row(matter: Any, request: Request) -> dict[str, Any]:
        return request_row(matter, catalogue, agency, lang(request))

    async def one_request(request: Request) -> Response:
        fmt, wanted = _fmt(request), request.path_params["id"]
        matter = await run_in_threadpool(read, lambda: station.get(actor, wanted))
        if matter.kind not in REPORTABLE:
            raise _Refused(404, [(404, "service_request_id not found")])
        return _respond("service_requests", [row(matter, request)], fmt)

    async def token(request: Request) -> Response:
        fmt, wanted = _fmt(request), request.path_params["token"]
        matter = await run_in_threadpool(read, lambda: find_reference(station, actor, wanted))
        if matter is None:
            raise _Refused(404, [(404, "token not found")])
        return _respond(
            "service_requests", [{"service_request_id": matter.id, "token": wanted}], fmt
        )

    async def list_requests(request: Request) -> Response:
        fmt, query = _fmt(request), request.query_params
        ids = [i for i in query.get("service_request_id", "").split(",") if i]
        if len(ids) > MAX_PAGE_SIZE:
            raise _Refused(400, [(400, f"service_request_id: at most {MAX_PAGE_SIZE} ids")])
        if ids:
            found = await run_in_threadpool(read, lambda: _by_ids(station, actor, ids))
            return _respond("service_requests", [row(m, request) for m in found], fmt)
        codes = {c for c in query.get("service_code", "").split(",") if c}
        statuses = {s for s in query.get("status", "").split(",") if s}
        if statuses - {"open", "closed"}:
            raise _Refused(400, [(400, "status: expected open or closed")])
        since, until = _period(query.get("start_date"), query.get("end_date"), station.now())
        page, size = (
            _whole(query.get("page"), "page", 1),
            _whole(query.get("page_size"), "page_size", MAX_PAGE_SIZE),
        )
        if size > MAX_PAGE_SIZE:
            raise _Refused(400, [(400, f"page_size: at most {MAX_PAGE_SIZE}")])

        def work() -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = []
            skip = (page - 1) * size
            for matter in stream_matters(station, actor, since=since, until=until):
                found = row(matter, request)
                if (codes and found["service_code"] not in codes) or (
                    statuses and found["status"] not in statuses
                ):
                    continue
                if skip:
                    skip -= 1
                    continue
                rows.append(found)
                if len(rows) == size:
                    break
            return rows

        return _respond("service_requests", await run_in_threadpool(read, work), fmt)

    async def post_request(request: Request) -> Response:
        fmt = _fmt(request)
        form = await _form(request, settings.max_body_bytes)
        label = _key_label(api_keys, form.get("api_key", ""))
        if label is None:
            host = request.client.host if request.client else "unknown"
            wait = limiter.take(f"refused:{host}")  # guessing keys is rate-limited too
            if wait:
                raise _Refused(429, [(429, "too many refused api_keys from here")], wait)
            raise _Refused(403, [(403, "missing or invalid api_key")])
        wait = limiter.take(label)
        if wait:
            raise _Refused(429, [(429, "too many requests for this api_key")], wait)
        code = form.get("service_code")
        if code is None:
            raise _Refused(400, [(400, "service_code was not provided")])
        if catalogue.by_code(code) is None:
            raise _Refused(404, [(404, "service_code not found")])
        wanted = form.get("jurisdiction_id")
        if wanted and settings.jurisdiction_id and wanted != settings.jurisdiction_id:
            raise _Refused(404, [(404, "jurisdiction_id not found")])
        fields = {k: form[k] for k in _FIELDS if form.get(k)}
        fields |= {name: form[k] for k, name in _ATTRIBUTES.items() if form.get(k)}
        fields |= {"service_request_id": uuid.uuid4().hex, "status": "open"}
        places = {p.id: p for p in station.config.places}

        def work() -> Any:
            incoming = validate_document(
                Document([fields], None), catalogue, places, station.grid.locate
            )
            return station.report(actor, incoming[0].draft)  # type: ignore[arg-type]

        matter = await run_in_threadpool(read, work)
        notice = None if matter.level is None else matter.level.label_zh
        body = [{"service_request_id": matter.id, "service_notice": notice, "account_id": None}]
        return _respond("service_requests", body, fmt)

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 400
        code = status if status in (404, 405) else 400
        return _respond("errors", error_rows([(code, "no such resource or method")]), "xml", code)

    routes = [
        Route("/services.{fmt}", guarded(services), methods=["GET"]),
        Route("/services/{code}.{fmt}", guarded(service_definition), methods=["GET"]),
        Route("/requests.{fmt}", guarded(list_requests), methods=["GET"]),
        Route("/requests.{fmt}", guarded(post_request), methods=["POST"]),
        Route("/requests/{id}.{fmt}", guarded(one_request), methods=["GET"]),
        Route("/tokens/{token}.{fmt}", guarded(token), methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})


def _by_ids(station: StationService, actor: Actor, ids: list[str]) -> list[Any]:
    found = []
    for wanted in ids:
        try:
            matter = station.get(actor, wanted)
        except (NotFound, ValidationError):
            continue
        if matter.kind in REPORTABLE:
            found.append(matter)
    return found


def _period(
    start: str | None, end: str | None, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    try:
        since = parse_datetime(start, "start_date") if start else None
        until = parse_datetime(end, "end_date") if end else None
    except ValidationError as exc:
        raise _Refused(400, [(400, str(exc.problems[0]))]) from None
    try:  # near datetime.min or .max the arithmetic overflows: not a period anyone means
        if since is None:
            until = until or now + dt.timedelta(seconds=1)
            since = until - MAX_SPAN
        elif until is None:
            until = since + MAX_SPAN
        since.astimezone(dt.UTC), until.astimezone(dt.UTC)
    except OverflowError:
        raise _Refused(400, [(400, "start_date and end_date: years 1 to 9999 only")]) from None
    if until - since > MAX_SPAN or until < since:
        raise _Refused(400, [(400, "start_date to end_date: at most 90 days, in order")])
    return since, until


def _whole(value: str | None, name: str, default: int) -> int:
    if value in (None, ""):
        return default
    if not value.isdigit() or int(value) < 1:
        raise _Refused(400, [(400, f"{name}: expected a whole number >= 1")])
    return int(value)


async def _form(request: Request, limit: int) -> dict[str, str]:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise _Refused(413, [(413, f"request body larger than {limit} bytes")])
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _Refused(413, [(413, f"request body larger than {limit} bytes")])
    try:
        pairs = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=100)
    except (UnicodeDecodeError, ValueError):
        raise _Refused(400, [(400, "expected a form-encoded UTF-8 body")]) from None
    return {key: values[-1] for key, values in pairs.items()}


def _key_label(keys: dict[str, str], given: str) -> str | None:
    found = None
    for label, key in keys.items():
        if hmac.compare_digest(key.encode("utf-8"), given.encode("utf-8")):
            found = label
    return found
