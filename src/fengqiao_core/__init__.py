"""fengqiao_core: the working method of a Fengqiao-style police station 枫桥式公安派出所.

Import the model from :mod:`fengqiao_core.model`, errors from :mod:`fengqiao_core.errors` and
the plugin marker as ``from fengqiao_core import hookimpl``.
"""

from fengqiao_core.errors import FengqiaoError, ValidationError
from fengqiao_core.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["FengqiaoError", "ValidationError", "__version__", "hookimpl"]
