"""Database files 数据库文件: creating one atomically, refusing bad ones, opening under contention.

A new database is built in a private temporary file next to the target (owner-only, ``0600``,
already in WAL mode, schema and station claim written) and then linked into place, so the file
at the configured path is always a whole fengqiao database: concurrent openers of a fresh path
never race on ``PRAGMA journal_mode`` or on creating tables. An existing file is checked before
anything is written to it — a regular file, not empty, an SQLite header, a fengqiao schema of a
known version, the same station — and only then switched to WAL or migrated. Set-up steps that
a concurrent opener can lock are retried until the busy timeout has passed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote

from fengqiao_core.builtin.sqlite.migrations import check_owner, create, identify, owner, prepare
from fengqiao_core.builtin.sqlite.schema import SCHEMA_VERSION
from fengqiao_core.errors import (
    ConflictError,
    IntegrityError,
    StorageError,
    StorageUnavailable,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "check_file",
    "connect",
    "open_database",
    "owner_only",
    "owner_only_file",
    "storage_error",
    "translate",
]

DEFAULT_TIMEOUT = 30.0
"""Seconds a writer waits for another to finish (SQLite's busy timeout) before giving up."""

T = TypeVar("T")
_HEADER = b"SQLite format 3\x00"
_CONFLICTS = frozenset({"SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE"})
_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_DAMAGED = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_UNREACHABLE = frozenset(
    {
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_PROTOCOL,
    }
)


def _code(exc: sqlite3.Error) -> int:
    return (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF


def storage_error(
    exc: sqlite3.Error, timeout: float = DEFAULT_TIMEOUT, label: str = ""
) -> StorageError:
    """Our error for a driver error: names the file (``label``) and the SQLite error, no value."""
    name = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
    code = _code(exc)
    where = f"{label}: " if label else ""
    if isinstance(exc, sqlite3.IntegrityError):
        if name in _CONFLICTS:
            return ConflictError(f"another unit of work stored the same key first ({name})")
        return IntegrityError(f"{where}a row broke a constraint of the schema ({name})")
    if code in _BUSY:
        return StorageUnavailable(
            f"{where}the database stayed busy for longer than the {timeout:g} s busy timeout "
            f"({name}); retry later"
        )
    if code in _DAMAGED:
        return IntegrityError(
            f"{where}the database file is damaged or not a database ({name}): restore it from "
            "a backup (fengqiao backup) or name another file"
        )
    if code in _UNREACHABLE:
        return StorageUnavailable(
            f"{where}the database file cannot be used ({name}): check that the file and its "
            "folder exist and are writable by this user, and that the disk is not full"
        )
    return StorageError(f"{where}SQLite failed ({name})")


@contextlib.contextmanager
def translate(timeout: float = DEFAULT_TIMEOUT, label: str = "") -> Iterator[None]:
    """Re-raise any ``sqlite3.Error`` inside the block as our error (without the driver's)."""
    try:
        yield
    except sqlite3.Error as exc:
        raise storage_error(exc, timeout, label) from None


def _retrying(step: Callable[[], T], deadline: float, timeout: float, label: str, what: str) -> T:
    """Run a set-up step, again while another opener holds a lock, until ``deadline``."""
    delay = 0.002
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if _code(exc) not in _BUSY:
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise StorageUnavailable(
                    f"{label}: another process kept the database locked for longer than the "
                    f"{timeout:g} s busy timeout while it was being opened ({what}); retry later"
                ) from None
        time.sleep(min(delay, left))
        delay = min(delay * 2, 0.1)


def owner_only_file(path: str) -> None:
    """Create an empty file readable and writable by its owner only (``0600``).

    Raises:
        FileExistsError: Something is already there.
    """
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def owner_only(path: str) -> None:
    """Make a database file written before files were owner-only, and its WAL, ``0600``.

    SQLite gives a new WAL the database file's mode, so tightening the file covers both; a
    file this user does not own is left as it is (its owner must ``chmod 600`` it).
    """
    if os.name == "nt":
        return
    for name in (path, f"{path}-wal", f"{path}-shm"):
        with contextlib.suppress(OSError):
            found = os.stat(name)
            if found.st_mode & (stat.S_IRWXG | stat.S_IRWXO) and found.st_uid == os.getuid():
                os.chmod(name, 0o600)


def connect(path: str, timeout: float) -> sqlite3.Connection:
    """A connection to an existing database file with the store's pragmas (never creates one)."""
    conn = sqlite3.connect(
        f"file:{quote(path, safe='/')}?mode=rw",
        uri=True,
        timeout=timeout,
        isolation_level=None,
        check_same_thread=False,
        cached_statements=64,
    )
    try:
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -65536")
    except BaseException:
        conn.close()
        raise
    return conn


def _create(path: str, timeout: float, station: str | None) -> None:
    """Build a new database beside ``path`` and link it into place unless one appeared."""
    folder, name = os.path.split(path)
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        temporary = os.path.join(folder, f".{name}.{secrets.token_hex(6)}.new")
        owner_only_file(temporary)
    except OSError as exc:
        raise StorageUnavailable(
            f"{path}: cannot create the database in {folder} ({type(exc).__name__}): make the "
            "folder writable by this user, or name another file in the storage URL"
        ) from None
    try:
        with translate(timeout, path):
            conn = sqlite3.connect(temporary, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                create(conn, station)
            finally:
                conn.close()
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another opener created it first: open theirs
        except OSError:  # a file system without hard links
            if not os.path.lexists(path):
                os.replace(temporary, path)
    finally:
        for leftover in (temporary, f"{temporary}-wal", f"{temporary}-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(leftover)


def check_file(path: str) -> None:
    """Refuse what is not a non-empty SQLite file before SQLite touches it.

    Raises:
        StorageError: Not a regular file, empty, or not an SQLite database.
        StorageUnavailable: It cannot be read.
    """
    try:
        found = os.stat(path)
        if not stat.S_ISREG(found.st_mode):
            raise StorageError(
                f"{path} is not a regular file: the storage URL must name an SQLite database file"
            )
        if found.st_size == 0:
            raise StorageError(
                f"{path} is an empty file, not a fengqiao database: remove it (a new database "
                "is then created there) or name another file in the storage URL"
            )
        with open(path, "rb") as file:
            header = file.read(len(_HEADER))
    except OSError as exc:
        raise StorageUnavailable(
            f"{path}: cannot be read ({type(exc).__name__}): check the file's owner and mode"
        ) from None
    if header != _HEADER:
        raise StorageError(
            f"{path} is not an SQLite database (wrong header); it was left untouched: name "
            "another file in the storage URL, or move this one away"
        )


def open_database(
    path: str, timeout: float, converter: Any, station: str | None
) -> sqlite3.Connection:
    """Open (creating, checking, switching to WAL, migrating, claiming) the database at ``path``.

    Args:
        path: The database file.
        timeout: The busy timeout; set-up steps are retried within it.
        converter: The project's converter (migrations decode old rows).
        station: The station id the database must belong to (``None``: any, claiming nothing).

    Returns:
        The first connection of the store.

    Raises:
        StorageError: The file is not a fengqiao database, belongs to another station, or is
            newer than this code; nothing was written to it.
        StorageUnavailable: The file or its folder cannot be used, or other openers held it
            beyond the busy timeout.
    """
    deadline = time.monotonic() + timeout
    if not os.path.lexists(path):
        _create(path, timeout, station)
    check_file(path)
    owner_only(path)
    with translate(timeout, path):
        conn = connect(path, timeout)
        try:
            _prepare(conn, path, deadline, timeout, converter, station)
        except BaseException:
            conn.close()
            raise
    return conn


def _prepare(
    conn: sqlite3.Connection,
    path: str,
    deadline: float,
    timeout: float,
    converter: Any,
    station: str | None,
) -> None:
    found = _retrying(lambda: identify(conn, path), deadline, timeout, path, "reading the schema")
    claim = True
    if found == SCHEMA_VERSION:
        claimed = owner(conn, found)
        check_owner(claimed, station, path)
        claim = station is not None and claimed is None
    mode = _retrying(
        lambda: conn.execute("PRAGMA journal_mode").fetchone()[0], deadline, timeout, path, "WAL"
    )
    if mode != "wal":
        switched = _retrying(
            lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone()[0],
            deadline,
            timeout,
            path,
            "switching to WAL",
        )
        if switched != "wal":
            raise StorageUnavailable(f"{path}: the database cannot use WAL mode here ({switched})")
    if claim:
        _retrying(
            lambda: prepare(conn, converter, station, path), deadline, timeout, path, "migrating"
        )
