"""Export, import into a fresh station, export again: the same documents, masked throughout."""

from __future__ import annotations

import json
from pathlib import Path

import defusedxml.ElementTree as SafeTree
import pytest
from fengqiao_open311.documents import encode
from fengqiao_open311.exchange import export_rows, import_document

from fengqiao_core.model import Actor, MatterKind, Role
from fengqiao_core.testing import FakeClock

OFFICER = Actor("ofc-north", Role.OFFICER)
RAW_TEXT = "邻居装修噪音到深夜，多次沟通无果"
RAW_ADDRESS = "浙江省杭州市西湖区柳岸路18号3单元"
CHANGED = ("service_request_id", "description", "address")
"""What may differ after the round trip: the new station's ids, and the masked fields (the
masked text is what was imported, and masking it again gives another mask)."""


def _seed(station, draft) -> dict[str, str]:  # type: ignore[no-untyped-def]
    made = station.report_many(
        OFFICER,
        [
            draft(MatterKind.HELP_REQUEST, "help_request:lost_property"),
            draft(MatterKind.DISPUTE, "dispute:neighbour", point=(120.1301, 30.2652)),
            draft(MatterKind.DISPUTE, "dispute:labour", point=None, place="maple-print"),
            draft(MatterKind.HELP_REQUEST, "help_request:welfare", point=(120.1351, 30.2619)),
            draft(MatterKind.INCIDENT, "incident:theft"),
            draft(MatterKind.TIP, "tip:hazard"),
        ],
    )
    return {m.kind.value + ":" + m.id: m.id for m in made}


def _key(row: dict[str, object]) -> tuple[str, ...]:
    return tuple(str(row[k]) for k in ("service_code", "lat", "long", "address_id"))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_round_trip_gives_the_same_documents_but_ids_and_masked_fields(
    make_station, settings, draft, fmt: str
) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    first = make_station("first", clock)
    made = _seed(first, draft)
    exported = export_rows(first, settings)
    again_station = make_station("second", FakeClock())
    document = encode("service_requests", exported, fmt)
    result = import_document(again_station, settings, OFFICER, document)
    assert result.reported == 4
    again = export_rows(again_station, settings)

    assert len(exported) == len(again) == 4
    strip = [{k: v for k, v in r.items() if k not in CHANGED} for r in exported]
    strip_again = [{k: v for k, v in r.items() if k not in CHANGED} for r in again]
    assert sorted(strip, key=_key) == sorted(strip_again, key=_key)
    hidden = {v for k, v in made.items() if k.startswith(("incident:", "tip:"))}
    assert not hidden & {r["service_request_id"] for r in exported}
    assert {r["status"] for r in exported} == {"open"}
    assert all(r["expected_datetime"] for r in exported)


def test_export_keeps_to_the_period(make_station, settings, draft) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    station = make_station("period", clock)
    early = station.report(OFFICER, draft(MatterKind.HELP_REQUEST, "help_request:welfare"))
    middle = clock.advance(days=2)
    late = station.report(OFFICER, draft(MatterKind.DISPUTE, "dispute:neighbour"))
    before = export_rows(station, settings, until=middle)
    after = export_rows(station, settings, since=middle)
    assert [r["service_request_id"] for r in before] == [early.id]
    assert [r["service_request_id"] for r in after] == [late.id]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_exports_are_masked_and_rounded(make_station, settings, draft, fmt: str) -> None:  # type: ignore[no-untyped-def]
    station = make_station()
    _seed(station, draft)
    data = encode("service_requests", export_rows(station, settings, lang="en"), fmt)
    text = data.decode("utf-8")
    assert RAW_TEXT not in text
    assert RAW_ADDRESS not in text
    assert "柳岸路18号" not in text
    if fmt == "json":
        rows = json.loads(text)
    else:
        rows = [{c.tag: c.text for c in r} for r in SafeTree.fromstring(data)]
    lats = {str(r["lat"]) for r in rows if r["lat"] is not None}
    assert lats == {"30.27", "30.265", "30.262"}
    names = {r["service_name"] for r in rows}
    assert names == {"lost property", "neighbours", "labour and wages", "welfare"}
    assert {r["service_code"] for r in rows} >= {"LOST", "NEIGHBOUR", "dispute:labour"}


def test_the_cli_exports_imports_and_refuses(tmp_path: Path, draft) -> None:  # type: ignore[no-untyped-def]
    import typer
    from fengqiao_open311.cli import register
    from typer.testing import CliRunner

    source = (Path(__file__).parent / "data" / "lakeside.toml").read_text(encoding="utf-8")
    station_file = tmp_path / "lakeside.toml"
    station_file.write_text(source, encoding="utf-8")
    (tmp_path / "lakeside.open311.toml").write_text(
        '[open311]\nactor = "ofc-duty"\n\n'
        '[open311.services]\n"LOST" = "help_request:lost_property"\n',
        encoding="utf-8",
    )
    document = tmp_path / "in.json"
    document.write_text(
        json.dumps([{"service_request_id": "c-1", "status": "open", "service_code": "LOST",
                     "lat": 30.2701, "long": 120.1202, "description": "丢了钥匙"}]),
        encoding="utf-8",
    )  # fmt: skip
    cli = typer.Typer()
    register(cli)
    runner = CliRunner()
    env = {"FENGQIAO_SECRET": "open311-cli-secret-a7d04e9c1f62b58e3d"}
    common = ["--station", str(station_file), "--db", str(tmp_path / "cli.db")]
    done = runner.invoke(cli, ["import", "open311", str(document), *common], env=env)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["reported"] == 1
    out = tmp_path / "out.xml"
    done = runner.invoke(
        cli, ["export", "open311", *common, "--format", "xml", "--out", str(out)], env=env
    )
    assert done.exit_code == 0, done.output
    assert SafeTree.fromstring(out.read_bytes()).findtext("request/service_code") == "LOST"
    document.write_text('[{"status": "maybe"}]', encoding="utf-8")
    done = runner.invoke(cli, ["import", "open311", str(document), *common], env=env)
    assert done.exit_code == 1
    assert "requests[0].service_request_id" in done.output
    assert "requests[0].status" in done.output
    folder = runner.invoke(cli, ["import", "open311", str(tmp_path), *common], env=env)
    assert folder.exit_code == 2
    assert "not a regular file" in folder.output
    hidden = runner.invoke(
        cli, ["export", "open311", *common, "--out", str(tmp_path / "no" / "e.json")], env=env
    )
    assert hidden.exit_code != 0
    assert "Traceback" not in hidden.output
    assert isinstance(hidden.exception, SystemExit)
    into_folder = runner.invoke(
        cli, ["export", "open311", *common, "--out", str(tmp_path)], env=env
    )
    assert into_folder.exit_code == 2
    assert "names a folder" in into_folder.output
