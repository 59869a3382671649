"""The benchmark registry, robust measurement helpers and result formatting.

A benchmark is one function decorated with :func:`benchmark` in a ``benchmarks/bench_*.py``
module. It takes ``quick`` (sizes one tenth) and returns a :class:`Measurement` of our path and
its baseline in one unit. The ratio is always ``ours / baseline`` in that unit: for times the
goal reads like ``"<= 3.0"``, for throughputs like ``">= 0.5"``.
"""

from __future__ import annotations

import gc
import importlib
import json
import math
import operator
import pkgutil
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = [
    "REGISTRY",
    "Benchmark",
    "Measurement",
    "Result",
    "Skipped",
    "benchmark",
    "discover",
    "interleave",
    "per_call",
    "run",
    "select",
]

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}


class Skipped(Exception):
    """Raised by a benchmark that cannot run here (e.g. no database server), saying why."""


@dataclass(frozen=True)
class Measurement:
    """What a benchmark function returns: our figure and the baseline's, in ``unit``."""

    ours: float
    baseline: float
    unit: str


@dataclass(frozen=True)
class Benchmark:
    """A registered benchmark: its name, goal (e.g. ``"<= 3.0"``) and function."""

    name: str
    goal: str
    func: Callable[[bool], Measurement]

    def met(self, ratio: float) -> bool:
        """Whether ``ratio`` meets the goal (a NaN ratio never does)."""
        op, _, bound = self.goal.partition(" ")
        return not math.isnan(ratio) and _COMPARE[op](ratio, float(bound))


@dataclass(frozen=True)
class Result:
    """One benchmark's outcome, as printed."""

    name: str
    ours: float
    baseline: float
    unit: str
    ratio: float
    goal: str
    met: bool
    seconds: float

    def as_json(self) -> str:
        """The JSON line of TARGETS.md: name, ours, baseline, unit, ratio, goal, met."""
        return json.dumps(
            {
                "name": self.name,
                "ours": _round(self.ours),
                "baseline": _round(self.baseline),
                "unit": self.unit,
                "ratio": _round(self.ratio),
                "goal": self.goal,
                "met": self.met,
            },
            ensure_ascii=False,
        )


REGISTRY: dict[str, Benchmark] = {}


def benchmark(
    name: str, *, goal: str
) -> Callable[[Callable[[bool], Measurement]], Callable[[bool], Measurement]]:
    """Register the decorated function as benchmark ``name`` with ``goal``.

    Args:
        name: ``<backend or area>.<id>[.<variant>]``, e.g. ``"converter.P3"``.
        goal: An operator and a bound for ``ours / baseline``: ``"<= 3.0"``, ``">= 0.5"``.

    Raises:
        ValueError: The name is taken or the goal is malformed.
    """
    op, _, bound = goal.partition(" ")
    if op not in _COMPARE or not _is_number(bound):
        raise ValueError(f"goal {goal!r} is not '<op> <number>' with op in {sorted(_COMPARE)}")
    if name in REGISTRY:
        raise ValueError(f"benchmark {name!r} is registered twice")

    def register(func: Callable[[bool], Measurement]) -> Callable[[bool], Measurement]:
        REGISTRY[name] = Benchmark(name, goal, func)
        return func

    return register


def discover() -> None:
    """Import every ``benchmarks/bench_*.py`` module, registering its benchmarks."""
    package = importlib.import_module("benchmarks")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("bench_"):
            importlib.import_module(f"benchmarks.{info.name}")


def select(names: Iterable[str]) -> list[Benchmark]:
    """Registered benchmarks whose name equals or starts with one of ``names`` (all if none).

    Raises:
        KeyError: A selector matches no benchmark.
    """
    wanted = list(names)
    for sel in wanted:
        if not any(name.startswith(sel) for name in REGISTRY):
            raise KeyError(sel)
    return [
        bench
        for name, bench in sorted(REGISTRY.items())
        if not wanted or any(name.startswith(sel) for sel in wanted)
    ]


def run(bench: Benchmark, *, quick: bool) -> Result:
    """Run one benchmark and judge its ratio against its goal."""
    started = time.perf_counter()
    m = bench.func(quick)
    ratio = m.ours / m.baseline if m.baseline else math.nan
    return Result(
        bench.name,
        m.ours,
        m.baseline,
        m.unit,
        ratio,
        bench.goal,
        bench.met(ratio),
        time.perf_counter() - started,
    )


def per_call(func: Callable[[], object], number: int) -> float:
    """Seconds per call of ``func`` over ``number`` calls (after a ``gc.collect()``)."""
    gc.collect()
    started = time.perf_counter()
    for _ in range(number):
        func()
    return (time.perf_counter() - started) / number


def interleave(
    ours: Callable[[], float], baseline: Callable[[], float], rounds: int
) -> tuple[float, float]:
    """Median of ``rounds`` interleaved samples of each, alternating which goes first.

    Interleaving puts both under the same load on a noisy shared machine; the median drops
    the rounds a neighbour spoiled.
    """
    mine: list[float] = []
    theirs: list[float] = []
    for index in range(rounds):
        if index % 2:
            theirs.append(baseline())
            mine.append(ours())
        else:
            mine.append(ours())
            theirs.append(baseline())
    return statistics.median(mine), statistics.median(theirs)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _round(value: float) -> float | None:
    if math.isnan(value):
        return None
    return float(f"{value:.4g}")
