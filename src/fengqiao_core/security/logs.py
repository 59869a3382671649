"""Logging 日志 that masks: every record of the package is scrubbed before any handler sees it.

The package root logger ``fengqiao_core`` carries a :class:`MaskingHandler`. Python hands a
record to the handlers of its logger and then of every ancestor, child first, all with the same
record object; so the handler on ``fengqiao_core`` rewrites each record of ``fengqiao_core.*``
(made by :func:`get_logger` or by a plain ``logging.getLogger``) before it reaches the
application's handlers on the root logger. A logger's *filters*, by contrast, see only the
records logged on that very logger, and a ``NullHandler`` never runs its filters: neither would
cover child loggers. The rewrite renders the message with its arguments, formats the traceback
into ``exc_text``, scrubs ID, mobile and landline numbers (:func:`~fengqiao_core.errors.scrub`)
and escapes control, bidi and format characters (log injection). Personal value types already
mask themselves.
"""

from __future__ import annotations

import logging
import traceback

from fengqiao_core.errors import escape_controls, scrub

__all__ = ["MaskingFilter", "MaskingHandler", "get_logger", "install", "scrub"]

_ROOT = "fengqiao_core"


def _clean(text: str) -> str:
    return escape_controls(scrub(text))


def _clean_lines(text: str) -> str:
    """A traceback keeps its lines; each is scrubbed and escaped on its own."""
    return "\n".join(map(_clean, text.split("\n")))


class MaskingFilter(logging.Filter):
    """Logging filter that renders a record once and scrubs its message, traceback and stack.

    :class:`Sensitive` arguments are already masked by their ``str``; the scrub catches numbers
    that reached a message, an exception's text or a traceback as plain strings. After it the
    record holds no arguments and no ``exc_info`` (the scrubbed traceback is ``exc_text``, which
    every :class:`logging.Formatter` prints), so no later formatter can render the raw values.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message by its scrubbed rendering; never drops a record."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format must not leak its arguments
            message = f"{record.msg!s} (unformattable arguments dropped)"
        record.msg = _clean(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            kind, value, trace = record.exc_info
            if kind is not None:
                record.exc_text = "".join(traceback.format_exception(kind, value, trace)).rstrip()
        if record.exc_text:
            record.exc_text = _clean_lines(record.exc_text)
        record.exc_info = None
        if record.stack_info:
            record.stack_info = _clean_lines(record.stack_info)
        return True


class MaskingHandler(logging.NullHandler):
    """A handler that emits nothing and scrubs every record passing through it (see module).

    A ``NullHandler`` (the library's polite default: the application chooses the output) whose
    :meth:`handle` runs its :class:`MaskingFilter`, which a plain ``NullHandler`` never does.
    """

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(MaskingFilter())

    def handle(self, record: logging.LogRecord) -> bool:
        """Scrub ``record`` in place for the handlers further up; emit nothing."""
        return bool(self.filter(record))


def install() -> logging.Logger:
    """Put the masking handler on the package root logger ``fengqiao_core`` (idempotent).

    Returns:
        The package root logger.
    """
    root = logging.getLogger(_ROOT)
    if not any(isinstance(h, MaskingHandler) for h in root.handlers):
        root.addHandler(MaskingHandler())
    return root


def get_logger(name: str) -> logging.Logger:
    """Return the package logger ``name``, with the masking handler on the package root.

    The logger also carries a :class:`MaskingFilter`, so handlers attached to this very logger
    see scrubbed records too.

    Args:
        name: A module's ``__name__``, or any name under ``fengqiao_core``.

    Returns:
        The logger. Where records go is the application's choice (the masking handler emits
        nothing and keeps Python's "no handler" warning away).
    """
    install()
    logger = logging.getLogger(name)
    if not any(isinstance(f, MaskingFilter) for f in logger.filters):
        logger.addFilter(MaskingFilter())
    return logger
