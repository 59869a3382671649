"""fengqiao-geogrid 地图网格: grid cells from GeoJSON polygons on shapely 2, GCJ-02 and WGS-84.

Select it in a station file with ``grid = "geojson:///cells.geojson"`` (a path relative to the
station file's folder) or ``grid = "geojson:////absolute/cells.geojson"``. ``fengqiao check``
then also compares the map with the station file (see :mod:`fengqiao_geogrid.check`).

shapely and numpy are imported only when the backend is built or a check runs, so loading the
plugin (every ``fengqiao`` command does) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fengqiao_core import hookimpl
from fengqiao_core.ports import BackendContext, BackendSpec

if TYPE_CHECKING:
    from fengqiao_core.rules.findings import Finding
    from fengqiao_geogrid.grid import GeoGrid

__all__ = ["open_grid"]

FENGQIAO_PLUGIN_API = 1


def open_grid(context: BackendContext) -> GeoGrid:
    """Build the ``geojson`` grid backend from its context (the registered factory)."""
    from fengqiao_geogrid.grid import GeoGrid

    return GeoGrid.from_context(context)


@hookimpl
def fengqiao_register_backends() -> list[BackendSpec]:
    """Register the ``geojson`` grid."""
    return [
        BackendSpec(
            "grid",
            "geojson",
            open_grid,
            "cells from GeoJSON polygons (shapely STRtree), GCJ-02 and WGS-84 points",
            ("geojson",),
        )
    ]


@hookimpl
def fengqiao_check_jurisdiction(config: Any) -> list[Finding]:
    """Compare the station's GeoJSON cell map with its station file (gaps, overlaps …)."""
    grid = getattr(getattr(config, "backends", None), "grid", "")
    if not isinstance(grid, str) or not grid.startswith("geojson:"):
        return []
    from fengqiao_geogrid.check import check_station_map

    return check_station_map(config, grid)
