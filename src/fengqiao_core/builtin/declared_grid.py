"""The ``declared`` grid backend 声明式网格: cells and place membership from the station file.

A station file has no cell polygons, so a point is located through the declared places that
have a point: it lands in the cell of the nearest such place within ``max_distance_m`` (500 m
by default), else it is reported outside (``None``). Neighbours of a cell are the other cells
of its community or village. Stations with polygons use the ``fengqiao-geogrid`` plugin.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from fengqiao_core.errors import ValidationError
from fengqiao_core.hookspecs import hookimpl
from fengqiao_core.model import CoordinateSystem, GridCell, StationData
from fengqiao_core.model.geo import distance_m, to_wgs84
from fengqiao_core.ports import BackendContext, BackendSpec

__all__ = ["DeclaredGrid"]

FENGQIAO_PLUGIN_API = 1
_BUCKET_DEG = 0.01
_METRES_PER_DEG_LON_AT_60 = 55_660.0
"""A degree of longitude at latitude 60° (China reaches 53.6° N): the narrowest bucket side."""


class DeclaredGrid:
    """Grid cells and places as a station file declares them.

    Args:
        config: The station configuration.
        max_distance_m: How far from a declared place a point may lie and still be located.
    """

    def __init__(self, config: StationData, max_distance_m: float = 500.0) -> None:
        self._cells = config.cells
        self._max = max_distance_m
        self._bucket_deg = max(_BUCKET_DEG, max_distance_m / _METRES_PER_DEG_LON_AT_60)
        self._place_cell = {p.id: p.cell for p in config.places if p.cell is not None}
        by_community: dict[str, list[str]] = {}
        for cell in config.cells:
            by_community.setdefault(cell.community, []).append(cell.id)
        self._community_of = {cell.id: cell.community for cell in config.cells}
        self._by_community = {k: sorted(v) for k, v in by_community.items()}
        self._buckets: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
        for place in config.places:
            if place.point is not None and place.cell is not None:
                lon, lat = to_wgs84(place.point.lon, place.point.lat, place.point.crs)
                self._buckets.setdefault(self._bucket(lon, lat), []).append((lon, lat, place.cell))

    @classmethod
    def from_context(cls, context: BackendContext) -> DeclaredGrid:
        """Factory for the ``declared`` grid."""
        return cls(context.station)

    def _bucket(self, lon: float, lat: float) -> tuple[int, int]:
        return math.floor(lon / self._bucket_deg), math.floor(lat / self._bucket_deg)

    def _nearest(self, lon: float, lat: float) -> str | None:
        bx, by = self._bucket(lon, lat)
        best: tuple[float, str] | None = None
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for p_lon, p_lat, cell in self._buckets.get((bx + dx, by + dy), ()):
                    d = distance_m(lon, lat, p_lon, p_lat)
                    if d <= self._max and (best is None or (d, cell) < best):
                        best = (d, cell)
        return best[1] if best else None

    def locate(
        self, lons: Sequence[float], lats: Sequence[float], crs: CoordinateSystem
    ) -> list[str | None]:
        """The cell of the nearest declared place within reach of each point, else ``None``.

        Raises:
            ValidationError: The columns differ in length, or hold a non-number, a NaN, an
                infinity or a value out of range (longitude ±180, latitude ±90).
        """
        _check_column(lons, "lons", 180.0)
        _check_column(lats, "lats", 90.0)
        if len(lons) != len(lats):
            raise ValidationError("lats", f"{len(lats)} latitudes for {len(lons)} longitudes")
        return [
            self._nearest(*to_wgs84(lon, lat, crs)) for lon, lat in zip(lons, lats, strict=True)
        ]

    def cells(self) -> Sequence[GridCell]:
        """Every declared cell."""
        return self._cells

    def cell_of_place(self, place_id: str) -> str | None:
        """The declared cell of a place (``None`` for settlements and unknown places)."""
        return self._place_cell.get(place_id)

    def neighbours(self, cell_id: str) -> Sequence[str]:
        """The other cells of the same community or village."""
        community = self._community_of.get(cell_id)
        return [c for c in self._by_community.get(community or "", ()) if c != cell_id]


def _check_column(values: object, name: str, limit: float) -> None:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise ValidationError(name, "expected a sequence of numbers")
    for position, value in enumerate(values):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or abs(value) > limit:
            raise ValidationError(name, f"position {position} is not a coordinate in ±{limit:g}")


@hookimpl
def fengqiao_register_backends() -> list[BackendSpec]:
    """Register the ``declared`` grid."""
    return [
        BackendSpec(
            "grid", "declared", DeclaredGrid.from_context, "cells and places from the station file"
        )
    ]
