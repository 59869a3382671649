"""Generate the shipped Miaoshan station file 庙山派出所 (``src/fengqiao_core/station/presets/``).

Every figure the seed states is reproduced (DOMAIN.md §5); everything else is synthetic and
deterministic (a fixed random seed): place names, people's names and mobile numbers are
invented, and the people named in the seed article never appear. Run from the repository root::

    python tools/make_miaoshan.py          # rewrite the shipped file
    python tools/make_miaoshan.py --check  # exit 1 if the shipped file is out of date
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tomlwrite import dumps

__all__ = ["FORBIDDEN_NAMES", "TARGET", "main", "render", "station_data"]

TARGET = Path(__file__).resolve().parent.parent / "src/fengqiao_core/station/presets/miaoshan.toml"
FORBIDDEN_NAMES = ("潘时涛", "伍文捷", "程民政", "汤莉芳", "王振国", "高茂新", "熊利兵", "李鹏程")
"""People named in the seed article: never generated (nor 陈某, 张某, 胡某某, 小芳)."""

_DIVISION, _STREET, _SEED = "420115", "101", 20231227
_VILLAGES = ("东湖村", "西岭村", "南港村", "北塘村", "桃源村", "荷叶村", "青龙村")
_COMMUNITIES = (
    *("湖畔社区", "春晖社区", "明珠社区", "翠苑社区", "金桥社区", "光谷南社区"),
    *("书香社区", "阳光社区", "和美社区", "汇景社区", "新港社区"),
)
_UNIVERSITIES = ("湖畔理工学院", "江南师范学院", "楚才职业学院", "南湖医学院")
_PARKS = ("光电产业园", "智能制造园", "生物医药园", "物流产业园", "创意科技园")
_COMPOUND_WORDS = ("花园", "雅苑", "家园", "新城", "公馆", "华府", "名邸")
_COMPOUND_PREFIX = [
    "湖景",
    "锦绣",
    "翠湖",
    "春天",
    "碧桂",
    "御景",
    "枫林",
    "橙园",
    "星河",
    "云栖",
    "金域",
    "海棠",
    "清风",
    "水岸",
]
_TRADES = [
    "光电",
    "机械",
    "物流",
    "电子",
    "食品",
    "建材",
    "医药",
    "软件",
    "包装",
    "汽配",
    "印务",
    "商贸",
    "环保",
    "材料",
]
_BRANDS = [
    "恒达",
    "瑞丰",
    "新源",
    "汇通",
    "博远",
    "鑫诚",
    "中联",
    "华宇",
    "盛世",
    "长江",
    "启明",
    "众合",
    "天成",
    "宏图",
    "金泰",
    "远航",
]
_SURNAMES = [
    "李",
    "王",
    "张",
    "刘",
    "陈",
    "杨",
    "赵",
    "黄",
    "周",
    "吴",
    "徐",
    "孙",
    "胡",
    "朱",
    "高",
    "林",
    "何",
    "郭",
    "马",
    "罗",
    "梁",
    "宋",
    "郑",
    "谢",
    "韩",
    "唐",
    "冯",
    "于",
]
_GIVEN = "明 华 强 芳 军 敏 静 丽 勇 磊 洋 艳 杰 娟 涛 超 霞 平 刚 桂 英 伟 兰 玲 红 斌 宇 浩 凯 鑫"
_GIVEN_CHARS = _GIVEN.split()
_MOBILE_PREFIXES = "130 131 132 133 135 136 137 138 139 150 151 152 155 156 158 159 186 187 188"
_OCCUPATIONS = (
    ("resident", 40, ()),
    ("shop_owner", 12, ("logistics",)),
    ("doctor", 8, ("medical",)),
    ("teacher", 10, ("education",)),
    ("student", 15, ("publicity",)),
    ("veteran", 10, ("patrol", "first_aid")),
    ("other", 5, ()),
)
_FORCES = (
    ("ping_an_ban", "平安办", ("incident:fight", "tip:hazard")),
    ("zong_zhi_ban", "综治办", ("dispute:neighbour", "tip:dispute_risk")),
    ("grid_centre", "网格中心", ("help_request:welfare", "tip:dispute_risk")),
    ("urban_management", "城管执法中队", ("dispute:property_management",)),
    ("market_supervision", "市场监管所", ("dispute:consumer",)),
    ("emergency_office", "应急管理办", ("tip:hazard",)),
    ("petition_office", "信访办", ("dispute:demolition", "dispute:land")),
    ("social_affairs", "社会事务办", ("help_request:welfare", "dispute:marriage_family")),
)
_DEPARTMENTS = (
    ("street_office", "街道办事处", ("dispute:housing", "dispute:neighbour")),
    ("judicial_office", "司法所", ("dispute:contract", "dispute:labour", "dispute:damages")),
    ("labour_inspection", "劳动监察大队", ("dispute:labour",)),
    ("management_committee", "管委会", ("dispute:business", "dispute:demolition")),
    ("people_court", "人民法庭", ("dispute:contract",)),
)


class _People:
    """Invented, unique names and mobile numbers drawn from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[str] = set(FORBIDDEN_NAMES)
        self.phones: set[str] = set()

    def name(self) -> str:
        while True:
            given = "".join(self.rng.choices(_GIVEN_CHARS, k=self.rng.choice((1, 2, 2))))
            name = self.rng.choice(_SURNAMES) + given
            if name not in self.names:
                self.names.add(name)
                return name

    def phone(self) -> str:
        while True:
            phone = self.rng.choice(_MOBILE_PREFIXES.split()) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def person(self, ident: str) -> dict[str, Any]:
        return {"id": ident, "name": self.name(), "phone": self.phone()}


