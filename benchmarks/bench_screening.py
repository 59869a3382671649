"""memory.P6: linked screening (L7) and steward matching (L8) per new matter, 100,000 vs 1,000.

Both go through indexes: screening through the keyed-digest index of open matters, matching
through the volunteer backend's community/weekday/hour index. ``ours`` is the cost per new
matter with 100,000 open matters and 100,000 stewards (10,000 with ``--quick``), ``baseline``
the same with 1,000 (100); the goal is that cost grows at most 2× while data grows 100×.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from benchmarks.harness import Measurement, benchmark
from fengqiao_core import model as m
from fengqiao_core.builtin.declared_volunteers import DeclaredVolunteers
from fengqiao_core.model.personal import Address, FreeText, PersonName, PhoneNumber
from fengqiao_core.rules.matching import skills_for
from fengqiao_core.rules.screening import screen, screening_keys
from fengqiao_core.station.screening import ScreeningIndex

TZ = dt.timezone(dt.timedelta(hours=8))
SECRET = b"benchmark-secret-0f8e2c6a91d4b735e0c2"
COMMUNITIES = [f"C{i:02d}" for i in range(1, 12)]
SKILLS = ["medical", "education", "mediation", "legal", "repair"]
AT = dt.datetime(2026, 11, 30, 10, tzinfo=TZ)


def _matter(rng: random.Random, index: int) -> m.Matter:
    party = m.Party(
        id=f"p{index}",
        name=PersonName("张" + rng.choice("伟芳娜秀英敏静丽强磊")),
        phone=PhoneNumber(f"139{rng.randrange(10**8):08d}"),
    )
    address = Address(f"江夏区庙山路{rng.randrange(5000)}号{rng.randrange(30)}栋")
    report = m.MatterReported(
        matter_id=f"m{index}", version=1, at=AT, actor=m.Actor("O01", m.Role.OFFICER),
        kind=m.MatterKind.DISPUTE, category="dispute:neighbour", severity=m.Severity.GENERAL,
        source=m.Source.VISIT, location=m.Location(address=address),
        description=FreeText(f"邻里纠纷 {rng.randrange(1000)}"), parties=(party,),
    )  # fmt: skip
    return m.replay([report])


def _steward(rng: random.Random, index: int) -> m.RedSteward:
    start = rng.randrange(6, 20)
    window = m.TimeWindow(weekday=rng.randrange(7), start=dt.time(start), end=dt.time(start + 3))
    return m.RedSteward(
        id=f"s{index}", name=PersonName("李" + rng.choice("伟芳娜秀英")),
        community=rng.choice(COMMUNITIES),
        skills=tuple(m.Skill(s) for s in rng.sample(SKILLS, 2)), availability=(window,),
    )  # fmt: skip


def per_matter_cost(size: int, probes: int) -> float:
    """Microseconds to screen and match one new matter against ``size`` matters and stewards."""
    rng = random.Random(size)
    index = ScreeningIndex()
    for i in range(size):
        matter = _matter(rng, i)
        index.add(matter.id, screening_keys(matter, SECRET))
    volunteers = DeclaredVolunteers([_steward(rng, i) for i in range(size)])
    news = [_matter(rng, size + i) for i in range(probes)]
    started = time.perf_counter()
    for matter in news:
        keys = screening_keys(matter, SECRET)
        screen(keys, index.candidates(keys))
        volunteers.candidates(rng.choice(COMMUNITIES), skills_for("dispute:medical"), AT)
    return (time.perf_counter() - started) / probes * 1e6


@benchmark("memory.P6", goal="<= 2.0")
def screening_and_matching(quick: bool) -> Measurement:
    large, small = (10_000, 100) if quick else (100_000, 1_000)
    probes = 500 if quick else 2_000
    baseline = per_matter_cost(small, probes)
    ours = per_matter_cost(large, probes)
    return Measurement(ours, baseline, "µs/matter")
