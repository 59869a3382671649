"""The work method 一体三联五微: the three linkages and the (open) five micro pillars."""

from __future__ import annotations

from attrs import frozen

from fengqiao_core.model.labels import LabelledEnum, Registry

__all__ = ["DEFAULT_MICRO_PILLARS", "Linkage", "MicroPillar", "micro_pillar_registry"]


class Linkage(LabelledEnum):
    """Why a participant joined a matter: the one body 一体 or one of the three linkages 三联."""

    ONE_BODY = "one_body", "一体"
    JOINT_ACTION = "joint_action", "联动"
    JOINT_GOVERNANCE = "joint_governance", "联治"
    JOINT_MEDIATION = "joint_mediation", "联调"


@frozen
class MicroPillar:
    """One of the "five micro" 五微 pillars (an open set: plugins may add e.g. 微巡防).

    No source defines 五微; the defaults are the documented reading of DOMAIN.md §1.
    """

    code: str
    label_en: str
    label_zh: str
    description: str = ""

    @property
    def key(self) -> str:
        """The registry key: the code."""
        return self.code


DEFAULT_MICRO_PILLARS: tuple[MicroPillar, ...] = (
    MicroPillar("micro_grid", "micro-grid", "微网格", "11 police grids merged into 51 grid cells"),
    MicroPillar("micro_group", "micro-groups", "微群", "群管万家 categorised resident groups"),
    MicroPillar("micro_mediation", "micro-mediation", "微调解", "small disputes solved on site"),
    MicroPillar("micro_publicity", "micro-publicity", "微宣传", "释法明理 woven into daily work"),
    MicroPillar("micro_service", "micro-service", "微服务", "红色管家 help with 急难愁盼"),
)


def micro_pillar_registry(extra: tuple[MicroPillar, ...] = ()) -> Registry[MicroPillar]:
    """The five default pillars plus ``extra`` (from plugins), refusing duplicate codes."""
    return Registry.of("micro pillar", DEFAULT_MICRO_PILLARS + extra)
