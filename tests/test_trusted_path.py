"""The converter's trusted read path: the validated path's objects, for our own rows only."""

import ast
import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao_core import model as m
from fengqiao_core.errors import ValidationError
from fengqiao_core.model.personal import IdNumber, PersonName
from fengqiao_core.model.sealed import is_erased, is_sealed
from fengqiao_core.serialization import make_converter
from fengqiao_core.testing.strategies import _STRATEGIES, matter_events, matters

CONVERTER = make_converter()
TYPES = sorted(_STRATEGIES, key=lambda t: t.__name__)
ROOT = Path(__file__).resolve().parents[1]


def shape(value):
    """Every field of ``value``, recursively, with the exact type of each object.

    Entities compare by id alone, so ``==`` would hide a difference in any other field.
    """
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))
        return (type(value), tuple((a.name, shape(getattr(value, a.name))) for a in fields))
    if isinstance(value, tuple | list):
        return (type(value), tuple(shape(item) for item in value))
    return (type(value), value)


def assert_same(text, cls):
    assert shape(CONVERTER.trusted_loads(text, cls)) == shape(CONVERTER.loads(text, cls))


@pytest.mark.parametrize("cls", TYPES, ids=lambda t: t.__name__)
@settings(max_examples=60)
@given(data=st.data())
def test_every_model_type_reads_back_equal_on_both_paths(cls, data):
    value = data.draw(_STRATEGIES[cls])
    text = CONVERTER.dumps(value)
    assert_same(text, cls)
    assert shape(CONVERTER.trusted_loads(text.encode(), cls)) == shape(value)


@pytest.mark.parametrize(
    ("base", "strategy"), [(m.Matter, matters), (m.MatterEvent, matter_events)]
)
@settings(max_examples=200)
@given(data=st.data())
def test_every_generated_matter_and_event_reads_back_equal_through_its_union(base, strategy, data):
    value = data.draw(strategy)
    text = CONVERTER.dumps(value, base)
    assert_same(text, base)
    assert_same(text, type(value))
    assert type(CONVERTER.trusted_loads(text, base)) is type(value)


@settings(max_examples=100)
@given(value=matters, data=st.data())
def test_an_older_row_without_defaulted_keys_reads_back_equal(value, data):
    body = CONVERTER.unstructure(value, m.Matter)
    defaulted = [a.name for a in attrs.fields(type(value)) if a.default is not attrs.NOTHING]
    for name in data.draw(st.lists(st.sampled_from(defaulted), unique=True)):
        del body[name]
    expected = CONVERTER.structure(body, m.Matter)
    assert shape(CONVERTER.trusted_structure(body, m.Matter)) == shape(expected)


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '{"type": "Nothing"}',
        '{"type": "Dispute"}',
        '{"type": "Dispute", "id": "m-1", "version": 1, "category": "dispute:neighbour"}',
    ],
)
def test_a_body_the_trusted_path_cannot_rebuild_fails_as_the_validated_path_does(body):
    with pytest.raises(ValidationError) as trusted:
        CONVERTER.trusted_loads(body, m.Matter)
    with pytest.raises(ValidationError) as validated:
        CONVERTER.loads(body, m.Matter)
    assert trusted.value.problems == validated.value.problems


def test_a_subclass_asked_for_refuses_a_row_of_another_kind_as_the_validated_path_does():
    text = CONVERTER.dumps(_incident(), m.Matter)
    with pytest.raises(ValidationError):
        CONVERTER.loads(text, m.Dispute)
    with pytest.raises(ValidationError):
        CONVERTER.trusted_loads(text, m.Dispute)


def _incident():
    return m.Incident(
        id="m-1",
        category="incident:theft",
        state=m.IncidentState.REPORTED,
        severity=m.Severity.GENERAL,
        source=m.Source.CALL_110,
        location=m.Location(place="p-1"),
        description=m.FreeText("bike gone"),
        reported_at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC),
    )


def test_the_trusted_path_skips_the_models_validators():
    # what makes it fast, and why only a backend's own (validated when written) rows may use it
    body = {"id": "p-1", "version": 0, "name": "王建国", "id_number": "420115198005171230"}
    body |= {"phone": None, "person": None, "address": None, "birth_date": None}
    with pytest.raises(ValidationError, match="check digit"):
        CONVERTER.structure(body, m.Party)
    party = CONVERTER.trusted_structure(body, m.Party)
    assert type(party.id_number) is IdNumber
    assert party.id_number.reveal() == "420115198005171230"
    assert repr(party.id_number) == "IdNumber('420115********1230')"


