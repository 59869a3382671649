"""Data protection settings 数据保护配置: the ``[encryption]`` and ``[retention]`` tables.

Retention periods 保管期限 count whole years from the day a matter was closed. The defaults
follow the fixed terms (定期 30 年 / 定期 10 年) of 《机关文件材料归档范围和文书档案保管期限规定》
(国家档案局令第 8 号, 2006): 30 years for disputes (人民调解 files) and police incidents, 10 years
for help requests and tips. No statute fixes these periods for a police station's
working records, so they are a starting point only: **configure them per your archive rules**
(your bureau's 档案管理 rules and the 公安 case-file rules that apply to you). PIPL Art. 19
asks for the shortest period the purpose needs; Art. 47 for deletion when it has passed.
"""

from __future__ import annotations

import datetime as dt

import attrs
from attrs import field, frozen

from fengqiao_core.errors import ValidationError
from fengqiao_core.model import Matter, MatterKind

__all__ = ["EncryptionSettings", "RetentionSettings"]


def _years(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if type(value) is not int or not 1 <= value <= 200:
        raise ValidationError(attribute.name, "expected whole years from 1 to 200")


def _optional_text(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ValidationError(attribute.name, "expected a non-blank string")


@frozen(kw_only=True)
class EncryptionSettings:
    """Field encryption 字段加密 (the ``[encryption]`` table).

    Attributes:
        enabled: Seal personal values at rest (default ``True``; ``false`` only for
            measurements and throw-away stores).
        kek_file: An owner-only (0600) file holding the key-encryption key material (relative
            to the station file's folder); ``FENGQIAO_KEK`` takes precedence.
        kek_provider: The id of a plugin key provider (``fengqiao_key_providers``) that wraps
            data keys itself (an HSM, a KMS); takes precedence over both.
    """

    enabled: bool = field(default=True, validator=attrs.validators.instance_of(bool))
    kek_file: str | None = field(default=None, validator=_optional_text)
    kek_provider: str | None = field(default=None, validator=_optional_text)


@frozen(kw_only=True)
class RetentionSettings:
    """How long personal data of a closed matter is kept 保管期限, in years per kind.

    See the module for the source of the defaults; configure them per your archive rules.
    """

    help_request: int = field(default=10, validator=_years)
    dispute: int = field(default=30, validator=_years)
    incident: int = field(default=30, validator=_years)
    tip: int = field(default=10, validator=_years)

    def years(self, kind: MatterKind) -> int:
        """The period of a kind of matter."""
        return int(getattr(self, kind.value))

    def ends(self, matter: Matter) -> dt.datetime | None:
        """When the matter's period ends (``None`` while it is not closed)."""
        closed = matter.closed_at
        if closed is None:
            return None
        years = self.years(matter.kind)
        try:
            return closed.replace(year=closed.year + years)
        except ValueError:  # 29 February
            return closed.replace(year=closed.year + years, day=28)
