"""The test kit shipped with fengqiao_core: hypothesis strategies for the model.

Install ``fengqiao-core[testing]`` and import :mod:`fengqiao_core.testing.strategies`.
"""
