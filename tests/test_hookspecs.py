"""Every hookspec is fully documented: the docstring is the reference."""

import inspect
import re

import pytest

from fengqiao_core import hookspecs

SPECS = [
    getattr(hookspecs, name) for name in sorted(dir(hookspecs)) if name.startswith("fengqiao_")
]


def documented_args(doc):
    section = re.search(r"\n    Args:\n(.*?)(?:\n\n|\Z)", doc, re.S)
    if not section:
        return []
    return re.findall(r"^        (\w+):", section.group(1), re.M)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.__name__)
def test_hookspec_docstring_is_a_complete_reference(spec):
    doc = spec.__doc__ or ""
    assert documented_args(doc) == list(inspect.signature(spec).parameters)
    assert "Returns:" in doc
    assert "Example:" in doc
    assert "@hookimpl" in doc
    assert ".. versionadded::" in doc


def test_all_hooks_are_prefixed_and_marked():
    assert len(SPECS) >= 8
    for spec in SPECS:
        assert hasattr(spec, "fengqiao_spec")
