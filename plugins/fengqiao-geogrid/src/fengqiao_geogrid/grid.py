"""The ``geojson`` grid backend 地图网格: points located in cell polygons on a shapely STRtree.

``locate`` converts the whole batch at once (GCJ-02 to WGS-84 with numpy when needed) and finds
the cells through :class:`~fengqiao_geogrid.index.PointIndex` (the cells' STRtree, a bucket
table and one vectorised shapely predicate call per batch): no Python loop runs per point.

Border rule 边界规则: a point a polygon *covers* belongs to it, its border included. A point on a
border shared by several cells (or inside an overlap, which ``fengqiao check`` reports) belongs
to the cell with the smallest code, whatever the batch it comes in. A point no cell covers is
outside (``None``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from fengqiao_core.errors import ConfigurationError, ValidationError
from fengqiao_core.model import CoordinateSystem, GridCell, StationData
from fengqiao_core.ports import BackendContext
from fengqiao_geogrid.cells import CellMap, CellShape, load_cell_map
from fengqiao_geogrid.index import PointIndex
from fengqiao_geogrid.transform import to_wgs84

__all__ = ["GeoGrid", "Numbers", "parse_grid_url", "resolve_path"]

Numbers = Sequence[float] | npt.NDArray[np.floating[Any] | np.integer[Any]]
"""A column of coordinates: any sequence of numbers, or a numpy array."""

_SCHEME = "geojson://"
# Neighbours share at least ~1 m of border, measured within ~1 cm of each other, so that maps
# whose shared borders are off by rounding still find their neighbours, and a shared corner
# alone never makes two cells neighbours.
_SNAP_DEG = 1e-7
_MIN_BORDER_DEG = 1e-5


def parse_grid_url(url: str) -> str:
    """The path of ``geojson:///relative/cells.geojson`` or ``geojson:////abs/cells.geojson``.

    Args:
        url: The configured grid backend URL.

    Returns:
        The path as written (relative or absolute).

    Raises:
        ConfigurationError: Not a ``geojson://`` URL with a path.
    """
    rest = url.removeprefix(_SCHEME) if url.startswith(_SCHEME) else ""
    path = rest[1:] if rest.startswith("/") else ""
    if not path or "?" in path or "#" in path:
        raise ConfigurationError(
            f"{url!r} is not a GeoJSON grid URL: write geojson:///relative/cells.geojson "
            "(against the station file's folder) or geojson:////absolute/cells.geojson"
        )
    return path


def resolve_path(context: object, raw: str) -> Path:
    """Resolve a path from the grid URL: against the station file's folder when known.

    Uses ``context.path(raw)`` (``BackendContext.path``) when the core provides it; otherwise
    the path as written (relative to the working directory).
    """
    resolver = getattr(context, "path", None)
    if callable(resolver):
        resolved = resolver(raw)
        if isinstance(resolved, Path):
            return resolved
    return Path(raw)


class GeoGrid:
    """Grid cells 网格 drawn as polygons: point location, neighbours and place membership.

    The station file is the authority on which cells exist and what they belong to: with a
    station, ``cells()`` lists its declared cells and a GeoJSON cell it does not declare is
    never returned by ``locate`` (``fengqiao check`` reports both kinds of mismatch). Without
    one, the cells come from the features' properties.

    Args:
        cell_map: The cell outlines.
        station: The station's declared data, or ``None``.
    """

    def __init__(self, cell_map: CellMap, station: StationData | None = None) -> None:
        if station is not None:
            self._cells: tuple[GridCell, ...] = tuple(station.cells)
            declared = {cell.id for cell in self._cells}
            shapes = sorted((s for s in cell_map.cells if s.code in declared), key=lambda s: s.code)
        else:
            shapes = sorted(cell_map.cells, key=lambda s: s.code)
            self._cells = tuple(_cell_from(shape) for shape in shapes)
        self._shapes: tuple[CellShape, ...] = tuple(shapes)
        self._shape_of = {s.code: s for s in shapes}
        # Index i is the i-th smallest code: the smallest index wins a border.
        self._index = PointIndex([s.geometry for s in shapes])
        self._codes: npt.NDArray[np.object_] = np.array(
            [s.code for s in shapes] + [None], dtype=object
        )
        self._neighbours: dict[str, list[str]] | None = None
        self._place_cell = self._places(station)

    @classmethod
    def from_context(cls, context: BackendContext) -> GeoGrid:
        """Factory for ``grid = "geojson:///cells.geojson"``."""
        path = resolve_path(context, parse_grid_url(context.url))
        return cls(load_cell_map(path), context.station)

    def locate(self, lons: Numbers, lats: Numbers, crs: CoordinateSystem) -> list[str | None]:
        """The code of the cell covering each point, in input order; ``None`` outside.

        Args:
            lons: Longitudes in degrees, in ``crs``.
            lats: Latitudes in degrees, in ``crs``, as many as ``lons``.
            crs: The coordinate system of the points.

        Returns:
            One code or ``None`` per point (see the module's border rule).

        Raises:
            ValidationError: A column is not numbers, the columns differ in length, or a
                coordinate is not finite or out of range (the message gives its position).
        """
        return self._codes[self.locate_indices(lons, lats, crs)].tolist()  # type: ignore[no-any-return]

    def locate_indices(
        self, lons: Numbers, lats: Numbers, crs: CoordinateSystem
    ) -> npt.NDArray[np.intp]:
        """Like :meth:`locate`, as positions in the sorted codes (``len(codes)`` = outside)."""
        x = _column(lons, "lons", 180.0)
        y = _column(lats, "lats", 90.0)
        if x.shape != y.shape:
            raise ValidationError("lats", f"has {y.size} values but lons has {x.size}")
        if not isinstance(crs, CoordinateSystem):
            raise ValidationError("crs", "is not a CoordinateSystem")
        x, y = to_wgs84(x, y, crs)
        return self._index.locate(x, y)

    def cells(self) -> Sequence[GridCell]:
        """Every cell: the station's declared cells (or the map's, without a station)."""
        return self._cells

    def cell_of_place(self, place_id: str) -> str | None:
        """The cell of a place: its declared cell, else the cell covering its point.

        Villages and communities (which contain cells), unknown places and places with neither
        a declared cell nor a point give ``None``.
        """
        return self._place_cell.get(place_id)

    def neighbours(self, cell_id: str) -> Sequence[str]:
        """Cells sharing at least about a metre of border with ``cell_id`` (sorted).

        A shared corner alone does not count; cells that overlap do. Borders up to about a
        centimetre apart count as shared. Computed for all cells on the first call.
        """
        if self._neighbours is None:
            self._neighbours = self._shared_borders()
        return list(self._neighbours.get(cell_id, ()))

    def shape(self, cell_id: str) -> CellShape | None:
        """The outline of a located cell, ``None`` for a cell the map lacks."""
        return self._shape_of.get(cell_id)

    def _shared_borders(self) -> dict[str, list[str]]:
        tree = self._index.tree
        geoms = tree.geometries
        near = shapely.buffer(geoms, _SNAP_DEG, quad_segs=1, join_style="mitre")
        left, right = tree.query(near, predicate="intersects")
        other = left != right
        left, right = left[other], right[other]
        rims = shapely.boundary(np.take(geoms, left))
        shared = shapely.length(shapely.intersection(rims, np.take(near, right)))
        pairs: dict[str, set[str]] = {s.code: set() for s in self._shapes}
        touching = shared >= _MIN_BORDER_DEG
        for i, j in zip(left[touching].tolist(), right[touching].tolist(), strict=True):
            pairs[self._shapes[i].code].add(self._shapes[j].code)
            pairs[self._shapes[j].code].add(self._shapes[i].code)
        return {code: sorted(around) for code, around in pairs.items()}

    def _places(self, station: StationData | None) -> dict[str, str]:
        if station is None:
            return {}
        known = {cell.id for cell in self._cells}
        membership = {p.id: p.cell for p in station.places if p.cell is not None}
        pending = [
            p
            for p in station.places
            if p.cell is None and p.point is not None and not p.kind.is_settlement
        ]
        for crs in CoordinateSystem:
            batch = [p for p in pending if p.point is not None and p.point.crs is crs]
            if batch:
                found = self.locate(
                    [p.point.lon for p in batch if p.point is not None],
                    [p.point.lat for p in batch if p.point is not None],
                    crs,
                )
                membership.update(
                    (p.id, cell) for p, cell in zip(batch, found, strict=True) if cell in known
                )
        return membership


def _column(values: Numbers, field: str, limit: float) -> npt.NDArray[np.float64]:
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):
        raise ValidationError(field, "is not a column of numbers") from None
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iuf"):
        raise ValidationError(field, "is not a one-dimensional column of numbers")
    array = array.astype(np.float64, copy=False)
    bad = ~(np.abs(array) <= limit)  # NaN compares False: caught here too
    if bad.any():
        position = int(np.argmax(bad))
        raise ValidationError(
            field, f"value at position {position} is not a finite number in [-{limit:g}, {limit:g}]"
        )
    return array


def _cell_from(shape: CellShape) -> GridCell:
    return GridCell(
        id=shape.code, name=shape.name, police_grid=shape.police_grid, community=shape.community
    )
