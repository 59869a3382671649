"""The trusted read path: rebuilding objects from a storage backend's own rows, unchecked.

Everything that comes from outside — a caller, a file, an import, a plugin's input — is
structured by :meth:`FengqiaoConverter.structure <fengqiao_core.serialization.FengqiaoConverter>`,
which runs every validator of the model. A body that a storage backend wrote itself was
validated when the object was built, before it was written, and the audit chain vouches for it
since: checking it again on every read (two GB 11643 check digits per party, every identifier
pattern, every zone check) is work done twice. :class:`TrustedStructurer` rebuilds such bodies
without that work: per class it generates a function that allocates the object with
``object.__new__`` and sets each field with ``object.__setattr__``, so neither the attrs
validators nor ``__attrs_post_init__`` (the model's are checks only) run. Field converters,
defaults for keys an older row lacks, enums, datetimes and tuples are still applied exactly as
the validated path applies them, and the two paths give equal objects (property-tested).

It only replaces the converter's own stock hooks (marked with :func:`stock`). A type whose hook
a plugin or another configuration step registered, a class whose ``__attrs_post_init__`` lives
outside the model, or anything the generator does not know, is structured by the validated
hook, as is any body the trusted hook fails on: the trusted path never raises what the
validated path would not.

Use it only for rows a backend wrote itself (``builtin/sqlite`` row decoding, the PostgreSQL
plugin's): never for a caller's data, a file, an import or a plugin's input.
``tests/test_trusted_path.py`` checks its call sites.
"""

from __future__ import annotations

import datetime as dt
import enum
import threading
import types
import weakref
from collections.abc import Callable
from types import NoneType
from typing import Any, ClassVar, Protocol, TypeVar, get_args

import attrs
import orjson

__all__ = ["TrustedReads", "TrustedStructurer", "stock"]

T = TypeVar("T")
H = TypeVar("H", bound=Callable[..., Any])
Hook = Callable[[Any], Any]

_STOCK: weakref.WeakKeyDictionary[Callable[..., Any], str] = weakref.WeakKeyDictionary()
_PARSE: dict[str, Hook] = {
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
}
_MODEL = "fengqiao_core.model"


def stock(hook: H, kind: str) -> H:
    """Mark ``hook`` as the converter's stock hook of ``kind``, which the trusted path replaces.

    Args:
        hook: A structure hook made by :func:`~fengqiao_core.serialization.configure_converter`.
        kind: ``"exact"`` (str, int, bool), ``"float"``, ``"datetime"``, ``"date"``,
            ``"time"``, ``"wrapper:<field>"`` (a one-field class from a string), ``"enum"``,
            ``"tuple"``, ``"optional"`` or ``"attrs"``.

    Returns:
        ``hook`` itself.
    """
    _STOCK[hook] = kind
    return hook


class _Validating(Protocol):
    trusted_bases: ClassVar[tuple[type, ...]]
    trusted_tag: ClassVar[str]
    _trusted_path: TrustedStructurer | None

    def structure(self, obj: Any, cl: Any) -> Any: ...

    def loads(self, text: str | bytes, cl: type[T]) -> T: ...

    def get_structure_hook(self, cl: Any, cache_result: bool = True) -> Any: ...


class TrustedReads:
    """The converter's trusted read methods: for storage backends reading their own rows ONLY.

    Mixed into :class:`~fengqiao_core.serialization.FengqiaoConverter`, whose
    ``trusted_bases`` and ``trusted_tag`` name its tagged unions.
    """

    trusted_bases: ClassVar[tuple[type, ...]] = ()
    trusted_tag: ClassVar[str] = "type"
    _trusted_path: TrustedStructurer | None = None

    def trusted_structure(self: _Validating, obj: Any, cl: type[T]) -> T:
        """Rebuild ``obj`` as ``cl`` without validating it: ONLY for a backend's own rows.

        Gives the object ``structure`` gives for every body that ``structure`` accepts,
        without running the model's validators. A body the trusted hooks cannot rebuild goes
        through ``structure``.

        Raises:
            ValidationError: Only when the validated path raises it.
        """
        trusted = self._trusted_path
        if trusted is None:
            trusted = TrustedStructurer(self, self.trusted_bases, self.trusted_tag)
            self._trusted_path = trusted
        try:
            return trusted.hook(cl)(obj)  # type: ignore[no-any-return]
        except Exception:  # a malformed body: the validated path decides (and explains)
            return self.structure(obj, cl)  # type: ignore[no-any-return]

    def trusted_loads(self: _Validating, text: str | bytes, cl: type[T]) -> T:
        """``loads`` of a row the calling storage backend wrote itself, without validating.

        Never call it on text from a caller, a file, an import or a plugin's input: those go
        through ``loads``. ``tests/test_trusted_path.py`` checks every call site.

        Raises:
            ValidationError: The text is not JSON, or does not fit ``cl``.
        """
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            return self.loads(text, cl)
        return TrustedReads.trusted_structure(self, data, cl)


