"""The ``fengqiao`` command line 命令行: formatting only, the logic lives in the library.

The commands are in :mod:`fengqiao_core.cli.commands`; Typer and Rich are imported only when the
command line runs, never by ``import fengqiao_core``.
"""

from __future__ import annotations

__all__ = ["main"]


def main() -> None:
    """Run the ``fengqiao`` command line (the console script's entry point)."""
    from fengqiao_core.cli.commands import main as run

    run()
