"""``fengqiao check`` on cell maps: gaps, overlaps, overhangs and station/map mismatches."""

import json
import re
from importlib import resources

import pytest
import shapely
from fengqiao_geogrid.cells import load_cell_map
from fengqiao_geogrid.check import check_cell_map
from typer.testing import CliRunner

from fengqiao_core.cli.commands import app
from fengqiao_core.errors import ConfigurationError
from fengqiao_core.plugins import Plugins
from fengqiao_core.station.file import load_station_config

A, B, C = "420115101001001", "420115101001002", "420115101002001"


def box(west, south, east, north):
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def station_feature(geometry):
    return {"type": "Feature", "properties": {"kind": "station"}, "geometry": geometry}


def area_of(message):
    return float(re.search(r"(\d+) m²", message).group(1))


def by_rule(findings):
    found = {}
    for finding in findings:
        found.setdefault(finding.rule, []).append(finding.message)
    return found


def test_a_deliberate_gap_and_overlap_are_both_reported_with_codes_and_areas(maps):
    # A and B leave a 0.001° strip between them; C overlaps both by 0.0005°.
    path = maps.write(
        [
            station_feature(box(114.40, 30.40, 114.421, 30.4195)),
            maps.feature(A, box(114.40, 30.40, 114.41, 30.41)),
            maps.feature(B, box(114.411, 30.40, 114.421, 30.41)),
            maps.feature(C, box(114.40, 30.4095, 114.421, 30.4195)),
        ]
    )
    found = by_rule(check_cell_map(load_cell_map(path)))
    assert set(found) == {"G4", "G5"}
    overlaps = sorted(found["G4"])
    assert [m.split(" overlap")[0] for m in overlaps] == [
        f"cells {A} and {C}",
        f"cells {B} and {C}",
    ]
    assert area_of(overlaps[0]) == pytest.approx(53_300, rel=0.01)
    (gap,) = found["G5"]
    assert f"next to cells {A}, {B}, {C}" in gap
    assert area_of(gap) == pytest.approx(101_300, rel=0.01)


def test_without_a_boundary_only_enclosed_gaps_count(maps):
    path = maps.write(
        [
            maps.feature(A, box(114.40, 30.40, 114.41, 30.42)),
            maps.feature(B, box(114.41, 30.40, 114.42, 30.41)),
            maps.feature(C, box(114.411, 30.411, 114.42, 30.42)),  # a notch open to the outside
            maps.feature(
                "420115101002002",
                {
                    "type": "Polygon",
                    "coordinates": [
                        box(114.42, 30.40, 114.44, 30.42)["coordinates"][0],
                        box(114.425, 30.405, 114.426, 30.406)["coordinates"][0][::-1],
                    ],
                },
            ),
        ]
    )
    found = by_rule(check_cell_map(load_cell_map(path)))
    (gap,) = found["G5"]  # the hole; the notch is outside, not a gap
    assert "next to cells 420115101002002" in gap
    assert area_of(gap) == pytest.approx(0.001 * 96_000 * 0.001 * 111_195, rel=0.02)


def test_cells_beyond_the_station_boundary_are_reported(maps):
    path = maps.write(
        [
            station_feature(box(114.40, 30.40, 114.42, 30.41)),
            maps.feature(A, box(114.40, 30.40, 114.41, 30.41)),
            maps.feature(B, box(114.41, 30.40, 114.43, 30.41)),
        ]
    )
    found = by_rule(check_cell_map(load_cell_map(path)))
    assert list(found) == ["G6"]
    assert found["G6"][0].startswith(f"cell {B} lies ")
    assert area_of(found["G6"][0]) == pytest.approx(0.01 * 96_000 * 0.01 * 111_195, rel=0.02)


def test_cells_missing_extra_or_differing_from_the_station_file(maps):
    config = load_station_config("miaoshan")
    first = config.cells[0]
    path = maps.write(
        [
            maps.feature(
                first.id,
                box(114.40, 30.40, 114.41, 30.41),
                police_grid="PG99",
                community=first.community,
            ),
            maps.feature("420115101099001", box(114.41, 30.40, 114.42, 30.41)),
        ]
    )
    found = by_rule(check_cell_map(load_cell_map(path), config.cells))
    assert found["G1"] == [
        "50 declared cell(s) missing from the map: "
        + ", ".join(sorted(c.id for c in config.cells if c is not first)[:20])
        + " and 30 more"
    ]
    assert found["G2"] == ["1 cell(s) on the map not declared in the station file: 420115101099001"]
    assert found["G3"] == [
        f"cell {first.id}: the map says police grid PG99, community {first.community}; "
        f"the station file says {first.police_grid}, {first.community}"
    ]


