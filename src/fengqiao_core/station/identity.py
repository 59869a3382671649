"""Who is acting 身份绑定: every actor is bound to the station's roster.

The library authenticates no human — the host application does (a web login, a badge, a
device). What the station does is *bind*: a caller names the person who is acting, and the
station answers with the :class:`~fengqiao_core.model.Actor` its roster gives that person
(:meth:`~fengqiao_core.station.service.StationService.actor`). An actor whose id is not on the
roster, or who claims a role the roster does not give them, is refused and the refusal
audited; ``SYSTEM`` is the station's own and never accepted from a caller.

The roster is the station file's people (officers, auxiliary officers, red stewards, grid
workers, mediators, lawyers), its ``[access]`` table (admins and auditors), the residents
recorded in the store (person records, see ``register_person``) and the red stewards imported
into it from rosters (``import_people``), who act as stewards of their community.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from attrs import frozen

from fengqiao_core.errors import ConfigurationError, NotFound, PermissionDenied
from fengqiao_core.model import (
    Actor,
    AuxiliaryOfficer,
    Matter,
    OfficerPost,
    RedSteward,
    Role,
    StationData,
)
from fengqiao_core.security.access import PERMISSIONS

if TYPE_CHECKING:
    from fengqiao_core.ports import StorageBackend
    from fengqiao_core.station.config import StationConfig

__all__ = [
    "SCOPES",
    "STATION_WIDE_POSTS",
    "RecordedPeople",
    "Roster",
    "access_table",
    "listed_actor",
]

STATION_WIDE_POSTS = frozenset(
    {OfficerPost.DUTY, OfficerPost.COMMAND, OfficerPost.CASE_HANDLING, OfficerPost.CRIMINAL}
)
"""Officer posts that reach every matter of the station (the duty desk, the command room, the
case team); community officers reach the matters of their police grids."""


@frozen
class Roster:
    """The station's people by id with the roles they may act in 人员名册.

    Attributes:
        roles: The roles each person of the station file may act in.
        grids: The police grids each officer or auxiliary officer serves (empty: station-wide).
        cells: The grid cells of each grid worker.
        panels: The joint mediation panels each mediator or lawyer sits on.
    """

    roles: Mapping[str, frozenset[Role]]
    grids: Mapping[str, frozenset[str] | None]
    cells: Mapping[str, frozenset[str]]
    panels: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, station: StationData, admins: tuple[str, ...], auditors: tuple[str, ...]) -> Roster:
        """The roster of ``station``, with the admins and auditors of its ``[access]`` table."""
        roles: dict[str, set[Role]] = {}
        for people, role in (
            (station.officers, Role.OFFICER),
            (station.auxiliary_officers, Role.AUXILIARY),
            (station.red_stewards, Role.STEWARD),
            (station.grid_workers, Role.GRID_WORKER),
            (station.mediators, Role.MEDIATOR),
            (station.lawyers, Role.LAWYER),
        ):
            for person in people:
                roles.setdefault(person.id, set()).add(role)
        for ids, role in ((admins, Role.ADMIN), (auditors, Role.AUDITOR)):
            for person_id in ids:
                roles.setdefault(person_id, set()).add(role)
        grids: dict[str, frozenset[str] | None] = {
            o.id: None if o.post in STATION_WIDE_POSTS else frozenset(o.police_grids)
            for o in station.officers
        }
        for aux in station.auxiliary_officers:
            grids[aux.id] = _auxiliary_grids(aux, grids)
        panels: dict[str, set[str]] = {}
        for panel in station.mediation_panels:
            for member in (*panel.mediators, *panel.lawyers):
                panels.setdefault(member, set()).add(panel.id)
        return cls(
            {k: frozenset(v) for k, v in roles.items()},
            grids,
            {w.id: frozenset(w.cells) for w in station.grid_workers},
            {k: frozenset(v) for k, v in panels.items()},
        )

    def bind(self, actor: Actor, *, recorded: Role | None = None) -> None:
        """Refuse an actor the roster does not confirm.

        Args:
            actor: Who claims to act.
            recorded: The role the store's record of that person gives them (``RESIDENT``
                for a person record, ``STEWARD`` for an imported red steward), if any; it
                counts only for people the station file does not list.

        Raises:
            PermissionDenied: ``SYSTEM``, an unknown person, or a role not theirs.
        """
        if actor.role is Role.SYSTEM:
            raise PermissionDenied("the system role is the station's own, not a caller's")
        listed = actor.person_id in self.roles
        if not listed and recorded is not None and actor.role is recorded:
            return
        if actor.role is Role.RESIDENT:
            raise PermissionDenied("not a resident recorded by the station")
        if actor.role not in self.roles.get(actor.person_id, frozenset()):
            raise PermissionDenied(f"the roster gives this person no {actor.role.value} role")

    def in_scope(self, actor: Actor, matter: Matter) -> bool:
        """Whether ``actor`` may see and act on ``matter`` 数据范围 (deny by default).

        See the table in ``docs/access.md`` (generated from :data:`SCOPES`).
        """
        role, person = actor.role, actor.person_id
        if matter.reported_by == person and role is not Role.RESIDENT:
            return role in _REPORTERS
        if role in (Role.OFFICER, Role.AUXILIARY):
            grids = self.grids.get(person, frozenset())
            if grids is None:
                return True
            return matter.police_grid in grids or any(p.ref == person for p in matter.participants)
        if role is Role.RESIDENT:
            return matter.reported_by == person or any(p.person == person for p in matter.parties)
        if role is Role.STEWARD:
            return any(p.ref == person and p.role == "steward" for p in matter.participants)
        if role is Role.GRID_WORKER:
            police = matter.kind.value in ("incident", "tip")
            return not police and matter.cell in self.cells.get(person, frozenset())
        if role in (Role.MEDIATOR, Role.LAWYER):
            mine = self.panels.get(person, frozenset()) | {person}
            return any(p.ref in mine for p in matter.participants)
        return False


_REPORTERS = frozenset(
    {Role.OFFICER, Role.AUXILIARY, Role.STEWARD, Role.GRID_WORKER, Role.MEDIATOR, Role.LAWYER}
)

SCOPES: Mapping[Role, str] = {
    Role.OFFICER: "matters of their police grids, or that they own, take part in or reported; "
    "station-wide for duty, command-room, case-handling and criminal posts",
    Role.AUXILIARY: "matters of the police grid of their officer (and that they reported)",
    Role.STEWARD: "the help tasks they are matched to (as a steward), and what they reported",
    Role.GRID_WORKER: "help requests and disputes in their grid cells, and what they reported",
    Role.MEDIATOR: "matters on their panel or that name them, and what they reported",
    Role.LAWYER: "matters on their panel or that name them, and what they reported",
    Role.RESIDENT: "matters they reported or are a party to (as the same person record)",
    Role.ADMIN: "configuration only: no case contents",
    Role.AUDITOR: "the audit log only: no case contents",
    Role.SYSTEM: "never a caller's: the station records its own acts",
}
"""Each role's scope in words (the table of ``docs/access.md``)."""


