"""Import: whole documents or nothing, every bad request and field named, no XXE."""

from __future__ import annotations

import json

import pytest
from fengqiao_open311.exchange import find_reference, import_document, stream_matters

from fengqiao_core import StationService
from fengqiao_core.errors import ValidationError
from fengqiao_core.model import Actor, CoordinateSystem, Role
from fengqiao_core.model.geo import wgs84_to_gcj02

ACTOR = Actor("ofc-north", Role.OFFICER)


def request(number: int, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "service_request_id": f"city-{number}",
        "status": "open",
        "service_code": "LOST",
        "description": "在柳岸小区门口丢失一个黑色背包",
        "requested_datetime": "2026-11-27T10:00:00+08:00",
        "lat": 30.2701,
        "long": 120.1202,
    }
    row.update(fields)
    return row


def reader(station: StationService) -> Actor:
    """The configured export actor, as the station's roster binds it (the duty officer)."""
    return station.actor("ofc-duty")


def as_json(*rows: dict[str, object]) -> bytes:
    return json.dumps(list(rows), ensure_ascii=False).encode()


def test_a_good_document_is_reported_once_under_its_request_ids(make_station, settings) -> None:  # type: ignore[no-untyped-def]
    station = make_station()
    data = as_json(request(1), request(2, service_code="NEIGHBOUR"), request(3, status="closed"))
    first = import_document(station, settings, ACTOR, data)
    again = import_document(station, settings, ACTOR, data)
    assert (first.reported, first.skipped_closed) == (2, 1)
    assert again.matter_ids == first.matter_ids
    stored = list(stream_matters(station, reader(station)))
    assert sorted(m.id for m in stored) == sorted(first.matter_ids)
    assert {m.category for m in stored} == {"help_request:lost_property", "dispute:neighbour"}
    found = find_reference(station, reader(station), "city-1")
    assert found is not None
    assert found.cell == "330106005001001"
    assert find_reference(station, reader(station), "city-3") is None
    assert find_reference(station, reader(station), "not an id!") is None
    elsewhere = station.actor("ofc-south")  # a community officer of the other police grid
    assert find_reference(station, elsewhere, "city-1") is None
    assert list(stream_matters(station, elsewhere)) == []


def test_a_dry_run_checks_and_stores_nothing(make_station, settings) -> None:  # type: ignore[no-untyped-def]
    station = make_station()
    result = import_document(station, settings, ACTOR, as_json(request(1)), dry_run=True)
    assert result.reported == 1
    assert list(stream_matters(station, reader(station))) == []


def test_a_document_with_bad_requests_imports_nothing_and_names_each(
    make_station, settings
) -> None:  # type: ignore[no-untyped-def]
    station = make_station()
    data = as_json(
        request(1),
        request(2, status="pending"),
        request(3, lat=95.0),
        request(4, lat=39.9, long=116.4),
        request(5, requested_datetime="2026-11-27 10:00"),
        {k: v for k, v in request(6).items() if k != "service_request_id"},
        request(7, description="长" * 4001),
        request(8, service_code="incident:burglary"),
        request(9, long="east"),
        "not a request",
    )
    with pytest.raises(ValidationError) as refused:
        import_document(station, settings, ACTOR, data)
    fields = [p.field for p in refused.value.problems]
    assert fields == [
        "requests[1] (city-2).status",
        "requests[2] (city-3).lat",
        "requests[4] (city-5).requested_datetime",
        "requests[5].service_request_id",
        "requests[6] (city-7).description",
        "requests[7] (city-8).service_code",
        "requests[8] (city-9).long",
        "requests[9]",
        "requests[3] (city-4).lat",
    ]
    assert "jurisdiction" in refused.value.problems[-1].message
    assert "长长长" not in str(refused.value)
    assert list(stream_matters(station, reader(station))) == []


@pytest.mark.parametrize(
    "data",
    [
        b'[{"service_request_id": "x", ',
        b"[NaN]",
        b"{}",
        b"\xff\xfe",
        b"<service_requests><request></service_requests>",
        b"<other/>",
    ],
)
def test_unreadable_documents_are_refused_as_a_whole(make_station, settings, data: bytes) -> None:  # type: ignore[no-untyped-def]
    station = make_station()
    with pytest.raises(ValidationError) as refused:
        import_document(station, settings, ACTOR, data)
    assert refused.value.field == "document"


def test_xml_entities_and_external_references_are_refused(make_station, settings) -> None:  # type: ignore[no-untyped-def]
    station = make_station()
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<service_requests><request><description>&x;</description></request></service_requests>"
    )
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><service_requests>&b;</service_requests>'
    )
    for data in (xxe, bomb):
        with pytest.raises(ValidationError) as refused:
            import_document(station, settings, ACTOR, data)
        assert refused.value.field == "document"
        assert "root" not in str(refused.value)


def test_gcj02_points_are_located_when_the_document_says_so(make_station, settings) -> None:  # type: ignore[no-untyped-def]
    station = make_station()
    lon, lat = wgs84_to_gcj02(120.1302, 30.2651)
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><service_requests crs="gcj02"><request>'
        "<service_request_id>g-1</service_request_id><status>open</status>"
        f"<service_code>NEIGHBOUR</service_code><lat>{lat}</lat><long>{lon}</long>"
        "<description>楼上漏水</description></request></service_requests>"
    ).encode()
    import_document(station, settings, ACTOR, xml)
    matter = find_reference(station, reader(station), "g-1")
    assert matter is not None
    assert matter.location.point is not None
    assert matter.location.point.crs is CoordinateSystem.GCJ02
    assert matter.cell == "330106005002001"
    as_wgs = as_json(request(2, lat=lat, long=lon, service_request_id="g-2"))
    import_document(station, settings, ACTOR, as_wgs)
    # the same numbers read as WGS-84: 500 m away
    elsewhere = find_reference(station, reader(station), "g-2")
    assert elsewhere is not None
    assert elsewhere.cell == "330106005002002"
