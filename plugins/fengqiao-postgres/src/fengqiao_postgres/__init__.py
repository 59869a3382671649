"""PostgreSQL storage 城市级存储 for fengqiao_core: ``storage = "postgresql://…"``.

Many stations share one database: every row carries its ``station_id`` (the station file's
id), which leads every key and index, so a Citus cluster can distribute every table by it.
psycopg 3 with a ``psycopg_pool`` connection pool; see the plugin's README.
"""

from __future__ import annotations

from typing import Any

from fengqiao_core.hookspecs import hookimpl
from fengqiao_core.ports import BackendSpec
from fengqiao_postgres.schema import SCHEMA_VERSION
from fengqiao_postgres.store import PostgresStorage
from fengqiao_postgres.unit import PostgresUnitOfWork

__all__ = ["SCHEMA_VERSION", "PostgresStorage", "PostgresUnitOfWork"]

FENGQIAO_PLUGIN_API = 1


@hookimpl
def fengqiao_register_backends() -> list[BackendSpec]:
    """Register the ``postgresql`` storage backend (``postgresql://`` and ``postgres://``)."""
    return [
        BackendSpec(
            "storage",
            "postgresql",
            PostgresStorage.from_context,
            "PostgreSQL (psycopg 3): many stations in one database, keyed by station",
            schemes=("postgresql", "postgres"),
        )
    ]


@hookimpl
def fengqiao_register_commands(cli: Any) -> None:
    """Add ``fengqiao migrate --from sqlite:///a.db --to postgresql://…``."""
    from fengqiao_postgres.command import register

    register(cli)
