"""The one explicit way to pickle personal values 个人信息序列化许可.

A personal value (:class:`~fengqiao_core.model.personal.Sensitive`) refuses ``pickle`` with
:class:`~fengqiao_core.errors.PermissionDenied`: a pickle carries the raw value to wherever
the bytes go (a cache, a queue, a log of task arguments). Code that must hand raw values to
another process of the same trust (e.g. a ``multiprocessing`` worker) says so in a ``with``
block, giving a reason::

    with personal_pickling("hand the batch to the import worker"):
        payload = pickle.dumps(people)

Inside the block (this thread or task only: a context variable) values pickle to their type
and raw value; withheld values (masked reads) never pickle. Unpickling needs no permission.
``copy.copy`` and ``copy.deepcopy`` always work: they return the (immutable) value itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fengqiao_core.errors import ValidationError
from fengqiao_core.model.personal import _PICKLING
from fengqiao_core.security.logs import get_logger

__all__ = ["personal_pickling"]

_log = get_logger(__name__)


@contextmanager
def personal_pickling(reason: str) -> Iterator[None]:
    """Allow pickling personal values inside the ``with`` block (this context only).

    Args:
        reason: Why raw values leave the process; logged at INFO (never the values).

    Raises:
        ValidationError: ``reason`` is blank.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError("reason", "say why personal values are pickled")
    _log.info("personal values may be pickled: %s", reason.strip())
    token = _PICKLING.set(True)
    try:
        yield
    finally:
        _PICKLING.reset(token)
