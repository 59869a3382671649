"""The six stories told in ``--lang`` 案例讲述: each step, participant and verdict in one language.

Only ids, names of places and bodies, categories, states, rungs and linkages are shown: never
personal data.
"""

from __future__ import annotations

from collections.abc import Mapping

from fengqiao_core import model as m
from fengqiao_core.cli.lang import category, role, rule, say_in, severity
from fengqiao_core.rules.lifecycle import Action
from fengqiao_core.station.stories import StoryResult

__all__ = ["describe"]

_ACTIONS = frozenset(a.value for a in Action)
_OTHER_ZH = {"report": "报告", "involve": "参与"}


def _words(code: str) -> str:
    return code.replace("_", " ")


def describe(
    story: StoryResult, lang: str = "zh", names: Mapping[str, str] | None = None
) -> list[str]:
    """A readable account of a story's path in Chinese (``zh``) or English (``en``).

    Args:
        story: The story's result.
        lang: ``zh`` or ``en``.
        names: Names of the station's places, forces, departments and panels by id (people are
            shown by id).
    """
    zh = lang == "zh"
    names = names or {}
    matter = story.matter
    states = matter.states
    kind = matter.kind.label_zh if zh else _words(matter.kind.value)
    title = story.title_zh if zh else story.title_en
    lines = [
        f"({story.key}) {title} — {kind} · {category(matter.category, lang)}"
        f" · {severity(matter.severity, lang)}"
    ]
    for step in story.steps:
        if zh:
            action = (
                Action.parse(step.action).label_zh
                if step.action in _ACTIONS
                else _OTHER_ZH.get(step.action, step.action)
            )
            state = states.parse(step.state).label_zh
            rung = m.LadderLevel.parse(step.level).label_zh if step.level else "-"
        else:
            action, state, rung = _words(step.action), _words(step.state), step.level or "-"
        lines.append(f"    {action} → {state} @ {rung}")
    for p in story.participants:
        linkage = p.linkage.label_zh if zh else _words(p.linkage.value)
        who = names.get(p.ref, p.ref)
        lines.append(f"    · {who} {role(p.role, lang)} — {linkage} [{rule(p.rule, lang)}]")
    breached = say_in(lang, "越过层级上限", "ceiling breached")
    within = say_in(lang, "未越上限", "within its ceiling")
    against = say_in(lang, "，矛盾上交", "; counts against 'disputes not passed up' (矛盾不上交)")
    verdict = (breached if story.ceiling_breached else within) + (
        against if story.against_no_escalation else ""
    )
    lines.append(f"    ⇒ {verdict}")
    return lines
