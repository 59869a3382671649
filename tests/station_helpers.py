"""A station on a fake clock for the service tests (invented data only)."""

import datetime as dt

from fengqiao_core import model as m
from fengqiao_core.privacy import FreeText
from fengqiao_core.station import MatterDraft, open_station
from fengqiao_core.stationfile import load_station_config

MIAOSHAN = load_station_config("miaoshan")
TZ = dt.timezone(dt.timedelta(hours=8))
SECRET = b"test-secret-0123456789"
OFFICER = m.Actor("O01", m.Role.OFFICER)
FIRST_CATEGORY = {
    m.MatterKind.DISPUTE: "dispute:neighbour",
    m.MatterKind.HELP_REQUEST: "help_request:lost_property",
    m.MatterKind.INCIDENT: "incident:theft",
    m.MatterKind.TIP: "tip:hazard",
}


class Clock:
    """A settable clock: starts on Monday 2 Nov 2026, 10:00 in Wuhan."""

    def __init__(self):
        self.now = dt.datetime(2026, 11, 2, 10, tzinfo=TZ)

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += dt.timedelta(**delta)


def draft(kind=m.MatterKind.DISPUTE, **fields):
    values = {
        "kind": kind,
        "category": FIRST_CATEGORY[kind],
        "severity": m.Severity.GENERAL,
        "source": m.Source.WALK_IN,
        "location": m.Location(place="H01"),
        "description": FreeText("测试事项"),
    }
    return MatterDraft(**(values | fields))


def station(config=MIAOSHAN, **options):
    clock = options.pop("clock", Clock())
    return open_station(config, secret=SECRET, clock=clock, dispatch=False, **options), clock
