"""The grid contract 网格契约: every point in exactly one cell or outside, deterministically.

The data comes from fixtures a subclass may override: ``grid_station`` (the station the backend
is built from; by default Miaoshan with a point on a 600 m lattice for every place that lies in
a cell, because the shipped station declares no points), ``inside_points`` (points with the
cell they must land in), ``outside_points`` (points that must be reported outside) and
``border_points`` (points between places of different cells).
"""

from __future__ import annotations

import functools
import itertools
import math
import random
from collections.abc import Sequence

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao_core.errors import ValidationError
from fengqiao_core.model import CoordinateSystem, GeoPoint
from fengqiao_core.model.geo import to_wgs84, wgs84_to_gcj02
from fengqiao_core.ports import GridBackend
from fengqiao_core.station.config import StationConfig
from fengqiao_core.station.file import load_station_config
from fengqiao_core.testing.contracts._base import Contract, run_settings

__all__ = ["BAD_COLUMNS", "GridContract", "with_lattice_points"]

Point = tuple[float, float]
_ORIGIN = (114.38, 30.42)
_METRES_PER_DEGREE = 111_320.0


def with_lattice_points(
    config: StationConfig, spacing_m: float = 600.0, *, settlements: bool = True
) -> StationConfig:
    """The station with every place in a cell given a WGS-84 point on a square lattice.

    With ``settlements``, each place without a cell (a village, a community) also gets a point:
    that of a place in a cell, so a grid that computes a place's cell from its point instead
    of its declaration answers a cell where the declaration says none.
    """
    placed = [p for p in config.places if p.cell is not None]
    points = {
        p.id: point for p, point in zip(placed, _lattice(len(placed), spacing_m), strict=True)
    }
    if settlements and placed:
        unplaced = [p for p in config.places if p.cell is None]
        for n, place in enumerate(unplaced):
            points[place.id] = points[placed[(n * 7) % len(placed)].id]
    places = tuple(attrs.evolve(p, point=points.get(p.id, p.point)) for p in config.places)
    return attrs.evolve(config, places=places)


