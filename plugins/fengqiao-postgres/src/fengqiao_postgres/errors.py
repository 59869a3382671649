"""Driver errors to the library's errors 错误转换: nothing psycopg-specific reaches a caller.

Messages name the SQLSTATE and the error class only, never the server's text (whose
``DETAIL`` may quote a key value).
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import psycopg
from psycopg import errors as pg
from psycopg_pool import PoolClosed, PoolTimeout

from fengqiao_core.errors import (
    ConflictError,
    IntegrityError,
    StorageError,
    StorageUnavailable,
)

__all__ = ["RETRYABLE", "retrying", "storage_error", "translate"]

T = TypeVar("T")

RETRYABLE = (pg.SerializationFailure, pg.DeadlockDetected)
"""Errors after which the whole transaction is retried (with backoff) before giving up."""

_UNAVAILABLE = (
    pg.LockNotAvailable,
    pg.QueryCanceled,
    pg.AdminShutdown,
    pg.CannotConnectNow,
    pg.TooManyConnections,
    pg.InsufficientResources,
    pg.DiskFull,
)


def storage_error(exc: BaseException) -> StorageError:
    """Our error for a driver or pool error."""
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, PoolTimeout | PoolClosed):
        return StorageUnavailable(
            f"no PostgreSQL connection became free in time ({type(exc).__name__}); retry later"
        )
    state = getattr(exc, "sqlstate", None) or "-----"
    name = type(exc).__name__
    if isinstance(exc, pg.UniqueViolation):
        return ConflictError(f"another unit of work stored the same key first ({state})")
    if isinstance(exc, psycopg.IntegrityError):
        return IntegrityError(f"a row broke a constraint of the schema ({name}, {state})")
    if isinstance(exc, RETRYABLE):
        return ConflictError(
            f"PostgreSQL kept aborting the transaction ({name}, {state}); retry the unit of work"
        )
    if isinstance(exc, pg.ProgramLimitExceeded):
        return StorageError(f"a value is beyond a limit of PostgreSQL ({name}, {state})")
    if isinstance(exc, _UNAVAILABLE):
        return StorageUnavailable(f"PostgreSQL cannot serve the request now ({name}, {state})")
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return StorageUnavailable(f"the PostgreSQL server cannot be reached or used ({name})")
    if isinstance(exc, psycopg.DataError):
        return StorageError(f"PostgreSQL refused a value ({name}, {state})")
    return StorageError(f"PostgreSQL failed ({name}, {state})")


@contextlib.contextmanager
def translate() -> Iterator[None]:
    """Re-raise any psycopg or pool error inside the block as our error (without the driver's)."""
    try:
        yield
    except (psycopg.Error, PoolTimeout, PoolClosed) as exc:
        raise storage_error(exc) from None


def retrying(
    conn: psycopg.Connection[Any], work: Callable[[psycopg.Connection[Any]], T], *, tries: int = 8
) -> T:
    """Run ``work`` in one transaction, retried after a deadlock or serialization failure.

    Our errors and other driver errors propagate at once (translated, rolled back).

    Raises:
        ConflictError: Still aborted after ``tries`` attempts.
    """
    for attempt in range(tries):
        try:
            with _retryable(), conn.transaction():
                return work(conn)
        except _Retry as again:
            if attempt == tries - 1:
                raise storage_error(again.cause) from None
            time.sleep(random.uniform(0, 0.005 * 2**attempt))
    raise AssertionError("unreachable")


class _Retry(Exception):
    def __init__(self, cause: BaseException) -> None:
        super().__init__(type(cause).__name__)
        self.cause = cause


class _retryable:
    """Like :func:`translate`, but marks retryable errors for :func:`retrying`."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: BaseException | None, trace: Any) -> None:
        if isinstance(error, RETRYABLE):
            raise _Retry(error) from None
        if isinstance(error, psycopg.Error):
            raise storage_error(error) from None
