"""Invented people for the data-at-rest tests (issue 15): names, phones, IDs, addresses, words."""

from __future__ import annotations

import random

import attrs

from fengqiao_core import model as m
from fengqiao_core.model.personal import Address, FreeText, IdNumber, PersonName, PhoneNumber
from station_helpers import draft

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
_GIVEN = "婉清瑶琪昊宇泽霖梓涵浩然皓轩雨桐思远若曦博文嘉懿子墨一诺铭洋"
_ROADS = ("珞喻路", "雄楚大道", "民族大道", "关山大道", "光谷大道", "卓刀泉路")
_WORDS = ("楼上漏水殃及", "停车位被占用", "装修噪音扰民", "宠物狗伤人", "工钱迟迟未结")


@attrs.frozen
class Invented:
    """One invented person with every kind of personal value."""

    id: str
    name: str
    phone: str
    id_number: str
    address: str
    description: str

    def values(self) -> tuple[str, ...]:
        """The raw values a store must never hold in the clear."""
        return (self.name, self.phone, self.id_number, self.address, self.description)


def _id_number(rng: random.Random) -> str:
    body = f"420111{rng.randrange(1950, 2005)}{rng.randrange(1, 13):02d}"
    body += f"{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
    total = sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def invented_people(count: int, seed: str = "at-rest") -> list[Invented]:
    """``count`` distinct invented people (unique names, phones, IDs, addresses, statements)."""
    rng = random.Random(seed)
    found: list[Invented] = []
    for i in range(count):
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN) + f"{i:04d}"
        found.append(
            Invented(
                id=f"r-{i:05d}",
                name=name,
                phone=f"1{rng.choice('3579')}{rng.randrange(10**9):09d}",
                id_number=_id_number(rng),
                address=f"武汉市洪山区{rng.choice(_ROADS)}{i + 1}号{rng.randrange(1, 30)}栋",
                description=f"{rng.choice(_WORDS)}，编号{i:05d}{rng.randrange(10**6):06d}",
            )
        )
    return found


def person_record(who: Invented) -> m.Person:
    """The person record of an invented person."""
    return m.Person(id=who.id, name=PersonName(who.name), phone=PhoneNumber(who.phone))


def party(who: Invented, *, bound: bool = True, party_id: str = "p1") -> m.Party:
    """An invented person as a party, bound to their person record unless ``bound`` is false."""
    return m.Party(
        id=party_id,
        name=PersonName(who.name),
        phone=PhoneNumber(who.phone),
        id_number=IdNumber(who.id_number),
        address=Address(who.address),
        person=who.id if bound else None,
    )


def report_draft(who: Invented, kind: m.MatterKind = m.MatterKind.DISPUTE, **fields: object):
    """A draft naming the invented person as its party, in their words."""
    values = {"parties": (party(who),), "description": FreeText(who.description)}
    return draft(kind, **(values | fields))
