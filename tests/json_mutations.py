"""Arbitrary JSON-like values and mutations of valid data, for malformed-input tests (R4)."""

from hypothesis import strategies as st

HOSTILE_TEXT = st.sampled_from(
    ["", " ", "'; DROP TABLE matters; --", "\x00\x1b[31m", "\u202eevil", "x" * 100_000, "1e999"]
)
JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | HOSTILE_TEXT
    | st.sampled_from(["9999-99-99T00:00:00+08:00", "0001-01-01T00:00:00", "2026-02-30"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def mutate(data, draw):
    """Replace, delete or add one key somewhere in an unstructured value."""
    if isinstance(data, dict) and data:
        key = draw(st.sampled_from(sorted(data)))
        action = draw(st.sampled_from(["replace", "delete", "add", "recurse"]))
        copy = dict(data)
        if action == "replace":
            copy[key] = draw(JSONISH)
        elif action == "delete":
            del copy[key]
        elif action == "add":
            copy[draw(st.text(min_size=1, max_size=8))] = draw(JSONISH)
        else:
            copy[key] = mutate(copy[key], draw)
        return copy
    if isinstance(data, list) and data:
        index = draw(st.integers(0, len(data) - 1))
        return [*data[:index], mutate(data[index], draw), *data[index + 1 :]]
    return draw(JSONISH)
