"""A small TOML writer for station files (the standard library reads TOML but cannot write it).

Top-level tables become ``[name]``, top-level arrays of tables ``[[name]]``; anything nested
deeper is written inline. Output is deterministic: keys keep their insertion order.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["dumps"]

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def dumps(data: Mapping[str, Any], *, header: str = "") -> str:
    """Write a mapping as TOML text.

    Args:
        data: Keys to strings, numbers, booleans, dates, times, lists and mappings.
        header: Comment lines put first (without the ``#``).

    Returns:
        The TOML text, ending with a newline.
    """
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping) or _is_table_array(v)}
    lines += [f"{_key(k)} = {_value(v)}" for k, v in data.items() if k not in tables]
    for key, value in tables.items():
        blocks = [value] if isinstance(value, Mapping) else value
        brackets = ("[", "]") if isinstance(value, Mapping) else ("[[", "]]")
        for block in blocks:
            lines += ["", f"{brackets[0]}{_key(key)}{brackets[1]}"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in block.items()]
    return "\n".join(lines).lstrip("\n") + "\n"


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _key(key: str) -> str:
    return key if _BARE.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items())
        return f"{{ {inner} }}" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
