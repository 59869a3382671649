"""Findings 检查结果: what a rule check reports, with the rule id, a severity and a message."""

from __future__ import annotations

from collections.abc import Iterable

import attrs
from attrs import field, frozen

from fengqiao_core.model.labels import LabelledEnum

__all__ = ["Finding", "FindingSeverity", "has_errors"]


class FindingSeverity(LabelledEnum):
    """How serious a finding is 严重程度: errors fail a check, warnings and notes do not."""

    ERROR = "error", "错误"
    WARNING = "warning", "警告"
    INFO = "info", "提示"


@frozen
class Finding:
    """One result of a rule check 检查结果.

    Messages name ids and counts, never personal data.

    Attributes:
        rule: The DOMAIN.md rule id, e.g. ``"T1"``.
        severity: Whether the finding fails the check.
        message: What was found, in English, naming the ids involved.
        message_zh: The same in Chinese, where the check gives one (else empty); not compared
            by ``==``.
    """

    rule: str = field(validator=attrs.validators.instance_of(str))
    severity: FindingSeverity = field(validator=attrs.validators.instance_of(FindingSeverity))
    message: str = field(validator=attrs.validators.instance_of(str))
    message_zh: str = field(default="", eq=False, validator=attrs.validators.instance_of(str))

    def text(self, lang: str) -> str:
        """The message in ``lang`` (``zh``: the Chinese one if given, else the English one)."""
        return self.message_zh if lang == "zh" and self.message_zh else self.message

    def __str__(self) -> str:
        return f"[{self.rule}] {self.severity.value}: {self.message}"


def has_errors(findings: Iterable[Finding]) -> bool:
    """Whether any finding is an error 错误.

    Args:
        findings: Findings of one or more checks.

    Returns:
        ``True`` when at least one has severity ``ERROR``.
    """
    return any(f.severity is FindingSeverity.ERROR for f in findings)
