"""TARGETS R7 (masking over 10,000 generated people), R8 (audit tampering), R4 (rosters)."""

import datetime as dt
import logging
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao_core import model as m
from fengqiao_core.builtin.declared_volunteers import read_roster
from fengqiao_core.errors import FengqiaoError
from fengqiao_core.security.audit import seal, verify
from fengqiao_core.security.logs import get_logger
from fengqiao_core.serialization import make_converter
from fengqiao_core.testing.strategies import strategy_for

PEOPLE = [m.Party, m.Officer, m.RedSteward, m.Mediator, m.Lawyer, m.GridWorker]
MASKED = make_converter(masked=True)


def raw_values(person):
    values = [person.name.reveal()]
    for field in ("phone", "id_number", "address"):
        value = getattr(person, field, None)
        if value is not None:
            values.append(value.reveal())
    return values


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@settings(max_examples=500)
@given(people=st.lists(st.one_of(*(strategy_for(cls) for cls in PEOPLE)), min_size=20, max_size=20))
def test_r7_no_raw_personal_value_in_repr_str_logs_or_exports(people):
    """500 examples × 20 people: 10,000 generated people of six kinds."""
    logger = get_logger("fengqiao_core.tests.r7")
    logger.setLevel(logging.INFO)
    handler = Collect()
    logger.addHandler(handler)
    try:
        for person in people:
            logger.info("person %s phone %s", person, getattr(person, "phone", None))
    finally:
        logger.removeHandler(handler)
    logged = "\n".join(handler.lines)
    exports = MASKED.dumps(people, list[m.Person])
    for person in people:
        shown = (repr(person), str(person), exports, logged)
        for value in raw_values(person):
            # a phone or ID number may coincide with part of a longer digit run (a grid code)
            pattern = re.compile(rf"(?<!\d){re.escape(value)}(?!\d)")
            assert not any(pattern.search(text) for text in shown)


def chain(length, key):
    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    actor = m.Actor("O01", m.Role.OFFICER)
    entries, previous = [], None
    for i in range(length):
        previous = seal(
            None if previous is None else (previous.seq, previous.entry_hash),
            key=key,
            at=at,
            actor=actor,
            action="close",
            object_type="matter",
            object_id=f"m{i}",
        )
        entries.append(previous)
    return entries


@pytest.mark.parametrize(
    "trials", [100, pytest.param(1_000, marks=pytest.mark.slow)], ids=["100", "1000-slow"]
)
def test_r8_every_edit_deletion_swap_and_insertion_is_detected(trials):
    key = b"audit-key-0123456789"
    entries = chain(10_000, key)
    assert verify(entries, key) is None
    rng = random.Random(8)
    import attrs

    for trial in range(trials):
        tampered = list(entries)
        i = rng.randrange(1, len(tampered) - 1)
        kind = trial % 4
        if kind == 0:
            tampered[i] = attrs.evolve(tampered[i], object_id="forged")
        elif kind == 1:
            del tampered[i]
        elif kind == 2:
            tampered[i], tampered[i + 1] = tampered[i + 1], tampered[i]
        else:
            tampered.insert(i, attrs.evolve(tampered[i], outcome="denied"))
        found = verify(tampered, key)
        assert found is not None
        assert found <= i + 2
    assert verify(entries, b"another-station-secret-c05d8e2a7f1b4963") == 1


ROSTER = "id,name,phone,community,occupation,party_member,skills,availability\n"


NO_SURROGATES = st.characters(blacklist_categories=("Cs",))


@settings(max_examples=300)
@given(body=st.text(NO_SURROGATES, max_size=300))
def test_r4_malformed_rosters_raise_only_our_errors(tmp_path_factory, body):
    path = tmp_path_factory.mktemp("roster") / "roster.csv"
    path.write_text(ROSTER + body, "utf-8")
    outcome: list[object] = []
    try:
        outcome = list(read_roster(path))
    except FengqiaoError as error:
        outcome = [str(error)]
    assert all(isinstance(s, (m.RedSteward, str)) for s in outcome)


def test_r4_a_valid_roster_row_reads_back():
    import pathlib
    import tempfile

    row = "s1,林小雨,13800001111,C01,teacher,是,education;mediation,0 09:00-12:00;5 14:00-17:00\n"
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "roster.csv"
        path.write_text(ROSTER + row, "utf-8")
        (steward,) = read_roster(path)
    assert steward.occupation is m.Occupation.TEACHER
    assert steward.party_member
    assert [s.code for s in steward.skills] == ["education", "mediation"]
    assert len(steward.availability) == 2
    with pytest.raises(FengqiaoError):
        read_roster(pathlib.Path("/nonexistent/roster.csv"))


