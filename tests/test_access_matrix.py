"""The access matrix: every role × every use case and query × inside and outside scope.

Expectations come from :data:`fengqiao_core.security.access.PERMISSIONS` (the table
``docs/access.md`` is generated from) and the scopes of :mod:`fengqiao_core.station.identity`:
a use case is allowed when the role holds every permission it needs and the matter is in the
actor's scope; anything else is refused — ``PermissionDenied`` without the permission,
``NotFound`` for a matter outside the scope — and every refusal is audited. The use cases are
enumerated from :class:`~fengqiao_core.station.service.StationService` itself, so a new public
use case without an entry below fails :func:`test_every_use_case_of_the_service_is_in_the_matrix`.
"""

from __future__ import annotations

import datetime as dt
import inspect
import itertools
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from attrs import frozen

from fengqiao_core import model as m
from fengqiao_core.errors import FengqiaoError, NotFound, PermissionDenied
from fengqiao_core.metrics.scope import Period
from fengqiao_core.model.personal import PersonName
from fengqiao_core.ports import AggregateQuery
from fengqiao_core.rules.lifecycle import Action
from fengqiao_core.security import access as acc
from fengqiao_core.station.service import StationService
from station_helpers import MIAOSHAN, TZ, draft, signed_by, station

A = Action
PERIOD = Period(dt.datetime(2026, 1, 1, tzinfo=TZ), dt.datetime(2027, 1, 1, tzinfo=TZ))
DUTY = m.Actor("O18", m.Role.OFFICER)  # station-wide: sets matters up
NOT_USE_CASES = {
    "actor": "binds a person to the roster (no actor yet)",
    "in_scope": "a predicate the use cases call, no data read",
    "now": "the station clock",
    "shutdown": "the host's lifecycle",
    "deliver_pending": "the host's dispatcher step (no actor, no case contents returned)",
    "problems": "the host's after-commit failures (scrubbed ids and messages)",
    "screening_index": "internal index (no actor; kept public for the host's warm-up)",
}

Call = Callable[[StationService, m.Actor, m.Matter], Any]


@frozen
class Case:
    """One use case: the permissions it needs and how to call it on a matter."""

    needs: tuple[str, ...]
    call: Call
    scoped: bool = True


def _person(service: StationService) -> m.Person:
    return m.Person(id=f"x{next(_ids)}", name=PersonName("路人甲"))


_ids = itertools.count()


def _registered(service: StationService) -> m.Person:
    person = _person(service)
    service.register_person(DUTY, person)
    return person


