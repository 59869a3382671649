"""geogrid.P5: the ``geojson`` grid's ``locate`` vs raw shapely 2, and GCJ-02 conversion speed.

``geogrid.P5.51-cells`` locates 1,000,000 points (100,000 with ``--quick``) spread uniformly
over the bounding box of the shipped Miaoshan map (51 irregular cells, some points outside);
``geogrid.P5.10000-cells`` does the same over a 100 x 100 lattice of jittered cells. ``ours``
is ``GeoGrid.locate`` (checks of the columns, points, one tree query, the border rule, codes
as a list) and ``baseline`` is ``STRtree.query(shapely.points(x, y), predicate="intersects")``
on a tree of the same polygons; both get the same numpy columns. Throughputs in points/s, so
the goal ``>= 0.8`` means ours takes at most 1/0.8 of the raw time.

``geogrid.gcj02`` converts the same number of GCJ-02 points to WGS-84 with the plugin's numpy
transform; its baseline is the core's one-point-at-a-time transform in a Python loop (timed on
50,000 points, 5,000 with ``--quick``). The plugin must stay at least ten times faster.

shapely, numpy and the plugin are imported when a benchmark runs, so the other benchmarks run
without them.
"""

from __future__ import annotations

import math
import time
from importlib import resources
from typing import Any

from benchmarks.harness import Measurement, benchmark, interleave

_SEED = 20261130


def _miaoshan_cells() -> Any:
    from fengqiao_geogrid.cells import load_cell_map

    resource = resources.files("fengqiao_core") / "station/presets/miaoshan-cells.geojson"
    with resources.as_file(resource) as path:
        return load_cell_map(path)


def _lattice_cells(side: int) -> Any:
    """``side`` x ``side`` jittered quadrilateral cells of about 100 m near Tangxun Lake."""
    import numpy as np
    import shapely
    from fengqiao_geogrid.cells import CellMap, CellShape

    rng = np.random.default_rng(_SEED)
    step_lat = 100.0 / 111_194.9
    step_lon = step_lat / math.cos(math.radians(30.45))
    i, j = np.meshgrid(np.arange(side + 1), np.arange(side + 1), indexing="ij")
    lon = 114.30 + (i + rng.uniform(-0.3, 0.3, i.shape)) * step_lon
    lat = 30.40 + (j + rng.uniform(-0.3, 0.3, j.shape)) * step_lat
    cells = []
    for a in range(side):
        for b in range(side):
            ring = [(lon[a, b], lat[a, b]), (lon[a + 1, b], lat[a + 1, b])]
            ring += [(lon[a + 1, b + 1], lat[a + 1, b + 1]), (lon[a, b + 1], lat[a, b + 1])]
            code = f"420115{a:04d}{b:05d}"
            cells.append(CellShape(code, "PG01", "C01", code, shapely.Polygon(ring)))
    return CellMap(tuple(cells), None, "lattice")


def _locate(cell_map: Any, quick: bool) -> Measurement:
    import numpy as np
    import shapely
    from fengqiao_geogrid.grid import GeoGrid

    from fengqiao_core.model import CoordinateSystem

    count = 100_000 if quick else 1_000_000
    grid = GeoGrid(cell_map)
    raw = shapely.STRtree([shape.geometry for shape in cell_map.cells])
    west, south, east, north = shapely.total_bounds([s.geometry for s in cell_map.cells])
    rng = np.random.default_rng(_SEED)
    lons = rng.uniform(west, east, count)
    lats = rng.uniform(south, north, count)
    found = grid.locate(lons, lats, CoordinateSystem.WGS84)
    inputs, _ = raw.query(shapely.points(lons, lats), predicate="intersects")
    inside = sum(code is not None for code in found)
    if inside != np.unique(inputs).size:
        raise AssertionError("ours and raw shapely disagree on which points are inside")

    def ours() -> float:
        started = time.perf_counter()
        grid.locate(lons, lats, CoordinateSystem.WGS84)
        return time.perf_counter() - started

    def baseline() -> float:
        started = time.perf_counter()
        raw.query(shapely.points(lons, lats), predicate="intersects")
        return time.perf_counter() - started

    mine, theirs = interleave(ours, baseline, rounds=5 if quick else 3)
    return Measurement(count / mine, count / theirs, "pt/s")


@benchmark("geogrid.P5.51-cells", goal=">= 0.8")
def locate_miaoshan(quick: bool) -> Measurement:
    return _locate(_miaoshan_cells(), quick)


@benchmark("geogrid.P5.10000-cells", goal=">= 0.8")
def locate_lattice(quick: bool) -> Measurement:
    return _locate(_lattice_cells(100), quick)


@benchmark("geogrid.gcj02", goal=">= 10.0")
def gcj02(quick: bool) -> Measurement:
    import numpy as np
    from fengqiao_geogrid.transform import gcj02_to_wgs84

    from fengqiao_core.model.geo import gcj02_to_wgs84 as one_point

    count = 100_000 if quick else 1_000_000
    sample = 5_000 if quick else 50_000
    rng = np.random.default_rng(_SEED)
    lons = rng.uniform(114.25, 114.55, count)
    lats = rng.uniform(30.30, 30.60, count)
    few_lons, few_lats = lons[:sample].tolist(), lats[:sample].tolist()

    def ours() -> float:
        started = time.perf_counter()
        gcj02_to_wgs84(lons, lats)
        return (time.perf_counter() - started) / count

    def baseline() -> float:
        started = time.perf_counter()
        for lon, lat in zip(few_lons, few_lats, strict=True):
            one_point(lon, lat)
        return (time.perf_counter() - started) / sample

    mine, theirs = interleave(ours, baseline, rounds=3)
    return Measurement(1.0 / mine, 1.0 / theirs, "pt/s")
