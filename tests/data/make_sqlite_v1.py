"""Write ``sqlite_v1.sql``: a database at schema version 1 of the ``sqlite`` backend.

Version 1 stored events without a schema number, with the actor as two top-level keys
(``actor``, ``actor_role``), and a projection of only ``id``, ``version``, ``reference`` and
the JSON state. Run from the repository root: ``.venv/bin/python tests/data/make_sqlite_v1.py``.
"""

import datetime as dt
import json
from pathlib import Path

import attrs

from fengqiao_core import model as m
from fengqiao_core.model.personal import FreeText
from fengqiao_core.ports import AuditEntry
from fengqiao_core.serialization import make_converter

V1_SCHEMA = """\
CREATE TABLE matters (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL, reference TEXT UNIQUE, body TEXT NOT NULL
);
CREATE TABLE events (
    matter_id TEXT NOT NULL REFERENCES matters (id), version INTEGER NOT NULL,
    type TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (matter_id, version)
);
CREATE TABLE entities (
    repo TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL,
    body TEXT NOT NULL, PRIMARY KEY (repo, id)
);
CREATE TABLE audit (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE outbox (
    id TEXT PRIMARY KEY, created_us INTEGER NOT NULL, delivered INTEGER NOT NULL,
    next_attempt_us INTEGER, body TEXT NOT NULL
);
"""

ZONE = dt.timezone(dt.timedelta(hours=8))
ACTOR = m.Actor("desk", m.Role.OFFICER)


def histories():
    """Three matters: one reported, one triaged, one closed (across a month boundary)."""
    result = []
    for i, (day, steps) in enumerate(((3, 1), (17, 2), (31, 3))):
        at = dt.datetime(2026, 1, day, 22, 30, tzinfo=ZONE)
        matter_id = f"old{i}"
        events = [
            m.MatterReported(
                matter_id=matter_id, version=1, at=at, actor=ACTOR, kind=m.MatterKind.DISPUTE,
                category="dispute:neighbour", severity=m.Severity.GENERAL,
                source=m.Source.WALK_IN, location=m.Location(place="p1"),
                description=FreeText("楼上漏水"), reference=f"ref-{i}",
            ),
            m.MatterTriaged(
                matter_id=matter_id, version=2, at=at + dt.timedelta(hours=1), actor=ACTOR,
                cell="420115001001001", police_grid="pg1", community="c1",
                level=m.LadderLevel.GRID, owner=f"o{i}",
            ),
            m.StateChanged(
                matter_id=matter_id, version=3, at=at + dt.timedelta(hours=30), actor=ACTOR,
                action="closed", state="closed",
            ),
        ]  # fmt: skip
        result.append(events[:steps])
    return result


def _minimal(converter, obj, base):
    """Unstructured ``obj`` without the fields left at their defaults (so fields added to the
    model later do not make the fixture stale)."""
    body = converter.unstructure(obj, base)
    for field in attrs.fields(type(obj)):
        default = field.default
        if isinstance(default, attrs.Factory) and not default.takes_self:
            default = default.factory()
        if default is not attrs.NOTHING and body.get(field.name) == converter.unstructure(default):
            del body[field.name]
    return body


def _v1_event(converter, event):
    body = _minimal(converter, event, m.MatterEvent)
    actor = body.pop("actor")
    return {**body, "actor": actor["person_id"], "actor_role": actor["role"]}


def _quote(text):
    return "'" + text.replace("'", "''") + "'"


def main():
    """Write the SQL next to this script."""
    converter = make_converter()
    lines = ["PRAGMA user_version = 1;", V1_SCHEMA]
    for seq, events in enumerate(histories(), start=1):
        state = m.replay(events)
        body = json.dumps(_minimal(converter, state, m.Matter), ensure_ascii=False)
        lines.append(
            f"INSERT INTO matters VALUES ({_quote(state.id)}, {state.version}, "
            f"{_quote(state.reference)}, {_quote(body)});"
        )
        for event in events:
            text = json.dumps(_v1_event(converter, event), ensure_ascii=False)
            lines.append(
                f"INSERT INTO events VALUES ({_quote(event.matter_id)}, {event.version}, "
                f"{_quote(type(event).__name__)}, {_quote(text)});"
            )
        entry = AuditEntry(
            seq=seq, at=events[0].at, actor="desk", role=m.Role.OFFICER, action="report",
            object_type="matter", object_id=state.id,
        )  # fmt: skip
        lines.append(f"INSERT INTO audit VALUES ({seq}, {_quote(converter.dumps(entry))});")
    Path(__file__).with_name("sqlite_v1.sql").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
