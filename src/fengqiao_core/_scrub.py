"""Scrubbing mainland ID and mobile numbers out of free text (used by errors, logs, outboxes)."""

from __future__ import annotations

import re

__all__ = ["scrub"]

_ID_IN_TEXT = re.compile(r"(?<![0-9])([1-9]\d{5})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])(1[3-9]\d)\d{4}(\d{4})(?![0-9])")


def scrub(text: str) -> str:
    """``text`` with ID numbers shown as ``420115********1234`` and mobiles as ``138****5678``."""
    text = _ID_IN_TEXT.sub(lambda m: f"{m[1]}********{m[2]}", text)
    return _MOBILE_IN_TEXT.sub(lambda m: f"{m[1]}****{m[2]}", text)
