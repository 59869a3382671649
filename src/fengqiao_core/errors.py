"""The one error hierarchy of fengqiao_core.

Every error the library raises on purpose is a :class:`FengqiaoError`. Messages name the field,
the key path, the plugin or the rule involved and never contain raw personal data: values that
come from a person (ID numbers, phone numbers, names, addresses, free text) are masked before
they reach a message (see :mod:`fengqiao_core.model.personal`).

Backends translate their driver's exceptions into :class:`StorageError` and its subclasses, so a
caller never has to catch ``sqlite3`` or ``psycopg`` types.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

__all__ = [
    "ConfigurationError",
    "ConflictError",
    "FengqiaoError",
    "IntegrityError",
    "NotFound",
    "PermissionDenied",
    "PluginError",
    "Problem",
    "RuleViolation",
    "StorageError",
    "StorageUnavailable",
    "TransitionError",
    "ValidationError",
    "describe_value",
    "drop_controls",
    "escape_controls",
    "scrub",
]

_SEP = "[ \\-\u00a0]?"
_ID_IN_TEXT = re.compile(r"(?<![0-9])([1-9]\d{5})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])", re.ASCII)
# A first-generation ID 一代证 (15 digits: division, YYMMDD, sequence) born 1940-1999. Where the
# year stands, a grid code has its street part (GB/T 10114: streets, towns, townships 001-399),
# so a grid code is never masked (a 政企合一 unit's 400-599 is, on the safe side).
_ID15_IN_TEXT = re.compile(
    r"(?<![0-9])([1-9]\d{5})[4-9]\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"(\d{3})(?![0-9A-Za-z])",
    re.ASCII,
)
_MOBILE_IN_TEXT = re.compile(
    rf"(?<![0-9])((?:\+|00)86{_SEP})?(1[3-9]\d){_SEP}\d{{4}}{_SEP}(\d{{4}})(?![0-9])", re.ASCII
)
_LANDLINE_IN_TEXT = re.compile(
    r"(?<![0-9])(?:\((0\d{2,3})\)[ \-]?|(0\d{2,3})[ \-])\d{3,4}[ \-]?(\d{4})(?![0-9])"
    r"|(?<![0-9])(0[1-9]\d)\d{4,5}(\d{4})(?![0-9])",
    re.ASCII,
)
_UNSAFE = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"})


def _ascii_digits(text: str) -> str:
    """``text`` with every non-ASCII decimal digit (full-width, Arabic-Indic …) made ASCII."""
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in text
    )


def _landline(match: re.Match[str]) -> str:
    area = match[1] or match[2] or match[4]
    return f"{area}-****{match[3] or match[5]}"


def scrub(text: str, *, first_generation_ids: bool = True) -> str:
    """``text`` with personal numbers masked: IDs ``420115********1234``, mobiles ``138****5678``.

    Catches 18- and 15-digit ID numbers, mobiles with a ``+86``/``0086`` prefix, spaces or
    hyphens (``138 0013 8000``), landlines (``027-8765 4321``, ``(027)87654321``) and all of them
    in full-width or other non-ASCII digits (made ASCII first). Numbers inside longer digit runs
    (grid codes in a longer code, amounts, years) are left alone.

    Args:
        text: Any text.
        first_generation_ids: Also mask 15-digit ID numbers (一代证, void since 2013). Off
            where 15-digit grid codes are shown, which they can resemble.
    """
    text = _ascii_digits(text)
    text = _ID_IN_TEXT.sub(lambda m: f"{m[1]}********{m[2]}", text)
    if first_generation_ids:
        text = _ID15_IN_TEXT.sub(lambda m: f"{m[1]}******{m[2]}", text)
    text = _MOBILE_IN_TEXT.sub(lambda m: f"{m[1] or ''}{m[2]}****{m[3]}", text)
    return _LANDLINE_IN_TEXT.sub(_landline, text)


def _unsafe(char: str) -> bool:
    return unicodedata.category(char) in _UNSAFE


def escape_controls(text: str) -> str:
    r"""``text`` with control, bidi, format and separator characters escaped visibly.

    C0 and C1 controls, bidi controls (U+202A-202E, U+2066-2069, U+200E/F, U+061C), other
    format characters (category Cf, e.g. ZWJ), line and paragraph separators, unassigned code
    points and lone surrogates become Python escapes (``\x1b``, ``\u202e``), so a terminal
    or a log viewer never interprets them. Other text, CJK included, is unchanged.
    """
    if text.isprintable():
        return text
    return "".join(
        c.encode("unicode_escape").decode("ascii") if c != " " and _unsafe(c) else c for c in text
    )


def drop_controls(text: str) -> str:
    """``text`` without the characters :func:`escape_controls` escapes (for masks)."""
    if text.isprintable():
        return text
    return "".join(c for c in text if c == " " or not _unsafe(c))


_MAX_SHOWN = 60


def describe_value(value: object) -> str:
    """Return a short, safe description of a non-personal value for an error message.

    Long values are cut to 60 characters so that a megabyte of input never becomes a megabyte
    of message; ID and mobile numbers that land in the wrong field are scrubbed. Personal
    values are instances of :class:`fengqiao_core.model.personal.Sensitive`, whose ``repr`` is
    already masked.

    Args:
        value: Any value that failed validation.

    Returns:
        ``repr(value)``, shortened with an ellipsis and its full length when too long.
    """
    text = escape_controls(scrub(repr(value)))
    if len(text) <= _MAX_SHOWN:
        return text
    return f"{text[:_MAX_SHOWN]}… ({len(text)} chars)"


class FengqiaoError(Exception):
    """Root of every error raised by fengqiao_core and its backends.

    Its text never carries a raw control, bidi or format character: whatever a message was
    built from (a file name, a plugin's words), ``str(error)`` shows them escaped.
    """

    def __str__(self) -> str:
        return escape_controls(super().__str__())


class Problem(NamedTuple):
    """One thing wrong with an input: where (``field``, a dotted key path) and what."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValidationError(FengqiaoError):
    """Input does not fit the model: names every bad field and why.

    Attributes:
        problems: Every problem found, each with its field path and message.
    """

    def __init__(self, field: str, message: str) -> None:
        self.problems: tuple[Problem, ...] = (Problem(field, message),)
        super().__init__(str(self.problems[0]))

    @classmethod
    def from_problems(cls, problems: Iterable[Problem], *, context: str = "") -> ValidationError:
        """Build one error from several problems (at least one).

        Args:
            problems: The problems, in the order found.
            context: Prefix for every field path, e.g. the file name of a station file.

        Returns:
            A ``ValidationError`` whose message lists every problem.
        """
        found = tuple(
            Problem(f"{context}{p.field}" if context else p.field, p.message) for p in problems
        )
        if not found:
            found = (Problem(context.rstrip(".:"), "invalid value"),)
        error = cls(found[0].field, found[0].message)
        error.problems = found
        if len(found) > 1:
            error.args = (f"{len(found)} problems: " + "; ".join(map(str, found)),)
        return error

    @property
    def field(self) -> str:
        """The path of the first bad field."""
        return self.problems[0].field


class ConfigurationError(FengqiaoError):
    """A user-fixable set-up problem (station file, backend, environment); says how to fix it."""


class NotFound(FengqiaoError):
    """No object of this kind with this identifier (or none the caller may see).

    The message never echoes the identifier: a station answers an unknown id and an id outside
    the caller's scope with the same words.

    Attributes:
        kind: What was looked for, e.g. ``"matter"``.
        ident: The identifier that was not found (for programs; not in the message).
    """

    def __init__(self, kind: str, ident: object) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"no {kind} with that id")


