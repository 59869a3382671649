"""Fixtures and helpers shared by the storage contract modules."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence

import pytest

from fengqiao_core import model as m
from fengqiao_core.ports import StorageBackend, UnitOfWork
from fengqiao_core.testing.contracts import _data as d
from fengqiao_core.testing.contracts._base import Contract

__all__ = [
    "ENTITY_TYPES",
    "BackendFactory",
    "StorageFixtures",
    "attempt",
    "is_empty",
    "write_everything",
]

BackendFactory = Callable[[], StorageBackend]
"""A zero-argument callable; each call opens a new, empty store."""


def _live(classes: Sequence[type[m.Person]]) -> list[type[m.Person]]:
    """The classes their module still names.

    attrs replaces a class when it adds slots, and the replaced one lingers among
    ``__subclasses__()`` until garbage collection.
    """
    return [c for c in classes if getattr(sys.modules[c.__module__], c.__name__, None) is c]


ENTITY_TYPES: tuple[tuple[str, type[m.Entity]], ...] = (
    *(("people", cls) for cls in _live(m.Person.__subclasses__())),
    *(("people", cls) for cls in _live(m.Officer.__subclasses__())),
    ("places", m.Place),
    ("teams", m.CommunityTeam),
)


def is_empty(uow: UnitOfWork) -> bool:
    """Whether a unit of work sees no matters, people, audit entries or pending messages."""
    return (
        not list(uow.matters.stream())
        and not list(uow.people.stream())
        and uow.audit.last() is None
        and not uow.outbox.pending(d.AT.replace(year=2100))
    )


def attempt(backend: StorageBackend, write: Callable[[UnitOfWork], object]) -> None:
    """Run ``write`` in a new unit of work and commit it."""
    with backend.unit_of_work() as uow:
        write(uow)
        uow.commit()


def write_everything(uow: UnitOfWork, suffix: str = "1") -> None:
    """Write a matter, a person, the next audit entry and a message, all named by ``suffix``."""
    uow.matters.append(
        [d.report(f"m{suffix}", reference=f"r{suffix}"), d.triage(f"m{suffix}", 2)], 0
    )
    uow.people.add(d.person(f"p{suffix}"))
    last = uow.audit.last()
    uow.audit.append(d.audit_entry((last.seq if last else 0) + 1, object_id=f"m{suffix}"))
    uow.outbox.add(d.message(f"msg{suffix}"))


class StorageFixtures(Contract):
    """The storage fixtures: ``make_backend`` (to override), ``share_backend`` and ``backend``."""

    @pytest.fixture
    def make_backend(self) -> BackendFactory:
        """Override this: return a zero-argument callable that opens a new, empty store.

        It is called once per test, and once per example in the property tests, so each call
        must give an empty store (for a file or database backend: a new file or schema, e.g.
        under ``tmp_path``). The kit closes every store it opens.
        """
        raise NotImplementedError("override the make_backend fixture in your Test… subclass")

    @pytest.fixture
    def share_backend(self) -> Callable[[StorageBackend], BackendFactory]:
        """Override if the backend is ``SHARED_BETWEEN_PROCESSES``.

        Return a function that, given an open store, returns a *picklable* zero-argument
        callable opening that same store again (it is called in other processes).
        """

        def unshared(backend: StorageBackend) -> BackendFactory:
            raise NotImplementedError(
                "the backend declares SHARED_BETWEEN_PROCESSES: override share_backend"
            )

        return unshared

    @pytest.fixture
    def backend(self, make_backend: BackendFactory) -> Iterator[StorageBackend]:
        """One new store for the test, closed afterwards."""
        opened = make_backend()
        yield opened
        opened.close()