_SHIPPED_PLUGINS = ("example_channel", "geogrid", "open311", "postgres", "roster_xlsx", "wecom")
"""The project's own plugin distributions (plugins/): the shipped station trusts them, and
grants none of them personal data."""


def station_data() -> dict[str, Any]:
    """Build the Miaoshan station as plain data, in station-file order.

    Returns:
        The mapping that :func:`render` writes as TOML.
    """
    rng = random.Random(_SEED)
    people = _People(rng)
    settlements = [(f"V{i + 1:02d}", n, "village") for i, n in enumerate(_VILLAGES)]
    settlements += [(f"C{i + 1:02d}", n, "community") for i, n in enumerate(_COMMUNITIES)]
    grid_of = {sid: f"PG{sid[1:]}" for sid, _, _ in settlements}
    number_of = {sid: number for number, (sid, _, _) in enumerate(settlements, start=1)}
    places: list[dict[str, Any]] = []
    cells: list[dict[str, Any]] = []
    cells_of: dict[str, list[str]] = {}
    for number, (sid, name, kind) in enumerate(settlements, start=1):
        places.append({"id": sid, "name": name, "kind": kind})
        low, high = (150, 300) if kind == "village" else (300, 480)
        cells_of[sid] = []
        for seq in range(1, 3 if kind == "village" else 4):
            code = f"{_DIVISION}{_STREET}{number:03d}{seq:03d}"
            cells_of[sid].append(code)
            cells.append(
                {
                    "id": code,
                    "name": f"{name}第{seq}网格",
                    "police_grid": grid_of[sid],
                    "community": sid,
                    "households": rng.randrange(low, high),
                }
            )
    for index, name in enumerate(_UNIVERSITIES):
        host, uid = f"C{index + 1:02d}", f"U{index + 1:02d}"
        code = f"{_DIVISION}{_STREET}{number_of[host]:03d}004"
        cells.append(
            {
                "id": code,
                "name": f"{name}专属网格",
                "police_grid": grid_of[host],
                "community": host,
                "households": rng.randrange(100, 200),
                "dedicated_to": uid,
            }
        )
        cells_of[host].append(code)
        places.append({"id": uid, "name": name, "kind": "university", "parent": host, "cell": code})
    compound_names = [p + w for p in _COMPOUND_PREFIX for w in _COMPOUND_WORDS]
    rng.shuffle(compound_names)
    for index in range(49):
        host = f"C{index % 11 + 1:02d}"
        places.append(
            {
                "id": f"H{index + 1:02d}",
                "name": compound_names[index],
                "kind": "compound",
                "parent": host,
                "cell": cells_of[host][index // 11 % 3],
            }
        )
    for index, name in enumerate(_PARKS):
        host = f"V{index + 1:02d}"
        place = {"id": f"P{index + 1}", "name": f"庙山{name}", "kind": "industrial_park"}
        places.append(place | {"parent": host, "cell": cells_of[host][0]})
    enterprise_names = [f"武汉{b}{t}有限公司" for b in _BRANDS for t in _TRADES]
    enterprise_names += [f"武汉{b}{t}科技有限公司" for b in _BRANDS for t in _TRADES]
    enterprise_names += [f"湖北{b}{t}股份有限公司" for b in _BRANDS for t in _TRADES]
    enterprise_names += [f"庙山{b}{t}工贸有限公司" for b in _BRANDS for t in _TRADES]
    enterprise_names += [f"江夏{b}{t}实业有限公司" for b in _BRANDS for t in _TRADES]
    rng.shuffle(enterprise_names)
    for index in range(986):
        if index % 10 < 7:
            park = f"P{index % 5 + 1}"
            parent, cell = park, cells_of[f"V{index % 5 + 1:02d}"][index % 2]
        else:
            parent = f"C{index % 11 + 1:02d}"
            cell = cells_of[parent][index % 3]
        places.append(
            {
                "id": f"E{index + 1:04d}",
                "name": enterprise_names[index],
                "kind": "enterprise",
                "parent": parent,
                "cell": cell,
            }
        )
    return _people_and_organisation(rng, people, settlements, cells, places, cells_of, grid_of)


def _people_and_organisation(
    rng: random.Random,
    people: _People,
    settlements: list[tuple[str, str, str]],
    cells: list[dict[str, Any]],
    places: list[dict[str, Any]],
    cells_of: dict[str, list[str]],
    grid_of: dict[str, str],
) -> dict[str, Any]:
    grids = [f"PG{i:02d}" for i in range(1, 12)]
    officer_of = {grid: f"O{i + 1:02d}" for i, grid in enumerate(grids)}
    officers = [
        people.person(officer_of[g]) | {"post": "community", "police_grids": [g]} for g in grids
    ]
    officers.append(people.person("O12") | {"post": "community", "police_grids": grids[7:]})
    posts = ["case_handling"] * 5 + ["duty"] * 3 + ["command"] * 2 + ["criminal"] * 2
    officers += [people.person(f"O{13 + i}") | {"post": p} for i, p in enumerate(posts)]
    auxiliaries = [
        people.person(f"A{i + 1:02d}")
        | {"police_grid": grids[i % 11], "supervisor": officer_of[grids[i % 11]]}
        for i in range(30)
    ]
    workers = [
        people.person(f"W{i + 1:02d}") | {"cells": [cell["id"]], "leader": False}
        for i, cell in enumerate(cells)
    ]
    worker_of = {w["cells"][0]: w for w in workers}
    lead_of = {}
    for sid, codes in cells_of.items():
        worker_of[codes[0]]["leader"] = True
        lead_of[sid] = worker_of[codes[0]]["id"]
    stewards = _stewards(rng, people, settlements)
    teams = []
    for sid, _, _ in settlements:
        party = [s["id"] for s in stewards if s["community"] == sid and s["party_member"]]
        teams.append(
            {
                "id": f"T-{sid}",
                "community": sid,
                "officer": officer_of[grid_of[sid]],
                "lead": lead_of[sid],
                "stewards": party[:6],
            }
        )
    mediators = [
        people.person(f"M{i + 1:02d}") | {"community": settlements[i % 18][0]} for i in range(32)
    ]
    firms = ("湖畔律师事务所", "江城明德律师事务所", "楚天正信律师事务所")
    lawyers = [people.person(f"L{i + 1:02d}") | {"firm": firms[i % 3]} for i in range(11)]
    return {
        "station": {
            "id": "miaoshan",
            "name": "庙山派出所",
            "division": _DIVISION,
            "parent": "江夏分局",
            "founded": 1994,
            "area_km2": 40.0,
            "timezone": "Asia/Shanghai",
        },
        "backends": {
            "storage": "sqlite:///miaoshan.db",
            "grid": "declared",
            "volunteers": "declared",
            "channel": "log",
        },
        "rules": {
            "team_min_stewards": 1,
            "village_teams": True,
            "grid_workers_per_cell": 1,
            "steward_density_per_500": 2.0,
        },
        "access": {"admins": ["AD1"], "auditors": ["AU1"]},
        "plugins": {"allow": list(_SHIPPED_PLUGINS)},
        "police_grids": [{"id": g, "name": f"第{i + 1}警务区"} for i, g in enumerate(grids)],
        "cells": cells,
        "places": places,
        "officers": officers,
        "auxiliary_officers": auxiliaries,
        "red_stewards": stewards,
        "grid_workers": workers,
        "mediators": mediators,
        "lawyers": lawyers,
        "forces": [{"id": i, "name": n, "competences": list(c)} for i, n, c in _FORCES],
        "departments": [
            {"id": i, "name": n, "competences": list(c)} | ({"court": True} if "court" in i else {})
            for i, n, c in _DEPARTMENTS
        ],
        "teams": teams,
        "mediation_panels": [
            {
                "id": "sunshine_panel",
                "name": "阳光联调小组",
                "leader": "O13",
                "departments": ["street_office", "judicial_office", "labour_inspection"],
                "lawyers": [lawyer["id"] for lawyer in lawyers],
                "mediators": [mediator["id"] for mediator in mediators],
            }
        ],
        "resident_groups": _groups(rng, settlements, cells_of, grid_of, officer_of, places),
        "vanguard_teams": [
            {
                "id": "vanguard",
                "name": "政法先锋队",
                "leader": "O03",
                "members": ["O03", "O05", "O13", "O14", "A01", "A02", "A03", "A04"],
                "certified_on": dt.date(2021, 9, 1),
            }
        ],
    }


def _stewards(
    rng: random.Random, people: _People, settlements: list[tuple[str, str, str]]
) -> list[dict[str, Any]]:
    weights = [weight for _, weight, _ in _OCCUPATIONS]
    stewards = []
    first, last = dt.date(2022, 7, 1).toordinal(), dt.date(2023, 12, 1).toordinal()
    quota = {sid: (100 if kind == "community" else 62) for sid, _, kind in settlements}
    number = 0
    for sid, _, _ in settlements:
        for _ in range(quota[sid]):
            number += 1
            occupation, _, skills = rng.choices(_OCCUPATIONS, weights=weights)[0]
            day = rng.randrange(7)
            start = rng.choice((8, 9, 14, 18))
            stewards.append(
                people.person(f"S{number:04d}")
                | {
                    "community": sid,
                    "occupation": occupation,
                    "party_member": rng.random() < 0.55,
                    "skills": list(skills),
                    "availability": [
                        {"weekday": day, "start": dt.time(start), "end": dt.time(start + 3)}
                    ],
                    "joined": dt.date.fromordinal(rng.randrange(first, last)),
                }
            )
    return stewards


def _groups(
    rng: random.Random,
    settlements: list[tuple[str, str, str]],
    cells_of: dict[str, list[str]],
    grid_of: dict[str, str],
    officer_of: dict[str, str],
    places: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    groups = []

    def add(category: str, name: str, host: str, cells: list[str]) -> None:
        groups.append(
            {
                "id": f"G{len(groups) + 1:02d}",
                "name": name,
                "category": category,
                "owner": officer_of[grid_of[host]],
                "cells": cells,
                "members": rng.randrange(40, 480),
            }
        )

    for sid, name, _ in settlements:
        add("landlord", f"{name}房东群", sid, cells_of[sid])
    for sid, name, kind in settlements:
        if kind == "community":
            add("volunteer", f"{name}红色管家群", sid, cells_of[sid])
    for place in places:
        if place["kind"] == "industrial_park":
            add("industry", f"{place['name']}企业群", place["parent"], [place["cell"]])
        elif place["kind"] == "university":
            add("school", f"{place['name']}安全群", place["parent"], [place["cell"]])
    for index, trade in enumerate(("物业服务", "快递外卖", "商超门店")):
        add("unit", f"庙山{trade}单位群", f"C{index + 1:02d}", cells_of[f"C{index + 1:02d}"])
    for sid, name, _ in settlements[:11]:
        add("grid_worker", f"{name}网格员群", sid, cells_of[sid])
    return groups


def render() -> str:
    """Render the Miaoshan station file as TOML text (deterministic).

    Returns:
        The text of ``miaoshan.toml``.
    """
    header = (
        "庙山派出所 Miaoshan police station, Jiangxia, Wuhan: the shipped example station.\n"
        "Generated by tools/make_miaoshan.py: do not edit by hand. Figures follow the seed\n"
        "article (DOMAIN.md §5); names, mobile numbers and place names are invented."
    )
    return dumps(station_data(), header=header)


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check``, compare) the shipped station file.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code: 0, or 1 when ``--check`` finds the shipped file out of date.
    """
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in args:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        return 0 if current == text else 1
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
