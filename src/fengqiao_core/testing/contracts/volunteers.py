"""The volunteer contract 志愿者契约: candidates respect availability, community and skills.

``make_backend`` returns a factory taking the roster, so every test controls its data; the
stewards' availability windows are local times in ``Asia/Shanghai`` (the station's zone).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao_core.model import RedSteward, Skill, TimeWindow
from fengqiao_core.model.personal import PersonName
from fengqiao_core.ports import VolunteerBackend
from fengqiao_core.testing.contracts._base import Contract, run_settings

__all__ = ["VolunteerContract", "VolunteerFactory"]

VolunteerFactory = Callable[[Sequence[RedSteward]], VolunteerBackend]
"""Builds a volunteer backend over a roster (availability in Asia/Shanghai local time)."""

ZONE = ZoneInfo("Asia/Shanghai")
SATURDAY_9 = dt.datetime(2026, 11, 28, 9, 0, tzinfo=ZONE)
_SKILLS = [Skill(s) for s in ("medical", "legal", "repair")]
_COMMUNITIES = ["C1", "C10", "C2"]
"""Community ids where one is a prefix of another: matching must be exact."""


def steward(
    steward_id: str,
    community: str = "c1",
    skills: Sequence[str] = (),
    windows: Sequence[tuple[int, int | dt.time, int | dt.time]] = ((5, 8, 12),),
) -> RedSteward:
    """A steward with ``skills`` and windows ``(weekday, start, end)`` (hours or times)."""
    return RedSteward(
        id=steward_id,
        name=PersonName("李红"),
        community=community,
        skills=tuple(Skill(s) for s in skills),
        availability=tuple(
            TimeWindow(weekday=w, start=_time(a), end=_time(b)) for w, a, b in windows
        ),
    )


def _time(value: int | dt.time) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time(value)


@st.composite
def _windows(draw: st.DrawFn) -> tuple[int, dt.time, dt.time]:
    start = draw(st.integers(6 * 60, 13 * 60))
    end = draw(st.integers(start + 1, min(start + 9 * 60, 24 * 60 - 1)))
    return (draw(st.integers(4, 6)), dt.time(*divmod(start, 60)), dt.time(*divmod(end, 60)))


_stewards = st.builds(
    lambda i, community, skills, windows: steward(f"s{i:02d}", community, skills, windows),
    st.integers(0, 40),
    st.sampled_from(_COMMUNITIES),
    st.lists(st.sampled_from([s.code for s in _SKILLS]), unique=True, max_size=3),
    st.lists(_windows(), max_size=2),
)


class VolunteerContract(Contract):
    """What a :class:`~fengqiao_core.ports.VolunteerBackend` must do; override ``make_backend``."""

    @pytest.fixture
    def make_backend(self) -> VolunteerFactory:
        """Override this: return a callable building the backend over a given roster."""
        raise NotImplementedError("override the make_backend fixture in your Test… subclass")

    def test_candidates_are_of_the_community_available_and_skilled(
        self, make_backend: VolunteerFactory
    ) -> None:
        """Only stewards of the community, available then, with every skill asked for."""
        backend = make_backend(
            [
                steward("s1", skills=["medical", "legal"]),
                steward("s2", skills=["medical"]),
                steward("s3", community="c2", skills=["medical", "legal"]),
                steward("s4", skills=["medical", "legal"], windows=[(5, 14, 18)]),
                steward("s5", skills=["medical", "legal"], windows=[(0, 8, 12)]),
            ]
        )
        found = backend.candidates("c1", [Skill("medical"), Skill("legal")], SATURDAY_9)
        assert [s.id for s in found] == ["s1"]
        assert {s.id for s in backend.candidates("c1", [Skill("medical")], SATURDAY_9)} == {
            "s1",
            "s2",
        }
        assert backend.candidates("c9", [], SATURDAY_9) == []

    def test_windows_include_their_start_and_exclude_their_end(
        self, make_backend: VolunteerFactory
    ) -> None:
        """A window ``08:00-12:00`` covers 08:00 and 11:59, not 07:59 or 12:00."""
        backend = make_backend([steward("s1")])
        for hour, minute, ok in ((8, 0, True), (11, 59, True), (7, 59, False), (12, 0, False)):
            at = SATURDAY_9.replace(hour=hour, minute=minute)
            assert [s.id for s in backend.candidates("c1", [], at)] == (["s1"] if ok else [])

    def test_times_in_other_zones_are_converted(self, make_backend: VolunteerFactory) -> None:
        """``at`` in UTC means the same instant as in the station's zone."""
        backend = make_backend([steward("s1")])
        assert [s.id for s in backend.candidates("c1", [], SATURDAY_9.astimezone(dt.UTC))] == ["s1"]
        late_utc = dt.datetime(2026, 11, 28, 5, 0, tzinfo=dt.UTC)  # 13:00 in Shanghai
        assert backend.candidates("c1", [], late_utc) == []

    def test_windows_are_kept_to_the_minute(self, make_backend: VolunteerFactory) -> None:
        """Windows such as ``08:30-12:15`` and ``13:45-14:10`` hold to the minute, not the hour."""
        backend = make_backend(
            [
                steward("s1", windows=[(5, dt.time(8, 30), dt.time(12, 15))]),
                steward("s2", windows=[(5, dt.time(13, 45), dt.time(14, 10))]),
            ]
        )
        checks = {
            (8, 0): [],
            (8, 29): [],
            (8, 30): ["s1"],
            (12, 14): ["s1"],
            (12, 15): [],
            (12, 59): [],
            (13, 44): [],
            (13, 45): ["s2"],
            (14, 9): ["s2"],
            (14, 10): [],
        }
        for (hour, minute), want in checks.items():
            at = SATURDAY_9.replace(hour=hour, minute=minute)
            assert [s.id for s in backend.candidates("c1", [], at)] == want, f"at {at:%H:%M}"

    def test_communities_are_matched_exactly(self, make_backend: VolunteerFactory) -> None:
        """``C1`` finds the stewards of ``C1`` only, not of ``C10``, ``C100`` or ``c1``."""
        backend = make_backend(
            [steward(f"s{n}", community=c) for n, c in enumerate(["C1", "C10", "C100", "c1"])]
        )
        for community, want in (("C1", ["s0"]), ("C10", ["s1"]), ("C", []), ("C1 ", [])):
            found = [s.id for s in backend.candidates(community, [], SATURDAY_9, limit=10)]
            assert found == want, f"community {community!r}"

    def test_load_is_counted_and_least_loaded_come_first(
        self, make_backend: VolunteerFactory
    ) -> None:
        """``record_assignment`` counts; ``load`` reads it; candidates are least loaded first."""
        backend = make_backend([steward("s1"), steward("s2"), steward("s3")])
        assert [backend.load(s) for s in ("s1", "s2", "s3", "nobody")] == [0, 0, 0, 0]
        assert [backend.record_assignment("s1") for _ in range(2)] == [1, 2]
        assert backend.record_assignment("s2") == 1
        assert [backend.load(s) for s in ("s1", "s2", "s3")] == [2, 1, 0]
        assert [s.id for s in backend.candidates("c1", [], SATURDAY_9)] == ["s3", "s2", "s1"]
        assert [s.id for s in backend.candidates("c1", [], SATURDAY_9, limit=1)] == ["s3"]

    def test_equally_loaded_stewards_come_by_id(self, make_backend: VolunteerFactory) -> None:
        """Ties of load are broken by id, whatever order the roster lists them in."""
        backend = make_backend([steward("s3"), steward("s1"), steward("s2")])
        assert [s.id for s in backend.candidates("c1", [], SATURDAY_9)] == ["s1", "s2", "s3"]
        backend.record_assignment("s1")
        assert [s.id for s in backend.candidates("c1", [], SATURDAY_9)] == ["s2", "s3", "s1"]

    def test_concurrent_assignments_are_all_counted(self, make_backend: VolunteerFactory) -> None:
        """Assignments recorded from several threads at once are all counted."""
        backend = make_backend([steward("s1")])
        threads, each = 4, 50
        barrier = threading.Barrier(threads)

        def work() -> None:
            barrier.wait()
            for _ in range(each):
                backend.record_assignment("s1")

        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert backend.load("s1") == threads * each

    def test_candidates_equal_a_brute_force_choice(self, make_backend: VolunteerFactory) -> None:
        """Random rosters, loads and questions: the right set, least loaded, within ``limit``."""

        @run_settings()
        @given(
            st.lists(_stewards, max_size=12, unique_by=lambda s: s.id),
            st.lists(st.integers(0, 40), max_size=10),
            st.sampled_from(_COMMUNITIES),
            st.lists(st.sampled_from(_SKILLS), unique=True, max_size=2),
            st.datetimes(
                dt.datetime(2026, 11, 26), dt.datetime(2026, 11, 30), timezones=st.just(ZONE)
            ),
            st.integers(1, 6),
        )
        def check(
            roster: list[RedSteward],
            assigned: list[int],
            community: str,
            skills: list[Skill],
            at: dt.datetime,
            limit: int,
        ) -> None:
            backend = make_backend(roster)
            for i in assigned:
                backend.record_assignment(f"s{i:02d}")
            eligible = {
                s.id
                for s in roster
                if s.community == community and set(skills) <= set(s.skills) and s.available_at(at)
            }
            found = [s.id for s in backend.candidates(community, skills, at, limit)]
            loads = [backend.load(s) for s in found]
            assert len(found) == len(set(found)) == min(limit, len(eligible))
            assert set(found) <= eligible
            assert loads == sorted(loads)
            assert all(backend.load(s) >= max(loads) for s in eligible - set(found))

        check()
