"""A station on a fake clock for the service tests (invented data only)."""

import datetime as dt

from fengqiao_core import model as m
from fengqiao_core.model.personal import FreeText
from fengqiao_core.plugins import Plugins
from fengqiao_core.rules.lifecycle import Action
from fengqiao_core.rules.mediation import Agreement
from fengqiao_core.station import MatterDraft, open_station
from fengqiao_core.station.file import load_station_config

MIAOSHAN = load_station_config("miaoshan").with_backends(storage="memory")
PLUGINS = Plugins()
TZ = dt.timezone(dt.timedelta(hours=8))
SECRET = b"station-tests-secret-5e0b7f31c9a2d846e17f"
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
    options.setdefault("plugins", PLUGINS)
    return open_station(config, secret=SECRET, clock=clock, dispatch=False, **options), clock


def signed(station, matter_id):
    """An agreement every party of the matter signed, the mediator too, sealed (rule M3)."""
    return signed_by(station, station.get(OFFICER, matter_id).parties)


def signed_by(station, parties):
    """An agreement ``parties`` all signed, the mediator too, sealed (rule M3)."""
    ids = tuple(p.id for p in parties)
    return Agreement(
        parties=ids,
        signed_by=ids,
        mediator_signed=True,
        sealed=True,
        signed_on=station.now().date(),
    )


A = Action
CALLS = {  # one public use case per action
    A.REGISTER: lambda s, i: s.register(OFFICER, i),
    A.REJECT: lambda s, i: s.reject(OFFICER, i, reason="not a dispute"),
    A.ACCEPT: lambda s, i: s.accept(OFFICER, i),
    A.TRIAGE: lambda s, i: s.triage(OFFICER, i),
    A.DISPATCH: lambda s, i: s.dispatch(OFFICER, i),
    A.ARRIVE: lambda s, i: s.arrive(OFFICER, i),
    A.ASSIGN: lambda s, i: s.assign(OFFICER, i),
    A.ESCALATE: lambda s, i: s.escalate(OFFICER, i, reason="needs the station"),
    A.REFER: lambda s, i: s.refer(OFFICER, i, to="judicial_office", reason="competent"),
    A.DEPARTMENT_REPLY: lambda s, i: s.department_reply(OFFICER, i, reason="handled"),
    A.OPEN_CASE: lambda s, i: s.open_case(OFFICER, i),
    A.RECORD_SESSION: lambda s, i: s.record_session(
        OFFICER, i, summary="双方到场", consenting=[p.id for p in s.get(OFFICER, i).parties]
    ),
    A.AGREE: lambda s, i: s.agree(OFFICER, i),
    A.MAKE_EFFECTIVE: lambda s, i: s.make_effective(OFFICER, i, agreement=signed(s, i)),
    A.PERFORM: lambda s, i: s.record_performance(OFFICER, i, performed=True),
    A.NOT_PERFORM: lambda s, i: s.record_performance(OFFICER, i, performed=False),
    A.FAIL: lambda s, i: s.fail(OFFICER, i, reason="no agreement"),
    A.TERMINATE: lambda s, i: s.terminate(
        OFFICER, i, routes_told=["arbitration", "administrative", "judicial"]
    ),
    A.RESOLVE: lambda s, i: s.resolve(OFFICER, i),
    A.VERIFY: lambda s, i: s.verify_tip(OFFICER, i),
    A.CONFIRM: lambda s, i: s.confirm_tip(OFFICER, i, reason="seen on site"),
    A.DISMISS: lambda s, i: s.dismiss_tip(OFFICER, i, reason="nothing found"),
    A.FOLLOW_UP: lambda s, i: s.follow_up(OFFICER, i),
    A.FEEDBACK: lambda s, i: s.feedback(OFFICER, i, score=5),
    A.CLOSE: lambda s, i: s.close(OFFICER, i),
    A.ARCHIVE: lambda s, i: s.archive(OFFICER, i),
    A.WITHDRAW: lambda s, i: s.withdraw(OFFICER, i, reason="settled privately"),
    A.REOPEN: lambda s, i: s.reopen(OFFICER, i, reason="agreement not performed"),
}


def resident(service, person_id, name="居民甲"):
    """Record an invented resident as a person and return the actor the roster gives them."""
    from fengqiao_core.model.personal import PersonName

    service.register_person(OFFICER, m.Person(id=person_id, name=PersonName(name)))
    return service.actor(person_id)
