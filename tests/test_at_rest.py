"""Personal data at rest (issue 15): sealed in the file, its WAL and its backups; keys wrapped."""

from __future__ import annotations

import pytest

from at_rest_helpers import invented_people, person_record, report_draft
from fengqiao_core import model as m
from fengqiao_core.builtin.sqlite import SqliteStorage, backup
from fengqiao_core.errors import ConfigurationError, IntegrityError
from fengqiao_core.model.sealed import is_sealed
from fengqiao_core.security.datakeys import KEK_ENV, open_kek, retired_keks
from fengqiao_core.station.sealed import SealedStorage
from station_helpers import MIAOSHAN, OFFICER, PLUGINS, station

ADMIN = m.Actor("AD1", m.Role.ADMIN)


def sqlite_station(path, **options):
    storage = SqliteStorage(path, converter=PLUGINS.make_converter())
    return station(backends={"storage": storage}, **options)


def test_no_personal_value_of_1000_people_is_in_the_file_its_wal_or_a_backup(tmp_path):
    people = invented_people(1000)
    path = tmp_path / "station.db"
    service, _ = sqlite_station(path)
    for who in people:
        service.register_person(ADMIN, person_record(who))
    service.report_many(OFFICER, [report_draft(who) for who in people], batch_size=250)
    backup(path, tmp_path / "backup.db")
    files = {
        "database": path.read_bytes(),
        "wal": (tmp_path / "station.db-wal").read_bytes(),
        "backup": (tmp_path / "backup.db").read_bytes(),
    }
    service.shutdown()
    assert len(files["wal"]) > 0  # the WAL was there, holding recent pages
    found = [
        (kind, who.id, index)
        for kind, data in files.items()
        for who in people
        for index, value in enumerate(who.values())
        if value.encode() in data
    ]
    assert found == []
    # the values are there all the same, sealed: a read through the station opens them
    reopened, _ = sqlite_station(path)
    shown = reopened.get(OFFICER, next(iter(reopened.open_matters(OFFICER))).id, purpose="test")
    assert shown.parties[0].name.reveal() in {who.name for who in people}
    reopened.shutdown()


def test_the_store_holds_envelopes_and_wrapped_keys_only():
    service, _ = station()
    who = invented_people(1, seed="envelope")[0]
    service.register_person(ADMIN, person_record(who))
    matter = service.report(OFFICER, report_draft(who))
    inner = service._storage.inner
    with inner.unit_of_work() as uow:
        stored = uow.matters.get(matter.id)
        person = uow.people.get(who.id)
        keys = list(uow.keys.stream())
    assert is_sealed(stored.parties[0].name)
    assert is_sealed(stored.description)
    assert is_sealed(person.phone)
    subjects = sorted(k.subject for k in keys)
    assert subjects == [f"matter:{matter.id}", f"person:{who.id}"]
    assert all(k.wrapped is not None and len(k.wrapped) == 12 + 32 + 16 for k in keys)
    assert all(k.algorithm == "aes-256-gcm" for k in keys)


def test_a_ciphertext_moved_to_another_record_does_not_authenticate():
    service, _ = station()
    first, second = invented_people(2, seed="moved")
    for who in (first, second):
        service.register_person(ADMIN, person_record(who))
    inner = service._storage.inner
    with inner.unit_of_work() as uow:
        a, b = uow.people.get(first.id), uow.people.get(second.id)
        b.name = a.name  # A's sealed name, pasted into B's record
        uow.people.update(b)
        uow.commit()
    with pytest.raises(IntegrityError, match="does not authenticate"):
        service.actor(second.id)  # reading B's record opens the values
    with pytest.raises(IntegrityError), service._storage.unit_of_work() as uow:
        uow.people.get(second.id)


def test_a_wrong_kek_is_an_integrity_error_not_garbage(monkeypatch):
    service, clock = station()
    who = invented_people(1, seed="kek")[0]
    service.register_person(ADMIN, person_record(who))
    store = service._storage
    monkeypatch.setenv(KEK_ENV, "another-kek-of-at-least-32-bytes-e1f0c9")
    other = SealedStorage(store.inner, open_kek(b"unused" * 6), clock)
    with pytest.raises(IntegrityError, match="KEK"), other.unit_of_work() as uow:
        uow.people.get(who.id)


