"""Audit chain v3 (issue 15 item 4): entries cover the events and bodies their unit stored;
key rotation keeps older entries verifiable and refuses forgeries under retired keys."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path

import attrs
import pytest

import fengqiao_core
from fengqiao_core import model as m
from fengqiao_core.errors import ConfigurationError, ValidationError
from fengqiao_core.hookspecs import hookimpl
from fengqiao_core.model.personal import FreeText, PersonName
from fengqiao_core.plugins import Plugins, get_plugin_manager
from fengqiao_core.security.audit import seal
from fengqiao_core.security.coverage import canonical
from fengqiao_core.security.crypto import DigestAlgorithm, MacAlgorithm, default_algorithms
from fengqiao_core.security.keys import derive_key
from fengqiao_core.station import open_station
from fengqiao_core.station.config import SecretSettings
from fengqiao_core.station.file import parse_station_config
from station_helpers import MIAOSHAN, OFFICER, PLUGINS, SECRET, Clock, draft, station

AUDITOR = m.Actor("AU1", m.Role.AUDITOR)
NEW_SECRET = b"station-tests-rotated-secret-9d41c7a2e6b3f058"


def _state(service):
    return service._storage.inner._state


def _person(person_id, name="居民乙"):
    return m.Person(id=person_id, name=PersonName(name))


@pytest.fixture
def busy():
    """A memory station: three matters (one taken further), a resident, an import of two."""
    service, clock = station()
    with service:
        matters = []
        for i in range(3):
            clock.advance(minutes=1)
            matters.append(service.report(OFFICER, draft(description=FreeText(f"事项{i}"))).id)
        clock.advance(minutes=5)
        service.register(OFFICER, matters[0])
        service.register_person(OFFICER, _person("r-1"))
        service.import_people(
            m.Actor("AD1", m.Role.ADMIN), [_person("r-2"), _person("r-3", "居民丙")]
        )
        yield service, matters


def _problem(service, **options):
    report = service.check_audit(AUDITOR, **options)
    return report.problem, report.position


def test_each_entry_names_and_digests_what_its_unit_stored(busy):
    service, matters = busy
    entries = service.audit_log(AUDITOR)
    reported = [e for e in entries if e.action == "report"]
    assert [(c.kind, c.id, c.first, c.last) for e in reported for c in e.covers] == [
        ("matter", matters[0], 1, 2),
        ("matter", matters[1], 1, 2),
        ("matter", matters[2], 1, 2),
    ]
    accepted = next(e for e in entries if e.action == "register")
    assert [(c.id, c.first, c.last) for c in accepted.covers] == [(matters[0], 3, 3)]
    imported = next(e for e in entries if e.action == "import_people")
    assert sorted((c.kind, c.id, c.first) for c in imported.covers) == [
        ("person", "r-2", 1),
        ("person", "r-3", 1),
    ]
    assert all(e.digest_algorithm == "sha256" for e in entries)
    assert all(len(c.digest) == 64 for e in entries for c in e.covers)
    assert service.verify_audit(AUDITOR) is None
    assert service.check_audit(AUDITOR).ok


def _entry_of(service, matter_id, version):
    for position, entry in enumerate(service.audit_log(AUDITOR), start=1):
        for c in entry.covers:
            if c.kind == "matter" and c.id == matter_id and c.first <= version <= c.last:
                return position
    raise AssertionError("not covered")


def test_an_edited_event_is_found_at_the_entry_covering_it(busy):
    service, matters = busy
    events = _state(service).events[matters[1]]
    events[0] = attrs.evolve(events[0], description=FreeText("改写的描述"))
    assert _problem(service) == ("altered_event", _entry_of(service, matters[1], 1))
    assert service.verify_audit(AUDITOR) == _entry_of(service, matters[1], 1)


def test_a_deleted_event_is_found(busy):
    service, matters = busy
    del _state(service).events[matters[0]][2]  # the accept
    assert _problem(service) == ("altered_event", _entry_of(service, matters[0], 3))


def test_event_bodies_swapped_between_matters_are_found(busy):
    service, matters = busy
    state = _state(service)
    first, second = state.events[matters[1]], state.events[matters[2]]
    first[1], second[1] = (
        attrs.evolve(second[1], matter_id=matters[1]),
        attrs.evolve(first[1], matter_id=matters[2]),
    )
    assert _problem(service)[0] == "altered_event"


def test_an_inserted_event_is_found_though_the_chain_is_intact(busy):
    service, matters = busy
    state = _state(service)
    last = state.events[matters[2]][-1]
    forged = m.StateChanged(
        matter_id=matters[2], version=last.version + 1, at=last.at, actor=OFFICER,
        action="register", state="registered",
    )  # fmt: skip
    state.events[matters[2]].append(forged)
    state.matters[matters[2]] = m.replay(state.events[matters[2]])
    assert _problem(service) == ("uncovered_write", None)
    assert service.verify_audit(AUDITOR) == len(service.audit_log(AUDITOR)) + 1


def test_an_edited_projection_or_person_and_an_unaudited_write_are_found(busy):
    service, matters = busy
    state = _state(service)
    original = state.matters[matters[0]]
    state.matters[matters[0]] = attrs.evolve(original, owner="O02")
    assert _problem(service)[0] == "altered_record"
    state.matters[matters[0]] = original
    assert service.check_audit(AUDITOR).ok
    people = state.entities["people"]
    stored = people["r-2"]  # as stored: its name sealed
    people["r-2"] = attrs.evolve(stored, name=PersonName("冒名者"))
    assert _problem(service)[0] == "altered_record"
    del people["r-2"]
    assert _problem(service)[0] == "altered_record"  # covered, then gone
    people["r-2"] = stored
    assert service.check_audit(AUDITOR).ok  # restored exactly as the entry covered it
    people["r-9"] = attrs.evolve(_person("r-9"), version=1)
    assert _problem(service)[0] == "uncovered_write"


def test_the_digest_is_over_the_canonical_stored_encoding(busy):
    service, matters = busy
    event = service._storage.inner.unit_of_work().matters.history(matters[0])[0]
    text = canonical(service.converter, event, m.MatterEvent)
    assert text.startswith(b"{")
    assert b", " not in text
    assert text == canonical(PLUGINS.make_converter(), event, m.MatterEvent)


# --- an old chain is migrated --------------------------------------------------------------


def test_an_old_chain_and_its_data_verify_and_new_entries_cover_their_writes():
    service, clock = station()
    with service:
        old = service.report(OFFICER, draft()).id
        state = _state(service)
        legacy = seal(
            None, key=SECRET, at=state.audit[0].at, actor=OFFICER, action="report",
            object_type="matter", object_id=old, digest_algorithm="",
        )  # fmt: skip
        state.audit[0] = legacy  # as a v2 station wrote it: nothing covered
        assert legacy.covers == ()
        assert not legacy.digest_algorithm
        assert service.check_audit(AUDITOR).ok
        clock.advance(minutes=1)
        service.register(OFFICER, old)
        fresh = service.report(OFFICER, draft()).id
        assert service.check_audit(AUDITOR).ok
        assert service.audit_log(AUDITOR)[1].covers[0].first == 3
        state.events[fresh][0] = attrs.evolve(state.events[fresh][0], description=FreeText("改写"))
        assert _problem(service) == ("altered_event", 3)


# --- key rotation ----------------------------------------------------------------------------


def _config(tmp_path, **secrets):
    return attrs.evolve(
        MIAOSHAN, secrets=SecretSettings(**secrets), base_dir=str(tmp_path)
    ).with_backends(storage=f"sqlite:///{tmp_path / 'miaoshan.db'}")


def _work(config, secret, clock, count=2):
    with open_station(
        config, secret=secret, clock=clock, plugins=PLUGINS, dispatch=False
    ) as service:
        for _ in range(count):
            clock.advance(minutes=1)
            service.report(OFFICER, draft())
        return [e.key_id for e in service.audit_log(AUDITOR)]


def _report(config, secret, clock=None):
    with open_station(
        config, secret=secret, clock=clock or Clock(), plugins=PLUGINS, dispatch=False
    ) as service:
        return service.check_audit(AUDITOR)


def _key_file(tmp_path, name, secret):
    path = tmp_path / name
    path.write_bytes(secret)
    path.chmod(0o600)
    return name


def test_a_chain_spanning_a_version_rotation_verifies(tmp_path):
    clock = Clock()
    before = _work(_config(tmp_path), SECRET, clock)
    after = _work(_config(tmp_path, key_version=2), SECRET, clock)
    assert set(before) == {derive_key(SECRET, "audit").key_id}
    assert after[-1] == derive_key(SECRET, "audit", version=2).key_id
    assert _report(_config(tmp_path, key_version=2), SECRET).ok
    lowered = _work(_config(tmp_path), SECRET, clock, count=1)  # back to version 1: refused
    assert lowered[-1] == derive_key(SECRET, "audit").key_id
    found = _report(_config(tmp_path, key_version=2), SECRET)
    assert (found.problem, found.position) == ("broken_link", 5)


def test_a_chain_spanning_a_new_secret_verifies_with_the_old_one_retired(tmp_path):
    clock = Clock()
    _work(_config(tmp_path), SECRET, clock)
    retired = _key_file(tmp_path, "2026.key", SECRET)
    rotated = _config(tmp_path, retired_files=(retired,))
    keys = _work(rotated, NEW_SECRET, clock)
    assert keys[-1] == derive_key(NEW_SECRET, "audit").key_id
    assert _report(rotated, NEW_SECRET).ok
    forgotten = _report(_config(tmp_path), NEW_SECRET)
    assert (forgotten.problem, forgotten.position) == ("broken_link", 1)


def test_an_entry_forged_under_a_retired_key_is_found(busy):
    service, _ = busy
    state = _state(service)
    retired = service.keys
    rotated = attrs.evolve(retired, version=2)
    object.__setattr__(service, "keys", rotated)
    service.report(OFFICER, draft())
    assert service.check_audit(AUDITOR).ok
    head = state.audit[-1]
    forged = seal(
        (head.seq, head.entry_hash), key=retired, at=head.at + dt.timedelta(seconds=1),
        actor=OFFICER, action="read", object_type="matter", object_id="M1",
    )  # fmt: skip
    state.audit.append(forged)
    assert _problem(service) == ("broken_link", forged.seq)


def test_a_retired_key_file_open_to_others_or_an_unknown_algorithm_is_refused(tmp_path):
    name = _key_file(tmp_path, "old.key", SECRET)
    (tmp_path / name).chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        _report(_config(tmp_path, retired_files=(name,)), NEW_SECRET)
    with pytest.raises(ConfigurationError, match="unknown algorithm 'sm3'"):
        _report(_config(tmp_path, digest="sm3"), SECRET)
    with pytest.raises(ValidationError, match="key_version"):
        SecretSettings(key_version=0)


def test_the_station_file_names_the_rotation():
    text = (Path(fengqiao_core.__file__).parent / "station/presets/miaoshan.toml").read_text()
    config = parse_station_config(
        text + '\n[secrets]\nkey_version = 3\nretired_files = ["2025.key"]\n'
    )
    assert config.secrets == SecretSettings(key_version=3, retired_files=("2025.key",))
    assert (config.secrets.mac, config.secrets.digest) == ("hmac-sha256", "sha256")
    assert default_algorithms().digest("sha256").digest(b"").hex().startswith("e3b0c442")


# --- crypto agility: a plugin's MAC and digest, chosen by the station file ------------------


class _Sha3Plugin:
    """Stands in for an SM3 provider (等保 / 密评): a MAC and a digest under new ids."""

    @hookimpl
    def fengqiao_register_algorithms(self):
        return [
            MacAlgorithm(
                "hmac-sha3-256", "HMAC-SHA3-256", lambda k, d: hmac.new(k, d, "sha3_256").digest()
            ),
            DigestAlgorithm("sha3-256", "SHA3-256", lambda d: hashlib.sha3_256(d).digest()),
        ]


def test_a_plugin_algorithm_named_in_the_station_file_seals_and_covers():
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(_Sha3Plugin(), name="sha3")
    config = attrs.evolve(MIAOSHAN, secrets=SecretSettings(mac="hmac-sha3-256", digest="sha3-256"))
    with open_station(
        config, secret=SECRET, clock=Clock(), plugins=Plugins(pm), dispatch=False
    ) as service:
        matter = service.report(OFFICER, draft()).id
        entry = service.audit_log(AUDITOR)[-1]
        assert (entry.algorithm, entry.digest_algorithm) == ("hmac-sha3-256", "sha3-256")
        assert service.check_audit(AUDITOR).ok
        events = _state(service).events[matter]
        events[1] = attrs.evolve(events[1], owner="O02")
        assert _problem(service) == ("altered_event", 1)
    with pytest.raises(ConfigurationError, match="unknown algorithm 'hmac-sha3-256'"):
        open_station(config, secret=SECRET, plugins=PLUGINS, dispatch=False)