def test_the_shipped_miaoshan_map_is_clean_through_the_hook(miaoshan_map):
    config = load_station_config("miaoshan").with_backends(grid=f"geojson:///{miaoshan_map}")
    assert Plugins().check_jurisdiction(config) == []


def test_an_unreadable_map_is_one_finding_not_a_crash(tmp_path):
    config = load_station_config("miaoshan").with_backends(
        grid=f"geojson:///{tmp_path}/missing.geojson"
    )
    (finding,) = Plugins().check_jurisdiction(config)
    assert finding.rule == "G0"
    assert "cannot read" in finding.message


def test_other_grids_are_not_checked():
    assert Plugins().check_jurisdiction(load_station_config("miaoshan")) == []


def test_fengqiao_check_reports_the_gap_and_the_overlap(tmp_path, miaoshan_map):
    document = json.loads(miaoshan_map.read_text("utf-8"))
    cells = [f for f in document["features"] if "cell" in f["properties"]]
    shrunk, grown = cells[10], cells[30]
    for feature, distance in ((shrunk, -0.0004), (grown, 0.0004)):
        outline = shapely.geometry.shape(feature["geometry"]).buffer(distance, join_style="mitre")
        feature["geometry"] = shapely.geometry.mapping(outline)
    broken = tmp_path / "broken-cells.geojson"
    broken.write_text(json.dumps(document), "utf-8")
    preset = resources.files("fengqiao_core") / "station/presets/miaoshan.toml"
    text = preset.read_text("utf-8").replace(
        'grid = "declared"', f'grid = "geojson:///{broken}"', 1
    )
    assert str(broken) in text
    station = tmp_path / "miaoshan.toml"
    station.write_text(text, "utf-8")
    result = CliRunner().invoke(app, ["check", str(station), "--json"])
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    rules = {f["rule"] for f in findings}
    assert {"G4", "G5"} <= rules
    gaps = [f["message"] for f in findings if f["rule"] == "G5"]
    overlaps = [f["message"] for f in findings if f["rule"] == "G4"]
    assert any(shrunk["properties"]["cell"] in m for m in gaps)
    assert all(grown["properties"]["cell"] in m for m in overlaps)
    assert all(area_of(m) > 1 for m in gaps + overlaps)


@pytest.mark.parametrize(
    ("content", "fix"),
    [
        ("not json", "not valid JSON"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection"}', "no list of features"),
        ('{"type": "FeatureCollection", "features": [1]}', "not a GeoJSON Feature"),
        ('{"type": "FeatureCollection", "coordinate_system": "bd09", "features": []}', "gcj02"),
    ],
)
def test_malformed_files_are_configuration_errors(tmp_path, content, fix):
    path = tmp_path / "cells.geojson"
    path.write_text(content, "utf-8")
    with pytest.raises(ConfigurationError, match=fix):
        load_cell_map(path)


BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}


@pytest.mark.parametrize(
    ("feature", "fix"),
    [
        ({"cell": "123"}, "15-digit grid code"),
        ({"police_grid": ""}, "'police_grid'"),
        ({"community": None}, "'community'"),
        ({"geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}, "Polygon or"),
        ({"geometry": BOWTIE}, "not a valid polygon"),
        ({"geometry": box(114, 30, 190, 31)}, "outside lon"),
        ({"geometry": {"type": "Polygon", "coordinates": [[[0, "x"]]]}}, "malformed"),
        ({"geometry": {"type": "Polygon", "coordinates": []}}, "no area"),
    ],
)
def test_bad_features_say_what_to_fix(maps, feature, fix):
    properties = {"cell": A, "police_grid": "PG01", "community": "C01"}
    geometry = feature.pop("geometry", box(114.40, 30.40, 114.41, 30.41))
    bad = {"type": "Feature", "properties": {**properties, **feature}, "geometry": geometry}
    with pytest.raises(ConfigurationError, match=fix):
        maps.open(maps.write([bad]))


def test_a_cell_twice_or_two_boundaries_are_refused(maps):
    square = box(114.40, 30.40, 114.41, 30.41)
    with pytest.raises(ConfigurationError, match="one MultiPolygon"):
        maps.open(maps.write([maps.feature(A, square), maps.feature(A, square)]))
    with pytest.raises(ConfigurationError, match="second station boundary"):
        maps.open(maps.write([station_feature(square), station_feature(square)]))


def test_a_missing_file_is_a_configuration_error(tmp_path, maps):
    with pytest.raises(ConfigurationError, match="cannot read"):
        maps.open(tmp_path / "nowhere.geojson")