def _lattice(count: int, spacing_m: float = 600.0) -> list[GeoPoint]:
    side = math.ceil(math.sqrt(count)) or 1
    step_lat = spacing_m / _METRES_PER_DEGREE
    step_lon = step_lat / math.cos(math.radians(_ORIGIN[1]))
    return [
        GeoPoint(_ORIGIN[0] + (i % side) * step_lon, _ORIGIN[1] + (i // side) * step_lat)
        for i in range(count)
    ]


BAD_COLUMNS: dict[str, tuple[list[float], list[float]]] = {
    "nan_longitude": ([math.nan], [30.42]),
    "nan_latitude": ([114.38], [math.nan]),
    "infinite_longitude": ([math.inf], [30.42]),
    "longitude_over_180": ([180.5], [30.42]),
    "latitude_under_minus_90": ([114.38], [-90.5]),
    "one_bad_among_good": ([114.38, 114.39, 114.4], [30.42, 91.0, 30.43]),
    "more_longitudes_than_latitudes": ([114.38, 114.39], [30.42]),
    "more_latitudes_than_longitudes": ([114.38], [30.42, 30.43]),
}
"""Columns ``locate`` must refuse with :class:`~fengqiao_core.errors.ValidationError`."""


class GridContract(Contract):
    """What a :class:`~fengqiao_core.ports.GridBackend` must do; override ``make_backend``."""

    @pytest.fixture
    def grid_station(self) -> StationConfig:
        """The station to build the grid from (Miaoshan with lattice points by default).

        The default is read and built once per process (a station is immutable).
        """
        return _lattice_miaoshan()

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
    def bordering_cells(self) -> list[tuple[str, str]]:
        """Pairs of cells that share a border: each must list the other among its neighbours.

        Default: none (the declared grid's neighbours are the cells of a community, a polygon
        grid's those with a shared edge); a grid with a map overrides this with pairs from it.
        """
        return []

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

    def test_cells_lists_every_declared_cell(
        self, grid: GridBackend, grid_station: StationConfig
    ) -> None:
        """``cells()`` lists every cell the station declares, and only those."""
        listed = {cell.id for cell in grid.cells()}
        declared = {cell.id for cell in grid_station.cells}
        assert not declared - listed, f"{len(declared - listed)} declared cells not listed"
        assert not listed - declared, f"cells the station does not declare: {listed - declared}"

    def test_border_points_land_in_declared_cells(
        self, grid: GridBackend, grid_station: StationConfig, border_points: list[Point]
    ) -> None:
        """A point on a border between cells is located in one of the declared cells.

        Never ``None`` (a border between two cells lies inside the grid) and never a made-up
        answer such as ``"A|B"``.
        """
        declared = {cell.id for cell in grid_station.cells}
        found = grid.locate(*_columns(border_points), CoordinateSystem.WGS84)
        wrong = sorted({str(cell) for cell in found if cell not in declared})
        assert not wrong, f"border points located in undeclared cells: {wrong[:5]}"

    def test_big_batches_keep_input_order(
        self, grid: GridBackend, inside_points: list[tuple[Point, str]]
    ) -> None:
        """A batch of several thousand points answers each point at its own position."""
        assert inside_points, "the inside_points fixture gave no points"
        order = random.Random(16).choices(range(len(inside_points)), k=5_000)
        points = [inside_points[i][0] for i in order]
        found = grid.locate(*_columns(points), CoordinateSystem.WGS84)
        want = [inside_points[i][1] for i in order]
        assert len(found) == len(want)
        misplaced = [n for n, (a, b) in enumerate(zip(found, want, strict=True)) if a != b]
        assert not misplaced, f"{len(misplaced)} of 5000 answers wrong, first at {misplaced[:5]}"

    @pytest.mark.parametrize("case", sorted(BAD_COLUMNS))
    def test_bad_coordinates_are_refused(self, grid: GridBackend, case: str) -> None:
        """NaN, infinite or out-of-range coordinates and columns of unequal length are refused.

        ``locate`` raises :class:`~fengqiao_core.errors.ValidationError` naming ``lons`` or
        ``lats``, for the whole batch, rather than answering ``None`` or truncating.
        """
        lons, lats = BAD_COLUMNS[case]
        with pytest.raises(ValidationError) as refused:
            grid.locate(lons, lats, CoordinateSystem.WGS84)
        assert refused.value.field in {"lons", "lats"}
        shown = str(refused.value)  # a point can be someone's home: never echoed
        assert not [v for v in (*lons, *lats) if math.isfinite(v) and f"{v:g}" in shown]

    def test_the_edges_of_the_ranges_are_coordinates(self, grid: GridBackend) -> None:
        """±180 longitude and ±90 latitude are valid (far outside any cell), not refused."""
        found = grid.locate([180.0, -180.0, 0.0], [0.0, 0.0, 90.0], CoordinateSystem.WGS84)
        assert found == [None, None, None]
        assert grid.locate([0.0], [-90.0], CoordinateSystem.WGS84) == [None]

    def test_some_cells_have_neighbours(
        self, grid: GridBackend, grid_station: StationConfig
    ) -> None:
        """With several cells, some cell has a neighbour: ``neighbours`` is not always empty."""
        if len(grid_station.cells) < 2:
            pytest.skip("grid_station declares fewer than two cells")
        assert any(grid.neighbours(cell.id) for cell in grid_station.cells)

    def test_cells_that_share_a_border_are_neighbours(
        self, grid: GridBackend, bordering_cells: list[tuple[str, str]]
    ) -> None:
        """Each of two cells that share a border lists the other among its neighbours."""
        if not bordering_cells:
            pytest.skip("no bordering cells known: override the bordering_cells fixture")
        missing = [
            (a, b)
            for a, b in bordering_cells
            if b not in grid.neighbours(a) or a not in grid.neighbours(b)
        ]
        assert not missing, f"{len(missing)} bordering pairs are not neighbours: {missing[:3]}"

    def test_a_place_keeps_its_declared_cell_wherever_its_point_lies(
        self, grid: GridBackend, grid_station: StationConfig
    ) -> None:
        """``cell_of_place`` answers the declaration, even where the place's point lies elsewhere.

        The default station gives villages and communities (declared in no cell) the point of
        a place that is in one; a grid computing cells from points answers that cell.
        """
        pointed = [(p, p.point) for p in grid_station.places if p.point is not None]
        wgs84 = [to_wgs84(point.lon, point.lat, point.crs) for _, point in pointed]
        located = grid.locate(*_columns(wgs84), CoordinateSystem.WGS84)
        elsewhere = [p for (p, _), cell in zip(pointed, located, strict=True) if cell != p.cell]
        if not elsewhere:
            pytest.skip("grid_station has no place whose point lies outside its declared cell")
        wrong = [p.id for p in elsewhere if grid.cell_of_place(p.id) != p.cell]
        assert not wrong, f"{len(wrong)} places answered from their point: {wrong[:5]}"


@functools.cache
def _lattice_miaoshan() -> StationConfig:
    return with_lattice_points(load_station_config("miaoshan"))


def _columns(points: Sequence[Point]) -> tuple[list[float], list[float]]:
    return [p[0] for p in points], [p[1] for p in points]
