"""Calling hook implementations one at a time, so results and errors name their plugin."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable
from typing import Any, TypeVar

import pluggy

from fengqiao_core.errors import FengqiaoError, PluginError
from fengqiao_core.security.logs import get_logger

__all__ = ["HookCaller", "flag"]

T = TypeVar("T")
_log = get_logger(__name__)


def flag(name: str) -> bool:
    """Whether the environment variable ``name`` is set to a true value (1, true, yes, on)."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


class HookCaller:
    """Calls each implementation of a hook in pluggy's order and attributes what it did.

    Args:
        pm: The plugin manager.
        origin: Maps a plugin name to its distribution, for error messages.
        trace: Log each call at DEBUG; defaults to ``FENGQIAO_TRACE_PLUGINS``.
        include: Whether a plugin (by name) is called at all.
        personal: Whether a plugin (by name) receives personal values unmasked.
        mask: Masks one of a call's ``masked_args`` values (for the other plugins).
    """

    def __init__(
        self,
        pm: pluggy.PluginManager,
        origin: Callable[[str], str],
        trace: bool | None = None,
        *,
        include: Callable[[str], bool] = lambda _: True,
        personal: Callable[[str], bool] = lambda _: True,
        mask: Callable[[Any], Any] = lambda value: value,
    ) -> None:
        self._pm = pm
        self._origin = origin
        self._trace = flag("FENGQIAO_TRACE_PLUGINS") if trace is None else trace
        self._include = include
        self._personal = personal
        self._mask = mask
        self._cache: dict[str, tuple[tuple[pluggy.HookImpl, ...], list[pluggy.HookImpl]]] = {}

    def _impls(self, hook: str) -> list[pluggy.HookImpl]:
        """The included implementations of ``hook``, in call order (last registered first).

        Kept per hook until the manager's implementations of it change.
        """
        registered = tuple(getattr(self._pm.hook, hook).get_hookimpls())
        cached = self._cache.get(hook)
        if cached is not None and cached[0] == registered:
            return cached[1]
        found = [i for i in reversed(registered) if self._include(i.plugin_name)]
        self._cache[hook] = (registered, found)
        return found

    def _given(
        self, impl: pluggy.HookImpl, kwargs: dict[str, Any], masked_args: Collection[str],
        shown: list[dict[str, Any]],
    ) -> list[Any]:  # fmt: skip
        """``impl``'s positional arguments: ``masked_args`` masked unless it is trusted.

        ``shown`` holds the masked arguments once made (one masking per call, not per plugin).
        """
        given = kwargs
        if masked_args and not self._personal(impl.plugin_name):
            if not shown:
                shown.append({**kwargs, **{arg: self._mask(kwargs[arg]) for arg in masked_args}})
            given = shown[0]
        return [given[arg] for arg in impl.argnames]

    def error(self, plugin: str, message: str) -> PluginError:
        """A ``PluginError`` naming ``plugin`` and its distribution."""
        return PluginError(plugin, self._origin(plugin), message)

    def each(
        self, hook: str, *, masked_args: Collection[str] = (), **kwargs: Any
    ) -> list[tuple[str, Any]]:
        """Call every implementation of ``hook`` (last registered first, tryfirst/trylast kept).

        Results of ``fengqiao_register_*`` hooks are materialised into lists inside the call,
        so that a generator's error is attributed to its plugin too. Plugins not trusted with
        personal data get the arguments named in ``masked_args`` masked.

        Returns:
            ``(plugin name, result)`` pairs, leaving out ``None`` results.

        Raises:
            PluginError: An implementation raised; names its plugin and distribution.
        """
        shown: list[dict[str, Any]] = []
        results: list[tuple[str, Any]] = []
        for impl in self._impls(hook):
            name = impl.plugin_name
            if self._trace:
                _log.debug("hook %s -> plugin %s", hook, name)
            try:
                result: Any = impl.function(*self._given(impl, kwargs, masked_args, shown))
                if result is not None and hook.startswith("fengqiao_register_"):
                    result = list(result)
            except Exception as exc:
                detail = str(exc) if isinstance(exc, FengqiaoError) else type(exc).__name__
                raise self.error(name, f"hook {hook} raised {detail}") from exc
            if result is not None:
                results.append((name, result))
        return results

    def each_contained(
        self, hook: str, *, masked_args: Collection[str] = (), **kwargs: Any
    ) -> list[PluginError]:
        """Call every implementation of ``hook``; one failing never stops the others.

        For hooks called after a commit (observers), whose failures must not reach the caller.
        Plugins not trusted with personal data get the ``masked_args`` masked.

        Returns:
            One ``PluginError`` per implementation that raised, naming its plugin.
        """
        shown: list[dict[str, Any]] = []
        errors: list[PluginError] = []
        for impl in self._impls(hook):
            try:
                impl.function(*self._given(impl, kwargs, masked_args, shown))
            except Exception as exc:
                detail = str(exc) if isinstance(exc, FengqiaoError) else type(exc).__name__
                error = self.error(impl.plugin_name, f"hook {hook} raised {detail}")
                error.__cause__ = exc
                errors.append(error)
        return errors

    def typed(self, plugin: str, records: Iterable[Any], kind: type[T]) -> list[T]:
        """Check that every record a plugin returned is a ``kind``.

        Raises:
            PluginError: Naming the plugin and the wrong type.
        """
        try:
            found = list(records)
        except TypeError:
            raise self.error(plugin, f"returned {type(records).__name__}, not a list") from None
        for record in found:
            if not isinstance(record, kind):
                raise self.error(
                    plugin, f"returned {type(record).__name__} where {kind.__name__} is expected"
                )
        return found

    def collect(
        self,
        hook: str,
        kind: type[T],
        key: Callable[[T], str],
        what: str,
        *,
        check: Callable[[T], bool] = lambda _: True,
    ) -> dict[str, tuple[str, T]]:
        """Gather ``kind`` records from a registering hook, refusing duplicate keys.

        Returns:
            ``key -> (plugin name, record)``, in call order.

        Raises:
            PluginError: A result is not a valid ``kind`` record, or a key is registered twice
                (the message names both plugins and distributions).
        """
        found: dict[str, tuple[str, T]] = {}
        for name, records in self.each(hook):
            for record in self.typed(name, records, kind):
                ident = key(record)
                if not check(record):
                    raise self.error(name, f"hook {hook} returned an invalid {what} {ident!r}")
                if ident in found:
                    first = found[ident][0]
                    raise self.error(
                        name,
                        f"{what} {ident!r} is also registered by plugin {first!r} "
                        f"({self._origin(first)})",
                    )
                found[ident] = (name, record)
        return found
