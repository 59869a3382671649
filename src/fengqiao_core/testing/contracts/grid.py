"""The grid contract 网格契约: every point in exactly one cell or outside, deterministically.

The data comes from fixtures a subclass may override: ``grid_station`` (the station the backend
is built from; by default Miaoshan with a point on a 600 m lattice for every place that lies in
a cell, because the shipped station declares no points), ``inside_points`` (points with the
cell they must land in), ``outside_points`` (points that must be reported outside) and
``border_points`` (points between places of different cells).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao_core.model import CoordinateSystem, GeoPoint
from fengqiao_core.model.geo import wgs84_to_gcj02
from fengqiao_core.ports import GridBackend
from fengqiao_core.station.config import StationConfig
from fengqiao_core.station.file import load_station_config
from fengqiao_core.testing.contracts._base import Contract, run_settings

__all__ = ["GridContract", "with_lattice_points"]

Point = tuple[float, float]
_ORIGIN = (114.38, 30.42)
_METRES_PER_DEGREE = 111_320.0


def with_lattice_points(config: StationConfig, spacing_m: float = 600.0) -> StationConfig:
    """The station with every place in a cell given a WGS-84 point on a square lattice."""
    placed = [p for p in config.places if p.cell is not None]
    side = math.ceil(math.sqrt(len(placed))) or 1
    step_lat = spacing_m / _METRES_PER_DEGREE
    step_lon = step_lat / math.cos(math.radians(_ORIGIN[1]))
    points = {
        p.id: GeoPoint(_ORIGIN[0] + (i % side) * step_lon, _ORIGIN[1] + (i // side) * step_lat)
        for i, p in enumerate(placed)
    }
    places = tuple(attrs.evolve(p, point=points.get(p.id, p.point)) for p in config.places)
    return attrs.evolve(config, places=places)


class GridContract(Contract):
    """What a :class:`~fengqiao_core.ports.GridBackend` must do; override ``make_backend``."""

    @pytest.fixture
    def grid_station(self) -> StationConfig:
        """The station to build the grid from (Miaoshan with lattice points by default)."""
        return with_lattice_points(load_station_config("miaoshan"))

    @pytest.fixture
    def make_backend(self, grid_station: StationConfig) -> GridBackend:
        """Override this: return the grid backend built from ``grid_station``."""
        raise NotImplementedError("override the make_backend fixture in your Test… subclass")

    @pytest.fixture
    def inside_points(self, grid_station: StationConfig) -> list[tuple[Point, str]]:
        """WGS-84 points with the cell each must land in (default: the places' own points)."""
        return [
            ((p.point.lon, p.point.lat), p.cell)
            for p in grid_station.places
            if p.point is not None and p.cell is not None
        ]

    @pytest.fixture
    def outside_points(self) -> list[Point]:
        """WGS-84 points outside every cell (default: far from any Chinese station)."""
        return [(0.0, 0.0), (-73.98, 40.75), (151.2, -33.9), (114.38, -30.42)]

    @pytest.fixture
    def border_points(self, inside_points: list[tuple[Point, str]]) -> list[Point]:
        """Points halfway between neighbouring inside points of different cells."""
        return [
            ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
            for (a, cell_a), (b, cell_b) in itertools.pairwise(inside_points)
            if cell_a != cell_b
        ]

    @pytest.fixture
    def grid(self, make_backend: GridBackend) -> GridBackend:
        """The backend under test (``make_backend`` builds it once per test)."""
        return make_backend

    def test_cells_have_unique_ids(self, grid: GridBackend) -> None:
        """``cells()`` lists each cell once."""
        ids = [cell.id for cell in grid.cells()]
        assert ids
        assert len(ids) == len(set(ids))

    def test_every_point_lands_in_exactly_one_known_cell_or_outside(
        self, grid: GridBackend
    ) -> None:
        """``locate`` returns one answer per point: a known cell id or ``None``."""
        known = {cell.id for cell in grid.cells()}

        @run_settings()
        @given(st.lists(st.tuples(st.floats(114.0, 114.8), st.floats(30.0, 30.8)), max_size=50))
        def check(points: list[Point]) -> None:
            found = grid.locate(*_columns(points), CoordinateSystem.WGS84)
            assert len(found) == len(points)
            assert all(cell is None or cell in known for cell in found)

        check()

    def test_inside_points_land_in_their_cell(
        self, grid: GridBackend, inside_points: list[tuple[Point, str]]
    ) -> None:
        """Points known to lie in a cell are located there."""
        assert inside_points, "the inside_points fixture gave no points"
        found = grid.locate(*_columns([p for p, _ in inside_points]), CoordinateSystem.WGS84)
        assert found == [cell for _, cell in inside_points]

    def test_gcj02_points_land_where_their_wgs84_twins_do(
        self, grid: GridBackend, inside_points: list[tuple[Point, str]]
    ) -> None:
        """The same place given in GCJ-02 lands in the same cell as in WGS-84."""
        gcj = [wgs84_to_gcj02(*p) for p, _ in inside_points]
        found = grid.locate(*_columns(gcj), CoordinateSystem.GCJ02)
        assert found == [cell for _, cell in inside_points]

    def test_outside_points_are_reported_outside(
        self, grid: GridBackend, outside_points: list[Point]
    ) -> None:
        """Points outside every cell give ``None``, not an error."""
        found = grid.locate(*_columns(outside_points), CoordinateSystem.WGS84)
        assert found == [None] * len(outside_points)

    def test_border_points_are_located_deterministically(
        self, grid: GridBackend, border_points: list[Point]
    ) -> None:
        """A point on a border gets the same answer every time, alone or in any batch order."""
        assert border_points, "the border_points fixture gave no points"
        once = grid.locate(*_columns(border_points), CoordinateSystem.WGS84)
        again = grid.locate(*_columns(border_points[::-1]), CoordinateSystem.WGS84)
        alone = [grid.locate([x], [y], CoordinateSystem.WGS84)[0] for x, y in border_points]
        assert once == again[::-1] == alone

    def test_locating_many_equals_locating_one_by_one(
        self, grid: GridBackend, inside_points: list[tuple[Point, str]]
    ) -> None:
        """``locate`` of a batch equals ``locate`` of each point alone, near places or not."""
        near = st.sampled_from([p for p, _ in inside_points]).flatmap(
            lambda p: st.tuples(
                st.floats(p[0] - 0.01, p[0] + 0.01), st.floats(p[1] - 0.01, p[1] + 0.01)
            )
        )

        @run_settings()
        @given(st.lists(near, max_size=40), st.sampled_from(CoordinateSystem))
        def check(points: list[Point], crs: CoordinateSystem) -> None:
            batch = grid.locate(*_columns(points), crs)
            assert batch == [grid.locate([x], [y], crs)[0] for x, y in points]

        check()

    def test_places_lie_in_known_cells(
        self, grid: GridBackend, grid_station: StationConfig
    ) -> None:
        """``cell_of_place`` gives each place's declared cell and ``None`` for unknown places."""
        for place in grid_station.places:
            assert grid.cell_of_place(place.id) == place.cell
        assert grid.cell_of_place("no-such-place") is None

    def test_neighbours_are_known_sorted_and_symmetric(self, grid: GridBackend) -> None:
        """Neighbours are other known cells, sorted, and a neighbour's neighbour is back."""
        cells = [cell.id for cell in grid.cells()]
        for cell in cells:
            around = list(grid.neighbours(cell))
            assert around == sorted(around)
            assert cell not in around
            assert set(around) <= set(cells)
            assert all(cell in grid.neighbours(other) for other in around)


def _columns(points: Sequence[Point]) -> tuple[list[float], list[float]]:
    return [p[0] for p in points], [p[1] for p in points]
