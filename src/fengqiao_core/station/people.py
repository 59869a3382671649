"""People 人员: binding a caller to the roster, and recording residents as person records.

The host application authenticates the human (its login, badge or device) and then asks the
station who that person is here::

    officer = station.actor("O01")               # the roles come from the station file
    auditor = station.actor("AU1")               # [access] auditors = ["AU1"]
    resident = station.actor("r-2023-0042")      # a person record the station keeps

The returned :class:`~fengqiao_core.model.Actor` is what every use case takes; an actor the
roster does not confirm is refused wherever it is passed, and the refusal audited.
"""

from __future__ import annotations

from fengqiao_core.errors import PermissionDenied, ValidationError
from fengqiao_core.model import Actor, Person, Role
from fengqiao_core.security.access import REGISTER_PERSON
from fengqiao_core.station import arguments as args
from fengqiao_core.station.core import StationCore

__all__ = ["PeopleUseCases"]


class PeopleUseCases(StationCore):
    """The roster's use cases 人员 (a mixin over the core, combined once)."""

    def actor(self, person_id: str, role: Role | None = None) -> Actor:
        """The actor the roster gives ``person_id`` 身份绑定 (in ``role`` if they have several).

        Args:
            person_id: The id of a person on the station file's roster, of an admin or auditor
                of its ``[access]`` table, of a resident the station recorded, or of a red
                steward imported from a roster (who acts as a steward).
            role: Which of the person's roles they act in (needed only if they have several).

        Raises:
            ValidationError: The id or role is malformed, or the person has several roles and
                none was named.
            PermissionDenied: The roster does not know the person, or not in that role
                (audited).
        """
        person_id = args.code(person_id, "person_id")
        if role is not None:
            args.choice(role, Role, "role")
        roles = set(self.roster.roles.get(person_id, ()))
        recorded = None if roles else self._recorded(person_id)
        if recorded is not None:
            roles = {recorded[0]}
        chosen = role if role is not None else (next(iter(roles)) if len(roles) == 1 else None)
        if chosen is None and len(roles) > 1:
            raise ValidationError("role", "this person has several roles: name the one they act in")
        if chosen is None or chosen not in roles or chosen is Role.SYSTEM:
            self._record_denial(Actor(person_id, Role.RESIDENT), "bind", "person", person_id)
            raise PermissionDenied("the roster does not confirm this person in that role")
        return Actor(person_id, chosen)

    def register_person(self, actor: Actor, person: Person) -> Person:
        """登记人员 Record a resident as a person 人员档案 (so they can act and be a party).

        A matter's parties name the record with ``Party.person``, so that a resident's matters
        are the same person's across matters. Ids of the station file's people are refused.

        Raises:
            ValidationError: Not a plain ``Person``, or an id the roster already uses.
            ConflictError: A person with that id is already recorded.
        """
        if type(person) is not Person:
            raise ValidationError("person", f"expected a Person, got {type(person).__name__}")
        if person.id in self.roster.roles:
            raise ValidationError("person", "the id is one of the station file's people")
        self._authorise(actor, REGISTER_PERSON, "person", person.id)
        with self._storage.unit_of_work() as uow:
            stored = uow.people.add(person)  # ConflictError when the id is taken
            self._audit(uow, actor, REGISTER_PERSON, "person", person.id)
            uow.commit()
        return stored
