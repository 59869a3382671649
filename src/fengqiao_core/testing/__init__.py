"""The test kit 测试套件 shipped with fengqiao_core, and its opt-in pytest plugin.

Install ``fengqiao-core[testing]`` and load the plugin from your top-level ``conftest.py``::

    pytest_plugins = ["fengqiao_core.testing"]

It adds the fixtures of :mod:`fengqiao_core.testing.fixtures` (``plugin_manager``,
``register_plugin``, ``miaoshan``, ``clock``; none autouse), registers the hypothesis profiles
of :mod:`fengqiao_core.testing.profiles` (``--hypothesis-profile=ci`` then works) and turns on
pytest's assertion rewriting for the contract mixins in :mod:`fengqiao_core.testing.contracts`.
The strategies live in :mod:`fengqiao_core.testing.strategies` and
:mod:`fengqiao_core.testing.histories`. Core code never imports this package.
"""

import importlib.util

# The pytest plugin needs pytest and hypothesis (the ``testing`` extra); the simulation that
# ``fengqiao demo`` runs does not, so without pytest only the plugin part is left out.
if importlib.util.find_spec("pytest") is not None:
    import pytest

    pytest.register_assert_rewrite("fengqiao_core.testing.contracts")

    from fengqiao_core.testing import profiles
    from fengqiao_core.testing.fixtures import (
        FakeClock,
        clock,
        miaoshan,
        plugin_manager,
        register_plugin,
    )

__all__ = ["FakeClock", "clock", "miaoshan", "plugin_manager", "profiles", "register_plugin"]