class TransitionError(FengqiaoError):
    """An action is not allowed in a matter's current state.

    Attributes:
        matter_id: The matter acted on.
        state: Its current state (the enum value).
        action: The attempted action.
    """

    def __init__(
        self, matter_id: str, state: str, action: str, *, allowed: Iterable[str] = ()
    ) -> None:
        self.matter_id = matter_id
        self.state = state
        self.action = action
        options = sorted(allowed)
        hint = f"; allowed here: {', '.join(options)}" if options else ""
        super().__init__(f"matter {matter_id} in state {state!r} cannot {action!r}{hint}")


class RuleViolation(FengqiaoError):
    """A coordination rule of DOMAIN.md §3 forbids this.

    Attributes:
        rule: The rule id, e.g. ``"M5"``.
    """

    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        super().__init__(f"[{rule}] {message}")


class PermissionDenied(FengqiaoError):
    """The actor's role may not perform this action (deny by default)."""


class PluginError(FengqiaoError):
    """A plugin misbehaved; names the plugin and the distribution that ships it.

    Attributes:
        plugin: The plugin's registered name.
        distribution: The distribution (``name version``) it came from, or ``"built-in"``.
    """

    def __init__(self, plugin: str, distribution: str, message: str) -> None:
        self.plugin = plugin
        self.distribution = distribution
        super().__init__(
            f"plugin {plugin!r} ({distribution}): {message}. Please report this to the plugin's "
            "author; FENGQIAO_BLOCKED_PLUGINS or FENGQIAO_DISABLE_PLUGIN_AUTOLOAD=1 switch it off."
        )


class StorageError(FengqiaoError):
    """A storage backend failed; the unit of work was rolled back."""


class ConflictError(StorageError):
    """Optimistic concurrency: the stored version differs from the expected one, or a duplicate."""


class StorageUnavailable(StorageError):
    """The store cannot be reached or is busy beyond its timeout; retrying later may work."""


class IntegrityError(StorageError):
    """The store's data is inconsistent or was tampered with."""
