"""What polygons add to the grid contract: borders, holes, multipolygons, outside points."""

import importlib.metadata

import attrs
import numpy as np
import pytest
import shapely
from fengqiao_geogrid.grid import parse_grid_url, resolve_path
from fengqiao_geogrid.transform import wgs84_to_gcj02

from fengqiao_core.errors import ConfigurationError, ValidationError
from fengqiao_core.model import CoordinateSystem, GeoPoint
from fengqiao_core.plugins import Plugins
from fengqiao_core.station.file import load_station_config

WGS, GCJ = CoordinateSystem.WGS84, CoordinateSystem.GCJ02
A, B, C, D, E, F, G = (f"420115101001{n:03d}" for n in range(1, 8))
S = 0.01


def hole(x0, y0, size):
    return [[x0, y0], [x0, y0 + size], [x0 + size, y0 + size], [x0 + size, y0], [x0, y0]]


def layout(maps):
    """A with a hole that E fills, B right of A, C above A, D touching A at a corner only,
    F in two parts, G with an empty hole; B is written first (order must not matter)."""
    return [
        maps.feature(B, maps.square(114.41, 30.40, S)),
        maps.feature(A, maps.square(114.40, 30.40, S, holes=[hole(114.403, 30.403, 0.004)])),
        maps.feature(C, maps.square(114.40, 30.41, S)),
        maps.feature(D, maps.square(114.41, 30.41, S), name="D cell"),
        maps.feature(E, maps.square(114.403, 30.403, 0.004), community="C02"),
        maps.feature(
            F,
            {
                "type": "MultiPolygon",
                "coordinates": [
                    maps.square(114.43, 30.40, 0.005)["coordinates"],
                    maps.square(114.45, 30.40, 0.005)["coordinates"],
                ],
            },
        ),
        maps.feature(G, maps.square(114.43, 30.42, S, holes=[hole(114.433, 30.423, 0.004)])),
    ]


@pytest.fixture
def grid(maps):
    return maps.open(maps.write(layout(maps)))


def locate(grid, points, crs=WGS):
    return grid.locate([p[0] for p in points], [p[1] for p in points], crs)


def test_inside_points_land_in_their_polygon(grid):
    points = [(114.401, 30.401), (114.415, 30.405), (114.405, 30.415), (114.415, 30.415)]
    assert locate(grid, points) == [A, B, C, D]


def test_a_point_on_a_shared_border_goes_to_the_smallest_code(grid):
    assert locate(grid, [(114.41, 30.405)]) == [A]  # A | B
    assert locate(grid, [(114.415, 30.41)]) == [B]  # B | D
    assert locate(grid, [(114.41, 30.41)]) == [A]  # the corner of A, B, C and D


def test_a_border_point_gets_the_same_cell_in_any_batch(grid):
    border = [(114.41, 30.405), (114.415, 30.41), (114.41, 30.41), (114.403, 30.405)]
    alone = [locate(grid, [p])[0] for p in border]
    assert locate(grid, border) == alone
    assert locate(grid, border[::-1]) == alone[::-1]
    assert locate(grid, border * 3) == alone * 3


def test_outer_borders_belong_to_their_cell_and_beyond_is_outside(grid):
    assert locate(grid, [(114.40, 30.405), (114.3999, 30.405), (114.40, 30.3999)]) == [
        A,
        None,
        None,
    ]


def test_holes_are_not_their_cell(grid):
    # A's hole is E's ground; G's hole is nobody's.
    assert locate(grid, [(114.405, 30.405), (114.435, 30.425), (114.432, 30.425)]) == [E, None, G]
    # On the rim of A's hole both A and E cover the point: the smaller code wins.
    assert locate(grid, [(114.403, 30.405)]) == [A]


def test_both_parts_of_a_multipolygon_are_the_cell_and_between_is_outside(grid):
    assert locate(grid, [(114.432, 30.402), (114.452, 30.402), (114.44, 30.402)]) == [F, F, None]


def test_far_points_are_outside(grid):
    points = [(0.0, 0.0), (-73.98, 40.75), (151.2, -33.9), (114.4, -30.4)]
    assert locate(grid, points) == [None] * 4
    assert locate(grid, points, GCJ) == [None] * 4


def test_gcj02_points_are_converted_before_locating(grid):
    wgs = [(114.405, 30.401), (114.415, 30.405), (114.4325, 30.4012)]
    gcj_lons, gcj_lats = wgs84_to_gcj02([p[0] for p in wgs], [p[1] for p in wgs])
    assert grid.locate(gcj_lons, gcj_lats, GCJ) == [A, B, F]
    # The raw GCJ-02 numbers are some 500 m off: as WGS-84 they land elsewhere.
    assert grid.locate(gcj_lons, gcj_lats, WGS) != [A, B, F]


def test_a_map_drawn_in_gcj02_is_converted_when_read(maps):
    def shifted(feature):
        outline = shapely.geometry.shape(feature["geometry"])
        moved = shapely.transform(outline, lambda xy: np.column_stack(wgs84_to_gcj02(*xy.T)))
        return {**feature, "geometry": shapely.geometry.mapping(moved)}

    grid = maps.open(maps.write([shifted(f) for f in layout(maps)], coordinate_system="gcj02"))
    points = [(114.401, 30.401), (114.415, 30.405), (114.405, 30.405), (114.44, 30.402)]
    assert locate(grid, points) == [A, B, E, None]


def test_numpy_columns_and_empty_batches(grid):
    assert grid.locate(np.array([114.401]), np.array([30.401]), WGS) == [A]
    assert grid.locate([], [], WGS) == []
    assert grid.locate([114, 115], [30, 31], WGS) == [None, None]  # integers are numbers


