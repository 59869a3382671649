"""Generate the Miaoshan sample roster workbook 庙山红色管家名册 (invented people).

The workbook looks like the ones stations keep: a merged title row, a blank row, Chinese
headers (English ones on the second sheet), phones stored as numbers or as ``+86`` text,
communities by name or by id, and availability as stations write it. Communities come from the
shipped station file; names and mobile numbers are invented from a fixed seed, never the people
of the seed article. Same seed, same bytes. Run from the repository root::

    python tools/make_miaoshan_roster.py          # rewrite the sample workbook
    python tools/make_miaoshan_roster.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import random
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fengqiao_roster_xlsx.xlsxwrite import SheetData, write_workbook
from make_miaoshan import FORBIDDEN_NAMES

__all__ = ["STATION", "TARGET", "main", "sample_rows", "write_sample"]

ROOT = Path(__file__).resolve().parent.parent
STATION = ROOT / "src/fengqiao_core/station/presets/miaoshan.toml"
TARGET = ROOT / "plugins/fengqiao-roster-xlsx/tests/data/miaoshan_roster.xlsx"
_SEED, _PER_SETTLEMENT = 20261130, 4
_SURNAMES = tuple("李王张刘陈杨赵黄周吴徐孙朱高林何郭马罗梁宋郑谢韩")
_GIVEN = tuple("晓春秋松柏梅兰竹菊云海山川雨雪晨曦阳星月岚峰宁安")
_PREFIXES = tuple(
    str(p) for p in (134, 147, 157, 166, 172, 176, 178, 182, 183, 184, 191, 195, 198, 199)
)
_OCCUPATIONS = (("社区居民", ""), ("医生", "医疗"), ("教师", "教育"), ("退役军人", "巡逻、急救"),
                ("超市老板", "后勤"), ("大学生", "宣传"), ("其他", "调解"))  # fmt: skip
_TIMES = ("工作日 9:00-17:00", "周末全天", "每周二四晚上", "周一至周五 18:30-21:00",
          "周六上午；周日下午", "每天 8:00-10:00", "星期三 14:00-17:30")  # fmt: skip
_HEADERS_ZH = ("序号", "姓名", "手机号", "所属社区", "职业", "是否党员", "技能特长", "可服务时段",
               "身份")  # fmt: skip
_HEADERS_EN = ("No.", "Name", "Phone", "Community", "Occupation", "Party member", "Skills",
               "Availability", "Role")  # fmt: skip


def _settlements() -> list[tuple[str, str, str]]:
    data = tomllib.loads(STATION.read_text("utf-8"))
    return [
        (p["id"], p["name"], p["kind"])
        for p in data["places"]
        if p["kind"] in ("village", "community")
    ]


def sample_rows() -> list[dict[str, Any]]:
    """The sample's stewards as plain data (what the workbook says, one dict per person)."""
    rng = random.Random(_SEED)
    names: set[str] = set(FORBIDDEN_NAMES)
    phones: set[str] = set()
    rows = []
    for place_id, place_name, kind in _settlements():
        for _ in range(_PER_SETTLEMENT):
            name = rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2))))
            while name in names:
                name = rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=2))
            names.add(name)
            phone = rng.choice(_PREFIXES) + f"{rng.randrange(10**8):08d}"
            while phone in phones:
                phone = rng.choice(_PREFIXES) + f"{rng.randrange(10**8):08d}"
            phones.add(phone)
            occupation, skills = rng.choice(_OCCUPATIONS)
            rows.append(
                {
                    "name": name,
                    "phone": phone,
                    "community_id": place_id,
                    "community_name": place_name,
                    "village": kind == "village",
                    "occupation": occupation,
                    "party_member": rng.random() < 0.6,
                    "skills": skills,
                    "availability": rng.choice(_TIMES),
                }
            )
    return rows


def _sheet(title: str, headers: tuple[str, ...], rows: list[dict[str, Any]], zh: bool) -> SheetData:
    cells: dict[int, list[Any]] = {1: [title], 3: list(headers)}
    for number, row in enumerate(rows, start=1):
        phone = row["phone"]
        cells[3 + number] = [
            number,
            row["name"],
            int(phone) if zh else f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}",
            row["community_name"] if zh else row["community_id"],
            row["occupation"],
            ("是" if row["party_member"] else "否")
            if zh
            else ("yes" if row["party_member"] else "no"),
            row["skills"],
            row["availability"],
            "红色管家" if zh else "red steward",
        ]
    return SheetData(title, cells, merged=(f"A1:{chr(64 + len(headers))}1",))


def write_sample(path: Path) -> None:
    """Write the sample workbook to ``path``."""
    rows = sample_rows()
    villages = [r for r in rows if r["village"]]
    communities = [r for r in rows if not r["village"]]
    write_workbook(
        path,
        [
            _sheet("庙山街道各村红色管家名册", _HEADERS_ZH, villages, zh=True),
            _sheet("Miaoshan communities", _HEADERS_EN, communities, zh=False),
        ],
    )


def main(argv: list[str]) -> int:
    """Write the sample (or with ``--check`` compare it); returns the exit code."""
    if "--check" in argv:
        with tempfile.TemporaryDirectory() as folder:
            fresh = Path(folder) / "roster.xlsx"
            write_sample(fresh)
            same = TARGET.exists() and TARGET.read_bytes() == fresh.read_bytes()
        print("up to date" if same else f"{TARGET} is out of date: run this script")
        return 0 if same else 1
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    write_sample(TARGET)
    print(f"wrote {TARGET} ({len(sample_rows())} stewards)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
