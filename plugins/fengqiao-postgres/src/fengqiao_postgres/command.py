"""``fengqiao migrate`` 迁移命令: copy a station's SQLite store into PostgreSQL.

No ``from __future__ import annotations`` here: Typer reads the annotations at run time.
"""

from typing import Annotated, Any

import typer

__all__ = ["register"]


def register(cli: Any) -> None:
    """Add the ``migrate`` command to the root Typer application ``cli``."""

    @cli.command("migrate")  # type: ignore[untyped-decorator]
    def migrate(
        source: Annotated[str, typer.Option("--from", help="sqlite:///path/to/station.db")],
        target: Annotated[str, typer.Option("--to", help="postgresql://user@host/db[?schema=S]")],
        station: Annotated[
            str | None,
            typer.Option("--station", help="The station id in the target (or ?station= in --to)."),
        ] = None,
    ) -> None:
        """Copy a station's store into PostgreSQL (resumable: run it again if interrupted)."""
        from fengqiao_postgres.command_run import run

        raise typer.Exit(run(source, target, station))
