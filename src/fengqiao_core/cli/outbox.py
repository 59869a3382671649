"""``fengqiao outbox list|retry`` 发件箱: see the messages given up on, and queue them again.

``list`` prints the dead letters (id, target, attempts, last error; never the text);
``retry MESSAGE_ID`` makes one due again for the next delivery round. Both open only the
station's store (``--db PATH`` replaces its storage with that SQLite file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fengqiao_core.cli.output import say, say_json, table
from fengqiao_core.errors import FengqiaoError, NotFound, ValidationError
from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import BackendContext, OutboxMessage, StorageBackend
from fengqiao_core.station.file import load_station_config

__all__ = ["message_row", "outbox"]

outbox = typer.Typer(help="The outbox 发件箱: messages given up on, and sending them again.")
"""The ``outbox`` command group, added to the ``fengqiao`` app by :mod:`.commands`."""

_EXIT_ERRORS, _EXIT_UNREADABLE = 1, 2

StationOpt = Annotated[
    str, typer.Option("--station", help="A station file (./file.toml) or a shipped station.")
]
DbOpt = Annotated[
    Path | None, typer.Option("--db", help="Use this SQLite database as the station's store.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout, nothing else.")]


def _storage(station: str, db: Path | None) -> StorageBackend:
    config = load_station_config(station)
    if db is not None:
        config = config.with_backends(storage=f"sqlite:///{db.resolve()}", durable=True)
    plugins = Plugins()
    url = config.backends.storage
    if url is None:
        raise ValidationError("--db", f"{config.label} names no storage: pass --db PATH")
    base = Path(config.base_dir) if config.base_dir else None
    context = BackendContext(url, config, plugins.make_converter(), base_dir=base)
    storage: StorageBackend = plugins.open_backend("storage", context)
    return storage


def message_row(message: OutboxMessage) -> dict[str, Any]:
    """A message's JSON object without its text: id, target, time written, attempts, error."""
    return {
        "id": message.id,
        "target": message.target,
        "created_at": message.created_at.isoformat(),
        "attempts": message.attempts,
        "last_error": message.last_error,
    }


def _fail(exc: FengqiaoError, *, as_json: bool) -> typer.Exit:
    code = _EXIT_ERRORS if isinstance(exc, NotFound | ValidationError) else _EXIT_UNREADABLE
    if as_json:
        say_json({"error": {"kind": type(exc).__name__, "message": str(exc)}})
    else:
        say(f"error: {exc}", style="bold red", stderr=True)
    return typer.Exit(code)


@outbox.command("list")
def list_failed(
    station: StationOpt,
    db: DbOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=100_000, help="At most this many.")
    ] = 100,
    as_json: JsonOpt = False,
) -> None:
    """List the messages given up on (dead letters), oldest first."""
    try:
        storage = _storage(station, db)
        try:
            with storage.unit_of_work() as uow:
                rows = [message_row(m) for m in uow.outbox.failed(limit)]
        finally:
            storage.close()
    except FengqiaoError as exc:
        raise _fail(exc, as_json=as_json) from None
    if as_json:
        say_json(rows)
        return
    names = ("id", "target", "created_at", "attempts", "last_error")
    columns: list[tuple[str, dict[str, Any]]] = [(c, {"overflow": "fold"}) for c in names]
    cells = ([row[key] or "" for key in names] for row in rows)
    say(table("Failed messages 投递失败", columns, cells))


@outbox.command("retry")
def retry(
    message_id: Annotated[str, typer.Argument(help="The id of a failed message.")],
    station: StationOpt,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Queue a failed message again: it is sent in the next delivery round."""
    try:
        storage = _storage(station, db)
        try:
            with storage.unit_of_work() as uow:
                again = uow.outbox.retry(message_id)
                uow.commit()
        finally:
            storage.close()
    except FengqiaoError as exc:
        raise _fail(exc, as_json=as_json) from None
    if as_json:
        say_json({"retried": message_row(again)})
    else:
        say(f"message {again.id} queued again")
