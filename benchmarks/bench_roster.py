"""roster.import, roster.read: a 100,000-row roster workbook vs the reader's own iteration.

``baseline`` (both) is rows per second of python-calamine alone iterating every row of the file
(open + ``iter_rows``). ``roster.import`` is rows per second of what ``fengqiao import roster``
does once the station is open: ``read_roster`` and the station's ``import_people`` into a fresh
SQLite store (one unit of work, one audit entry). ``roster.read`` is ``read_roster`` alone
(header detection, merged-cell filling, every cell parsed and validated into red stewards,
duplicate checks, ids derived from phones). The rows use the Miaoshan station's communities.
10,000 rows with ``--quick``. The goal: importing costs at most twice reading (ratio >= 0.5).
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import Measurement, benchmark, interleave

SECRET = b"benchmark-secret-0f8e2c6a91d4b735e0c2"
COMMUNITIES = [f"C{i:02d}" for i in range(1, 12)] + [f"V{i:02d}" for i in range(1, 8)]
SKILLS = ["", "医疗", "教育", "巡逻、急救", "后勤", "宣传", "调解"]
TIMES = ["工作日 9:00-17:00", "周末全天", "每周二四晚上", "周一至周五 18:30-21:00", "周六上午"]
HEADER = ["序号", "姓名", "手机号", "所属社区", "职业", "是否党员", "技能特长", "可服务时段"]


def _write(path: Path, rows: int) -> None:
    from fengqiao_roster_xlsx.xlsxwrite import SheetData, write_workbook

    rng = random.Random(20261130)
    cells: dict[int, list[Any]] = {1: ["红色管家名册"], 2: HEADER}
    for i in range(rows):
        cells[3 + i] = [
            i + 1,
            "王" + "".join(rng.choices("明华强芳军敏静丽勇磊洋艳杰", k=2)),
            13_000_000_000 + i * 7,
            rng.choice(COMMUNITIES),
            rng.choice(("医生", "教师", "社区居民", "退役军人")),
            rng.choice(("是", "否")),
            rng.choice(SKILLS),
            rng.choice(TIMES),
        ]
    write_workbook(path, [SheetData("名册", cells, merged=("A1:H1",))])


def _read(path: Path) -> Any:
    from fengqiao_roster_xlsx import read_roster
    from fengqiao_roster_xlsx.cells import SKILL_ALIASES

    return read_roster(
        path,
        communities={c: c for c in COMMUNITIES},
        skills=set(SKILL_ALIASES.values()),
        secret=SECRET,
    )


def _check(read: Any, rows: int) -> None:
    if len(read.stewards) != rows or read.reports:
        raise AssertionError(f"expected {rows} stewards, got {len(read.stewards)}")


def _ours_read(path: Path, rows: int) -> float:
    started = time.perf_counter()
    read = _read(path)
    seconds = time.perf_counter() - started
    _check(read, rows)
    return rows / seconds


def _ours_import(path: Path, rows: int, folder: Path, station: Any) -> float:
    from fengqiao_roster_xlsx.cli import import_actor

    from fengqiao_core import open_station

    store = folder / f"station-{time.perf_counter_ns()}.db"
    with open_station(
        station.with_backends(storage=f"sqlite:///{store}"), secret=SECRET, dispatch=False
    ) as service:
        started = time.perf_counter()
        read = _read(path)
        counts = service.import_people(import_actor(station, None), list(read.people))
        seconds = time.perf_counter() - started
    _check(read, rows)
    if counts.added != rows:
        raise AssertionError(f"expected {rows} people added, got {counts}")
    return rows / seconds


def _baseline(path: Path, rows: int) -> float:
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    workbook = CalamineWorkbook.from_path(str(path))
    seen = sum(1 for _ in workbook.get_sheet_by_index(0).iter_rows())
    workbook.close()
    seconds = time.perf_counter() - started
    if seen < rows:
        raise AssertionError(f"calamine saw {seen} rows")
    return rows / seconds


@benchmark("roster.import", goal=">= 0.5")
def roster_import(quick: bool) -> Measurement:
    from fengqiao_core.station import load_station_config

    rows = 10_000 if quick else 100_000
    station = load_station_config("miaoshan")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.xlsx"
        _write(path, rows)
        ours, baseline = interleave(
            lambda: _ours_import(path, rows, Path(folder), station),
            lambda: _baseline(path, rows),
            rounds=3,
        )
    return Measurement(ours, baseline, "rows/s")


@benchmark("roster.read", goal=">= 0.5")
def roster_read(quick: bool) -> Measurement:
    rows = 10_000 if quick else 100_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.xlsx"
        _write(path, rows)
        ours, baseline = interleave(
            lambda: _ours_read(path, rows), lambda: _baseline(path, rows), rounds=3 if quick else 5
        )
    return Measurement(ours, baseline, "rows/s")
