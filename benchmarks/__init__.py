"""Benchmarks of fengqiao_core: each measures our path and a baseline in the same run.

Run from the repository root: ``python -m benchmarks [--quick] [--json] [NAME ...]``. Every
``benchmarks/bench_*.py`` module is imported and its :func:`~benchmarks.harness.benchmark`
functions registered; see ``docs/benchmarks.md``.
"""
