"""The peers of the benchmarks check what we check: a fair comparison, not a strawman."""

import json
import sys
from pathlib import Path

import pydantic
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_converter import representative_matter  # noqa: E402
from benchmarks.bench_pydantic import MATTERS  # noqa: E402

from fengqiao_core import model as m  # noqa: E402
from fengqiao_core.errors import ValidationError  # noqa: E402
from fengqiao_core.serialization import make_converter  # noqa: E402

CONVERTER = make_converter()
BODY = json.loads(CONVERTER.dumps(representative_matter(), m.Matter))


def _party(**changes):
    return lambda body: body["parties"][0].update(changes)


BREAKAGES = {
    "wrong ID check digit": _party(id_number=BODY["parties"][0]["id_number"][:17] + "0"),
    "ID birth date impossible": _party(id_number="420115198002301234"),
    "ID province unknown": _party(id_number="990115198005171234"),
    "phone not a mobile": _party(phone="12812345678"),
    "blank name": _party(name="  "),
    "identifier with a space": _party(id="party 1"),
    "naive datetime": lambda body: body.update(reported_at="2026-03-04T09:30:12"),
    "unknown severity": lambda body: body.update(severity="apocalyptic"),
    "text for an int": lambda body: body.update(sessions="1"),
    "unknown key": lambda body: body.update(colour="red"),
    "latitude out of range": lambda body: body["location"]["point"].update(lat=91.0),
    "location with nothing": lambda body: body.update(
        location={"point": None, "address": None, "place": None}
    ),
    "unknown matter type": lambda body: body.update(type="Rumour"),
}


def test_the_peer_reads_the_representative_matter_as_we_do():
    record = MATTERS.validate_json(json.dumps(BODY))
    assert json.loads(record.model_dump_json()) == BODY


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_both_refuse_the_same_broken_matter(breakage):
    body = json.loads(json.dumps(BODY))
    BREAKAGES[breakage](body)
    text = json.dumps(body, ensure_ascii=False)
    with pytest.raises(ValidationError):
        CONVERTER.loads(text, m.Matter)
    with pytest.raises(pydantic.ValidationError):
        MATTERS.validate_json(text)