CASES: dict[str, Case] = {
    "register": Case((A.REGISTER.value,), lambda s, a, x: s.register(a, x.id)),
    "reject": Case((A.REJECT.value,), lambda s, a, x: s.reject(a, x.id, reason="重复")),
    "accept": Case((A.ACCEPT.value,), lambda s, a, x: s.accept(a, x.id)),
    "triage": Case((A.TRIAGE.value,), lambda s, a, x: s.triage(a, x.id)),
    "dispatch": Case((A.DISPATCH.value,), lambda s, a, x: s.dispatch(a, x.id)),
    "arrive": Case((A.ARRIVE.value,), lambda s, a, x: s.arrive(a, x.id)),
    "assign": Case((A.ASSIGN.value,), lambda s, a, x: s.assign(a, x.id)),
    "escalate": Case((A.ESCALATE.value,), lambda s, a, x: s.escalate(a, x.id, reason="升级")),
    "refer": Case(
        (A.REFER.value,), lambda s, a, x: s.refer(a, x.id, to="street_office", reason="移交")
    ),
    "department_reply": Case(
        (A.DEPARTMENT_REPLY.value,), lambda s, a, x: s.department_reply(a, x.id, reason="已办")
    ),
    "open_case": Case((A.OPEN_CASE.value,), lambda s, a, x: s.open_case(a, x.id)),
    "resolve": Case((A.RESOLVE.value,), lambda s, a, x: s.resolve(a, x.id)),
    "verify_tip": Case((A.VERIFY.value,), lambda s, a, x: s.verify_tip(a, x.id)),
    "confirm_tip": Case((A.CONFIRM.value,), lambda s, a, x: s.confirm_tip(a, x.id, reason="属实")),
    "dismiss_tip": Case((A.DISMISS.value,), lambda s, a, x: s.dismiss_tip(a, x.id, reason="不实")),
    "follow_up": Case((A.FOLLOW_UP.value,), lambda s, a, x: s.follow_up(a, x.id)),
    "close": Case((A.CLOSE.value,), lambda s, a, x: s.close(a, x.id)),
    "withdraw": Case((A.WITHDRAW.value,), lambda s, a, x: s.withdraw(a, x.id, reason="撤回")),
    "reopen": Case((A.REOPEN.value,), lambda s, a, x: s.reopen(a, x.id, reason="再议")),
    "feedback": Case((A.FEEDBACK.value,), lambda s, a, x: s.feedback(a, x.id, score=5)),
    "involve": Case(
        (acc.INVOLVE,),
        lambda s, a, x: s.involve(
            a,
            x.id,
            ref="M02",
            role="mediator",
            linkage=m.Linkage.JOINT_MEDIATION,
            rule="L3",
        ),
    ),
    "commend": Case(
        (acc.COMMEND,), lambda s, a, x: s.commend(a, x.id, recipient="O01", inscription="为民")
    ),
    "refuse_mediation": Case(
        (acc.REFUSE,), lambda s, a, x: s.refuse_mediation(a, x.id, parties=["p1"])
    ),
    "record_session": Case(
        (A.RECORD_SESSION.value,), lambda s, a, x: s.record_session(a, x.id, summary="调解")
    ),
    "agree": Case((A.AGREE.value,), lambda s, a, x: s.agree(a, x.id)),
    "make_effective": Case(
        (A.MAKE_EFFECTIVE.value,),
        lambda s, a, x: s.make_effective(a, x.id, agreement=signed_by(s, x.parties)),
    ),
    "fail": Case((A.FAIL.value,), lambda s, a, x: s.fail(a, x.id, reason="未成")),
    "terminate": Case(
        (A.TERMINATE.value,), lambda s, a, x: s.terminate(a, x.id, routes_told=["court"])
    ),
    "record_performance": Case(
        (A.PERFORM.value,), lambda s, a, x: s.record_performance(a, x.id, performed=True)
    ),
    "request_confirmation": Case(
        (acc.CONFIRM,), lambda s, a, x: s.request_confirmation(a, x.id, court="people_court")
    ),
    "archive": Case((A.ARCHIVE.value,), lambda s, a, x: s.archive(a, x.id)),
    "get": Case((acc.READ,), lambda s, a, x: s.get(a, x.id)),
    "history": Case((acc.READ,), lambda s, a, x: s.history(a, x.id)),
    "explain": Case((acc.READ,), lambda s, a, x: s.explain(a, x.id)),
    "by_reference": Case((acc.READ,), lambda s, a, x: s.by_reference(a, x.reference)),
    "report": Case((acc.REPORT,), lambda s, a, x: s.report(a, draft()), scoped=False),
    "report_many": Case(
        (acc.REPORT,), lambda s, a, x: s.report_many(a, [draft(), draft()]), scoped=False
    ),
    "register_person": Case(
        (acc.REGISTER_PERSON,), lambda s, a, x: s.register_person(a, _person(s)), scoped=False
    ),
    "import_people": Case(
        (acc.IMPORT_PEOPLE,), lambda s, a, x: s.import_people(a, [_person(s)]), scoped=False
    ),
    "open_matters": Case((acc.READ,), lambda s, a, x: list(s.open_matters(a)), scoped=False),
    "matters": Case((acc.READ,), lambda s, a, x: list(s.matters(a)), scoped=False),
    "overdue": Case((acc.READ,), lambda s, a, x: s.overdue(a), scoped=False),
    "audit_log": Case((acc.READ_AUDIT,), lambda s, a, x: s.audit_log(a), scoped=False),
    "verify_audit": Case((acc.READ_AUDIT,), lambda s, a, x: s.verify_audit(a), scoped=False),
    "audit_checkpoint": Case(
        (acc.READ_AUDIT,), lambda s, a, x: s.audit_checkpoint(a), scoped=False
    ),
    "check_audit": Case((acc.READ_AUDIT,), lambda s, a, x: s.check_audit(a), scoped=False),
    "kpis": Case((acc.READ_FIGURES,), lambda s, a, x: s.kpis(a, PERIOD), scoped=False),
    "scorecard": Case((acc.READ_FIGURES,), lambda s, a, x: s.scorecard(a, PERIOD), scoped=False),
    "aggregate": Case(
        (acc.READ_FIGURES,), lambda s, a, x: s.aggregate(a, AggregateQuery()), scoped=False
    ),
    "erase_person": Case(
        (acc.ERASE_PERSON,),
        lambda s, a, x: s.erase_person(a, _registered(s).id, reason="本人申请删除"),
        scoped=False,
    ),
    "set_legal_hold": Case(  # administrators hold any matter without reading it
        (acc.LEGAL_HOLD,),
        lambda s, a, x: s.set_legal_hold(a, x.id, held=True, reason="诉讼保全"),
        scoped=False,
    ),
    "purge": Case((acc.PURGE,), lambda s, a, x: s.purge(a, dry_run=True), scoped=False),
}
"""Every use case and query with the permissions it needs (``get``/``history`` with a
purpose need ``read_personal`` too: :data:`PURPOSE_CASES`)."""

