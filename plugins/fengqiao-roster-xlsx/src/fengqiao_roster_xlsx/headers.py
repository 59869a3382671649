"""Roster headers 表头: Chinese and English aliases, found under any title rows.

A header row is the first of a sheet's first :data:`HEADER_SCAN_ROWS` rows with a name column
and at least one other known column. Header text is compared without spaces, stars, case or a
trailing note in brackets (``手机号（必填）`` is ``手机号``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

__all__ = ["ALIASES", "FIELDS", "HEADER_SCAN_ROWS", "find_header", "normalise_header"]

HEADER_SCAN_ROWS = 10
"""How many rows from the top of a sheet are searched for the header row."""

ALIASES: Mapping[str, tuple[str, ...]] = {
    "id": ("编号", "人员编号", "志愿者编号", "id", "code"),
    "name": ("姓名", "名字", "name", "fullname"),
    "phone": ("手机号", "手机号码", "手机", "联系电话", "电话", "联系方式", "phone", "mobile",
              "tel"),
    "community": ("社区", "村", "村社区", "社区村", "所属社区", "所在社区", "社区名称", "村名",
                  "community", "village"),
    "occupation": ("职业", "工作", "occupation", "job"),
    "party_member": ("党员", "是否党员", "政治面貌", "partymember", "party"),
    "skills": ("技能", "特长", "技能特长", "专长", "skills", "skill"),
    "availability": ("服务时间", "可服务时段", "可服务时间", "服务时段", "空闲时间", "availability",
                     "available"),
    "role": ("身份", "类别", "人员类别", "角色", "role", "type"),
}  # fmt: skip
"""Canonical field → header spellings (compared after :func:`normalise_header`)."""

FIELDS = tuple(ALIASES)
"""The canonical fields, in column order of a generated roster."""

_LOOKUP = {alias.lower(): field for field, aliases in ALIASES.items() for alias in aliases}
_NOISE = re.compile(r"[\s*＊_\-:：]+|[（(【\[].*?[）)】\]]$")


def normalise_header(text: object) -> str:
    """A header cell as compared with the aliases (``" 手机号（必填）*"`` → ``"手机号"``)."""
    if not isinstance(text, str):
        return ""
    return _NOISE.sub("", _NOISE.sub("", text.strip())).lower()


def _fields(row: Sequence[object]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        field = _LOOKUP.get(normalise_header(cell))
        if field is not None and field not in found:
            found[field] = index
    return found


def find_header(rows: Sequence[Sequence[object]]) -> tuple[int, dict[str, int]] | None:
    """The header row among ``rows`` (the top of a sheet) and its columns by field.

    Returns:
        ``(index in rows, {field: column index})``, or ``None`` when no row has a name column
        and one more known column.
    """
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = _fields(row)
        if "name" in found and len(found) >= 2:
            return index, found
    return None
