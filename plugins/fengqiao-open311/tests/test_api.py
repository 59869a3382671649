"""The HTTP API over httpx against a server started on 127.0.0.1 (an ephemeral port)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import defusedxml.ElementTree as SafeTree
import httpx
import pytest
import uvicorn
from fengqiao_open311.api import RateLimiter, build_app
from fengqiao_open311.exchange import import_document

from fengqiao_core.model import Actor, MatterKind, Role

KEY = "test-key-0123456789abcdef"
SLOW_KEY = "slow-key-0123456789abcdef"
OFFICER = Actor("ofc-north", Role.OFFICER)


class Server:
    """uvicorn in a thread on a socket bound to 127.0.0.1:0; stopped by :meth:`stop`."""

    def __init__(self, app: Any) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(app, lifespan="off", ws="none", log_level="warning", http="h11")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]})

    def start(self) -> None:
        self.thread.start()
        for _ in range(500):
            if self.server.started:
                return
            self.thread.join(0.01)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.socket.close()


@pytest.fixture
def api(make_station, settings, draft) -> Iterator[tuple[str, Any, dict[str, str]]]:  # type: ignore[no-untyped-def]
    station = make_station("api")
    made = station.report_many(
        OFFICER,
        [
            draft(MatterKind.HELP_REQUEST, "help_request:lost_property"),
            draft(MatterKind.INCIDENT, "incident:theft"),
        ],
    )
    ids = {m.kind.value: m.id for m in made}
    doc = json.dumps([{"service_request_id": "city-9", "status": "open", "service_code": "LOST",
                       "lat": 30.2701, "long": 120.1202}]).encode()  # fmt: skip
    ids["imported"] = import_document(station, settings, OFFICER, doc).matter_ids[0]
    app = build_app(station, settings, keys={"city": KEY, "slow": SLOW_KEY})
    server = Server(app)
    server.start()
    try:
        yield server.base, station, ids
    finally:
        server.stop()


def errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = response.json()
    assert all(set(e) == {"code", "description"} for e in body)
    return body


def test_services_in_json_and_xml(api) -> None:  # type: ignore[no-untyped-def]
    base, _, _ = api
    with httpx.Client(base_url=base) as client:
        listed = client.get("/services.json").json()
        xml = client.get("/services.xml", params={"lang": "en"})
    codes = {s["service_code"] for s in listed}
    assert {"LOST", "NEIGHBOUR", "help_request:welfare"} <= codes
    assert not any(c.startswith(("incident", "tip")) for c in codes)
    assert xml.headers["content-type"].startswith("text/xml")
    assert xml.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    names = [s.findtext("service_name") for s in SafeTree.fromstring(xml.content)]
    assert "lost property" in names


def test_service_definitions_and_unknown_codes(api) -> None:  # type: ignore[no-untyped-def]
    base, _, _ = api
    with httpx.Client(base_url=base) as client:
        dispute = client.get("/services/NEIGHBOUR.json").json()
        lost = client.get("/services/LOST.xml")
        missing = client.get("/services/incident:theft.json")
        bad_format = client.get("/services.yaml")
        nowhere = client.get("/nowhere")
    assert dispute["attributes"][0]["code"] == "amount_yuan"
    assert SafeTree.fromstring(lost.content).findtext("service_code") == "LOST"
    assert missing.status_code == 404
    assert errors_of(missing)[0]["code"] == 404
    assert bad_format.status_code == 400
    assert SafeTree.fromstring(bad_format.content).findtext("error/code") == "400"
    assert nowhere.status_code == 404


def test_post_needs_a_key_and_the_report_is_then_visible(api) -> None:  # type: ignore[no-untyped-def]
    base, _, _ = api
    form = {"service_code": "NEIGHBOUR", "lat": "30.2652", "long": "120.1301",
            "description": "楼上漏水", "address_string": "西湖区枫林路9号"}  # fmt: skip
    with httpx.Client(base_url=base) as client:
        refused = client.post("/requests.json", data=form)
        wrong = client.post("/requests.xml", data={**form, "api_key": "nope"})
        posted = client.post("/requests.json", data={**form, "api_key": KEY})
        new_id = posted.json()[0]["service_request_id"]
        seen = client.get(f"/requests/{new_id}.json").json()
    assert refused.status_code == 403
    assert errors_of(refused)[0]["code"] == 403
    assert wrong.status_code == 403
    assert SafeTree.fromstring(wrong.content).findtext("error/code") == "403"
    assert posted.status_code == 200
    assert seen[0]["service_request_id"] == new_id
    assert seen[0]["service_code"] == "NEIGHBOUR"
    assert seen[0]["status"] == "open"
    assert "楼上漏水" not in json.dumps(seen, ensure_ascii=False)
    assert "枫林路9号" not in json.dumps(seen, ensure_ascii=False)


def test_post_errors_name_the_problem(api) -> None:  # type: ignore[no-untyped-def]
    base, _, _ = api
    with httpx.Client(base_url=base) as client:
        unknown = client.post("/requests.json", data={"api_key": KEY, "service_code": "X"})
        no_code = client.post("/requests.json", data={"api_key": KEY})
        far = client.post("/requests.json", data={"api_key": KEY, "service_code": "LOST",
                                                  "lat": "39.9", "long": "116.4"})  # fmt: skip
        huge = client.post("/requests.json", data={"api_key": KEY, "description": "x" * 70_000})
    assert unknown.status_code == 404
    assert no_code.status_code == 400
    assert far.status_code == 400
    assert "jurisdiction" in errors_of(far)[0]["description"]
    assert huge.status_code == 413


def test_each_key_has_its_own_rate(make_station, settings) -> None:  # type: ignore[no-untyped-def]
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert [limiter.take("a"), limiter.take("a")] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(30.0)
    assert limiter.take("b") == 0.0
    now[0] = 30.0
    assert limiter.take("a") == 0.0
    station = make_station("rate")
    slow = settings.__class__(actor=settings.actor, rate_per_minute=1, folder=settings.folder)
    server = Server(build_app(station, slow, keys={"slow": SLOW_KEY}))
    server.start()
    try:
        form = {"api_key": SLOW_KEY, "service_code": "help_request:lost_property",
                "address_string": "西湖区柳岸路1号"}  # fmt: skip
        with httpx.Client(base_url=server.base) as client:
            first = client.post("/requests.json", data=form)
            second = client.post("/requests.json", data=form)
            guesses = [
                client.post("/requests.json", data={**form, "api_key": f"guess-{n}"}).status_code
                for n in range(3)
            ]
    finally:
        server.stop()
    assert first.status_code == 200
    assert second.status_code == 429
    assert guesses[0] == 403
    assert guesses[1:] == [429, 429]
    assert int(second.headers["retry-after"]) >= 1


def test_get_requests_filters_and_pages(api) -> None:  # type: ignore[no-untyped-def]
    base, _, ids = api
    form = {"api_key": KEY, "service_code": "help_request:welfare", "lat": "30.2619",
            "long": "120.1351"}  # fmt: skip
    with httpx.Client(base_url=base) as client:
        posted = [client.post("/requests.json", data=form).json()[0]["service_request_id"]
                  for _ in range(5)]  # fmt: skip
        query = {"service_code": "help_request:welfare", "page_size": "2"}
        pages = [client.get("/requests.json", params={**query, "page": str(p)}).json()
                 for p in (1, 2, 3, 4)]  # fmt: skip
        everything = client.get("/requests.xml").content
        by_id = client.get("/requests.json", params={"service_request_id": ",".join(
            [ids["help_request"], ids["incident"]])}).json()  # fmt: skip
        closed = client.get("/requests.json", params={"status": "closed"}).json()
        period = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
        too_long = client.get("/requests.json", params=period)
        edges = [
            client.get("/requests.json", params={"start_date": "9999-12-31T00:00:00-12:00"}),
            client.get("/requests.json", params={"end_date": "0001-01-01T00:00:00+14:00"}),
        ]
        bad_status = client.get("/requests.json", params={"status": "pending"})
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    assert sorted(r["service_request_id"] for p in pages for r in p) == sorted(posted)
    listed = {r.findtext("service_request_id") for r in SafeTree.fromstring(everything)}
    assert ids["help_request"] in listed
    assert ids["imported"] in listed
    assert ids["incident"] not in listed
    assert [r["service_request_id"] for r in by_id] == [ids["help_request"]]
    assert closed == []
    assert too_long.status_code == 400
    assert [e.status_code for e in edges] == [400, 400]
    assert bad_status.status_code == 400


def test_single_requests_and_tokens(api) -> None:  # type: ignore[no-untyped-def]
    base, _, ids = api
    with httpx.Client(base_url=base) as client:
        one = client.get(f"/requests/{ids['help_request']}.xml")
        incident = client.get(f"/requests/{ids['incident']}.json")
        unknown = client.get("/requests/nothing-here.json")
        token = client.get("/tokens/city-9.json").json()
        no_token = client.get("/tokens/city-0.xml")
    assert SafeTree.fromstring(one.content).findtext("request/status") == "open"
    assert incident.status_code == 404
    assert unknown.status_code == 404
    assert token == [{"service_request_id": ids["imported"], "token": "city-9"}]
    assert no_token.status_code == 404
    assert SafeTree.fromstring(no_token.content).findtext("error/code") == "404"


def test_a_thousand_concurrent_gets_are_answered(api) -> None:  # type: ignore[no-untyped-def]
    base, _, ids = api
    paths = ["/services.json", f"/requests/{ids['help_request']}.json", "/services/LOST.xml"]

    async def run() -> list[int]:
        bound = asyncio.Semaphore(20)  # 1,000 requests in flight at once, 20 on the wire
        limits = httpx.Limits(max_connections=20)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:

            async def get(path: str) -> int:
                async with bound:
                    return (await client.get(path)).status_code

            return await asyncio.gather(*(get(paths[i % 3]) for i in range(1000)))

    statuses = asyncio.run(run())
    assert len(statuses) == 1000
    assert set(statuses) == {200}


def test_attributes_and_the_jurisdiction_id(api) -> None:  # type: ignore[no-untyped-def]
    base, station, _ = api
    form = {"api_key": KEY, "service_code": "NEIGHBOUR", "address_string": "西湖区枫林路9号",
            "attribute[amount_yuan]": "1200", "jurisdiction_id": "lakeside"}  # fmt: skip
    with httpx.Client(base_url=base) as client:
        posted = client.post("/requests.json", data=form)
        on_help = client.post("/requests.json", data={**form, "service_code": "LOST"})
        elsewhere = client.post("/requests.json", data={**form, "jurisdiction_id": "sfgov.org"})
        ours = client.get("/services.json", params={"jurisdiction_id": "lakeside"})
        theirs = client.get("/services.xml", params={"jurisdiction_id": "sfgov.org"})
    matter = station.get(station.actor("ofc-duty"), posted.json()[0]["service_request_id"])
    assert matter.amount_yuan == 1200
    assert on_help.status_code == 400
    assert "amount_yuan" in errors_of(on_help)[0]["description"]
    assert elsewhere.status_code == 404
    assert ours.status_code == 200
    assert theirs.status_code == 404
    assert SafeTree.fromstring(theirs.content).findtext("error/description") == (
        "jurisdiction_id not found"
    )