PURPOSE_CASES: dict[str, Case] = {
    "get": Case(
        (acc.READ, acc.READ_PERSONAL), lambda s, a, x: s.get(a, x.id, purpose="约谈当事人了解情况")
    ),
    "history": Case(
        (acc.READ, acc.READ_PERSONAL),
        lambda s, a, x: s.history(a, x.id, purpose="约谈当事人了解情况"),
    ),
}


def test_every_use_case_of_the_service_is_in_the_matrix():
    public = {
        name
        for name, member in inspect.getmembers(StationService)
        if not name.startswith("_") and callable(member)
    }
    assert public - set(CASES) - set(NOT_USE_CASES) == set()
    assert set(CASES) | set(NOT_USE_CASES) == public
    takes_actor = {
        name
        for name in public
        if list(inspect.signature(getattr(StationService, name)).parameters)[1:2] == ["actor"]
    }
    assert takes_actor - {"in_scope"} == set(CASES)


def _place_outside(grid: str, cells: frozenset[str]) -> str:
    police = {cell.id: cell.police_grid for cell in MIAOSHAN.cells}
    return next(
        p.id
        for p in MIAOSHAN.places
        if p.cell and police[p.cell] != grid and p.cell not in cells and p.kind.value == "compound"
    )


HOME = next(p for p in MIAOSHAN.places if p.id == "H01")
WORKER = next(w.id for w in MIAOSHAN.grid_workers if HOME.cell in w.cells)
AWAY = _place_outside(
    "PG01", frozenset(w for g in MIAOSHAN.grid_workers for w in g.cells if g.id == WORKER)
)