def _identity(value: Any) -> Any:
    return value


class TrustedStructurer:
    """Unchecked structuring hooks derived from a configured converter (see the module doc).

    Args:
        converter: The validated converter whose stock hooks are replaced.
        tagged: The bases structured as tagged unions (``Matter``, ``MatterEvent``).
        tag: The key naming the concrete class in a tagged body.
    """

    def __init__(self, converter: _Validating, tagged: tuple[type, ...], tag: str) -> None:
        self._converter = converter
        self._tagged = tagged
        self._tag = tag
        self._hooks: dict[Any, Hook] = {}
        # how generated constructors inline a hook: ("tuple" | "optional" | "enum", the item)
        self._inline: dict[Hook, tuple[str, Any]] = {}
        self._building: set[Any] = set()
        self._lock = threading.RLock()  # reentrant: building a class builds its fields' hooks

    def hook(self, cl: Any) -> Hook:
        """The trusted one-argument hook for ``cl`` (built once, then cached; thread-safe)."""
        found = self._hooks.get(cl)
        if found is not None:
            return found
        with self._lock:
            found = self._hooks.get(cl)
            if found is None:
                if cl in self._building:  # a class that refers to itself: look it up late
                    return lambda value: self._hooks[cl](value)
                self._building.add(cl)
                try:
                    found = self._hooks[cl] = self._build(cl)
                finally:
                    self._building.discard(cl)
            return found

    def _validated(self, cl: Any) -> Hook:
        inner = self._converter.get_structure_hook(cl)
        return lambda value: inner(value, cl)

    def _build(self, cl: Any) -> Hook:
        base = next((b for b in self._tagged if isinstance(cl, type) and issubclass(cl, b)), None)
        if base is not None:
            return self._tagged_hook(base, cl)
        main = self._converter.get_structure_hook(cl)
        kind = _STOCK.get(main)
        if kind is None:
            return self._validated(cl)
        if kind == "exact":
            return _identity
        if kind == "float":
            return float
        if kind in _PARSE:
            return _PARSE[kind]
        if kind.startswith("wrapper:"):
            slot = kind.removeprefix("wrapper:")
            hook = _wrapper(cl, slot, main)
            self._inline[hook] = ("wrapper", (cl, slot))
            return hook
        if kind == "enum":
            hook = _enum(cl, main)
            self._inline[hook] = ("enum", cl._value2member_map_)
            return hook
        if kind == "tuple":
            inner = self.hook(get_args(cl)[0])
            hook = tuple if inner is _identity else lambda value: tuple(map(inner, value))
            self._inline[hook] = ("tuple", inner)
            return hook
        if kind == "optional":
            item = self.hook(next(arg for arg in get_args(cl) if arg is not NoneType))
            if item is _identity:
                return _identity
            hook = lambda value: None if value is None else item(value)  # noqa: E731
            self._inline[hook] = ("optional", item)
            return hook
        return self._attrs(cl) or self._validated(cl)

    def _expression(self, hook: Hook, source: str, names: dict[str, Any], temp: str) -> str:
        """Python source applying ``hook`` to ``source``, inlining the common shapes."""
        if hook is _identity:
            return source
        shape, item = self._inline.get(hook, ("call", hook))
        name = f"_{len(names)}"
        names[name] = item
        if shape == "enum":  # a KeyError (not a member) sends the body to the validated path
            return f"{name}[{source}]"
        if shape == "tuple":
            return f"tuple({source})" if item is _identity else f"tuple(map({name}, {source}))"
        if shape == "optional":
            inner = self._expression(item, temp, names, temp + "_")
            return f"(None if ({temp} := {source}) is None else {inner})"
        return f"{name}({source})"

    def _tagged_hook(self, base: type, cl: type) -> Hook:
        if cl is not base:
            every = self.hook(base)

            def narrowed(value: Any) -> Any:
                result = every(value)
                if not isinstance(result, cl):
                    raise TypeError(f"expected {cl.__name__}, got {type(result).__name__}")
                return result

            return narrowed
        by_tag: dict[str, Hook] = {}
        tag = self._tag

        def tagged(value: Any) -> Any:
            name = value[tag]
            hook = by_tag.get(name)
            if hook is None:
                sub = _subclass(base, name)
                hook = by_tag[name] = self._attrs(sub) or self._validated(sub)
            return hook(value)

        return tagged

    def _attrs(self, cl: type) -> Hook | None:
        """A generated constructor for ``cl``, or ``None`` when it cannot be trusted.

        Its fast part reads every field's key (a stored body has them all) and inlines the
        common shapes; a body without some key (an older row) takes the slow part, which
        applies the defaults as ``__init__`` does.
        """
        if not _trustable(cl):
            return None
        fields = attrs.fields(attrs.resolve_types(cl))
        # attrs' own __init__ sets fields through the same bound object.__setattr__
        names: dict[str, Any] = {"_new": object.__new__, "_bind": object.__setattr__.__get__}
        names.update(_cl=cl, _set=object.__setattr__)
        fast = ["def build(d):", "    o = _new(_cl)", "    s = _bind(o)", "    try:"]
        slow = ["def slow(d):", "    o = _new(_cl)", "    s = _bind(o)"]
        for index, a in enumerate(fields):
            hook, key = self.hook(a.type), f"d[{a.name!r}]"
            converter = None
            if a.converter is not None:
                converter = f"_{len(names)}"
                names[converter] = a.converter
            fast.extend(f"        {line}" for line in self._fast(hook, key, names, index))
            value = self._expression(hook, key, names, f"t{index}")
            if a.default is not attrs.NOTHING:
                fallback = f"_{len(names)}"
                if isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
                    names[fallback] = a.default.factory
                    fallback += "()"
                else:
                    names[fallback] = a.default
                value = f"({value} if {a.name!r} in d else {fallback})"
            fast_value = f"v{index}"
            if converter:
                fast_value, value = f"{converter}({fast_value})", f"{converter}({value})"
            slot = getattr(cl, a.name, None)
            if isinstance(slot, types.MemberDescriptorType):  # the slot's own setter: faster
                setter = f"_{len(names)}"
                names[setter] = slot.__set__
                fast.append(f"        {setter}(o, {fast_value})")
            else:
                fast.append(f"        s({a.name!r}, {fast_value})")
            slow.append(f"    s({a.name!r}, {value})")
        fast += ["    except KeyError:", "        return slow(d)", "    return o"]
        slow.append("    return o")
        source = "\n".join(slow + fast)
        exec(compile(source, f"<trusted {cl.__qualname__}>", "exec"), names)
        return names["build"]  # type: ignore[no-any-return]

    def _fast(self, hook: Hook, key: str, names: dict[str, Any], index: int) -> list[str]:
        """Statements setting ``v<index>`` to ``hook`` applied to ``key`` (wrappers inlined)."""
        shape, item = self._inline.get(hook, ("call", hook))
        target = f"v{index}"
        if shape == "optional" and self._inline.get(item, ("",))[0] == "wrapper":
            made = self._fast(item, target, names, index)
            return [f"{target} = {key}", f"if {target} is not None:", *(f"    {m}" for m in made)]
        if shape != "wrapper":
            return [f"{target} = {self._expression(hook, key, names, f't{index}')}"]
        kind, slot = item
        name, slow = f"_{len(names)}", f"_{len(names) + 1}"
        names[name], names[slow] = kind, hook  # the hook itself takes what is not text
        lines = [] if key == target else [f"{target} = {key}"]
        return [
            *lines,
            f"if type({target}) is str:",
            f"    w = _new({name})",
            f"    _set(w, {slot!r}, {target})",
            f"    {target} = w",
            "else:",
            f"    {target} = {slow}({target})",
        ]