def test_keys_wrapped_under_a_retired_secret_still_unwrap_after_rotation():
    service, clock = station()
    who, another = invented_people(2, seed="rotation")
    service.register_person(ADMIN, person_record(who))
    old = service.keys.current
    new = b"a-new-station-secret-for-rotation-7c2d"
    rotated = SealedStorage(service._storage.inner, open_kek(new, environ={}), clock)
    with pytest.raises(IntegrityError, match="FENGQIAO_SECRET"), rotated.unit_of_work() as uow:
        uow.people.get(who.id)  # the old secret forgotten: its keys are unreadable
    kept = SealedStorage(
        service._storage.inner, open_kek(new, environ={}), clock, retired_keks([old])
    )
    with kept.unit_of_work() as uow:
        assert uow.people.get(who.id).name.reveal() == who.name
        uow.people.add(person_record(another))
        uow.commit()
    with kept.unit_of_work() as uow:
        assert uow.keys.active(f"person:{another.id}").kek_id == kept.kek.kek_id


def test_kek_sources_are_checked_like_the_secret(tmp_path):
    secret = b"kek-tests-secret-0f3b9a7c1e5d2468ace0"
    derived = open_kek(secret, environ={})
    assert derived.id == "station-secret"
    from_env = open_kek(secret, environ={KEK_ENV: "x" * 40})
    assert from_env.kek_id != derived.kek_id
    with pytest.raises(ConfigurationError, match="at least 32"):
        open_kek(secret, environ={KEK_ENV: "short"})
    loose = tmp_path / "kek"
    loose.write_text("y" * 40)
    loose.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        open_kek(secret, kek_file=loose, environ={})
    with pytest.raises(ConfigurationError, match="unknown kek_provider"):
        open_kek(secret, provider="hsm", providers={}, environ={})
    wrapped = derived.wrap(b"k" * 32, b"key-1")
    assert derived.unwrap(wrapped, b"key-1") == b"k" * 32
    with pytest.raises(Exception):  # noqa: B017, PT011 (the AEAD's own InvalidTag)
        derived.unwrap(wrapped, b"key-2")


def test_encryption_can_be_turned_off_for_measurements_only():
    import attrs

    from fengqiao_core.station.protection import EncryptionSettings

    config = attrs.evolve(MIAOSHAN, encryption=EncryptionSettings(enabled=False))
    service, _ = station(config)
    assert not isinstance(service._storage, SealedStorage)
    sealed, _ = station()
    assert isinstance(sealed._storage, SealedStorage)


def test_a_plugin_key_provider_wraps_every_data_key():
    import attrs

    from fengqiao_core.hookspecs import hookimpl
    from fengqiao_core.plugins import Plugins, get_plugin_manager
    from fengqiao_core.security.datakeys import KeyProvider, local_provider
    from fengqiao_core.station.protection import EncryptionSettings

    inner = local_provider(b"an-hsm-stand-in-0c9e8f7a6b5d4c3b2a1f", "hsm")
    calls = []

    def wrap(key, key_id):
        calls.append(("wrap", key_id))
        return inner.wrap(key, key_id)

    class Hsm:
        FENGQIAO_PLUGIN_API = 1

        @hookimpl
        def fengqiao_key_providers(self):
            return [KeyProvider("hsm", "hsm-slot-1", wrap, inner.unwrap, "test HSM")]

    manager = get_plugin_manager()
    manager.register(Hsm(), name="hsm")
    config = attrs.evolve(MIAOSHAN, encryption=EncryptionSettings(kek_provider="hsm"))
    service, _ = station(config, plugins=Plugins(manager))
    who = invented_people(1, seed="hsm")[0]
    service.register_person(ADMIN, person_record(who))
    with service._storage.inner.unit_of_work() as uow:
        keys = list(uow.keys.stream())
    assert [k.kek_id for k in keys] == ["hsm-slot-1"]
    assert calls == [("wrap", keys[0].id.encode())]
    with pytest.raises(ConfigurationError, match="unknown kek_provider"):
        station(attrs.evolve(MIAOSHAN, encryption=EncryptionSettings(kek_provider="kms")))
