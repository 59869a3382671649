"""Shared state 共享状态: each robot's rate-limit tokens and the delivery journal, in SQLite.

One small SQLite file (``wecom-state.sqlite`` in the owner-only state folder) is shared by every
process of the station that sends through WeCom. SQLite was chosen over an fcntl-locked JSON
file because it gives the same cross-process exclusion (``BEGIN IMMEDIATE`` takes the write
lock) *and* a durable journal with ``synchronous=FULL`` in WAL mode, in one file, from the
standard library.

Tokens: a robot has ``limit`` tokens; each message part spends one, and a spent token comes back
``window`` seconds after it was spent. This token bucket with per-token refill never lets more
than ``limit`` parts through in any ``window`` — a bucket with a steady refill would let
``2 × limit`` through in the first window after an idle spell, which the robot API refuses.

Journal: one row per message part (``<message id>#<part>``), written *before* the POST
(``posting``, with the writer's pid) and *after* it (``sent``, or removed when the POST surely
did not take effect). A ``posting`` row left by a process that is gone means the part's fate is
unknown: the POST may or may not have reached the robot.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from fengqiao_core.errors import ConfigurationError, StorageUnavailable
from fengqiao_core.model import LabelledEnum

__all__ = ["Claim", "SharedState"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (robot TEXT NOT NULL, spent_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS tokens_robot ON tokens (robot, spent_at);
CREATE TABLE IF NOT EXISTS journal (
    part TEXT PRIMARY KEY, robot TEXT NOT NULL, state TEXT NOT NULL,
    pid INTEGER NOT NULL, at REAL NOT NULL
);
"""
_ACTIVE: set[tuple[str, str]] = set()  # (state file, part) being posted by this process
_ACTIVE_LOCK = threading.Lock()
RETENTION = 30 * 86400.0
"""Seconds a finished journal row is kept (an outbox retries far sooner)."""


class Claim(LabelledEnum):
    """What the journal says of a part about to be posted 投递登记."""

    CLAIMED = "claimed", "可发送"
    SENT = "sent", "已发送"
    BUSY = "busy", "发送中"
    UNCERTAIN = "uncertain", "结果不明"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SharedState:
    """The tokens and the journal in ``folder/wecom-state.sqlite``.

    Args:
        folder: The owner-only state folder (created by the caller).
        clock: Seconds since the epoch (injectable for tests).
        lease: Seconds after which a ``posting`` row of a live process counts as abandoned.
    """

    def __init__(self, folder: Path, clock: Callable[[], float], lease: float = 600.0) -> None:
        self.path = folder / "wecom-state.sqlite"
        self._clock = clock
        self._lease = lease
        try:
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        except OSError as exc:
            raise ConfigurationError(
                f"wecom channel: cannot create {self.path} ({type(exc).__name__}); choose a "
                "writable state folder with ?state=…"
            ) from None
        with self._transaction() as db:
            for statement in _SCHEMA.split(";"):
                db.execute(statement)
            db.execute(
                "DELETE FROM journal WHERE state = 'sent' AND at < ?", (clock() - RETENTION,)
            )

    def _transaction(self, durable: bool = True) -> _Transaction:
        return _Transaction(self.path, durable)

    def take_token(self, robot: str, limit: int, window: float) -> float:
        """Spend one of ``robot``'s tokens: 0 when spent, else the seconds until one returns."""
        now = self._clock()
        with self._transaction(durable=False) as db:
            db.execute(
                "DELETE FROM tokens WHERE robot = ? AND spent_at <= ?", (robot, now - window)
            )
            spent = [
                r[0]
                for r in db.execute(
                    "SELECT spent_at FROM tokens WHERE robot = ? ORDER BY spent_at", (robot,)
                )
            ]
            if len(spent) < limit:
                db.execute("INSERT INTO tokens VALUES (?, ?)", (robot, now))
                return 0.0
            wait = float(spent[len(spent) - limit]) + window - now
            return min(max(wait, 0.001), window)  # a clock set back never waits longer

    def exhaust(self, robot: str, limit: int) -> None:
        """Count ``robot`` as full for a whole window (it said so: errcode 45009)."""
        now = self._clock()
        with self._transaction() as db:
            db.execute("DELETE FROM tokens WHERE robot = ?", (robot,))
            db.executemany("INSERT INTO tokens VALUES (?, ?)", [(robot, now)] * limit)

    def begin(self, part: str, robot: str, *, repost_uncertain: bool = False) -> Claim:
        """Claim ``part`` for posting, unless it was sent, is being sent, or its fate is unknown."""
        now, pid = self._clock(), os.getpid()
        mine = (str(self.path), part)
        with _ACTIVE_LOCK, self._transaction() as db:
            row = db.execute(
                "SELECT state, pid, at FROM journal WHERE part = ?", (part,)
            ).fetchone()
            if row is not None:
                state, owner, at = row
                if state == "sent":
                    return Claim.SENT
                if state == "posting":
                    if mine in _ACTIVE:
                        return Claim.BUSY
                    if owner != pid and _alive(owner) and now - at < self._lease:
                        return Claim.BUSY
                if not repost_uncertain:
                    db.execute("UPDATE journal SET state = 'uncertain' WHERE part = ?", (part,))
                    return Claim.UNCERTAIN
            db.execute(
                "INSERT OR REPLACE INTO journal VALUES (?, ?, 'posting', ?, ?)",
                (part, robot, pid, now),
            )
            _ACTIVE.add(mine)
            return Claim.CLAIMED

    def finish(self, part: str, state: str) -> None:
        """Record a claimed part's outcome: ``sent``, ``uncertain``, or ``unsent`` (row removed)."""
        with _ACTIVE_LOCK:
            _ACTIVE.discard((str(self.path), part))
            with self._transaction() as db:
                if state == "unsent":
                    db.execute("DELETE FROM journal WHERE part = ?", (part,))
                else:
                    db.execute(
                        "UPDATE journal SET state = ?, at = ? WHERE part = ?",
                        (state, self._clock(), part),
                    )

    def states(self, prefix: str) -> dict[str, str]:
        """Journal states of the parts whose names start with ``prefix`` (for reports, tests)."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT part, state FROM journal WHERE substr(part, 1, ?) = ?",
                (len(prefix), prefix),
            )
            return dict(rows.fetchall())


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` on a fresh connection; SQLite errors become ours.

    Journal writes are ``synchronous=FULL`` (on disk before the POST); token writes are
    ``NORMAL`` (they survive a process crash; losing some on power loss is harmless).
    """

    def __init__(self, path: Path, durable: bool) -> None:
        self._path = path
        self._sync = "FULL" if durable else "NORMAL"
        self._db: sqlite3.Connection | None = None

    def __enter__(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self._path, timeout=30.0, isolation_level=None)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute(f"PRAGMA synchronous = {self._sync}")
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StorageUnavailable(f"wecom state file: {type(exc).__name__}") from None
        self._db = db
        return db

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        db, self._db = self._db, None
        if db is None:
            return
        try:
            db.execute("COMMIT" if error is None else "ROLLBACK")
        except sqlite3.Error as exc:
            raise StorageUnavailable(f"wecom state file: {type(exc).__name__}") from None
        finally:
            db.close()
        if isinstance(error, sqlite3.Error):
            raise StorageUnavailable(f"wecom state file: {type(error).__name__}") from None
