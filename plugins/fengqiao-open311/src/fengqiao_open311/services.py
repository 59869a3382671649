"""GeoReport services 服务类型: the matter categories residents may report.

Only help requests 求助 and disputes 矛盾纠纷 are services; incidents 警情 and tips 线索 never
are. A category's service code is the external code the station's ``[open311.services]`` table
maps to it (the first one), else the category key itself (``help_request:welfare``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from attrs import frozen

from fengqiao_core.model import MatterCategory, MatterKind

__all__ = ["REPORTABLE", "Service", "ServiceCatalogue", "definition", "service_row"]

REPORTABLE = (MatterKind.HELP_REQUEST, MatterKind.DISPUTE)
"""The kinds of matter residents may report through Open311; nothing else is ever exposed."""

_GROUPS = {MatterKind.HELP_REQUEST: ("求助", "help"), MatterKind.DISPUTE: ("矛盾纠纷", "dispute")}
AMOUNT = "amount_yuan"
"""The attribute code of a dispute's sum in question (元)."""


@frozen
class Service:
    """One GeoReport service 服务类型: a reportable matter category and its codes."""

    code: str
    category: MatterCategory

    @property
    def metadata(self) -> bool:
        """Disputes carry attributes (the sum in question); help requests none."""
        return self.category.kind is MatterKind.DISPUTE


class ServiceCatalogue:
    """The station's services 服务目录, by service code and by category key.

    Args:
        categories: Every registered matter category (the station's registry).
        mapping: External service code -> category key (``[open311.services]``).
    """

    def __init__(self, categories: Iterable[MatterCategory], mapping: Mapping[str, str]) -> None:
        reportable = [c for c in categories if c.kind in REPORTABLE]
        by_key = {c.key: c for c in reportable}
        self._by_code: dict[str, Service] = {}
        self._code_of: dict[str, str] = {}
        for code, key in mapping.items():
            if key in by_key:
                self._by_code[code] = Service(code, by_key[key])
                self._code_of.setdefault(key, code)
        for category in reportable:
            self._by_code.setdefault(category.key, Service(category.key, category))
            self._code_of.setdefault(category.key, category.key)
        self.keys = frozenset(by_key)

    def services(self) -> list[Service]:
        """One service per reportable category, under its preferred code."""
        return [self._by_code[code] for code in self._code_of.values()]

    def by_code(self, code: str) -> Service | None:
        """The service of an external or own code, if any."""
        return self._by_code.get(code)

    def code_of(self, category_key: str) -> str | None:
        """The preferred service code of a category (``None`` for incidents and tips)."""
        return self._code_of.get(category_key)


def service_row(service: Service, lang: str) -> dict[str, Any]:
    """The GeoReport ``service`` fields; ``service_name`` in ``lang`` (``zh`` or ``en``)."""
    category = service.category
    zh, en = category.label_zh, category.label_en
    group_zh, group_en = _GROUPS[category.kind]
    kind = category.kind.label_zh if lang == "zh" else category.kind.value.replace("_", " ")
    return {
        "service_code": service.code,
        "service_name": zh if lang == "zh" else en,
        "description": f"{zh} — {en} ({kind})",
        "metadata": service.metadata,
        "type": "realtime",
        "keywords": f"{zh}, {en}, {group_zh}, {group_en}",
        "group": group_zh if lang == "zh" else group_en,
    }


def definition(service: Service) -> dict[str, Any]:
    """The GeoReport ``service_definition``: attribute definitions where a category needs more."""
    attributes: list[dict[str, Any]] = []
    if service.metadata:
        attributes.append(
            {
                "variable": True,
                "code": AMOUNT,
                "datatype": "number",
                "required": False,
                "datatype_description": "元, a whole number >= 0",
                "order": 1,
                "description": "The sum in question, if any 涉及金额（元）",
            }
        )
    return {"service_code": service.code, "attributes": attributes}
