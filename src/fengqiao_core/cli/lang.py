"""The command line's two languages 界面语言: Chinese (``zh``) and English (``en``).

Every fixed text the demo and the report print is chosen here by ``--lang``: rule ids come with
their meaning, participant roles, categories, severities and changes year on year with their
names in that language. Codes that are ids (people, places, cells) are shown as they are.
"""

from __future__ import annotations

from fengqiao_core.metrics.report import Change
from fengqiao_core.model import MatterKind, Severity
from fengqiao_core.model.matters import DEFAULT_CATEGORIES

__all__ = ["LANGS", "category", "change", "count_label", "role", "rule", "say_in", "severity"]

LANGS = ("zh", "en")
"""The languages the command line speaks."""

_RULES: dict[str, tuple[str, str]] = {
    "T1": ("警格划分网格", "police grids partition the cells"),
    "T2": ("一警一长N员团队", '"1+1+N" team in every community'),
    "T3": ("每格有网格员", "a grid worker in every cell"),
    "T4": ("辅警不主办", "auxiliary officers assist only"),
    "L1": ("一体：定位到网格", "one body: located in a cell"),
    "L2": ("化解层级与上限", "the ladder and its ceilings"),
    "L3": ("逐级上报", "one rung at a time"),
    "L4": ("联调：联合调解", "joint mediation panel"),
    "L5": ("联动方案", "joint-action plan"),
    "L6": ("联治：移交主管部门", "joint governance: the competent body"),
    "L7": ("关联筛查", "linked screening"),
    "L8": ("红色管家匹配", "red steward matching"),
    "M1": ("拒绝调解不调解", "no mediation when refused"),
    "M2": ("保留其他救济途径", "other routes stay open"),
    "M3": ("调解记录与协议", "mediation records and agreement"),
    "M4": ("三十日内申请司法确认", "judicial confirmation within 30 days"),
    "M5": ("治安调解规定", "police mediation rules"),
    "D1": ("按严重程度限期化解", "resolution limits by severity"),
    "D2": ("黄色、红色预警", "yellow and red warnings"),
}
"""Each rule id of the domain with a short meaning: (中文, English)."""

_ROLES: dict[str, tuple[str, str]] = {
    "owner": ("主办民警", "owner"),
    "steward": ("红色管家", "red steward"),
    "video_review": ("视频研判", "video review"),
    "duty": ("值班民警", "duty officer"),
    "property_management": ("物业", "property management"),
    "case_team": ("办案队", "case team"),
    "case_owner": ("包案领导", "case owner"),
    "competent_body": ("主管部门", "competent body"),
    "joint_panel": ("联调小组", "joint mediation panel"),
    "panel_department": ("联调部门", "panel department"),
    "lawyer": ("律师", "lawyer"),
    "mediator": ("调解员", "mediator"),
    "referred_to": ("移交单位", "referred to"),
    "judicial_confirmation": ("司法确认", "judicial confirmation"),
    "coworker_mediator": ("工友调解员", "co-worker mediator"),
    "employer_guarantee": ("用人单位担保", "employer's guarantee"),
}
"""Participant roles: (中文, English)."""

_COUNTS: dict[str, tuple[str, str]] = {
    "police_grids": ("警格", "police grids"),
    "grid_cells": ("网格", "grid cells"),
    "villages": ("村", "villages"),
    "communities": ("社区", "communities"),
    "compounds": ("小区", "compounds"),
    "universities": ("高校", "universities"),
    "industrial_parks": ("工业园区", "industrial parks"),
    "enterprises": ("企业", "enterprises"),
    "officers": ("民警", "officers"),
    "community_officers": ("社区民警", "community officers"),
    "auxiliary_officers": ("辅警", "auxiliary officers"),
    "red_stewards": ("红色管家", "red stewards"),
    "grid_workers": ("网格员", "grid workers"),
    "lawyers": ("律师", "lawyers"),
    "mediators": ("调解员", "mediators"),
    "forces": ("综治力量", "forces"),
    "resident_groups": ("居民群", "resident groups"),
}
"""The station's counts (``fengqiao check``'s keys): (中文, English)."""

_CATEGORIES = {c.key: (c.label_zh, c.label_en) for c in DEFAULT_CATEGORIES}


def say_in(lang: str, zh: str, en: str) -> str:
    """``zh`` or ``en`` by ``lang``."""
    return zh if lang == "zh" else en


def count_label(key: str, lang: str) -> str:
    """The name of one of the station's counts (``red_stewards`` → 红色管家 / red stewards)."""
    found = _COUNTS.get(key)
    return say_in(lang, *found) if found else key.replace("_", " ")


def rule(rule_id: str, lang: str) -> str:
    """A rule id with its meaning: ``L5 联动方案`` / ``L5 joint-action plan``."""
    meaning = _RULES.get(rule_id)
    return rule_id if meaning is None else f"{rule_id} {say_in(lang, *meaning)}"


def role(code: str, lang: str) -> str:
    """A participant role's name (an unknown role: its code, words spaced)."""
    found = _ROLES.get(code)
    return say_in(lang, *found) if found else code.replace("_", " ")


def category(key: str, lang: str) -> str:
    """A category's name (``dispute:labour`` → 劳动争议 / labour and wages)."""
    found = _CATEGORIES.get(key)
    if found:
        return say_in(lang, *found)
    kind, _, code = key.partition(":")
    kinds = {k.value: k.label_zh for k in MatterKind}
    kind_name = say_in(lang, kinds.get(kind, kind), kind.replace("_", " "))
    return f"{kind_name}·{code}" if code else kind_name


_SEVERITY_EN = {Severity.GENERAL: "general", Severity.MAJOR: "major", Severity.SERIOUS: "serious"}


def severity(value: Severity, lang: str) -> str:
    """A severity's name (一般 / general)."""
    return say_in(lang, value.label_zh, _SEVERITY_EN.get(value, value.value))


def change(found: Change, lang: str) -> str:
    """A change year on year: ``+14.0%``, ``-3.2 pt`` (``-3.2 个百分点``), ``new`` (新增)."""
    if lang == "en":
        return found.text()
    if found.new:
        return "新增"
    if found.points and found.percent is not None:
        return f"{found.percent:+.1f} 个百分点"
    return found.text()
