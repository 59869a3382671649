"""A hypothesis state machine of random use-case calls, restarts and deliveries.

After every step: every stored matter is the fold of its history, every change has exactly one
audit entry and the chain verifies; at the end, every committed message gets delivered.
"""

import datetime as dt

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from fengqiao_core import model as m
from fengqiao_core.builtin.memory import MemoryStorage
from fengqiao_core.errors import RuleViolation, TransitionError, ValidationError
from fengqiao_core.ports import DeliveryResult
from fengqiao_core.rules.lifecycle import Action
from fengqiao_core.security.audit import verify
from fengqiao_core.station import open_station
from station_helpers import CALLS, MIAOSHAN, OFFICER, PLUGINS, SECRET, Clock, draft


class CoinChannel:
    """Delivers or fails as the state machine decides."""

    def __init__(self):
        self.up = True
        self.sent = []

    def send(self, message):
        if not self.up:
            return DeliveryResult(False, "down")
        self.sent.append(message.id)
        return DeliveryResult(True)


class StationMachine(RuleBasedStateMachine):
    matters = Bundle("matters")

    def __init__(self):
        super().__init__()
        self.storage = MemoryStorage()
        self.channel = CoinChannel()
        self.clock = Clock()
        self.changes: dict[str, int] = {}
        self.service = self._open()

    def _open(self):
        backends = {"storage": self.storage, "channel": self.channel}
        return open_station(
            MIAOSHAN,
            secret=SECRET,
            clock=self.clock,
            dispatch=False,
            backends=backends,
            plugins=PLUGINS,
        )

    @rule(
        target=matters,
        kind=st.sampled_from(list(m.MatterKind)),
        reference=st.none() | st.sampled_from(["110-1", "110-2"]),
    )
    def report(self, kind, reference):
        matter = self.service.report(OFFICER, draft(kind, reference=reference))
        if matter.id not in self.changes:
            self.changes[matter.id] = 1
        return matter.id

    @rule(matter_id=matters, action=st.sampled_from(list(Action)))
    def act(self, matter_id, action):
        try:
            CALLS[action](self.service, matter_id)
        except (TransitionError, RuleViolation, ValidationError):
            return
        self.changes[matter_id] += 1

    @rule(up=st.booleans())
    def deliver(self, up):
        self.channel.up = up
        self.service.deliver_pending()

    @rule(minutes=st.integers(1, 3 * 24 * 60))
    def time_passes(self, minutes):
        self.clock.advance(minutes=minutes)

    @rule()
    def crash_and_restart(self):
        self.service = self._open()

    @invariant()
    def matters_are_their_history_and_audited_once_per_change(self):
        with self.storage.unit_of_work() as uow:
            stored = list(uow.matters.stream())
            entries = list(uow.audit.stream())
            for matter in stored:
                folded = m.replay(uow.matters.history(matter.id))
                assert attrs.asdict(folded) == attrs.asdict(matter)
        assert {x.id for x in stored} == set(self.changes)
        audited: dict[str, int] = {}
        for entry in entries:
            audited[entry.object_id] = audited.get(entry.object_id, 0) + 1
        assert audited == self.changes
        assert verify(entries, SECRET) is None

    def teardown(self):
        self.channel.up = True
        self.clock.advance(days=2)
        while self.service.deliver_pending():
            pass
        with self.storage.unit_of_work() as uow:
            undelivered = uow.outbox.pending(self.clock() + dt.timedelta(days=3650))
        assert undelivered == []


StationMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=40, deadline=None)
TestStationMachine = StationMachine.TestCase