@pytest.mark.parametrize(
    ("lons", "lats", "field"),
    [
        ([114.4, float("nan")], [30.4, 30.4], "lons"),
        ([114.4], [float("inf")], "lats"),
        ([181.5], [30.4], "lons"),
        ([114.4], [-90.5], "lats"),
        ([114.4, 114.41], [30.4], "lats"),
        (["114.4"], [30.4], "lons"),
        ([114.4], [None], "lats"),
        ([[114.4]], [[30.4]], "lons"),
        ([True], [30.4], "lons"),
    ],
)
def test_bad_columns_are_refused_naming_the_field_not_the_value(grid, lons, lats, field):
    with pytest.raises(ValidationError) as caught:
        grid.locate(lons, lats, WGS)
    assert caught.value.problems[0].field == field
    assert "181.5" not in str(caught.value)
    assert "90.5" not in str(caught.value)


def test_an_unknown_coordinate_system_is_refused(grid):
    with pytest.raises(ValidationError):
        grid.locate([114.4], [30.4], "wgs84")


def test_neighbours_share_a_border_line_not_just_a_corner(grid):
    assert list(grid.neighbours(A)) == [B, C, E]
    assert list(grid.neighbours(D)) == [B, C]
    assert list(grid.neighbours(E)) == [A]
    assert list(grid.neighbours(F)) == []
    assert list(grid.neighbours("420115101009009")) == []


def test_without_a_station_the_cells_come_from_the_map(grid):
    cells = {cell.id: cell for cell in grid.cells()}
    assert sorted(cells) == [A, B, C, D, E, F, G]
    assert cells[E].community == "C02"
    assert cells[D].name == "D cell"
    assert cells[A].name == A
    assert grid.cell_of_place("anything") is None


def test_with_a_station_its_declared_cells_are_the_cells(maps):
    config = load_station_config("miaoshan")
    grid = maps.open(maps.write(layout(maps)), config)
    assert [c.id for c in grid.cells()] == [c.id for c in config.cells]
    # Only declared cells are located: the map's A to G are all Miaoshan codes.
    assert locate(grid, [(114.401, 30.401)]) == [A]


def test_a_declared_cell_wins_over_the_point_and_undeclared_places_use_their_point(miaoshan_map):
    config = load_station_config("miaoshan")
    shipped = Plugins().open_backend("grid", attrs.evolve(_context(miaoshan_map), station=config))
    codes = [c.id for c in config.cells]
    first, second = codes[0], codes[-1]
    shape = shipped.shape(second).geometry
    at_second = shapely.point_on_surface(shape)
    declared = next(p for p in config.places if p.cell == first)
    loose = next(p for p in config.places if p.cell is not None and p.cell != first)
    village = next(p for p in config.places if p.kind.is_settlement)
    gcj = wgs84_to_gcj02([at_second.x], [at_second.y])
    places = {
        declared.id: attrs.evolve(declared, point=GeoPoint(at_second.x, at_second.y)),
        loose.id: attrs.evolve(
            loose, cell=None, point=GeoPoint(float(gcj[0][0]), float(gcj[1][0]), GCJ)
        ),
        village.id: attrs.evolve(village, point=GeoPoint(at_second.x, at_second.y)),
    }
    station = attrs.evolve(config, places=tuple(places.get(p.id, p) for p in config.places))
    grid = Plugins().open_backend("grid", attrs.evolve(_context(miaoshan_map), station=station))
    assert grid.cell_of_place(declared.id) == first
    assert grid.cell_of_place(loose.id) == second
    assert grid.cell_of_place(village.id) is None
    assert grid.cell_of_place("no-such-place") is None


def _context(path):
    from fengqiao_core.ports import BackendContext

    return BackendContext(f"geojson:///{path}", None, None)


def test_installed_as_a_distribution_with_an_entry_point():
    eps = importlib.metadata.entry_points(group="fengqiao_core", name="geogrid")
    assert [ep.value for ep in eps] == ["fengqiao_geogrid"]
    info = {i.name: i for i in Plugins().describe()}["geogrid"]
    assert info.distribution == "fengqiao-geogrid"
    assert info.backends == (("grid", "geojson"),)
    assert Plugins().backend("grid", "geojson:///cells.geojson").name == "geojson"


def test_fengqiao_plugins_json_lists_it():
    import json

    from typer.testing import CliRunner

    from fengqiao_core.cli.commands import app

    result = CliRunner().invoke(app, ["plugins", "--json"])
    assert result.exit_code == 0
    listing = {p["name"]: p for p in json.loads(result.stdout)}
    backend = {"port": "grid", "name": "geojson", "schemes": ["geojson"]}
    assert backend in listing["geogrid"]["backends"]


def test_urls_give_relative_or_absolute_paths():
    assert parse_grid_url("geojson:///cells.geojson") == "cells.geojson"
    assert parse_grid_url("geojson:///maps/cells.geojson") == "maps/cells.geojson"
    assert parse_grid_url("geojson:////srv/cells.geojson") == "/srv/cells.geojson"
    for bad in ("geojson://cells.geojson", "geojson:///", "sqlite:///x.db", "geojson:///a?x=1"):
        with pytest.raises(ConfigurationError, match=r"geojson:///relative"):
            parse_grid_url(bad)


def test_relative_paths_use_the_contexts_resolver_when_there_is_one(tmp_path):
    class Context:
        def path(self, raw):
            return tmp_path / raw

    assert resolve_path(Context(), "cells.geojson") == tmp_path / "cells.geojson"
    assert str(resolve_path(None, "cells.geojson")) == "cells.geojson"
