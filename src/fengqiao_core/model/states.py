"""Lifecycle states 状态 of the four matter kinds (DOMAIN.md §4); the edges are in the rules."""

from fengqiao_core.model.labels import LabelledEnum

__all__ = ["DisputeState", "HelpRequestState", "IncidentState", "TipState"]


class HelpRequestState(LabelledEnum):
    """Lifecycle states of a help request 求助 (DOMAIN.md §4)."""

    RECEIVED = "received", "已接收"
    TRIAGED = "triaged", "已分流"
    DISPATCHED = "dispatched", "已派遣"
    ON_SITE = "on_site", "已到场"
    RESOLVED = "resolved", "已解决"
    TRANSFERRED = "transferred", "已转办"
    DEPARTMENT_REPLIED = "department_replied", "部门已回复"
    FEEDBACK = "feedback", "已回访评价"
    CLOSED = "closed", "已办结"
    WITHDRAWN = "withdrawn", "已撤回"
    REOPENED = "reopened", "已重启"


class DisputeState(LabelledEnum):
    """Lifecycle states of a dispute 矛盾纠纷 (DOMAIN.md §4)."""

    REPORTED = "reported", "已报告"
    REGISTERED = "registered", "已登记"
    REJECTED = "rejected", "不予受理"
    ACCEPTED = "accepted", "已受理"
    ASSIGNED = "assigned", "已指派"
    MEDIATING = "mediating", "调解中"
    AGREED = "agreed", "达成协议"
    EFFECTIVE = "effective", "协议生效"
    PERFORMED = "performed", "已履行"
    NOT_PERFORMED = "not_performed", "未履行"
    FAILED = "failed", "调解不成"
    TERMINATED = "terminated", "终止调解"
    REFERRED = "referred", "已移交"
    ESCALATED = "escalated", "已上报"
    FOLLOWED_UP = "followed_up", "已回访"
    CLOSED = "closed", "已结案"
    ARCHIVED = "archived", "已归档"
    WITHDRAWN = "withdrawn", "已撤回"
    REOPENED = "reopened", "已重启"


class IncidentState(LabelledEnum):
    """Lifecycle states of an incident 警情 (DOMAIN.md §4)."""

    REPORTED = "reported", "已报警"
    DISPATCHED = "dispatched", "已出警"
    HANDLING = "handling", "处置中"
    CASE_OPENED = "case_opened", "已立案"
    MEDIATED = "mediated", "已调解"
    RESOLVED = "resolved", "已处置"
    CLOSED = "closed", "已结束"
    WITHDRAWN = "withdrawn", "已撤回"
    REOPENED = "reopened", "已重启"


class TipState(LabelledEnum):
    """Lifecycle states of a tip 线索 (DOMAIN.md §4)."""

    RECEIVED = "received", "已接收"
    VERIFYING = "verifying", "核查中"
    CONFIRMED = "confirmed", "已查实"
    UNFOUNDED = "unfounded", "查无实据"
    CLOSED = "closed", "已办结"
    WITHDRAWN = "withdrawn", "已撤回"
    REOPENED = "reopened", "已重启"
