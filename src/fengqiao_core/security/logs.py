"""Logging 日志 that masks: the package's loggers scrub ID and mobile numbers from every record.

The package logs through :func:`get_logger`: a ``NullHandler`` on the ``fengqiao_core`` logger
and a :class:`MaskingFilter` on every module logger that also scrubs ID and mobile numbers that
reach a message as plain strings (personal value types already mask themselves).
"""

from __future__ import annotations

import logging

from fengqiao_core.errors import scrub

__all__ = ["MaskingFilter", "get_logger", "scrub"]


class MaskingFilter(logging.Filter):
    """Logging filter that renders the message once and scrubs ID and mobile numbers from it.

    :class:`Sensitive` arguments are already masked by their ``str``; the scrub catches numbers
    that reached a message as plain strings.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message by its scrubbed rendering; never drops a record."""
        record.msg = scrub(record.getMessage())
        record.args = None
        return True


_ROOT = "fengqiao_core"


def get_logger(name: str) -> logging.Logger:
    """Return the package logger ``name`` with the masking filter attached (idempotent).

    Args:
        name: A module's ``__name__``, or any name under ``fengqiao_core``.

    Returns:
        The logger. The package root logger has a ``NullHandler``: the application decides
        where records go.
    """
    root = logging.getLogger(_ROOT)
    if not any(isinstance(h, logging.NullHandler) for h in root.handlers):
        root.addHandler(logging.NullHandler())
    logger = logging.getLogger(name)
    if not any(isinstance(f, MaskingFilter) for f in logger.filters):
        logger.addFilter(MaskingFilter())
    return logger
