"""Vectorised coordinate transforms 坐标转换: GCJ-02 (国测局坐标) ↔ WGS-84 over numpy columns.

GCJ-02 is the obfuscated datum of Chinese web maps (AMap, Tencent maps); GPS gives WGS-84.
:func:`wgs84_to_gcj02` is the published forward formula (the one
:mod:`fengqiao_core.model.geo` applies to one point at a time), computed on whole columns.
:func:`gcj02_to_wgs84` inverts it by fixed-point iteration on the whole column until every point
moves less than 1e-8°; as each round shrinks the error about a hundredfold, what is left is under
1e-10° (about 0.01 mm). Four rounds suffice inside China. Points
outside the rectangle the algorithm calls China (lon 72.004–137.8347, lat 0.8293–55.8271) are
returned unchanged, as the algorithm defines.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fengqiao_core.model import CoordinateSystem

__all__ = ["gcj02_to_wgs84", "in_china", "to_wgs84", "wgs84_to_gcj02"]

Column = npt.NDArray[np.float64]

_A = 6378245.0
_EE = 0.00669342162296594323
_TOLERANCE_DEG = 1e-8
_MAX_ROUNDS = 30


def in_china(lons: Column, lats: Column) -> npt.NDArray[np.bool_]:
    """Which points lie in the rectangle where GCJ-02 differs from WGS-84 (中国境内).

    Args:
        lons: Longitudes in degrees.
        lats: Latitudes in degrees, same length.

    Returns:
        A boolean column, ``True`` inside the algorithm's China rectangle.
    """
    return (lons >= 72.004) & (lons <= 137.8347) & (lats >= 0.8293) & (lats <= 55.8271)


def _offsets(lons: Column, lats: Column) -> tuple[Column, Column]:
    x = lons - 105.0
    y = lats - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    sqrt_x = np.sqrt(np.abs(x))
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_x + common
    d_lat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_x + common
    d_lon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lats / 180.0 * pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    root = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * root) * pi)
    d_lon = (d_lon * 180.0) / (_A / root * np.cos(rad) * pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[Column, Column]:
    """Convert WGS-84 columns to GCJ-02 (unchanged outside China).

    Args:
        lons: WGS-84 longitudes in degrees.
        lats: WGS-84 latitudes in degrees, same length.

    Returns:
        New GCJ-02 longitude and latitude columns (float64).
    """
    x = np.array(lons, dtype=np.float64)
    y = np.array(lats, dtype=np.float64)
    inside = in_china(x, y)
    if inside.all():
        d_lon, d_lat = _offsets(x, y)
        return x + d_lon, y + d_lat
    d_lon, d_lat = _offsets(x[inside], y[inside])
    x[inside] += d_lon
    y[inside] += d_lat
    return x, y


def gcj02_to_wgs84(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[Column, Column]:
    """Convert GCJ-02 columns to WGS-84 by iterating the forward transform.

    Each round moves every estimate by its forward residual; a point stops when it moves less
    than 1e-8°, so its result does not depend on the batch it comes in. Points outside China
    come back unchanged.

    Args:
        lons: GCJ-02 longitudes in degrees.
        lats: GCJ-02 latitudes in degrees, same length.

    Returns:
        New WGS-84 longitude and latitude columns (float64).
    """
    g_lon = np.asarray(lons, dtype=np.float64)
    g_lat = np.asarray(lats, dtype=np.float64)
    out_lon, out_lat = g_lon.copy(), g_lat.copy()
    inside = in_china(g_lon, g_lat)
    where = np.arange(g_lon.size) if inside.all() else np.flatnonzero(inside)
    gx, gy = g_lon[where], g_lat[where]
    wx, wy = gx.copy(), gy.copy()
    for _ in range(_MAX_ROUNDS):
        if not where.size:
            break
        d_lon, d_lat = _offsets(wx, wy)
        r_lon = wx + d_lon - gx
        r_lat = wy + d_lat - gy
        wx -= r_lon
        wy -= r_lat
        # A point stops once its own step is tiny: its result never depends on its batch.
        moving = np.maximum(np.abs(r_lon), np.abs(r_lat)) >= _TOLERANCE_DEG
        if not moving.all():
            out_lon[where[~moving]] = wx[~moving]
            out_lat[where[~moving]] = wy[~moving]
            where, gx, gy, wx, wy = where[moving], gx[moving], gy[moving], wx[moving], wy[moving]
    out_lon[where] = wx
    out_lat[where] = wy
    return out_lon, out_lat


def to_wgs84(lons: Column, lats: Column, crs: CoordinateSystem) -> tuple[Column, Column]:
    """Columns of ``crs`` in WGS-84 (the same arrays when they already are).

    Args:
        lons: Longitudes in degrees.
        lats: Latitudes in degrees.
        crs: The system the columns are given in.

    Returns:
        WGS-84 longitude and latitude columns.
    """
    if crs is CoordinateSystem.GCJ02:
        return gcj02_to_wgs84(lons, lats)
    return lons, lats