# --- R7 extended: 10,000 generated people and matters through a station ---------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "翊璟珩翎瑾琰昀骁珂玥"  # never in a mask (masks keep the first character only)
DESCRIPTION_MARK = "事由编号"  # in every description (FreeText is never shown)
ADDRESS_TAIL = re.compile(r"\d+号\d+栋\d+室")  # an address's mask keeps its first third
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def generated_party(rng: random.Random, n: int) -> m.Party:
    """An invented person: name, mobile, valid ID number and home address, all unique."""
    body = f"420115{rng.randint(1940, 2010)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body += f"{n % 1000:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
    return m.Party(
        id="p1",
        name=m.PersonName(name),
        phone=m.PhoneNumber(f"1{rng.choice('3456789')}{n:09d}"),
        id_number=m.IdNumber(body + check),
        address=m.Address(
            f"湖北省武汉市江夏区庙山大道{n % 997 + 1}号{n % 40 + 1}栋{n % 3000 + 101}室"
        ),
    )


def leaks(text: str, people: list[m.Party]) -> list[str]:
    """Which raw S1/S2 values occur in ``text`` (by token sets and markers: linear time)."""
    digits = set(re.findall(r"[0-9X]+", text))
    found = [p.phone.reveal() for p in people if p.phone.reveal() in digits]
    found += [p.id_number.reveal() for p in people if p.id_number.reveal() in digits]
    found += [f"name with {c}" for c in GIVEN if c in text]
    found += ["address"] * bool(ADDRESS_TAIL.search(text))
    found += ["description"] * (DESCRIPTION_MARK in text)
    return found


def raw_matter(party: m.Party, n: int) -> m.Matter:
    """A matter holding ``party`` raw (as stored, before any masked read)."""
    event = m.MatterReported(
        matter_id=f"g{n}", version=1, at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        actor=m.Actor("O18", m.Role.OFFICER), kind=m.MatterKind.DISPUTE,
        category="dispute:neighbour", severity=m.Severity.GENERAL, source=m.Source.WALK_IN,
        location=m.Location(place="H01"), parties=(party,),
        description=m.FreeText(f"{DESCRIPTION_MARK}{n}：{party.name.reveal()}"),
    )  # fmt: skip
    return m.replay([event])


@pytest.mark.parametrize(
    ("people_count", "station_count"),
    [(10_000, 1_000), pytest.param(50_000, 10_000, marks=pytest.mark.slow)],
    ids=["10k", "50k-slow"],
)
def test_r7_no_raw_value_in_10k_generated_people_and_matters(people_count, station_count, tmp_path):
    """Repr, log records, exceptions, exports, observer payloads and CLI output stay masked.

    All generated people and matters (raw, as stored) go through repr, logging, the masked
    export and generic tools; ``station_count`` of them are also reported through a station
    (observer payloads, masked reads, log records of the use cases) and a few shown by the CLI.
    """
    import json
    import types

    import attrs
    import cattrs
    from typer.testing import CliRunner

    from fengqiao_core import hookimpl
    from fengqiao_core.cli.commands import app
    from fengqiao_core.errors import ValidationError
    from fengqiao_core.plugins import Plugins, get_plugin_manager
    from station_helpers import MIAOSHAN, SECRET, draft, station

    rng = random.Random(people_count)
    people = [generated_party(rng, n) for n in range(people_count)]
    matters = [raw_matter(p, n) for n, p in enumerate(people)]
    payloads: list[str] = []
    observer = types.ModuleType("r7_observer")
    observer.FENGQIAO_PLUGIN_API = 1
    observer.fengqiao_on_matter_changed = hookimpl(
        lambda matter, events: payloads.append(
            repr(matter) + repr(events) + json.dumps(cattrs.unstructure(matter), default=str)
        )
    )
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(observer, "r7_observer")
    service, _ = station(plugins=Plugins(pm))
    duty = service.actor("O18")
    drafts = [
        draft(parties=matter.parties, description=matter.description)
        for matter in matters[:station_count]
    ]
    handler = Collect()
    root = logging.getLogger("fengqiao_core")
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        service.report_many(duty, drafts, batch_size=1_000)
        logger = get_logger("fengqiao_core.tests.r7")
        for person, matter in zip(people, matters, strict=True):
            logger.info("party %s of %s phone %s", person, matter, person.phone)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    errors = []
    for person in people[::10]:
        for bad in (
            lambda: m.PhoneNumber(person.phone.reveal() + "1"),  # noqa: B023
            lambda: m.IdNumber(person.id_number.reveal()[:-1] + "Y"),  # noqa: B023
            lambda: m.Party(id="p1", name=person.name, phone=person.name),  # noqa: B023
        ):
            with pytest.raises(ValidationError) as caught:
                bad()
            errors.append(str(caught.value) + repr(caught.value))
    listed = list(service.open_matters(duty))
    assert len(listed) == station_count
    generic = [attrs.asdict(x) for x in matters] + [cattrs.unstructure(x) for x in matters]
    texts = {
        "repr": "\n".join(map(repr, matters)) + "\n".join(map(repr, drafts)),
        "logs": "\n".join(handler.lines),
        "exceptions": "\n".join(errors),
        "exports": MASKED.dumps(matters, list[m.Matter]) + MASKED.dumps(listed, list[m.Matter]),
        "generic tools": json.dumps(generic, ensure_ascii=False, default=str),
        "observer payloads": "\n".join(payloads),
    }
    assert len(payloads) == station_count
    assert len(handler.lines) >= people_count
    for where, text in texts.items():
        assert leaks(text, people) == [], where
    db = tmp_path / "r7.db"
    with station(MIAOSHAN.with_backends(storage=f"sqlite:///{db}"), plugins=Plugins())[0] as kept:
        shown = kept.report_many(kept.actor("O18"), drafts[:50])
    key = tmp_path / "miaoshan.key"
    key.write_bytes(SECRET)
    key.chmod(0o600)
    base = ["--station", "miaoshan", "--db", str(db)]
    outputs = [CliRunner().invoke(app, ["matters", "list", *base, "--json"]).output]
    outputs += [
        CliRunner().invoke(app, ["matters", "show", shown[0].id, *base, *form]).output
        for form in ((), ("--json",))
    ]
    assert shown[0].id in outputs[0], outputs[0][:300]
    assert leaks("\n".join(outputs), people[:50]) == []
