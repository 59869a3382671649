"""The storage contract, key ring part 密钥环: wrapped data keys kept, found and destroyed.

:class:`~fengqiao_core.testing.contracts.StorageContract` includes it; subclass that one. The
backend stores opaque wrapped bytes; sealing and wrapping are the station's
(:mod:`fengqiao_core.security.sealing`), so these tests need no KEK.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

from fengqiao_core.errors import ConflictError, NotFound
from fengqiao_core.ports import DataKey, StorageBackend, UnitOfWork
from fengqiao_core.testing.contracts import _data as d
from fengqiao_core.testing.contracts._storage_base import StorageFixtures, attempt

__all__ = ["StorageKeys"]


def key(key_id: str, subject: str, *, minutes: int = 0, person: str | None = None) -> DataKey:
    """A data key record with random stand-in wrapped bytes."""
    return DataKey(
        id=key_id,
        subject=subject,
        person=person,
        matter=None if person else subject.partition(":")[2],
        algorithm="aes-256-gcm",
        kek_id="kek-v1-000000000000",
        wrapped=os.urandom(60),
        created_at=d.AT + dt.timedelta(minutes=minutes),
    )


class StorageKeys(StorageFixtures):
    """The key ring: keys round-trip, the newest live one is found, destroyed ones lose bytes."""

    def test_a_key_round_trips_after_commit_and_not_before(self, backend: StorageBackend) -> None:
        """Wrapped bytes and every field come back as stored; a rolled-back key never."""
        made = key("k1", "person:P1", person="P1")
        with backend.unit_of_work() as uow:
            uow.keys.add(made)
            assert uow.keys.get("k1") == made  # a unit reads its own writes
        with backend.unit_of_work() as uow:
            assert uow.keys.get("k1") is None  # not committed
        attempt(backend, lambda uow: uow.keys.add(made))
        with backend.unit_of_work() as uow:
            assert uow.keys.get("k1") == made
            assert [k.id for k in uow.keys.stream()] == ["k1"]

    def test_active_is_the_newest_live_key_of_its_subject(self, backend: StorageBackend) -> None:
        """Keys of other subjects and destroyed keys are never active."""

        def write(uow: UnitOfWork) -> None:
            uow.keys.add(key("k1", "person:P1", person="P1"))
            uow.keys.add(key("k2", "person:P1", minutes=5, person="P1"))
            uow.keys.add(key("k3", "matter:M1", minutes=9))

        attempt(backend, write)
        with backend.unit_of_work() as uow:
            found = uow.keys.active("person:P1")
            assert found is not None
            assert found.id == "k2"
            assert uow.keys.active("person:P2") is None
        attempt(backend, lambda uow: uow.keys.destroy("k2", d.AT))
        with backend.unit_of_work() as uow:
            found = uow.keys.active("person:P1")
            assert found is not None
            assert found.id == "k1"

    def test_a_destroyed_key_keeps_its_record_but_not_its_bytes(
        self, backend: StorageBackend
    ) -> None:
        """After commit the wrapped bytes are gone for every new unit; the record stays."""
        attempt(backend, lambda uow: uow.keys.add(key("k1", "person:P1", person="P1")))
        later = d.AT + dt.timedelta(days=1)
        attempt(backend, lambda uow: uow.keys.destroy("k1", later))
        with backend.unit_of_work() as uow:
            gone = uow.keys.get("k1")
            assert gone is not None
            assert gone.wrapped is None
            assert gone.destroyed
            assert gone.destroyed_at == later
            assert gone.person == "P1"
            assert [k.id for k in uow.keys.stream()] == ["k1"]

    def test_a_rolled_back_destroy_keeps_the_key(self, backend: StorageBackend) -> None:
        """Destroying is part of the unit of work: without commit nothing is lost."""
        made = key("k1", "matter:M1")
        attempt(backend, lambda uow: uow.keys.add(made))
        with backend.unit_of_work() as uow:
            uow.keys.destroy("k1", d.AT)
            found = uow.keys.get("k1")
            assert found is not None
        assert found.destroyed
        with backend.unit_of_work() as uow:
            assert uow.keys.get("k1") == made

    def test_duplicate_and_unknown_keys_are_refused(self, backend: StorageBackend) -> None:
        """A taken id is a ``ConflictError`` (at ``add`` or at commit, nothing stored).

        Destroying an unknown id is ``NotFound``.
        """
        attempt(backend, lambda uow: uow.keys.add(key("k1", "matter:M1")))

        def clash(uow: UnitOfWork) -> None:
            uow.keys.add(key("k1", "matter:M2"))
            uow.keys.add(key("k2", "matter:M2"))
            uow.commit()

        with backend.unit_of_work() as uow:
            with pytest.raises(ConflictError):
                clash(uow)
            with pytest.raises(NotFound):
                uow.keys.destroy("nope", d.AT)
        with backend.unit_of_work() as uow:
            assert [k.subject for k in uow.keys.stream()] == ["matter:M1"]
