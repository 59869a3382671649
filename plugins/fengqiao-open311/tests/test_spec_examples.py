"""The specification's examples parse; read through the same code the plugin uses."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import defusedxml.ElementTree as SafeTree
import pytest
from fengqiao_open311.documents import parse_document, read_json
from fengqiao_open311.requests import validate_document
from fengqiao_open311.services import ServiceCatalogue

from fengqiao_core.errors import ValidationError

SPEC = Path(__file__).parent / "data" / "spec"


def example(name: str) -> bytes:
    """One of the specification's examples, as its documentation prints it (data/spec)."""
    return (SPEC / name).read_bytes()


def test_the_services_examples_parse_to_the_same_three_services() -> None:
    from_json = read_json(example("services.json").decode())
    root = SafeTree.fromstring(example("services.xml"))
    from_xml = [{child.tag: child.text for child in service} for service in root]
    assert [s["service_code"] for s in from_json] == ["001", "002", "003"]
    assert [s["service_code"] for s in from_xml] == ["001", "002", "003"]
    assert [s["service_name"] for s in from_json] == [s["service_name"] for s in from_xml]
    assert from_json[0]["metadata"] is True
    assert from_xml[0]["metadata"] == "true"


def test_the_definition_examples_parse() -> None:
    from_json = read_json(example("definition.json").decode())
    root = SafeTree.fromstring(example("definition.xml"))
    assert from_json["service_code"] == root.findtext("service_code") == "DMV66"
    values = [v["name"] for v in from_json["attributes"][0]["values"]]
    assert values == [v.text for v in root.iter("name")] == ["Ford", "Chrysler"]


@pytest.mark.parametrize("name", ["requests.xml", "requests.json"])
def test_the_service_requests_examples_parse(name: str) -> None:
    document = parse_document(example(name))
    assert len(document.rows) == 2
    first, second = document.rows
    assert str(first["service_request_id"]) == "638344"
    assert first["status"] == "closed"
    assert second["status"] == "open"
    assert str(first["service_code"]) == "006"
    assert float(first["lat"]) == pytest.approx(37.762221815)
    assert float(first["long"]) == pytest.approx(-122.4651145)
    assert first["requested_datetime"] == "2010-04-14T06:37:38-08:00"
    assert document.crs is None


def test_the_token_post_and_error_examples_parse() -> None:
    token = parse_document(example("token.xml")).rows[0]
    assert token == {"service_request_id": "638344", "token": "12345"}
    posted = read_json(example("post_response.json").decode())
    assert posted[0]["service_request_id"] == 293944
    assert posted[0]["account_id"] is None
    errors = read_json(example("errors.json").decode())
    root = SafeTree.fromstring(example("errors.xml"))
    assert errors[0]["code"] == int(root.findtext("error/code") or 0) == 403
    form = parse_qs(example("post_request.txt").decode().strip())
    assert form["service_code"] == ["001"]
    assert form["attribute[WHISDORN]"] == ["COISL001"]


def test_the_example_requests_are_refused_by_a_station_far_from_san_francisco(
    make_station, settings
) -> None:  # type: ignore[no-untyped-def]
    station = make_station()
    mapping = {"006": "dispute:neighbour"}
    catalogue = ServiceCatalogue(station.categories, mapping)
    places = {p.id: p for p in station.config.places}
    with pytest.raises(ValidationError) as refused:
        validate_document(
            parse_document(example("requests.json")), catalogue, places, station.grid.locate
        )
    fields = [p.field for p in refused.value.problems]
    assert fields == ["requests[0] (638344).lat", "requests[1] (638349).lat"]
    assert all("jurisdiction" in p.message for p in refused.value.problems)
