"""Role-scoped access 权限: which role may do what, deny by default.

Checked by the Station service before every use case; a denial raises
:class:`~fengqiao_core.errors.PermissionDenied` and is audited.
"""

from __future__ import annotations

from collections.abc import Mapping

from fengqiao_core.errors import PermissionDenied
from fengqiao_core.model import Actor, Role
from fengqiao_core.rules.lifecycle import Action

__all__ = [
    "COMMEND",
    "CONFIRM",
    "ERASE_PERSON",
    "IMPORT_PEOPLE",
    "INVOLVE",
    "LEGAL_HOLD",
    "PERMISSIONS",
    "PURGE",
    "READ",
    "READ_AUDIT",
    "READ_FIGURES",
    "READ_PERSONAL",
    "REFUSE",
    "REGISTER_PERSON",
    "REPORT",
    "check_access",
]

REPORT = "report"
READ = "read"
INVOLVE = "involve"
REFUSE = "refuse_mediation"
CONFIRM = "request_confirmation"
COMMEND = "commend"
READ_AUDIT = "read_audit"
READ_PERSONAL = "read_personal"
REGISTER_PERSON = "register_person"
READ_FIGURES = "read_figures"
IMPORT_PEOPLE = "import_people"
ERASE_PERSON = "erase_person"
LEGAL_HOLD = "legal_hold"
PURGE = "purge"
_PROTECTION = frozenset({ERASE_PERSON, LEGAL_HOLD, PURGE})
_A = Action
_EVERYTHING = frozenset(
    {REPORT, READ, COMMEND, READ_AUDIT, INVOLVE, REFUSE, CONFIRM, READ_PERSONAL}
    | {REGISTER_PERSON, READ_FIGURES}
    | {a.value for a in Action}
)
_ASSIST = frozenset(
    {REPORT, READ}
    | {a.value for a in (_A.TRIAGE, _A.DISPATCH, _A.ARRIVE, _A.RECORD_SESSION, _A.RESOLVE)}
    | {a.value for a in (_A.FOLLOW_UP, _A.FEEDBACK, _A.VERIFY)}
)

PERMISSIONS: Mapping[Role, frozenset[str]] = {
    Role.OFFICER: _EVERYTHING - {READ_AUDIT},
    Role.AUXILIARY: _ASSIST | {READ_PERSONAL, REGISTER_PERSON},
    Role.STEWARD: frozenset({REPORT, READ, _A.ARRIVE.value, _A.RESOLVE.value, _A.FEEDBACK.value}),
    Role.GRID_WORKER: _ASSIST | {_A.REGISTER.value, _A.ACCEPT.value, INVOLVE, REGISTER_PERSON},
    Role.MEDIATOR: frozenset(
        {READ}
        | {a.value for a in (_A.RECORD_SESSION, _A.AGREE, _A.MAKE_EFFECTIVE, _A.FAIL)}
        | {a.value for a in (_A.TERMINATE, _A.FOLLOW_UP, _A.PERFORM, _A.NOT_PERFORM)}
        | {REFUSE, CONFIRM, READ_PERSONAL}
    ),
    Role.LAWYER: frozenset({READ, READ_PERSONAL, _A.RECORD_SESSION.value, _A.AGREE.value, CONFIRM}),
    Role.ADMIN: frozenset({REGISTER_PERSON, IMPORT_PEOPLE, READ_FIGURES}) | _PROTECTION,
    Role.AUDITOR: frozenset({READ_AUDIT, READ_FIGURES}),
    Role.RESIDENT: frozenset({REPORT, _A.WITHDRAW.value, _A.FEEDBACK.value, COMMEND}),
    Role.SYSTEM: _EVERYTHING | _PROTECTION,
}
"""What each role may do; an action missing from a role's set is denied (ASVS deny by default).

Auxiliary officers 辅警 assist but never own an enforcement step (rule T4); administrators
manage the station and record people but read no case contents (separation of duties);
auditors only read the audit log. ``import_people`` is a roster import (administrators).
``read_personal`` is reading personal values unmasked, with a purpose (audited); every other
read is masked. Figures 指标 (``read_figures``) are aggregates without case contents: officers,
administrators and auditors read them. Erasing a person (``erase_person``), legal holds
(``legal_hold``) and retention purges (``purge``) are the administrators' (issue 15: data at
rest).
"""


def check_access(actor: Actor, action: str) -> None:
    """Raise ``PermissionDenied`` unless ``actor``'s role may perform ``action``."""
    if action not in PERMISSIONS.get(actor.role, frozenset()):
        raise PermissionDenied(
            f"role {actor.role.value!r} ({actor.role.label_zh}) may not {action!r}"
        )