def test_sealed_and_erased_stored_values_take_the_validated_hook_on_the_trusted_path():
    body = {"id": "p-1", "version": 0, "name": {"$sealed": "k1.c2VhbGVk"}}
    body |= {"id_number": {"$erased": "IdNumber"}, "phone": None, "person": None}
    body |= {"address": None, "birth_date": None}
    trusted = CONVERTER.trusted_structure(body, m.Party)
    assert is_sealed(trusted.name)
    assert is_erased(trusted.id_number)
    assert type(trusted.name) is type(CONVERTER.structure(body, m.Party).name)
    assert CONVERTER.unstructure(trusted) == CONVERTER.unstructure(
        CONVERTER.structure(body, m.Party)
    )


@attrs.frozen
class Normalised:
    """A plugin's class whose post-init does more than check (it is never trusted)."""

    text: str
    upper: str = attrs.field(init=False)

    def __attrs_post_init__(self):
        object.__setattr__(self, "upper", self.text.upper())


def test_hooks_a_plugin_registered_and_post_inits_outside_the_model_are_kept():
    def configure(converter):
        converter.register_structure_hook(
            PersonName, lambda value, _: PersonName(value.strip() + "*")
        )

    converter = make_converter(configure=[configure])
    party = m.Party(id="p-1", name=PersonName("李秀英"))
    text = converter.dumps(party)
    assert converter.trusted_loads(text, m.Party).name.reveal() == "李秀英*"
    assert converter.trusted_loads('{"text": "ab"}', Normalised).upper == "AB"


# --- who may call it ------------------------------------------------------------------------

TRUSTED_CALLS = {"trusted_loads", "trusted_structure"}
ALLOWED = {
    "src/fengqiao_core/builtin/sqlite/matters.py",
    "src/fengqiao_core/builtin/sqlite/repositories.py",
    "src/fengqiao_core/builtin/sqlite/rows.py",
    "src/fengqiao_core/serialization/trusted.py",
    "plugins/fengqiao-postgres/src/fengqiao_postgres/matters.py",
    "plugins/fengqiao-postgres/src/fengqiao_postgres/repositories.py",
    "plugins/fengqiao-postgres/src/fengqiao_postgres/rows.py",
}


def _names(node):
    """Names of the trusted methods a node mentions: attribute, name, import or string."""
    if isinstance(node, ast.Attribute):
        return {node.attr}
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.alias):
        return {node.name, node.asname}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    return set()


def trusted_callers(files, root=ROOT):
    found = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _names(node) & TRUSTED_CALLS:
                found.setdefault(path.relative_to(root).as_posix(), []).append(node.lineno)
    return found


def test_only_storage_backends_reading_their_own_rows_use_the_trusted_path():
    sources = [*ROOT.glob("src/**/*.py"), *ROOT.glob("plugins/*/src/**/*.py")]
    callers = trusted_callers(sources)
    assert set(callers) <= ALLOWED, {k: v for k, v in callers.items() if k not in ALLOWED}
    # the reads it exists for do use it (a scan that finds nothing would prove nothing)
    assert {p for p in callers if "/sqlite/" in p}
    assert {p for p in callers if "fengqiao_postgres" in p}


def test_the_call_site_scan_finds_every_way_of_reaching_it(tmp_path):
    (tmp_path / "call.py").write_text("def read(c, t):\n    return c.trusted_loads(t, object)\n")
    (tmp_path / "alias.py").write_text("from x import trusted_structure as s\n")
    (tmp_path / "dynamic.py").write_text("f = getattr(c, 'trusted_loads')\n")
    (tmp_path / "clean.py").write_text("def read(c, t):\n    return c.loads(t, object)\n")
    found = trusted_callers(sorted(tmp_path.glob("*.py")), tmp_path)
    assert sorted(found) == ["alias.py", "call.py", "dynamic.py"]


def test_the_stored_json_the_trusted_path_reads_is_the_converters():
    value = _incident()
    text = CONVERTER.dumps(value, m.Matter)
    assert json.loads(text)["type"] == "Incident"
    assert shape(CONVERTER.trusted_loads(text, m.Matter)) == shape(value)


@attrs.frozen
class Node:
    """A class that refers to itself (its hook is built while it is being built)."""

    name: str
    children: tuple["Node", ...] = ()


attrs.resolve_types(Node)  # the forward reference, resolved where the class is known


def test_a_class_that_refers_to_itself_reads_back_equal():
    tree = Node("a", (Node("b"), Node("c", (Node("d"),))))
    text = json.dumps(attrs.asdict(tree))
    assert CONVERTER.trusted_loads(text, Node) == CONVERTER.loads(text, Node) == tree


def test_threads_building_the_hooks_at_once_all_read_back_equal():
    converter = make_converter()  # no hooks built yet: the threads race to build them
    texts = [CONVERTER.dumps(_incident(), m.Matter)] * 64
    expected = shape(CONVERTER.loads(texts[0], m.Matter))
    with ThreadPoolExecutor(max_workers=8) as pool:
        read = list(pool.map(lambda text: converter.trusted_loads(text, m.Matter), texts))
    assert [shape(value) for value in read] == [expected] * len(texts)
