"""``python -m benchmarks [--quick] [--json] [NAME ...]``: run benchmarks, print their ratios.

Exits 0 even when a goal is missed (the table and the summary say which); 1 when a benchmark
failed to run, 2 for a selector that matches nothing.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from benchmarks.harness import Result, Skipped, discover, run, select

_QUICK_LIMIT_S = 60.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Run fengqiao_core benchmarks vs baselines."
    )
    parser.add_argument("--quick", action="store_true", help="sizes one tenth (CI)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("names", nargs="*", metavar="NAME", help="exact name or prefix")
    args = parser.parse_args(argv)
    discover()
    try:
        chosen = select(args.names)
    except KeyError as error:
        parser.error(f"no benchmark matches {error.args[0]!r}")
    results: list[Result] = []
    failed: list[str] = []
    if not args.json:
        print(_row("name", "ours", "baseline", "unit", "ratio", "goal", "met", "took"))
    for bench in chosen:
        try:
            result = run(bench, quick=args.quick)
        except Skipped as reason:
            print(f"{bench.name}: skipped ({reason})", file=sys.stderr)
            continue
        except Exception:
            failed.append(bench.name)
            print(f"{bench.name}: FAILED\n{traceback.format_exc()}", file=sys.stderr)
            continue
        results.append(result)
        print(result.as_json() if args.json else _format(result), flush=True)
        if args.quick and result.seconds > _QUICK_LIMIT_S:
            print(
                f"{bench.name}: took {result.seconds:.0f} s, over the quick limit", file=sys.stderr
            )
    missed = [r.name for r in results if not r.met]
    summary = f"{len(results) - len(missed)} met, {len(missed)} missed"
    if missed:
        summary += f" (MISSED: {', '.join(missed)})"
    if failed:
        summary += f", {len(failed)} failed ({', '.join(failed)})"
    print(summary, file=sys.stderr if args.json else sys.stdout)
    return 1 if failed else 0


def _format(r: Result) -> str:
    return _row(
        r.name,
        f"{r.ours:.4g}",
        f"{r.baseline:.4g}",
        r.unit,
        f"{r.ratio:.3g}",
        r.goal,
        "yes" if r.met else "MISSED",
        f"{r.seconds:.1f} s",
    )


def _row(*cells: str) -> str:
    widths = (24, 10, 10, 6, 7, 8, 7, 8)
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))


if __name__ == "__main__":
    sys.exit(main())
