"""The point-location index 网格索引 behind ``locate``: an STRtree plus a table of buckets.

Built once: the cells' extent is cut into a regular table of buckets (about 64 per cell, at
most 2**20) and the cells' STRtree tells, for each bucket, which cells touch it. A bucket that
lies strictly inside one cell and touches no other is *sure*: every point in it belongs to
that cell. A bucket no cell touches is *empty*.

Per batch, with numpy and one vectorised shapely call, never a Python loop per point: each
point's bucket is computed arithmetically; points in sure and empty buckets are answered from
the table; the others are tested against their bucket's candidate cells with one
``shapely.intersects_xy`` call (no point geometries are built). A bucket with many candidates
(crowded, e.g. tiny cells next to a huge one) sends its points to
``STRtree.query(points, predicate="intersects")`` instead. Both paths give every cell that
covers a point, border included; the smallest cell index (the smallest code) wins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["PointIndex"]

Ints = npt.NDArray[np.intp]
Floats = npt.NDArray[np.float64]

_BUCKETS_PER_CELL = 64
_MIN_BUCKETS = 4_096
_MAX_BUCKETS = 1 << 20
_CROWDED = 16
_EMPTY, _CROWD = -1, -2


class PointIndex:
    """Finds, for columns of WGS-84 points, the smallest-index polygon covering each.

    Args:
        geoms: The cell polygons, in the order that decides borders (smallest index wins).
    """

    def __init__(self, geoms: Sequence[BaseGeometry]) -> None:
        self._geoms = np.array(geoms, dtype=object)
        self.outside = len(self._geoms)
        """The index ``locate`` gives a point no polygon covers."""
        self._tree = shapely.STRtree(self._geoms)
        shapely.prepare(self._geoms)
        if not self.outside:
            return
        west, south, east, north = (float(v) for v in shapely.total_bounds(self._geoms))
        pad = 1e-9 * max(1.0, east - west, north - south)
        self._x0, self._y0 = west - pad, south - pad
        width, height = east - west + 2 * pad, north - south + 2 * pad
        wanted = min(_MAX_BUCKETS, max(_MIN_BUCKETS, _BUCKETS_PER_CELL * self.outside))
        self._nx = max(1, min(wanted, round(math.sqrt(wanted * width / height))))
        self._ny = max(1, min(wanted, wanted // self._nx))
        self._dx, self._dy = width / self._nx, height / self._ny
        self._build()

    @property
    def tree(self) -> shapely.STRtree:
        """The cells' STRtree (geometries in index order)."""
        return self._tree

    def _build(self) -> None:
        grid_x, grid_y = np.meshgrid(np.arange(self._nx), np.arange(self._ny), indexing="xy")
        ix, iy = grid_x.ravel(), grid_y.ravel()
        # Boxes a hair larger than the buckets: a point rounded into a bucket lies in its box.
        eps_x, eps_y = self._dx * 1e-6, self._dy * 1e-6
        boxes = shapely.box(
            self._x0 + ix * self._dx - eps_x,
            self._y0 + iy * self._dy - eps_y,
            self._x0 + (ix + 1) * self._dx + eps_x,
            self._y0 + (iy + 1) * self._dy + eps_y,
        )
        bucket, cell = self._tree.query(boxes, predicate="intersects")
        order = np.lexsort((cell, bucket))
        bucket, cell = bucket[order], cell[order]
        counts = np.bincount(bucket, minlength=boxes.size)
        self._start: Ints = np.concatenate(([0], np.cumsum(counts))).astype(np.intp)
        self._cells: Ints = cell.astype(np.intp)
        answer = np.full(boxes.size, _EMPTY, dtype=np.intp)
        answer[counts > _CROWDED] = _CROWD
        single = np.flatnonzero(counts == 1)
        alone = self._cells[self._start[single]]
        sure = shapely.contains_properly(self._geoms[alone], boxes[single])
        answer[single[sure]] = alone[sure]
        self._uncertain = (counts > 0) & (counts <= _CROWDED) & (answer == _EMPTY)
        self._answer: Ints = answer

    def locate(self, x: Floats, y: Floats) -> Ints:
        """The covering polygon's index for each point, :attr:`outside` for none.

        Args:
            x: Finite WGS-84 longitudes.
            y: Finite WGS-84 latitudes, same length.

        Returns:
            One index per point, in input order.
        """
        found = np.full(x.size, self.outside, dtype=np.intp)
        if not x.size or not self.outside:
            return found
        fx = np.floor((x - self._x0) / self._dx)
        fy = np.floor((y - self._y0) / self._dy)
        inside = (fx >= 0) & (fx < self._nx) & (fy >= 0) & (fy < self._ny)
        points = np.flatnonzero(inside)
        bucket = fy[points].astype(np.intp) * self._nx + fx[points].astype(np.intp)
        answer = self._answer[bucket]
        settled = answer >= 0
        found[points[settled]] = answer[settled]
        test = self._uncertain[bucket]
        if test.any():
            self._test(found, x, y, points[test], bucket[test])
        crowded = answer == _CROWD
        if crowded.any():
            self._query(found, x, y, points[crowded])
        return found

    def _test(self, found: Ints, x: Floats, y: Floats, points: Ints, bucket: Ints) -> None:
        starts = self._start[bucket]
        counts = self._start[bucket + 1] - starts
        pairs = np.repeat(points, counts)
        offsets = np.arange(pairs.size) - np.repeat(np.cumsum(counts) - counts, counts)
        cells = self._cells[np.repeat(starts, counts) + offsets]
        hit = shapely.intersects_xy(self._geoms[cells], x[pairs], y[pairs])
        _smallest(found, pairs[hit], cells[hit])

    def _query(self, found: Ints, x: Floats, y: Floats, points: Ints) -> None:
        inputs, hits = self._tree.query(
            shapely.points(x[points], y[points]), predicate="intersects"
        )
        _smallest(found, points[inputs], hits)


def _smallest(found: Ints, points: Ints, cells: Ints) -> None:
    """Set ``found[p]`` to the smallest cell among the pairs ``(p, c)`` (points start outside)."""
    found[points] = cells
    repeated = np.bincount(points, minlength=found.size)[points] > 1
    if repeated.any():
        np.minimum.at(found, points[repeated], cells[repeated])
