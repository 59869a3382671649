"""Copying a station's store into PostgreSQL 数据迁移: resumable, chunk by chunk.

Entities, matters (with their whole event history), the audit log (entries as they are, so the
hash chain stays intact) and the outbox are copied in chunks, each chunk one unit of work.
Whatever the target already holds is skipped, so an interrupted copy is resumed by running it
again: no matter, entity, entry or message is ever half copied or copied twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from fengqiao_core.errors import ConflictError, StorageError
from fengqiao_core.ports import OutboxMessage, StorageBackend
from fengqiao_postgres.rows import key_text, plain_text
from fengqiao_postgres.store import PostgresStorage

__all__ = ["CHUNK", "Progress", "copy_store"]

CHUNK = 500
"""Rows per unit of work on the target."""

Progress = Callable[[str, int], None]
"""Told ``(part, rows done)`` after each chunk (e.g. to advance a progress bar)."""

T = TypeVar("T")


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _present(target: PostgresStorage, table: str, ids: list[str], repo: str | None) -> set[str]:
    extra = " AND repo = %s" if repo else ""
    with target.unit_of_work() as uow:
        rows = uow.fetchall(
            f"SELECT id FROM {table} WHERE station_id = %s AND id = ANY(%s){extra}",
            (target.station_id, [key_text(i) for i in ids], *([repo] if repo else [])),
        )
    return {str(plain_text(r[0])) for r in rows}


def _copy_entities(source: StorageBackend, target: PostgresStorage, progress: Progress) -> None:
    for repo in ("people", "places", "teams"):
        with source.unit_of_work() as reader:
            for chunk in _chunks(getattr(reader, repo).stream(), CHUNK):
                have = _present(target, "entities", [e.id for e in chunk], repo)
                with target.unit_of_work() as uow:
                    for entity in chunk:
                        if entity.id not in have:
                            getattr(uow, repo).add(entity)
                            # add stores version 1: keep the source's version
                    uow.commit()
                _fix_versions(target, repo, chunk)
                progress("entities", len(chunk))


def _fix_versions(target: PostgresStorage, repo: str, chunk: list[Any]) -> None:
    with target.unit_of_work() as uow, uow.connection.transaction():
        uow.connection.cursor().executemany(
            "UPDATE entities SET version = %s, body = %s"
            " WHERE station_id = %s AND repo = %s AND id = %s AND version <> %s",
            [
                (e.version, target.converter.dumps(e), target.station_id, repo, key_text(e.id),
                 e.version)
                for e in chunk
            ],
        )  # fmt: skip


def _copy_matters(source: StorageBackend, target: PostgresStorage, progress: Progress) -> None:
    with source.unit_of_work() as reader:
        for chunk in _chunks(reader.matters.stream(batch_size=CHUNK), CHUNK):
            have = _present(target, "matters", [x.id for x in chunk], None)
            with target.unit_of_work() as uow:
                for matter in chunk:
                    if matter.id not in have:
                        uow.matters.append(reader.matters.history(matter.id), 0)
                uow.commit()
            progress("matters", len(chunk))


def _copy_audit(source: StorageBackend, target: PostgresStorage, progress: Progress) -> None:
    with target.unit_of_work() as uow:
        last = uow.audit.last()
    done = last.seq if last else 0
    with source.unit_of_work() as reader:
        entries = (e for e in reader.audit.stream() if e.seq > done)
        for chunk in _chunks(entries, CHUNK):
            with target.unit_of_work() as uow:
                for entry in chunk:
                    uow.audit.append(entry)
                uow.commit()
            progress("audit", len(chunk))
    with source.unit_of_work() as a, target.unit_of_work() as b:
        first, second = a.audit.last(), b.audit.last()
    if (first and first.entry_hash) != (second and second.entry_hash):
        raise ConflictError("the target's audit log does not end where the source's does")


def _copy_outbox(path: str, target: PostgresStorage, progress: Progress) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT body FROM outbox ORDER BY created_us, id")
        while chunk := rows.fetchmany(CHUNK):
            messages = [target.converter.loads(body, OutboxMessage) for (body,) in chunk]
            have = _present(target, "outbox", [x.id for x in messages], None)
            with target.unit_of_work() as uow:
                for message in messages:
                    if message.id not in have:
                        uow.outbox.add(message)
                uow.commit()
            progress("outbox", len(messages))
    except sqlite3.Error as exc:
        raise StorageError(f"cannot read the source's outbox ({type(exc).__name__})") from None
    finally:
        conn.close()


def counts(path: str) -> dict[str, int]:
    """Rows of each part in an SQLite store (for a progress bar's total)."""
    tables = {"entities": "entities", "matters": "matters", "audit": "audit", "outbox": "outbox"}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            k: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for k, t in tables.items()
        }
    except sqlite3.Error as exc:
        raise StorageError(f"cannot read the source ({type(exc).__name__})") from None
    finally:
        conn.close()


def copy_store(
    source: StorageBackend, path: str, target: PostgresStorage, progress: Progress
) -> None:
    """Copy an SQLite store (open as ``source``, file ``path``) into ``target``'s station.

    Raises:
        ConflictError: The target holds different data under the same ids, or its audit log
            diverges from the source's.
        StorageError: A store cannot be read or written.
    """
    _copy_entities(source, target, progress)
    _copy_matters(source, target, progress)
    _copy_audit(source, target, progress)
    _copy_outbox(path, target, progress)
