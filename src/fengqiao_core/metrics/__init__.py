"""Figures 指标: KPI definitions, reports, the scorecard and the reference aggregate evaluation.

:mod:`~fengqiao_core.metrics.kpis` defines the KPIs of DOMAIN.md §5 (each with its formula),
:mod:`~fengqiao_core.metrics.report` computes them through the storage port's aggregate query,
:mod:`~fengqiao_core.metrics.scorecard` groups them under the Fengqiao goals and slogans, and
:mod:`~fengqiao_core.metrics.aggregate` is the reference meaning of an aggregate query.
"""
