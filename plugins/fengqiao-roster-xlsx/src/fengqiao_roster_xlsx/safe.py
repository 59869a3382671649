"""Terminal-safe text 终端安全: what a roster file says, shown without control or bidi tricks."""

from __future__ import annotations

import unicodedata

__all__ = ["safe_text"]

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escape(char: str) -> str:
    if char in _BIDI or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return char


def safe_text(text: str, limit: int = 60) -> str:
    """``text`` with control, format and bidi characters escaped, cut to ``limit`` characters."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    if text.isprintable() and not any(c in _BIDI for c in text):
        return text
    return "".join(_escape(c) for c in text)
