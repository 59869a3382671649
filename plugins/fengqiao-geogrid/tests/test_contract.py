"""The geojson grid passes the kit's grid contract, built through its entry point.

Two maps: one drawn around the contract's own station (the Voronoi cells of its lattice points,
merged per cell, so its border points lie exactly on shared borders), and the shipped Miaoshan
map with every placed place given a point inside its cell's polygon.
"""

import json

import attrs
import pytest
import shapely
from shapely.geometry import mapping

from fengqiao_core.model import GeoPoint
from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import BackendContext
from fengqiao_core.station.file import load_station_config
from fengqiao_core.testing.contracts import GridContract


def voronoi_map(config, path):
    """One feature per cell: the union of the Voronoi polygons of its places' points."""
    placed = [p for p in config.places if p.point is not None and p.cell is not None]
    points = shapely.points([p.point.lon for p in placed], [p.point.lat for p in placed])
    envelope = shapely.box(*shapely.total_bounds(points)).buffer(0.01, join_style="mitre")
    regions = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(points), extend_to=envelope)
    )
    tree = shapely.STRtree(regions)
    parts = {}
    for place, point in zip(placed, points, strict=True):
        (index,) = tree.query(point, predicate="within")
        parts.setdefault(place.cell, []).append(regions[index].intersection(envelope))
    cells = {cell.id: cell for cell in config.cells}
    features = [
        {
            "type": "Feature",
            "properties": {
                "cell": code,
                "police_grid": cells[code].police_grid,
                "community": cells[code].community,
            },
            "geometry": mapping(shapely.union_all(polygons)),
        }
        for code, polygons in parts.items()
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


class TestGeoGridOnVoronoiCells(GridContract):
    @pytest.fixture
    def make_backend(self, grid_station, tmp_path):
        path = voronoi_map(grid_station, tmp_path / "cells.geojson")
        context = BackendContext(f"geojson:///{path}", grid_station, None)
        return Plugins().open_backend("grid", context)


class TestGeoGridOnTheMiaoshanMap(GridContract):
    @pytest.fixture
    def grid_station(self, miaoshan_map):
        """Miaoshan with each placed place at a point inside its cell on the shipped map."""
        config = load_station_config("miaoshan")
        document = json.loads(miaoshan_map.read_text("utf-8"))
        inside = {
            f["properties"]["cell"]: shapely.point_on_surface(shapely.geometry.shape(f["geometry"]))
            for f in document["features"]
            if "cell" in f["properties"]
        }
        places = tuple(
            attrs.evolve(p, point=GeoPoint(inside[p.cell].x, inside[p.cell].y)) if p.cell else p
            for p in config.places
        )
        return attrs.evolve(config, places=places)

    @pytest.fixture
    def make_backend(self, grid_station, miaoshan_map):
        context = BackendContext(f"geojson:///{miaoshan_map}", grid_station, None)
        return Plugins().open_backend("grid", context)
