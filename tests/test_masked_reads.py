"""A masked read opens a sealed store's values withheld: the same view as masking a full read."""

from __future__ import annotations

import threading
import typing

import attrs
import pytest

from at_rest_helpers import invented_people, party, report_draft
from fengqiao_core import model as m
from fengqiao_core.errors import PermissionDenied
from fengqiao_core.model.personal import PersonName, Sensitive
from fengqiao_core.model.withheld import is_withheld
from fengqiao_core.security import sealing, views
from fengqiao_core.security.views import masked, without_screening
from fengqiao_core.station.config import EncryptionSettings
from station_helpers import MIAOSHAN, OFFICER, station

PURPOSE = "call the parties to the session"
SEALED = MIAOSHAN
PLAIN = attrs.evolve(MIAOSHAN, encryption=EncryptionSettings(enabled=False))


def personal_values(value: object) -> list[Sensitive]:
    """Every personal value inside ``value`` (attrs values, tuples, lists)."""
    if isinstance(value, Sensitive):
        return [value]
    if isinstance(value, tuple | list):
        return [found for item in value for found in personal_values(item)]
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))
        return [v for f in fields for v in personal_values(getattr(value, f.name))]
    return []


@pytest.fixture(params=[SEALED, PLAIN], ids=["sealed", "encryption-off"])
def reported(request):
    service, _ = station(request.param)
    bound, unbound = invented_people(2, seed="masked-reads")
    parties = (party(bound), party(unbound, bound=False, party_id="p2"))
    here = m.Location(place="H01", point=m.GeoPoint(114.412345, 30.456789))
    matter = service.report(
        OFFICER, report_draft(bound, parties=parties, location=here, reference="mr-1")
    )
    return service, matter.id


def test_a_masked_get_is_the_masked_full_read(reported):
    service, matter_id = reported
    full = service.get(OFFICER, matter_id, purpose=PURPOSE)
    shown = service.get(OFFICER, matter_id)
    assert shown == masked(full)
    assert repr(shown) == repr(masked(full))
    assert (shown.location.point.lon, shown.location.point.lat) == (114.412, 30.457)
    values = personal_values(shown)
    assert len(values) == len(personal_values(full)) >= 9
    for value in values:
        assert is_withheld(value)
        with pytest.raises(PermissionDenied):
            value.reveal()


def test_every_masked_read_path_withholds_every_value(reported):
    service, matter_id = reported
    full = masked(service.get(OFFICER, matter_id, purpose=PURPOSE))
    listed = [x for x in service.open_matters(OFFICER) if x.id == matter_id]
    scoped = [x for x in service.matters(OFFICER) if x.id == matter_id]
    found = service.by_reference(OFFICER, "mr-1")
    assert listed == scoped == [found] == [full]
    history = service.history(OFFICER, matter_id)
    assert history == masked(service.history(OFFICER, matter_id, purpose=PURPOSE))
    assert all(is_withheld(v) for v in personal_values(history))


def test_a_read_with_a_purpose_still_reveals(reported):
    service, matter_id = reported
    full = service.get(OFFICER, matter_id, purpose=PURPOSE)
    values = personal_values(full)
    assert values
    assert not any(is_withheld(v) for v in values)
    assert all(v.reveal() for v in values)


def test_a_non_officers_masked_read_is_withheld_and_unscreened():
    service, _ = station()
    worker = service.actor(MIAOSHAN.grid_workers[0].id)
    (who,) = invented_people(1, seed="masked-reads-worker")
    earlier = service.report(OFFICER, report_draft(who))
    matter = service.report(worker, report_draft(who))
    assert earlier.id in service.get(OFFICER, matter.id).related  # screening linked them
    shown = service.get(worker, matter.id)
    assert shown.related == ()
    assert shown.alert is None
    assert shown == masked(without_screening(service.get(OFFICER, matter.id, purpose=PURPOSE)))
    assert all(is_withheld(v) for v in personal_values(shown))


@attrs.frozen
class Outer:
    """A recursive pair: a personal value is reached from ``Inner`` only through ``Outer``."""

    inner: Inner | None = None
    name: PersonName | None = None


@attrs.frozen
class Inner:
    outer: Outer | None = None
    label: str = ""


def test_recursive_types_are_walked_where_a_personal_value_can_be_reached():
    assert sealing._plan(Inner) == ("outer",)
    assert sealing._plan(Outer) == ("inner", "name")
    assert views._maskable(Inner) == ("outer",)
    assert views._maskable(Outer) == ("inner", "name")
    nested = Outer(inner=Inner(outer=Outer(name=PersonName("欧阳明远"))))
    assert is_withheld(masked(nested).inner.outer.name)


@attrs.frozen
class Planned:
    name: PersonName | None = None
    note: str = ""


def test_a_plan_is_published_only_once_complete(monkeypatch):
    entered, release = threading.Event(), threading.Event()
    real = typing.get_type_hints

    def held(cls, *args, **kwargs):
        if cls is Planned:
            entered.set()
            assert release.wait(30)
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(sealing.typing, "get_type_hints", held)
    planning = threading.Thread(target=sealing._plan, args=(Planned,))
    planning.start()
    assert entered.wait(30)
    assert Planned not in sealing._PLANS  # no partial plan another thread would take as empty
    release.set()
    planning.join(30)
    assert sealing._PLANS[Planned] == ("name",)


@attrs.frozen(cache_hash=True)
class Hashed:
    name: PersonName


def test_a_masked_copy_of_a_class_caching_its_hash_hashes():
    original = Hashed(PersonName("欧阳明远"))
    hash(original)  # the original's cache is filled: the copy must not inherit it
    shown = masked(original)
    assert is_withheld(shown.name)
    assert hash(shown) == hash(Hashed(shown.name))
    assert hash(shown) != hash(original)
