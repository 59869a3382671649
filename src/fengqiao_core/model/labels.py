"""Labelled values: closed enums with Chinese labels, and open registries that plugins extend."""

import enum
from collections.abc import Iterable, Iterator
from typing import Generic, Protocol, Self, TypeVar

from attrs import field, frozen

from fengqiao_core.errors import NotFound, ValidationError

__all__ = ["LabelledEnum", "Registry", "RegistryItem"]


class LabelledEnum(enum.Enum):
    """A closed set of values: the English value is stored, ``label_zh`` is shown to people.

    Members are declared as ``NAME = "english_value", "中文"``.
    """

    _value_: str
    label_zh: str

    def __new__(cls, value: str, label_zh: str) -> Self:
        """Create a member from its English value and Chinese label."""
        member = object.__new__(cls)
        member._value_ = value
        member.label_zh = label_zh
        return member

    @classmethod
    def parse(cls, value: str, *, field_name: str = "value") -> Self:
        """Look a member up by its value, raising ``ValidationError`` naming the field.

        Args:
            value: The English value, e.g. ``"general"``.
            field_name: The field path to name in the error.

        Returns:
            The member.
        """
        try:
            return cls(value)  # type: ignore[call-arg]
        except ValueError:
            valid = ", ".join(m.value for m in cls)
            raise ValidationError(
                field_name, f"{value!r:.60} is not a {cls.__name__}; choose one of: {valid}"
            ) from None


class RegistryItem(Protocol):
    """What an open registry holds: anything with a ``key``."""

    @property
    def key(self) -> str:
        """The unique key of the item in its registry."""
        ...


ItemT = TypeVar("ItemT", bound=RegistryItem)


@frozen
class Registry(Generic[ItemT]):
    """An immutable, ordered set of labelled values keyed by ``key`` (matter categories, pillars).

    Built from the defaults plus what plugins add; a duplicate key is an error.
    """

    name: str
    _items: dict[str, ItemT] = field(alias="items", factory=dict, repr=False)

    @classmethod
    def of(cls, name: str, items: Iterable[ItemT]) -> "Registry[ItemT]":
        """Build a registry, refusing duplicate keys.

        Args:
            name: What the registry holds, used in error messages.
            items: The items, in display order.

        Returns:
            The registry.
        """
        return cls(name, {}).extended(items)

    def extended(self, items: Iterable[ItemT]) -> "Registry[ItemT]":
        """Return a new registry with ``items`` added after the existing ones."""
        merged = dict(self._items)
        for item in items:
            if item.key in merged:
                raise ValidationError(self.name, f"duplicate key {item.key!r}")
            merged[item.key] = item
        return Registry(self.name, merged)

    def get(self, key: str) -> ItemT:
        """Return the item with this key, or raise ``NotFound``."""
        try:
            return self._items[key]
        except KeyError:
            raise NotFound(self.name, key) from None

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[ItemT]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)
