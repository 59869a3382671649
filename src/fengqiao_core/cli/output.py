r"""Terminal-safe output 输出: every line the command line prints passes through :func:`say`.

Stored text (roles, inscriptions, a file name, a plugin's description) may hold escape
sequences, bidi overrides, NUL or injected newlines, or a phone or ID number. Here every piece
of text has its personal numbers masked (:func:`fengqiao_core.errors.scrub`) and is escaped
visibly (``\x1b``, ``\u202e``; :func:`fengqiao_core.errors.escape_controls`) and handed to Rich
as a :class:`rich.text.Text`, never as markup, so ``[bold]`` or ``[link=…]`` stays literal.
Tables are built by :func:`table`, whose title, headers and cells are escaped the same way;
JSON goes through :func:`say_json`, which escapes what ``json.dumps`` leaves raw (DEL, C1,
bidi and format characters, lone surrogates) as JSON ``\uXXXX`` escapes.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

import rich.box
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fengqiao_core.errors import drop_controls, escape_controls, scrub

__all__ = ["clean", "masked", "run", "say", "say_json", "table", "write_json_lines"]

_out = Console(highlight=False, soft_wrap=True, markup=False, emoji=False)
_err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


_WORD = re.compile(r"[0-9A-Za-z]*[A-Za-z][0-9A-Za-z]*")
"""ASCII words with a letter in them: ids, digests, names of things — never a bare number."""
_HELD = re.compile("\ue000([0-9]+)\ue001")


def masked(text: str) -> str:
    """``text`` with the phone and ID numbers in it masked, as the command line shows text.

    :func:`fengqiao_core.errors.scrub`, minus what it would break on a screen: digits inside an
    ASCII word (a matter id or a digest such as ``19145716455baa07``) are not a phone number,
    and 15-digit runs are grid codes here (first-generation ID numbers are void since 2013).
    """
    if not any(c.isdigit() for c in text):
        return text
    if "\ue000" in text:  # the placeholder itself: mask everything, words included
        return scrub(text, first_generation_ids=False)
    words: list[str] = []

    def hold(found: re.Match[str]) -> str:
        words.append(found[0])
        return f"\ue000{len(words) - 1}\ue001"

    shown = scrub(_WORD.sub(hold, text), first_generation_ids=False)
    return _HELD.sub(lambda m: words[int(m[1])], shown)


def clean(value: object) -> str:
    """``str(value)`` with personal numbers masked and control, bidi, format characters escaped.

    The masking is :func:`masked`'s: what the command line prints never shows an ID or phone
    number whole, even from text the library does not treat as personal (a place named after a
    shop's phone number, a file name).
    """
    return escape_controls(masked(str(value)))


def _text(value: object, style: str = "") -> Text:
    return Text(clean(value), style=style)


def stdout_to_stderr() -> None:
    """Send every later stdout line to stderr (``--json``: stdout holds the JSON object only)."""
    _out.file = sys.stderr


def say(line: object | Table = "", *, style: str = "", stderr: bool = False) -> None:
    """Print one line (or a table made by :func:`table`) on stdout, or on stderr.

    Args:
        line: Any value: its ``str`` is escaped and printed as plain text (never markup).
            A :class:`rich.table.Table` is printed as is: build it with :func:`table`.
        style: A Rich style for the whole line, e.g. ``"bold red"``.
        stderr: Print on stderr (errors) instead of stdout.
    """
    console = _err if stderr else _out
    console.print(line if isinstance(line, Table) else _text(line, style))


def table(
    title: str,
    columns: Iterable[str | tuple[str, dict[str, Any]]],
    rows: Iterable[Iterable[object]],
    *,
    show_header: bool = True,
) -> Table:
    """A Rich table whose title, headers and cells are escaped plain text.

    Args:
        title: The table's title.
        columns: Column headers, each a header or ``(header, add_column options)``.
        rows: The rows; every cell's ``str`` is escaped.
        show_header: Whether to show the headers.
    """
    grid = Table(title=_text(title), box=rich.box.SIMPLE, show_header=show_header)
    for column in columns:
        header, options = column if isinstance(column, tuple) else (column, {})
        grid.add_column(_text(header), **options)
    for row in rows:
        grid.add_row(*(_text(cell) for cell in row))
    return grid


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def say_json(value: Any) -> None:
    r"""Print ``value`` as indented JSON on stdout; CJK stays readable, controls are escaped.

    Outside strings JSON is ASCII, so escaping a character as ``\uXXXX`` keeps the document
    valid: ``json.loads`` gives back the same value, except that phone and ID numbers inside
    string values are masked (:func:`masked`).
    """
    sys.stdout.write(_safe_json(value, indent=2) + "\n")
    sys.stdout.flush()


def _scrubbed(value: Any) -> Any:
    """``value`` with every string value in it (not the keys) passed through :func:`masked`."""
    if isinstance(value, str):
        return masked(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(v) for v in value]
    return value


def _safe_json(value: Any, indent: int | None = None) -> str:
    text = json.dumps(_scrubbed(value), ensure_ascii=False, indent=indent)
    if not text.replace("\n", "").isprintable():
        text = "".join(c if c == "\n" or drop_controls(c) else _json_escape(c) for c in text)
    return text


def write_json_lines(path: Path, values: Iterable[Any]) -> int:
    """Write one JSON object per line to ``path`` (controls escaped as :func:`say_json` does).

    The file is written whole or not at all (a temporary file renamed over it).

    Returns:
        How many lines were written.
    """
    lines = [_safe_json(value) for value in values]
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    partial.replace(path)
    return len(lines)


# Typer's own errors (a usage error quoting an argument) derive from click's ClickException,
# which Typer does not export: found through BadParameter, which Typer does.
_CLICK_ERROR: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)


def run(command: typer.Typer) -> NoReturn:
    """Run ``command`` with Typer's own messages (usage errors) printed through :func:`say`.

    Typer would echo a mistyped option or command raw: ``--x\u202e`` reached the terminal.

    Raises:
        SystemExit: Always, with the command's exit code (2 for a usage error).
    """
    try:
        code = command(standalone_mode=False)
    except _CLICK_ERROR as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # the help is printed already
            raise SystemExit(getattr(exc, "exit_code", 2)) from None
        usage = getattr(getattr(exc, "ctx", None), "get_usage", None)
        if usage is not None:
            say(usage(), stderr=True)
        say(f"error: {exc.format_message()}", style="bold red", stderr=True)  # type: ignore[attr-defined]
        raise SystemExit(getattr(exc, "exit_code", 2)) from None
    except typer.Abort:
        say("Aborted!", style="bold red", stderr=True)
        raise SystemExit(1) from None
    raise SystemExit(code if isinstance(code, int) else 0)
