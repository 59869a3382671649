"""The entity base: identity equality and an optimistic-concurrency ``version``."""

from __future__ import annotations

from attrs import define, field

from fengqiao_core.model.values import code, non_negative

__all__ = ["Entity"]


@define(kw_only=True, eq=False)
class Entity:
    """Something with identity 实体: equal to another of its type with the same ``id``.

    ``version`` counts the changes stored for it; storage compares it to refuse lost updates.
    """

    id: str = field(validator=code)
    version: int = field(default=0, validator=non_negative)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.id == other.id

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.id))
