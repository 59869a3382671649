"""The ``sqlite`` storage backend passes the whole storage contract, the model check included."""

import functools
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from fengqiao_core.builtin.sqlite import SqliteStorage
from fengqiao_core.ports import StorageBackend
from fengqiao_core.testing.contracts import StorageContract


class TestSqliteStorage(StorageContract):
    @pytest.fixture
    def make_backend(self, tmp_path: Path) -> Callable[[], StorageBackend]:
        numbers = itertools.count()
        return lambda: SqliteStorage(tmp_path / f"store-{next(numbers)}.db")

    @pytest.fixture
    def share_backend(self) -> Callable[[StorageBackend], Callable[[], StorageBackend]]:
        def share(backend: StorageBackend) -> Callable[[], StorageBackend]:
            assert isinstance(backend, SqliteStorage)
            return functools.partial(SqliteStorage, backend.path)

        return share