def _auxiliary_grids(
    aux: AuxiliaryOfficer, grids: Mapping[str, frozenset[str] | None]
) -> frozenset[str]:
    """An auxiliary officer reaches the police grid of their officer (or their own grid)."""
    found: set[str] = set()
    if aux.police_grid:
        found.add(aux.police_grid)
    officer = grids.get(aux.supervisor or "")
    if officer:
        found |= officer
    return frozenset(found)


def access_table() -> str:
    """The access table of ``docs/access.md`` 权限表, generated from the code (Markdown)."""
    lines = [
        "| role | 角色 | may | scope |",
        "|---|---|---|---|",
    ]
    for role in Role:
        allowed = ", ".join(f"`{name}`" for name in sorted(PERMISSIONS.get(role, ()))) or "—"
        if role is Role.SYSTEM:
            allowed = "— (never accepted from a caller)"
        lines.append(f"| `{role.value}` | {role.label_zh} | {allowed} | {SCOPES[role]} |")
    return "\n".join(lines) + "\n"


def listed_actor(config: StationConfig, role: Role, person: str | None = None) -> Actor:
    """Who a command acts as: ``person``, else the first of the ``[access]`` table's ``role``.

    For tools acting as an administrator or an auditor (``fengqiao purge``, ``audit``, a
    roster import); the station still binds the actor to its roster on every call.

    Raises:
        ConfigurationError: No ``person`` given and the station file lists nobody in ``role``
            (only ``ADMIN`` and ``AUDITOR`` are listed there).
    """
    listed = {Role.ADMIN: config.access.admins, Role.AUDITOR: config.access.auditors}
    people, key = listed.get(role, ()), f"{role.value}s"
    if person is None and not people:
        raise ConfigurationError(
            f'{config.label} lists no {key}: add {key} = ["ID"] under [access], or pass --as'
        )
    return Actor(person or people[0], role)


class RecordedPeople:
    """The people the store records 人员档案 (not on the station file), and the role each acts in.

    A person record acts as a resident; a red steward record (``fengqiao import roster``) as a
    steward of its community. Each person is looked up once, then remembered.

    Args:
        storage: The station's store.
    """

    def __init__(self, storage: StorageBackend) -> None:
        self._storage = storage
        self._found: dict[str, tuple[Role, str | None]] = {}

    def __call__(self, person_id: str) -> tuple[Role, str | None] | None:
        """The role and community (stewards only) of a recorded person; ``None``: none stored."""
        found = self._found.get(person_id)
        if found is not None:
            return found
        with self._storage.unit_of_work() as uow:
            try:
                person = uow.people.get(person_id)
            except NotFound:
                return None
        if isinstance(person, RedSteward):
            found = (Role.STEWARD, person.community)
        else:
            found = (Role.RESIDENT, None)
        self._found[person_id] = found
        return found
