"""The one configured cattrs converter of fengqiao_core.

:func:`make_converter` builds a fresh :class:`FengqiaoConverter` (never cattrs' global one):
zone-aware ISO datetimes, enums by value, personal values as plain strings (or masked, for
exports), matters and events as tagged unions (``"type": "Dispute"``), strict scalars (no
``"12"`` for an int, no string for a list) and no unknown keys. Structuring bad data raises
:class:`~fengqiao_core.errors.ValidationError` listing the path of every bad field.

Plugins register hooks for their own types through the ``fengqiao_configure_converter`` hook;
the plugin facade passes them here as ``configure`` callables.

Storage backends reading rows they wrote themselves, and only they, may use
:meth:`FengqiaoConverter.trusted_loads`: the same objects without running the model's
validators again (see :mod:`fengqiao_core.serialization.trusted`).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Callable, Iterable
from types import NoneType, UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
import orjson
from cattrs.cols import homogenous_tuple_structure_factory
from cattrs.enums import enum_structure_factory
from cattrs.fns import identity
from cattrs.strategies import configure_tagged_union, include_subclasses

from fengqiao_core.errors import Problem, ValidationError, describe_value
from fengqiao_core.model import GridCode, Matter, MatterEvent
from fengqiao_core.model.personal import Sensitive
from fengqiao_core.model.sealed import erase, seal_as, stored_form
from fengqiao_core.serialization.trusted import TrustedReads, stock

__all__ = ["FengqiaoConverter", "make_converter"]

T = TypeVar("T")
TAG = "type"
_TAGGED: tuple[type, ...] = (Matter, MatterEvent)


def _is_strict_subclass(cl: Any, base: type) -> bool:
    return isinstance(cl, type) and issubclass(cl, base) and cl is not base


class FengqiaoConverter(TrustedReads, cattrs.Converter):
    """A cattrs converter whose top-level :meth:`structure` raises only ``ValidationError``.

    :meth:`structure` and :meth:`loads` validate (every attrs validator of the model runs):
    they are for anything from outside. :meth:`trusted_structure` and :meth:`trusted_loads`
    skip that work and are for storage backends reading their own rows only.
    """

    trusted_bases = _TAGGED
    trusted_tag = TAG

    def structure(self, obj: Any, cl: Any) -> Any:
        """Structure ``obj`` into ``cl``; every failure becomes one path-qualified error.

        Raises:
            ValidationError: Listing each bad field as ``$.path.to.field: what is wrong``.
        """
        target = next((b for b in _TAGGED if _is_strict_subclass(cl, b)), cl)
        if target in _TAGGED:
            _check_tag(obj, target)
        try:
            result = super().structure(obj, target)
        except ValidationError as error:
            raise ValidationError.from_problems(
                Problem(_join("$", p.field), p.message) for p in error.problems
            ) from None
        except Exception as exc:  # cattrs aggregates arbitrary hook errors: translate them all
            raise _translate(exc) from None
        if not isinstance(result, cl):
            raise ValidationError(
                f"$.{TAG}", f"expected {cl.__name__}, got {type(result).__name__}"
            )
        return result

    def dumps(self, obj: Any, unstructure_as: Any = None) -> str:
        """Unstructure ``obj`` and encode it as compact JSON text (UTF-8, no ASCII escaping).

        The text is always the stdlib ``json`` module's. orjson encodes when the value holds
        only dicts with ``str`` keys, lists, tuples and exact ``str``/``int``/``bool``/``None``
        scalars, where it writes the same text (it differs on floats: ``NaN``, ``1e-05``);
        anything else, or anything orjson refuses (integers beyond 64 bits, lone surrogates,
        deep nesting), goes through ``json``.
        """
        data = self.unstructure(obj, unstructure_as)
        if _plain(data):
            try:
                return orjson.dumps(data).decode()
            except TypeError:  # orjson.JSONEncodeError
                pass
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    def loads(self, text: str | bytes, cl: type[T]) -> T:
        """Decode JSON text and structure it into ``cl``.

        orjson decodes first; whenever it refuses the text or its result does not structure,
        the reference path (the stdlib ``json`` module, which reads some numbers differently)
        decides, so the outcome is always the reference one.

        Raises:
            ValidationError: The text is not JSON, or does not fit ``cl``.
        """
        if type(text) in (str, bytes):
            try:
                return self.structure(orjson.loads(text), cl)  # type: ignore[no-any-return]
            except (orjson.JSONDecodeError, ValidationError):
                pass
        return self.reference_loads(text, cl)

    def reference_loads(self, text: str | bytes, cl: type[T]) -> T:
        """:meth:`loads` through the stdlib ``json`` module only (the behaviour it keeps).

        Raises:
            ValidationError: The text is not JSON, or does not fit ``cl``.
        """
        try:
            data = json.loads(text)
        except (ValueError, TypeError, RecursionError) as exc:
            raise ValidationError("$", f"not valid JSON ({type(exc).__name__})") from None
        return self.structure(data, cl)  # type: ignore[no-any-return]


_SCALARS = frozenset({str, int, bool, NoneType})


def _plain(value: Any) -> bool:
    """Whether ``value`` holds only containers and scalars that orjson and json write alike."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (type(item) not in _SCALARS and not _plain(item)):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:  # noqa: SIM110 (a loop: faster than all() over a generator)
            if type(item) not in _SCALARS and not _plain(item):
                return False
        return True
    return kind in _SCALARS


