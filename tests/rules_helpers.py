"""Builders shared by the rule tests (invented data only)."""

import datetime as dt

from fengqiao_core import model as m
from fengqiao_core.model.personal import FreeText, PersonName, PhoneNumber

TZ = dt.timezone(dt.timedelta(hours=8))
AT = dt.datetime(2026, 11, 2, 10, tzinfo=TZ)
OFFICER = m.Actor("O01", m.Role.OFFICER)
FIRST_CATEGORY = {
    m.MatterKind.DISPUTE: "dispute:neighbour",
    m.MatterKind.HELP_REQUEST: "help_request:lost_property",
    m.MatterKind.INCIDENT: "incident:theft",
    m.MatterKind.TIP: "tip:hazard",
}


def report(
    kind=m.MatterKind.DISPUTE,
    *,
    matter_id="m1",
    category=None,
    severity=m.Severity.GENERAL,
    source=m.Source.WALK_IN,
    place="H01",
    text="邻居装修噪音",
    parties=(),
    criminal=False,
    at=AT,
):
    return m.MatterReported(
        matter_id=matter_id,
        version=1,
        at=at,
        actor=OFFICER,
        kind=kind,
        category=category or FIRST_CATEGORY[kind],
        severity=severity,
        source=source,
        location=m.Location(place=place),
        description=FreeText(text),
        parties=tuple(parties),
        criminal=criminal,
    )


def matter(kind=m.MatterKind.DISPUTE, **fields):
    return m.replay([report(kind, **fields)])


def party(pid="p1", name="赵小明", phone="13800001111"):
    return m.Party(id=pid, name=PersonName(name), phone=PhoneNumber(phone))
