"""The ``postgresql`` backend passes the whole storage contract, the model check included.

Every store the kit opens is a new station in one shared schema: each starts empty because no
station sees another's rows.
"""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import Callable

import pytest
from fengqiao_postgres import PostgresStorage

from fengqiao_core.ports import StorageBackend
from fengqiao_core.testing.contracts import StorageContract

_RUN = uuid.uuid4().hex[:8]
_NUMBERS = itertools.count()


class TestPostgresStorage(StorageContract):
    @pytest.fixture
    def make_backend(self, pg_url: str) -> Callable[[], StorageBackend]:
        return lambda: PostgresStorage(pg_url, f"st-{_RUN}-{next(_NUMBERS)}")

    @pytest.fixture
    def share_backend(self) -> Callable[[StorageBackend], Callable[[], StorageBackend]]:
        def share(backend: StorageBackend) -> Callable[[], StorageBackend]:
            assert isinstance(backend, PostgresStorage)
            return functools.partial(PostgresStorage, backend.settings.url, backend.station_id)

        return share
