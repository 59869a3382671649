"""Roster cell values 单元格取值: text, phones, party membership, occupations, skills and roles.

Each parser takes what the reader returns for a cell (text, a number, a date or ``""``) and
returns a model value, or raises :class:`~fengqiao_core.errors.ValidationError` whose message
never repeats the cell.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

from fengqiao_core.errors import ValidationError
from fengqiao_core.model import Occupation, Skill
from fengqiao_roster_xlsx._core import PhoneNumber

__all__ = [
    "ROLES",
    "SKILL_ALIASES",
    "cell_text",
    "parse_occupation",
    "parse_party",
    "parse_phone",
    "parse_role",
    "parse_skills",
]

SKILL_ALIASES: Mapping[str, str] = {
    "医疗": "medical", "医疗救护": "medical", "医护": "medical", "看病": "medical",
    "急救": "first_aid", "应急救护": "first_aid", "救护": "first_aid",
    "教育": "education", "辅导": "education", "课业辅导": "education",
    "后勤": "logistics", "物资": "logistics", "后勤保障": "logistics",
    "巡逻": "patrol", "巡防": "patrol", "治安巡逻": "patrol",
    "宣传": "publicity", "政策宣传": "publicity", "反诈宣传": "publicity",
    "调解": "mediation", "矛盾调解": "mediation", "纠纷调解": "mediation",
    "法律": "legal", "法律咨询": "legal", "维修": "repair", "水电维修": "repair",
    "心理": "counselling", "心理疏导": "counselling", "翻译": "translation",
}  # fmt: skip
"""Skill names stations write → skill codes; the codes themselves are accepted too."""

ROLES: Mapping[str, str] = {
    "红色管家": "steward", "管家": "steward", "志愿者": "steward", "红色志愿者": "steward",
    "steward": "steward", "redsteward": "steward", "volunteer": "steward",
    "调解员": "mediator", "人民调解员": "mediator", "mediator": "mediator",
    "律师": "lawyer", "lawyer": "lawyer",
}  # fmt: skip
"""What a 身份 (role) cell may say → the kind of person the row becomes."""

_OCCUPATIONS: dict[str, Occupation] = {m.label_zh: m for m in Occupation}
_OCCUPATIONS.update({m.value: m for m in Occupation})
_OCCUPATIONS.update(
    {
        "居民": Occupation.RESIDENT, "村民": Occupation.RESIDENT, "退休": Occupation.RESIDENT,
        "店主": Occupation.SHOP_OWNER, "个体户": Occupation.SHOP_OWNER,
        "超市店主": Occupation.SHOP_OWNER, "医师": Occupation.DOCTOR, "村医": Occupation.DOCTOR,
        "老师": Occupation.TEACHER, "学生": Occupation.STUDENT, "其它": Occupation.OTHER,
        "退伍军人": Occupation.VETERAN, "shop owner": Occupation.SHOP_OWNER,
    }
)  # fmt: skip
_YES = frozenset({"是", "党员", "中共党员", "预备党员", "y", "yes", "true", "1", "√", "✓"})
_NO = frozenset({"否", "不是", "群众", "非党员", "n", "no", "false", "0", "×", "✗", ""})
_SPLIT = re.compile(r"[,，;；、/|\s]+")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")


def cell_text(value: object) -> str:
    """A cell as text: numbers without a trailing ``.0``, dates in ISO form, blanks as ``""``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def parse_phone(value: object) -> PhoneNumber:
    """A mobile number stored as a number or text, with or without ``+86``/``86`` and spaces."""
    if isinstance(value, float) and not value.is_integer():
        raise ValidationError("phone", "is not a mainland mobile number")
    digits = _PHONE_NOISE.sub("", cell_text(value))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
    if not (len(digits) == 11 and digits.isascii() and digits.isdigit()):
        raise ValidationError("phone", "is not a mainland mobile number (11 digits, 13x-19x)")
    return PhoneNumber(digits)


def parse_party(value: object) -> bool:
    """Party membership 党员: 是/否, 党员/群众, yes/no, 1/0, √/×."""
    text = cell_text(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValidationError("party_member", "is not yes/no (是/否, 党员/群众)")


def parse_occupation(value: object) -> Occupation:
    """An occupation 职业 in Chinese or English; blank is a resident."""
    text = cell_text(value).lower()
    if not text:
        return Occupation.RESIDENT
    found = _OCCUPATIONS.get(text)
    if found is None:
        raise ValidationError("occupation", "is not an occupation the roster reader knows")
    return found


def parse_skills(value: object, known: Iterable[str]) -> tuple[Skill, ...]:
    """Skills 技能/特长 separated by ``、，;/`` or spaces; each a known name or code.

    Raises:
        ValidationError: ``skills``: unknown skill (the message gives its position, not text).
    """
    allowed = set(known)
    skills: dict[str, Skill] = {}
    for position, part in enumerate(p for p in _SPLIT.split(cell_text(value)) if p):
        code = SKILL_ALIASES.get(part, part.lower())
        if code not in allowed:
            raise ValidationError("skills", f"unknown skill (item {position + 1})")
        skills.setdefault(code, Skill(code))
    return tuple(skills.values())


def parse_role(value: object) -> str:
    """The kind of person a row is: ``steward`` (also for blank), ``mediator`` or ``lawyer``."""
    text = cell_text(value).lower().replace(" ", "")
    if not text:
        return "steward"
    found = ROLES.get(text)
    if found is None:
        raise ValidationError("role", "is not a role the roster imports (红色管家, 调解员, 律师)")
    return found
