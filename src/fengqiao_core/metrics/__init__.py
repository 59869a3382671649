"""Figures 指标: KPI definitions and the reference evaluation of aggregate queries."""