def _subclass_names(base: type) -> list[str]:
    found: list[str] = []
    todo: list[type] = list(base.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls.__name__)
        todo.extend(cls.__subclasses__())
    return sorted(found)


_KNOWN_TAGS: dict[type, frozenset[str]] = {}


def _check_tag(obj: Any, base: type) -> None:
    if not isinstance(obj, dict):
        raise ValidationError("$", f"expected an object, got {type(obj).__name__}")
    tag = obj.get(TAG)
    if type(tag) is str and tag in _KNOWN_TAGS.get(base, ()):
        return
    names = _subclass_names(base)
    _KNOWN_TAGS[base] = frozenset(names)
    if tag not in names:
        raise ValidationError(
            f"$.{TAG}", f"{describe_value(obj.get(TAG))} is not one of: {', '.join(names)}"
        )


def _dict_only(cl: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    inner = converter.gen_structure_attrs_fromdict(cl)

    def hook(value: Any, t: Any) -> Any:
        if not isinstance(value, dict):
            raise ValidationError("", f"expected an object, got {type(value).__name__}")
        return inner(value, t)

    return stock(hook, "attrs")


def _join(path: str, field: str) -> str:
    if not field or field == "$" or path.endswith(f".{field}"):
        return path
    return field if field.startswith("$") else f"{path}.{field}"


_SEP = "\x00"


def _message(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        first = exc.problems[0]
        return f"{first.field}{_SEP}{'; '.join(p.message for p in exc.problems)}"
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"unknown keys: {', '.join(sorted(map(str, exc.extra_fields)))}"
    return cattrs.v.format_exception(exc, None)


def _translate(exc: BaseException) -> ValidationError:
    if isinstance(exc, cattrs.BaseValidationError):
        lines = cattrs.transform_error(exc, path="$", format_exception=lambda e, _: _message(e))
        return ValidationError.from_problems(
            _problem(*line.rsplit(" @ ", 1)[::-1]) for line in lines
        )
    return ValidationError.from_problems([_problem("$", _message(exc))])


def _problem(path: str, message: str) -> Problem:
    field, sep, text = message.partition(_SEP)
    return Problem(_join(path, field), text) if sep else Problem(path, message)


def _strict(kind: type, *accepted: type) -> Callable[[Any, Any], Any]:
    types = accepted or (kind,)

    def hook(value: Any, _: Any) -> Any:
        if type(value) is kind:  # the common case: kind(value) would return value itself
            return value
        if isinstance(value, bool) and bool not in types:
            raise ValidationError("", f"expected {kind.__name__}, got bool")
        if not isinstance(value, types):
            raise ValidationError(
                "", f"expected {kind.__name__}, got {type(value).__name__} {describe_value(value)}"
            )
        return kind(value)

    return stock(hook, "float" if kind is float else "exact")


def _iso(parse: Callable[[str], T], kind: str) -> Callable[[Any, Any], T]:
    def hook(value: Any, _: Any) -> T:
        if not isinstance(value, str):
            raise ValidationError("", f"expected an ISO {kind} string, got {type(value).__name__}")
        try:
            return parse(value)
        except ValueError:
            raise ValidationError("", f"{describe_value(value)} is not an ISO {kind}") from None

    return stock(hook, kind)


def _aware(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValidationError("", f"{describe_value(text)} has no UTC offset")
    return value


def _sensitive_structure(cls: type[Sensitive]) -> Callable[[Any, Any], Sensitive]:
    def hook(value: Any, _: Any) -> Sensitive:
        if type(value) is dict and len(value) == 1:
            return _special(cls, value)
        if not isinstance(value, str):
            raise ValidationError("", f"expected text, got {type(value).__name__}")
        return cls(value)

    # The trusted path wraps stored text without the check and hands anything else — the sealed
    # or erased envelopes (``{"$sealed": ...}``) of stored personal values — to this hook.
    return stock(hook, "wrapper:_raw")


def _special(cls: type[Sensitive], value: dict[str, Any]) -> Sensitive:
    """A sealed (``{"$sealed": "..."}``) or erased (``{"$erased": kind}``) stored value."""
    text = value.get("$sealed")
    if type(text) is str and text:
        return seal_as(cls, text)
    if "$erased" in value:
        return erase(cls)
    raise ValidationError("", "expected text, a sealed or an erased value")


def _stored(value: Sensitive) -> Any:
    special = stored_form(value)
    return value.reveal() if special is None else special


def _is_tuple(cl: Any) -> bool:
    args = get_args(cl)
    return get_origin(cl) is tuple and len(args) == 2 and args[1] is Ellipsis


def _list_only(cl: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    inner = homogenous_tuple_structure_factory(cl, converter)

    def hook(value: Any, t: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise ValidationError("", f"expected a list, got {type(value).__name__}")
        return inner(value, t)

    return stock(hook, "tuple")


def _is_optional(cl: Any) -> bool:
    args = get_args(cl)
    return len(args) == 2 and NoneType in args and get_origin(cl) in (Union, UnionType)


def _optional_structure(cl: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    other = next(arg for arg in get_args(cl) if arg is not NoneType)
    inner = converter.get_structure_hook(other)

    def hook(value: Any, _: Any) -> Any:
        return None if value is None else inner(value, other)

    return stock(hook, "optional")


def _optional_unstructure(cl: Any, converter: cattrs.Converter) -> Callable[[Any], Any]:
    other = next(arg for arg in get_args(cl) if arg is not NoneType)
    inner = converter.get_unstructure_hook(other)
    if inner is identity:
        return identity
    return lambda value: None if value is None else inner(value)


def _enum_structure(cl: type[enum.Enum], converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    members = cl._value2member_map_
    reference = enum_structure_factory(cl, converter)

    def hook(value: Any, t: Any) -> Any:
        if type(value) is str and value in members:  # what Enum.__call__ looks up first
            return members[value]
        return reference(value, t)

    return stock(hook, "enum")


def configure_converter(
    converter: cattrs.Converter, *, masked: bool = False, accelerated: bool = True
) -> None:
    """Register fengqiao_core's hooks on ``converter`` (what :func:`make_converter` does).

    Args:
        converter: A fresh cattrs converter.
        masked: Unstructure personal values masked (for exports) instead of raw.
        accelerated: Add the hand-tuned hooks for optionals and enums. They give the same
            results as cattrs' generic ones (``False``: the reference the tests compare with).
    """
    for kind, accepted in ((str, (str,)), (int, (int,)), (float, (int, float)), (bool, (bool,))):
        converter.register_structure_hook(kind, _strict(kind, *accepted))
    converter.register_structure_hook(dt.datetime, _iso(_aware, "datetime"))
    converter.register_structure_hook(dt.date, _iso(dt.date.fromisoformat, "date"))
    converter.register_structure_hook(dt.time, _iso(dt.time.fromisoformat, "time"))
    for moment in (dt.datetime, dt.date, dt.time):
        converter.register_unstructure_hook(moment, lambda v: v.isoformat())
    converter.register_structure_hook(
        GridCode, stock(lambda v, _: GridCode(_strict(str)(v, str)), "wrapper:value")
    )
    converter.register_unstructure_hook(GridCode, str)
    converter.register_structure_hook_factory(
        lambda c: isinstance(c, type) and issubclass(c, Sensitive), _sensitive_structure
    )
    reveal: Callable[[Sensitive], Any] = (lambda v: v.mask()) if masked else _stored
    converter.register_unstructure_hook_func(
        lambda c: isinstance(c, type) and issubclass(c, Sensitive), reveal
    )
    converter.register_structure_hook_factory(
        lambda c: attrs.has(c) and not issubclass(c, Sensitive), _dict_only
    )
    converter.register_structure_hook_factory(_is_tuple, _list_only)
    if accelerated:
        converter.register_structure_hook_factory(_is_optional, _optional_structure)
        converter.register_unstructure_hook_factory(_is_optional, _optional_unstructure)
        converter.register_structure_hook_factory(
            lambda c: isinstance(c, type) and issubclass(c, enum.Enum), _enum_structure
        )
    union = lambda union, conv: configure_tagged_union(  # noqa: E731
        union, conv, tag_name=TAG, tag_generator=lambda cl: cl.__name__
    )
    include_subclasses(Matter, converter, union_strategy=union)
    include_subclasses(MatterEvent, converter, union_strategy=union)


def make_converter(
    *, masked: bool = False, configure: Iterable[Callable[[cattrs.Converter], None]] = ()
) -> FengqiaoConverter:
    """Build the project's converter.

    Args:
        masked: Unstructure personal data masked: for exports and CLI output, never for storage.
        configure: Extra configuration callables, e.g. plugins' ``fengqiao_configure_converter``.

    Returns:
        A new converter; build one per station or backend and reuse it.
    """
    converter = FengqiaoConverter(forbid_extra_keys=True)
    configure_converter(converter, masked=masked)
    for extend in configure:
        extend(converter)
    return converter