class World:
    """One station, one actor of a role, and fresh matters inside and outside its scope."""

    def __init__(self, role: m.Role):
        self.service, _ = station()
        self.role = role
        person = {
            m.Role.OFFICER: "O01",  # community officer of PG01
            m.Role.AUXILIARY: "A01",
            m.Role.STEWARD: MIAOSHAN.red_stewards[0].id,
            m.Role.GRID_WORKER: WORKER,
            m.Role.MEDIATOR: "M01",
            m.Role.LAWYER: "L01",
            m.Role.ADMIN: "AD1",
            m.Role.AUDITOR: "AU1",
        }.get(role)
        if role is m.Role.RESIDENT:
            self.service.register_person(DUTY, m.Person(id="r1", name=PersonName("居民甲")))
            person = "r1"
        self.actor = self.service.actor(person, role)

    def inside(self) -> m.Matter | None:
        """A new matter in the actor's scope (``None``: the role has no case scope)."""
        role, person = self.role, self.actor.person_id
        if role in (m.Role.ADMIN, m.Role.AUDITOR):
            return None
        party = m.Party(
            id="p1", name=PersonName("严小芬"), person="r1" if role is m.Role.RESIDENT else None
        )
        reporter = self.actor if role is m.Role.RESIDENT else DUTY
        matter = self.service.report(
            reporter, draft(parties=(party,), reference=f"ref{next(_ids)}")
        )
        joins = {m.Role.STEWARD: "steward", m.Role.MEDIATOR: "mediator", m.Role.LAWYER: "lawyer"}
        if role in joins:
            self.service.involve(
                DUTY, matter.id, ref=person, role=joins[role], linkage=m.Linkage.JOINT_MEDIATION,
                rule="L3",
            )  # fmt: skip
        return matter

    def outside(self) -> m.Matter:
        """A new matter outside the actor's scope (another grid and cell, nobody of theirs)."""
        here = m.Location(place=AWAY)
        return self.service.report(DUTY, draft(location=here, reference=f"ref{next(_ids)}"))

    def denials(self) -> list[Any]:
        with self.service._storage.unit_of_work() as uow:
            return [
                e
                for e in uow.audit.stream()
                if e.outcome == "denied" and e.actor == self.actor.person_id
            ]


def _outcome(call: Callable[[], Any]) -> BaseException | None:
    try:
        call()
    except FengqiaoError as exc:
        return exc
    return None


def _check_denied(world: World, case: Case, call: Callable[[], Any], *, permitted: bool) -> None:
    before = len(world.denials())
    outcome = _outcome(call)
    expected = NotFound if permitted else PermissionDenied
    assert isinstance(outcome, expected), (world.role, case.needs, outcome)
    after = world.denials()
    assert len(after) > before, (world.role, case.needs, "denial not audited")
    assert after[-1].action in case.needs


@pytest.mark.parametrize("role", [r for r in m.Role if r is not m.Role.SYSTEM], ids=str)
def test_every_role_against_every_use_case_inside_and_outside_scope(role):
    world = World(role)
    granted = acc.PERMISSIONS[role]
    purposed = ((f"{name}+purpose", case) for name, case in PURPOSE_CASES.items())
    for name, case in [*CASES.items(), *purposed]:
        permitted = all(need in granted for need in case.needs)
        outside = partial(case.call, world.service, world.actor, world.outside())
        if not case.scoped:  # no matter involved: the permission decides
            if permitted:
                assert not isinstance(_outcome(outside), PermissionDenied), (role, name)
            else:
                _check_denied(world, case, outside, permitted=False)
            continue
        _check_denied(world, case, outside, permitted=permitted)
        matter = world.inside()
        if matter is None:  # admins and auditors have no case scope
            continue
        inside = partial(case.call, world.service, world.actor, matter)
        if permitted:
            outcome = _outcome(inside)
            assert not isinstance(outcome, PermissionDenied | NotFound), (role, name, outcome)
        else:
            _check_denied(world, case, inside, permitted=False)


@pytest.mark.parametrize(
    "role",
    [r for r in m.Role if acc.READ in acc.PERMISSIONS[r] and r is not m.Role.SYSTEM],
    ids=str,
)
def test_list_reads_show_what_is_in_scope_and_nothing_else(role):
    world = World(role)
    inside, outside = world.inside(), world.outside()
    assert inside is not None
    for listing in (world.service.open_matters, world.service.matters):
        shown = {x.id for x in listing(world.actor)}
        assert inside.id in shown
        assert outside.id not in shown
