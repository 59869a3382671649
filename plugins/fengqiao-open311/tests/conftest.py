"""Fixtures: the lakeside test station on a fresh SQLite database, a fixed clock, settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fengqiao_open311.settings import Open311Settings

from fengqiao_core import MatterDraft, StationService, open_station
from fengqiao_core.model import (
    Address,
    FreeText,
    GeoPoint,
    Location,
    MatterKind,
    Severity,
    Source,
)
from fengqiao_core.station import load_station_config
from fengqiao_core.testing import FakeClock

DATA = Path(__file__).parent / "data"
SECRET = b"open311-tests-secret-e19c5a72d0f84b36"
EXPORT_OFFICER = "ofc-duty"
"""The configured ``[open311].actor``: the duty officer, whose scope is the whole station."""


@pytest.fixture(scope="session")
def lakeside_config():  # type: ignore[no-untyped-def]
    return load_station_config(DATA / "lakeside.toml")


@pytest.fixture
def settings(tmp_path: Path) -> Open311Settings:
    return Open311Settings(
        actor=EXPORT_OFFICER,
        agency="湖西派出所",
        jurisdiction_id="lakeside",
        services={"LOST": "help_request:lost_property", "NEIGHBOUR": "dispute:neighbour"},
        folder=tmp_path,
    )


@pytest.fixture
def make_station(lakeside_config, tmp_path: Path) -> Iterator[Callable[[str], StationService]]:  # type: ignore[no-untyped-def]
    opened: list[StationService] = []

    def make(name: str = "a", clock: FakeClock | None = None) -> StationService:
        config = lakeside_config.with_backends(storage=f"sqlite:///{tmp_path / name}.db")
        station = open_station(config, secret=SECRET, clock=clock or FakeClock(), dispatch=False)
        opened.append(station)
        return station

    yield make
    for station in opened:
        station.shutdown()


def make_draft(
    kind: MatterKind,
    category: str,
    *,
    point: tuple[float, float] | None = (120.1204, 30.2703),
    address: str | None = "浙江省杭州市西湖区柳岸路18号3单元",
    text: str = "邻居装修噪音到深夜，多次沟通无果",
    place: str | None = None,
) -> MatterDraft:
    return MatterDraft(
        kind=kind,
        category=category,
        severity=Severity.GENERAL,
        source=Source.WALK_IN,
        location=Location(
            point=None if point is None else GeoPoint(*point),
            address=None if address is None else Address(address),
            place=place,
        ),
        description=FreeText(text),
    )


@pytest.fixture
def draft() -> Callable[..., MatterDraft]:
    """``draft(kind, category, point=…, address=…, text=…, place=…)``: an invented matter."""
    return make_draft
