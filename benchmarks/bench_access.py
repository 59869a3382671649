"""memory.P4b: what access checks, masking and read audit cost on top of the same work.

The workload, on the memory store with every rule on: ``report_many`` of a batch of matters that
name a party (name, mobile, ID number, address; a free-text description), then a masked list of
the open matters, a masked ``get`` of every tenth matter and an unmasked ``get`` with a purpose
of every tenth other one. ``ours`` runs it as a roster-bound duty officer through the public
service: every call binds the actor to the roster and checks the permission and scope, every
returned matter is masked (withheld values, no screening results for non-officers), the list and
every purpose read append an audit entry. ``baseline`` runs the same calls on the same kind of
station with those three switched off (no binding, permission or scope check, no masking, no
read audit entry); everything else — validation, the rules, the write audit of each report, the
store — is identical. The ratio ``ours / baseline`` is the checked path's time over the
unchecked one's; the goal ≤ 1.10 means checks, masking and read audit together cost at most 10 %
of the work's throughput. Times are the process's CPU time (``time.process_time``: the machine
is shared), median of interleaved rounds, each on a fresh station; building the stations is not
timed.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from typing import Any

from benchmarks.harness import Measurement, benchmark, interleave
from fengqiao_core import model as m
from fengqiao_core.model.personal import Address, FreeText, IdNumber, PersonName, PhoneNumber
from fengqiao_core.plugins import Plugins, get_plugin_manager
from fengqiao_core.station import MatterDraft, StationService
from fengqiao_core.station.config import StationConfig
from fengqiao_core.station.file import load_station_config

TZ = dt.timezone(dt.timedelta(hours=8))
SECRET = b"benchmark-secret-0f8e2c6a91d4b735e0c2"
DUTY = "O18"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


class Unchecked(StationService):
    """The station with access checks, masking and read audit switched off (the baseline)."""

    def _authorise(self, actor: m.Actor, action: str, object_type: str, object_id: str) -> None:
        return None

    def in_scope(self, actor: m.Actor, matter: m.Matter) -> bool:
        return True

    def _shown(self, actor: m.Actor, matter: m.Matter) -> m.Matter:
        return matter

    def _personal(self, actor: m.Actor, matter_id: str, value: Any, purpose: str | None) -> Any:
        return value

    def _record_denial(
        self,
        actor: m.Actor,
        action: str,
        object_type: str,
        object_id: str,
        *,
        outcome: str = "denied",
        detail: str = "",
    ) -> None:
        if outcome != "success":  # a read audit entry: off
            super()._record_denial(
                actor, action, object_type, object_id, outcome=outcome, detail=detail
            )


def _id_number(n: int) -> IdNumber:
    body = f"420115{1950 + n % 50}{n % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return IdNumber(body + "10X98765432"[total % 11])


def drafts(count: int, places: list[str]) -> list[MatterDraft]:
    """``count`` disputes, each naming one invented party with every personal value."""
    return [
        MatterDraft(
            kind=m.MatterKind.DISPUTE,
            category="dispute:neighbour",
            severity=m.Severity.GENERAL,
            source=m.Source.WALK_IN,
            location=m.Location(place=places[i % len(places)]),
            description=FreeText(f"邻里纠纷 {i}"),
            parties=(
                m.Party(
                    id="p1",
                    name=PersonName(f"王{'明亮清'[i % 3]}{'一二三四五'[i % 5]}"),
                    phone=PhoneNumber(f"139{i:08d}"),
                    id_number=_id_number(i),
                    address=Address(f"江夏区庙山大道{i % 900 + 1}号"),
                ),
            ),
        )
        for i in range(count)
    ]


def _workload(
    kind: type[StationService], plugins: Plugins, config: StationConfig, count: int
) -> float:
    clock = dt.datetime(2026, 11, 2, 10, tzinfo=TZ)
    station = kind(config, plugins=plugins, clock=lambda: clock, secret=SECRET, dispatch=False)
    places = [p.id for p in config.places if p.cell is not None]
    batch = drafts(count, places)
    actor = station.actor(DUTY)
    gc.collect()
    started = time.process_time()
    stored = station.report_many(actor, batch)
    assert len(list(station.open_matters(actor))) == count
    for matter in stored[::10]:
        station.get(actor, matter.id)
    for matter in stored[5::10]:
        station.get(actor, matter.id, purpose="call the parties to the session")
    spent = time.process_time() - started
    station.shutdown()
    return spent


@benchmark("memory.P4b", goal="<= 1.10")
def access_overhead(quick: bool) -> Measurement:
    count = 500 if quick else 3_000
    plugins = Plugins(get_plugin_manager(load_entrypoints=False))
    config = load_station_config("miaoshan").with_backends(storage="memory")
    ours, baseline = interleave(
        lambda: _workload(StationService, plugins, config, count),
        lambda: _workload(Unchecked, plugins, config, count),
        rounds=11 if quick else 7,
    )
    return Measurement(ours / count * 1e6, baseline / count * 1e6, "µs/matter")
