"""import.P7: ``import fengqiao_core`` vs importing attrs + cattrs + pluggy.

Each sample is the wall time of a fresh ``python -c 'import …'`` process minus a bare
``python -c pass`` timed in the same round, so the ratio compares the imports themselves and
not the interpreter start both share.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from benchmarks.harness import Measurement, benchmark

OURS = "import fengqiao_core"
BASELINE = "import attrs, cattrs, pluggy"


def _wall(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def compare_imports(ours: str, baseline: str, rounds: int) -> Measurement:
    """Median import time (ms, bare start subtracted) of ``ours`` and ``baseline``.

    The three processes of a round run in a rotating order.
    """
    codes = ("pass", ours, baseline)
    samples: dict[str, list[float]] = {code: [] for code in codes}
    for index in range(rounds):
        for offset in range(3):
            code = codes[(index + offset) % 3]
            samples[code].append(_wall(code))
    bare = samples["pass"]
    mine = [(t - b) * 1000 for t, b in zip(samples[ours], bare, strict=True)]
    theirs = [(t - b) * 1000 for t, b in zip(samples[baseline], bare, strict=True)]
    return Measurement(statistics.median(mine), statistics.median(theirs), "ms")


@benchmark("import.P7", goal="<= 1.5")
def import_package(quick: bool) -> Measurement:
    return compare_imports(OURS, BASELINE, rounds=7 if quick else 21)
