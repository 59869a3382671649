"""Reading grid cells from GeoJSON 网格图层: one feature per cell, polygons or multipolygons.

A cell map is a GeoJSON ``FeatureCollection``. Each cell is one feature whose geometry is a
``Polygon`` or ``MultiPolygon`` (holes allowed) and whose properties carry the 15-digit cell
code ``cell``, the police grid 警格 ``police_grid``, the community or village ``community`` and
optionally a ``name``. One optional feature with ``"kind": "station"`` draws the station's
jurisdiction boundary 辖区边界 (used by ``fengqiao check``). Coordinates are WGS-84 as RFC 7946
says, unless the collection carries the member ``"coordinate_system": "gcj02"`` (maps drawn on
AMap or Tencent maps); such a map is converted to WGS-84 when it is read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from attrs import frozen
from shapely.geometry.base import BaseGeometry

from fengqiao_core.errors import ConfigurationError
from fengqiao_core.model import CoordinateSystem
from fengqiao_geogrid.transform import gcj02_to_wgs84

__all__ = ["MAX_FILE_BYTES", "CellMap", "CellShape", "load_cell_map", "parse_cell_map"]

MAX_FILE_BYTES = 64 * 1024 * 1024
"""The largest cell map read (64 MiB)."""

_AREAL = ("Polygon", "MultiPolygon")


@frozen
class CellShape:
    """A grid cell's outline 网格边界 as a GeoJSON feature gives it.

    Attributes:
        code: The 15-digit cell code (property ``cell``).
        police_grid: The police grid 警格 id (property ``police_grid``).
        community: The community or village id (property ``community``).
        name: The cell's name (property ``name``; the code when absent).
        geometry: A valid shapely ``Polygon`` or ``MultiPolygon`` in WGS-84.
    """

    code: str
    police_grid: str
    community: str
    name: str
    geometry: BaseGeometry


@frozen
class CellMap:
    """Every cell outline of a GeoJSON file 网格图层, and the station boundary when drawn.

    Attributes:
        cells: The cells in file order.
        boundary: The station's jurisdiction 辖区 outline, or ``None`` when the file has none.
        source: Where the map was read from (for messages).
    """

    cells: tuple[CellShape, ...]
    boundary: BaseGeometry | None
    source: str


def load_cell_map(path: Path) -> CellMap:
    """Read a cell map file.

    Args:
        path: The GeoJSON file.

    Returns:
        The checked cell map.

    Raises:
        ConfigurationError: The file cannot be read, is too large, or is not a cell map (the
            message names the feature and what to fix).
    """
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ConfigurationError(
                f"geojson grid: {path} has {size} bytes, more than {MAX_FILE_BYTES}; "
                "simplify the cell outlines"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(
            f"geojson grid: cannot read {path} ({type(exc).__name__}); check the grid URL "
            "in the station file"
        ) from None
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        raise ConfigurationError(f"geojson grid: {path} is not valid JSON") from None
    return parse_cell_map(document, source=str(path))


def parse_cell_map(document: Any, *, source: str = "<geojson>") -> CellMap:
    """Build a cell map from a decoded GeoJSON document.

    Args:
        document: The decoded JSON value.
        source: Where it came from, for messages.

    Returns:
        The checked cell map.

    Raises:
        ConfigurationError: Not a ``FeatureCollection`` of cell features (the message names the
            feature index and what to fix).
    """
    if not isinstance(document, Mapping) or document.get("type") != "FeatureCollection":
        raise ConfigurationError(f"geojson grid: {source} is not a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise ConfigurationError(f"geojson grid: {source} has no list of features")
    crs = _coordinate_system(document.get("coordinate_system", "wgs84"), source)
    cells: list[CellShape] = []
    boundary: BaseGeometry | None = None
    seen: set[str] = set()
    for index, feature in enumerate(features):
        where = f"{source}: features[{index}]"
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            raise ConfigurationError(f"geojson grid: {where} is not a GeoJSON Feature")
        props = feature.get("properties")
        props = props if isinstance(props, Mapping) else {}
        geometry = _geometry(feature.get("geometry"), crs, where)
        if props.get("kind") == "station":
            if boundary is not None:
                raise ConfigurationError(f"geojson grid: {where} is a second station boundary")
            boundary = geometry
            continue
        code = _text(props, "cell", where)
        if len(code) != 15 or not code.isdigit():
            raise ConfigurationError(
                f"geojson grid: {where} property 'cell' is not a 15-digit grid code"
            )
        if code in seen:
            raise ConfigurationError(
                f"geojson grid: {where} repeats cell {code}; draw a cell in several parts as "
                "one MultiPolygon"
            )
        seen.add(code)
        name = props.get("name")
        cells.append(
            CellShape(
                code=code,
                police_grid=_text(props, "police_grid", where),
                community=_text(props, "community", where),
                name=name if isinstance(name, str) and name.strip() else code,
                geometry=geometry,
            )
        )
    return CellMap(tuple(cells), boundary, source)


def _coordinate_system(value: object, source: str) -> CoordinateSystem:
    for crs in CoordinateSystem:
        if value == crs.value:
            return crs
    raise ConfigurationError(
        f"geojson grid: {source} member 'coordinate_system' must be 'wgs84' or 'gcj02'"
    )


def _text(props: Mapping[str, Any], key: str, where: str) -> str:
    value = props.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise ConfigurationError(
            f"geojson grid: {where} needs a text property {key!r} (at most 64 characters)"
        )
    return value


def _geometry(raw: object, crs: CoordinateSystem, where: str) -> BaseGeometry:
    if not isinstance(raw, Mapping) or raw.get("type") not in _AREAL:
        raise ConfigurationError(f"geojson grid: {where} geometry is not a Polygon or MultiPolygon")
    try:
        geometry = shapely.geometry.shape(dict(raw))
        coords = shapely.get_coordinates(geometry)
    except Exception:  # shapely raises many types for malformed coordinates
        raise ConfigurationError(
            f"geojson grid: {where} has malformed coordinates (rings of [lon, lat] pairs)"
        ) from None
    if geometry.is_empty or not _lon_lat(coords):
        raise ConfigurationError(
            f"geojson grid: {where} has no area or coordinates outside lon [-180, 180], "
            "lat [-90, 90]"
        )
    if crs is CoordinateSystem.GCJ02:
        geometry = shapely.transform(geometry, _gcj02_to_wgs84_xy)
    if not shapely.is_valid(geometry):
        reason = shapely.is_valid_reason(geometry)
        raise ConfigurationError(
            f"geojson grid: {where} is not a valid polygon ({reason}); repair it in a GIS "
            "(e.g. QGIS 'Fix geometries')"
        )
    return geometry


def _lon_lat(coords: np.ndarray[Any, np.dtype[np.float64]]) -> bool:
    if not coords.size or not np.isfinite(coords).all():
        return False
    return bool(np.abs(coords[:, 0]).max() <= 180.0 and np.abs(coords[:, 1]).max() <= 90.0)


def _gcj02_to_wgs84_xy(
    coords: np.ndarray[Any, np.dtype[np.float64]],
) -> np.ndarray[Any, np.dtype[np.float64]]:
    lons, lats = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
    return np.column_stack((lons, lats))
