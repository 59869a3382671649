"""No input breaks a station (TARGETS.md R10): arbitrary values at every use case and query.

Every public method of the station that takes an actor is called with arbitrary Python values
in every parameter (and with real actors of every role), on memory and on SQLite. Only the
library's own errors may come back; afterwards the station still reports a new matter, every
history reads, the audit chain verifies and the outbox delivers.
"""

from __future__ import annotations

import datetime as dt
import inspect
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fengqiao_core import model as m
from fengqiao_core.errors import FengqiaoError
from fengqiao_core.station import StationService
from station_helpers import MIAOSHAN, OFFICER, draft, station

AUDITOR = m.Actor("AU1", m.Role.AUDITOR)
METHODS = sorted(
    name
    for name, function in inspect.getmembers(StationService, inspect.isfunction)
    if not name.startswith("_") and list(inspect.signature(function).parameters)[1:2] == ["actor"]
)
ROLES = [m.Actor(person, role) for person, role in zip(
    ("O01", "A01", "S0001", "W01", "M01", "L01", "r1", "AD1", "AU1"),
    (m.Role.OFFICER, m.Role.AUXILIARY, m.Role.STEWARD, m.Role.GRID_WORKER, m.Role.MEDIATOR,
     m.Role.LAWYER, m.Role.RESIDENT, m.Role.ADMIN, m.Role.AUDITOR),
    strict=False,
)]  # fmt: skip
HOSTILE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x1b[2J\x1b]0;owned\x07",
        "\u202eevil",
        "a\u200db",
        "\x00",
        "line\r\nbreak",
        "\ud800",
        "x" * 100_000,
        "𠀀𠀁",
        "11010519491231002X",
        "13800138000",
        "*",
        "../../etc/passwd",
        "'; DROP TABLE matters; --",
    ]
)
ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=20),
    st.text(max_size=30),
    HOSTILE_TEXT,
    st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from(list(m.LadderLevel) + list(m.Linkage) + list(m.Role)),
)
ACTORS = st.one_of(st.sampled_from(ROLES), ANYTHING)


def _call(service: StationService, name: str, actor: object, values: dict[str, object]) -> None:
    try:
        result = getattr(service, name)(actor, **values)
        if inspect.isgenerator(result) or hasattr(result, "__next__"):
            list(result)
    except FengqiaoError:
        pass


def _arguments(name: str, data: st.DataObject, matter_ids: list[str]) -> dict[str, object]:
    parameters = list(inspect.signature(getattr(StationService, name)).parameters.values())[2:]
    values: dict[str, object] = {}
    for parameter in parameters:
        if parameter.name == "matter_id" or parameter.kind is parameter.POSITIONAL_OR_KEYWORD:
            values[parameter.name] = data.draw(st.sampled_from(matter_ids) | ANYTHING)
        elif parameter.default is parameter.empty or data.draw(st.booleans()):
            values[parameter.name] = data.draw(ANYTHING)
    return values


def _still_works(service: StationService) -> None:
    fresh = service.report(OFFICER, draft(description=m.FreeText("之后仍可报告")))
    assert fresh.version == 2
    for matter in service.open_matters(OFFICER):
        assert service.history(OFFICER, matter.id)
    assert service.verify_audit(AUDITOR) is None
    service.deliver_pending()
    with service._storage.unit_of_work() as uow:
        assert uow.outbox.pending(service.now() + dt.timedelta(days=400)) == []


@pytest.fixture(params=["memory", "sqlite"])
def hostile_station(request, tmp_path):
    if request.param == "memory":
        config = MIAOSHAN
    else:
        config = MIAOSHAN.with_backends(storage=f"sqlite:///{tmp_path / 'hostile.db'}")
    service, _ = station(config)
    seeded = [service.report(OFFICER, draft(kind)).id for kind in m.MatterKind]
    yield service, seeded
    service.shutdown()


def _throw(service: StationService, seeded: list[str], data: st.DataObject) -> None:
    for _ in range(8):
        name = data.draw(st.sampled_from(METHODS))
        actor = data.draw(ACTORS)
        values = _arguments(name, data, seeded)
        _call(service, name, actor, values)
    _still_works(service)


_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=15, deadline=None, suppress_health_check=_HEALTH)
@given(data=st.data())
def test_arbitrary_values_at_every_use_case_and_query_break_nothing(hostile_station, data):
    _throw(*hostile_station, data)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=_HEALTH)
@given(data=st.data())
def test_many_more_arbitrary_values_break_nothing(hostile_station, data):
    _throw(*hostile_station, data)


def test_every_role_meets_every_method_with_wrong_types(hostile_station):
    service, seeded = hostile_station
    wrong = itertools.cycle([12345, 1.5, None, b"id", ["x"], "\ud800", "x" * 10_000])
    for (name, actor), value in zip(itertools.product(METHODS, ROLES), wrong, strict=False):
        signature = inspect.signature(getattr(StationService, name))
        needed = [
            p.name
            for p in list(signature.parameters.values())[2:]
            if p.default is p.empty or p.name == "matter_id"
        ]
        _call(service, name, actor, dict.fromkeys(needed, value))
        if needed[:1] == ["matter_id"]:
            _call(service, name, actor, {**dict.fromkeys(needed, value), "matter_id": seeded[0]})
    _still_works(service)
    assert METHODS  # the walk covered the public surface
    assert {"report", "get", "history", "close", "record_session"} <= set(METHODS)
