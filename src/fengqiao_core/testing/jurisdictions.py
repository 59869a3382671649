"""Hypothesis strategies for whole valid jurisdictions 辖区 (re-exported by ``strategies``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attrs import frozen
from hypothesis import strategies as st

from fengqiao_core import model as m

__all__ = ["Jurisdiction", "jurisdictions_with"]

_SETTLEMENTS = (m.PlaceKind.VILLAGE, m.PlaceKind.COMMUNITY)
_LOCAL_PLACES = tuple(k for k in m.PlaceKind if not k.is_settlement)


@frozen
class Jurisdiction:
    """A whole valid jurisdiction 辖区.

    Police grids partition the cells, every cell lies in one community or village, every other
    place in one cell.
    """

    station: m.Station
    police_grids: tuple[m.PoliceGrid, ...]
    cells: tuple[m.GridCell, ...]
    places: tuple[m.Place, ...]


@st.composite
def jurisdictions_with(
    draw: Callable[[st.SearchStrategy[Any]], Any], stations: st.SearchStrategy[m.Station]
) -> Jurisdiction:
    """Generate a valid jurisdiction of 1-12 settlements, their cells and 1-6 police grids.

    Every police grid covers at least one cell; the station is drawn from ``stations``.
    """
    station = draw(stations)
    settlements = [
        m.Place(id=f"s{i}", name=f"社区{i}", kind=draw(st.sampled_from(_SETTLEMENTS)))
        for i in range(draw(st.integers(1, 12)))
    ]
    shape = [(s, c) for s in range(len(settlements)) for c in range(draw(st.integers(1, 5)))]
    grids = [
        m.PoliceGrid(id=f"pg{i}", name=f"警格{i}")
        for i in range(draw(st.integers(1, min(6, len(shape)))))
    ]
    cells: list[m.GridCell] = []
    places: list[m.Place] = list(settlements)
    for index, (s_index, c_index) in enumerate(shape):
        settlement = settlements[s_index]
        grid = grids[index] if index < len(grids) else draw(st.sampled_from(grids))
        cell = m.GridCell(
            id=f"420115001{s_index:03d}{c_index:03d}",
            name=f"{settlement.name}第{c_index + 1}网格",
            police_grid=grid.id,
            community=settlement.id,
            households=draw(st.integers(150, 500)),
        )
        cells.append(cell)
        places.extend(
            m.Place(
                id=f"p{s_index}x{c_index}x{p_index}",
                name=f"场所{p_index}",
                kind=draw(st.sampled_from(_LOCAL_PLACES)),
                parent=settlement.id,
                cell=cell.id,
            )
            for p_index in range(draw(st.integers(0, 3)))
        )
    return Jurisdiction(station, tuple(grids), tuple(cells), tuple(places))