def _trustable(cl: type) -> bool:
    """Whether a generated constructor gives what ``cl``'s own ``__init__`` would."""
    if not attrs.has(cl) or "__attrs_init__" in vars(cl):
        return False
    post = next((k for k in cl.__mro__ if "__attrs_post_init__" in vars(k)), None)
    if post is not None and not post.__module__.startswith(_MODEL):
        return False  # a post-init outside the model may do more than check
    if "_attrs_cached_hash" in getattr(cl, "__slots__", ()):
        return False
    for a in attrs.fields(cl):
        if not a.init or a.alias != a.name or a.type is None:
            return False
        if isinstance(a.default, attrs.Factory) and a.default.takes_self:  # type: ignore[arg-type]
            return False
        if a.converter is not None and not _plain_callable(a.converter):
            return False
    return True


def _plain_callable(converter: Any) -> bool:
    return callable(converter) and not isinstance(converter, attrs.Converter)


def _subclass(base: type, name: str) -> type:
    todo = [base]
    while todo:
        cls = todo.pop()
        if cls.__name__ == name:
            return cls
        todo.extend(cls.__subclasses__())
    raise KeyError(name)


def _wrapper(cl: type, name: str, main: Callable[[Any, Any], Any]) -> Hook:
    new, put = object.__new__, object.__setattr__

    def build(value: Any) -> Any:
        if type(value) is not str:
            return main(value, cl)
        made: Any = new(cl)
        put(made, name, value)
        return made

    return build


def _enum(cl: type[enum.Enum], main: Callable[[Any, Any], Any]) -> Hook:
    members = cl._value2member_map_

    def build(value: Any) -> Any:
        try:
            return members[value]
        except (KeyError, TypeError):
            return main(value, cl)

    return build
