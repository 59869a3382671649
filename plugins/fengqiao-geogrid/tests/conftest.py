"""Fixtures of the geogrid tests: small hand-made cell maps written to GeoJSON files."""

import json
from importlib import resources

import pytest

from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import BackendContext


class Maps:
    """Builds GeoJSON cell maps in a folder and opens the ``geojson`` grid on them."""

    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    @staticmethod
    def square(x0, y0, size, holes=()):
        ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
        return {"type": "Polygon", "coordinates": [ring, *holes]}

    @staticmethod
    def feature(code, geometry, police_grid="PG01", community="C01", **more):
        properties = {"cell": code, "police_grid": police_grid, "community": community, **more}
        return {"type": "Feature", "properties": properties, "geometry": geometry}

    def write(self, features, **members):
        self.count += 1
        path = self.folder / f"cells-{self.count}.geojson"
        document = {"type": "FeatureCollection", **members, "features": features}
        path.write_text(json.dumps(document), encoding="utf-8")
        return path

    @staticmethod
    def url(path):
        return f"geojson:///{path}"

    def open(self, path, station=None):
        return Plugins().open_backend("grid", BackendContext(self.url(path), station, None))


@pytest.fixture
def maps(tmp_path):
    return Maps(tmp_path)


@pytest.fixture
def miaoshan_map():
    """The shipped Miaoshan cell map (a real file inside the installed core package)."""
    resource = resources.files("fengqiao_core") / "station/presets/miaoshan-cells.geojson"
    with resources.as_file(resource) as path:
        yield path
