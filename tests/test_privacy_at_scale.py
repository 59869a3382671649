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
