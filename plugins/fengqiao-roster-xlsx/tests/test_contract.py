"""The xlsx backend passes the shipped volunteer contract: built directly, and from a workbook.

The second way writes the contract's roster to a workbook (an id column, codes for skills,
``weekday HH:MM-HH:MM`` windows) and opens the backend through the plugin's entry point, so
what the reader makes of a workbook is held to the contract too.
"""

from types import SimpleNamespace

import pytest
from fengqiao_roster_xlsx import XlsxVolunteers
from fengqiao_roster_xlsx.xlsxwrite import SheetData, write_workbook

from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import BackendContext
from fengqiao_core.testing.contracts import VolunteerContract

COMMUNITIES = ("c1", "c2", "C1", "C10", "C100", "C2")
"""Every community the volunteer contract's rosters use (``C1``/``C10``/``C100``: exact match)."""
STATION = SimpleNamespace(
    places=(),
    cells=tuple(SimpleNamespace(community=c) for c in COMMUNITIES),
    red_stewards=(),
    secret_file=None,
    station=SimpleNamespace(timezone="Asia/Shanghai"),
)
HEADER = ["编号", "姓名", "社区", "技能", "可服务时段"]


def _row(steward):
    windows = ";".join(f"{w.weekday} {w.start:%H:%M}-{w.end:%H:%M}" for w in steward.availability)
    skills = ";".join(s.code for s in steward.skills)
    return [steward.id, steward.name.reveal(), steward.community, skills, windows]


class TestXlsxVolunteers(VolunteerContract):
    @pytest.fixture
    def make_backend(self):
        return XlsxVolunteers


class TestXlsxVolunteersFromAWorkbook(VolunteerContract):
    @pytest.fixture
    def make_backend(self, tmp_path_factory):
        plugins = Plugins()
        folder = tmp_path_factory.mktemp("rosters")

        def build(roster):
            path = folder / f"roster{len(list(folder.iterdir()))}.xlsx"
            rows = {1: ["红色管家名册"], 2: HEADER}
            rows.update({3 + i: _row(s) for i, s in enumerate(roster)})
            write_workbook(path, [SheetData("名册", rows)])
            backend = plugins.open_backend(
                "volunteers", BackendContext(f"xlsx://{path}", STATION, None)
            )
            assert isinstance(backend, XlsxVolunteers)
            assert len(backend._stewards) == len(roster)  # no row of the roster was refused
            return backend

        return build
