"""Checks of a cell map against its station 网格图层检查, for ``fengqiao check``.

Each finding names the cell codes involved and, for geometry, the area in m² (computed in a
local equirectangular projection around the map's centre, well under 0.1 % off over a
station's few dozen km²). Areas under ``min_area_m2`` (1 m² by default) are drawing noise and
not reported. Rule ids:

- ``G0`` the map cannot be read (error);
- ``G1`` a cell the station file declares is missing from the map (error);
- ``G2`` the map has a cell the station file does not declare (error);
- ``G3`` a cell's police grid or community differs between map and station file (error);
- ``G4`` two cells overlap (error: a point there would belong to two cells);
- ``G5`` a gap: ground inside the station boundary, or enclosed by cells, that no cell covers
  (error: a report there lands in no cell);
- ``G6`` part of a cell lies outside the station boundary (error).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from fengqiao_core.errors import ConfigurationError
from fengqiao_core.model import GridCell
from fengqiao_core.rules.findings import Finding, FindingSeverity
from fengqiao_geogrid.cells import CellMap, load_cell_map
from fengqiao_geogrid.grid import parse_grid_url, resolve_path

__all__ = ["MAX_PER_RULE", "check_cell_map", "check_station_map"]

MAX_PER_RULE = 20
"""At most this many findings per rule; one more finding says how many were left out."""

_ERROR = FindingSeverity.ERROR
_EARTH_RADIUS_M = 6371008.8
_SHARED_AREA = "2********"


def check_station_map(config: Any, url: str) -> list[Finding]:
    """Read the map a station's grid URL names and check it against the station's cells.

    A relative path is resolved by the configuration's ``path(raw)`` when it has one (as
    :func:`~fengqiao_geogrid.grid.resolve_path` does for a backend context), else as written.

    Args:
        config: The station configuration (its ``cells`` are compared).
        url: The ``geojson://`` grid URL of the station file.

    Returns:
        The findings; one ``G0`` error when the map cannot be read.
    """
    try:
        cell_map = load_cell_map(resolve_path(config, parse_grid_url(url)))
    except ConfigurationError as exc:
        return [Finding("G0", _ERROR, str(exc))]
    return check_cell_map(cell_map, tuple(config.cells))


def check_cell_map(
    cell_map: CellMap, declared: Sequence[GridCell] | None = None, min_area_m2: float = 1.0
) -> list[Finding]:
    """Every finding about a cell map (see the module's rule ids).

    Args:
        cell_map: The map.
        declared: The station file's cells, or ``None`` to check the geometry only.
        min_area_m2: Smaller gaps, overlaps and overhangs are ignored.

    Returns:
        The findings, rule by rule.
    """
    found: list[Finding] = []
    if declared is not None:
        found += _membership(cell_map, declared)
    if not cell_map.cells:
        return found
    to_m2 = _area_m2(cell_map)
    found += _overlaps(cell_map, to_m2, min_area_m2)
    found += _gaps(cell_map, to_m2, min_area_m2)
    found += _outside(cell_map, to_m2, min_area_m2)
    return found


def _membership(cell_map: CellMap, declared: Sequence[GridCell]) -> list[Finding]:
    drawn = {shape.code: shape for shape in cell_map.cells}
    named = {cell.id: cell for cell in declared}
    missing = sorted(set(named) - set(drawn))
    extra = sorted(set(drawn) - set(named))
    found: list[Finding] = []
    if missing:
        found.append(
            Finding(
                "G1",
                _ERROR,
                f"{len(missing)} declared cell(s) missing from the map: " + _listed(missing),
            )
        )
    if extra:
        found.append(
            Finding(
                "G2",
                _ERROR,
                f"{len(extra)} cell(s) on the map not declared in the "
                "station file: " + _listed(extra),
            )
        )
    differ = sorted(
        code
        for code in set(named) & set(drawn)
        if (named[code].police_grid, named[code].community)
        != (drawn[code].police_grid, drawn[code].community)
    )
    for code in differ[:MAX_PER_RULE]:
        cell, shape = named[code], drawn[code]
        found.append(
            Finding(
                "G3",
                _ERROR,
                f"cell {code}: the map says police grid {shape.police_grid}, community "
                f"{shape.community}; the station file says {cell.police_grid}, {cell.community}",
            )
        )
    return found + _more("G3", len(differ))


def _overlaps(cell_map: CellMap, to_m2: Any, min_area_m2: float) -> list[Finding]:
    codes = [shape.code for shape in cell_map.cells]
    geoms = np.array([shape.geometry for shape in cell_map.cells], dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    keep = shapely.relate_pattern(geoms[left], geoms[right], _SHARED_AREA)
    left, right = left[keep], right[keep]
    areas = to_m2(shapely.intersection(geoms[left], geoms[right]))
    rows = sorted(
        (codes[i], codes[j], area)
        for i, j, area in zip(left.tolist(), right.tolist(), areas.tolist(), strict=True)
        if area >= min_area_m2
    )
    found = [
        Finding("G4", _ERROR, f"cells {a} and {b} overlap by {area:.0f} m²")
        for a, b, area in rows[:MAX_PER_RULE]
    ]
    return found + _more("G4", len(rows))


def _gaps(cell_map: CellMap, to_m2: Any, min_area_m2: float) -> list[Finding]:
    geoms = [shape.geometry for shape in cell_map.cells]
    union = shapely.union_all(geoms)
    if cell_map.boundary is not None:
        region = cell_map.boundary
    else:
        shells = [shapely.polygons(shapely.get_exterior_ring(p)) for p in shapely.get_parts(union)]
        region = shapely.union_all(shells)
    parts = shapely.get_parts(shapely.difference(region, union))
    areas = to_m2(parts)
    tree = shapely.STRtree(geoms)
    rows: list[tuple[float, str]] = []
    for part, area in zip(parts, areas.tolist(), strict=True):
        if area < min_area_m2:
            continue
        around = sorted(cell_map.cells[i].code for i in tree.query(part, predicate="intersects"))
        where = f"next to cells {_listed(around)}" if around else "touching no cell"
        rows.append((-area, f"a gap of {area:.0f} m² {where}"))
    rows.sort()
    found = [Finding("G5", _ERROR, text) for _, text in rows[:MAX_PER_RULE]]
    return found + _more("G5", len(rows))


def _outside(cell_map: CellMap, to_m2: Any, min_area_m2: float) -> list[Finding]:
    if cell_map.boundary is None:
        return []
    geoms = [shape.geometry for shape in cell_map.cells]
    areas = to_m2(shapely.difference(geoms, cell_map.boundary))
    rows = [
        (shape.code, area)
        for shape, area in zip(cell_map.cells, areas.tolist(), strict=True)
        if area >= min_area_m2
    ]
    found = [
        Finding("G6", _ERROR, f"cell {code} lies {area:.0f} m² outside the station boundary")
        for code, area in sorted(rows)[:MAX_PER_RULE]
    ]
    return found + _more("G6", len(rows))


def _area_m2(cell_map: CellMap) -> Any:
    """A function giving the areas in m² of an array of WGS-84 geometries near this map."""
    west, south, east, north = shapely.total_bounds([s.geometry for s in cell_map.cells])
    lon0, lat0 = (west + east) / 2.0, (south + north) / 2.0
    scale_y = math.radians(1.0) * _EARTH_RADIUS_M
    scale_x = scale_y * math.cos(math.radians(lat0))

    def project(coords: np.ndarray[Any, np.dtype[np.float64]]) -> Any:
        return np.column_stack(((coords[:, 0] - lon0) * scale_x, (coords[:, 1] - lat0) * scale_y))

    def areas(geoms: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
        projected = shapely.transform(np.asarray(geoms, dtype=object), project)
        return np.asarray(shapely.area(projected), dtype=np.float64)

    return areas


def _listed(codes: Sequence[str]) -> str:
    shown = ", ".join(codes[:MAX_PER_RULE])
    return shown + (f" and {len(codes) - MAX_PER_RULE} more" if len(codes) > MAX_PER_RULE else "")


def _more(rule: str, count: int) -> list[Finding]:
    if count <= MAX_PER_RULE:
        return []
    return [Finding(rule, _ERROR, f"{count - MAX_PER_RULE} more finding(s) of this kind")]
