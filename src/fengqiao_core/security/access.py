"""Role-scoped access 权限: which role may do what, deny by default.

Checked by the Station service before every use case; a denial raises
:class:`~fengqiao_core.errors.PermissionDenied` and is audited.
"""

from __future__ import annotations

from collections.abc import Mapping

from fengqiao_core.errors import PermissionDenied
from fengqiao_core.model import Actor, Matter, Role
from fengqiao_core.rules.lifecycle import Action

__all__ = [
    "COMMEND",
    "CONFIRM",
    "INVOLVE",
    "PERMISSIONS",
    "READ",
    "READ_AUDIT",
    "READ_FIGURES",
    "REFUSE",
    "REPORT",
    "check_access",
    "in_scope",
]

REPORT = "report"
READ = "read"
INVOLVE = "involve"
REFUSE = "refuse_mediation"
CONFIRM = "request_confirmation"
COMMEND = "commend"
READ_AUDIT = "read_audit"
READ_FIGURES = "read_figures"
_A = Action
_EVERYTHING = frozenset(
    {REPORT, READ, COMMEND, READ_AUDIT, READ_FIGURES, INVOLVE, REFUSE, CONFIRM}
    | {a.value for a in Action}
)
_ASSIST = frozenset(
    {REPORT, READ}
    | {a.value for a in (_A.TRIAGE, _A.DISPATCH, _A.ARRIVE, _A.RECORD_SESSION, _A.RESOLVE)}
    | {a.value for a in (_A.FOLLOW_UP, _A.FEEDBACK, _A.VERIFY)}
)

PERMISSIONS: Mapping[Role, frozenset[str]] = {
    Role.OFFICER: _EVERYTHING - {READ_AUDIT},
    Role.AUXILIARY: _ASSIST,
    Role.STEWARD: frozenset({REPORT, READ, _A.ARRIVE.value, _A.RESOLVE.value, _A.FEEDBACK.value}),
    Role.GRID_WORKER: _ASSIST | {_A.REGISTER.value, _A.ACCEPT.value, INVOLVE},
    Role.MEDIATOR: frozenset(
        {READ}
        | {a.value for a in (_A.RECORD_SESSION, _A.AGREE, _A.MAKE_EFFECTIVE, _A.FAIL)}
        | {a.value for a in (_A.TERMINATE, _A.FOLLOW_UP, _A.PERFORM, _A.NOT_PERFORM)}
        | {REFUSE, CONFIRM}
    ),
    Role.LAWYER: frozenset({READ, _A.RECORD_SESSION.value, _A.AGREE.value, CONFIRM}),
    Role.ADMIN: frozenset({READ_FIGURES}),
    Role.AUDITOR: frozenset({READ_AUDIT, READ_FIGURES}),
    Role.RESIDENT: frozenset({REPORT, _A.WITHDRAW.value, _A.FEEDBACK.value, COMMEND}),
    Role.SYSTEM: _EVERYTHING,
}
"""What each role may do; an action missing from a role's set is denied (ASVS deny by default).

Auxiliary officers 辅警 assist but never own an enforcement step (rule T4); administrators
manage the station but read no case contents (separation of duties); auditors only read the
audit log. Figures 指标 (``read_figures``) are aggregates without case contents: officers,
administrators and auditors read them.
"""


def check_access(actor: Actor, action: str) -> None:
    """Raise ``PermissionDenied`` unless ``actor``'s role may perform ``action``."""
    if action not in PERMISSIONS.get(actor.role, frozenset()):
        raise PermissionDenied(
            f"role {actor.role.value!r} ({actor.role.label_zh}) may not {action!r}"
        )


def in_scope(actor: Actor, matter: Matter, worker_cells: Mapping[str, frozenset[str]]) -> bool:
    """Whether ``actor`` may see and act on ``matter`` 数据范围 (object-level, deny by default).

    Officers, auxiliary officers and the system reach every matter; a resident the matters
    they reported or are a party to; a steward, mediator or lawyer the matters they take part in
    or reported; a grid worker the matters in their cells (``worker_cells``) or reported by them.
    """
    role, person = actor.role, actor.person_id
    if role in (Role.OFFICER, Role.AUXILIARY, Role.SYSTEM):
        return True
    if matter.reported_by == person:
        return True
    if role is Role.RESIDENT:
        return any(p.id == person for p in matter.parties)
    if role in (Role.STEWARD, Role.MEDIATOR, Role.LAWYER):
        return any(p.ref == person for p in matter.participants)
    if role is Role.GRID_WORKER:
        return matter.cell is not None and matter.cell in worker_cells.get(person, frozenset())
    return False
