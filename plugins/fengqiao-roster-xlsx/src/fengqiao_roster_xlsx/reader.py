"""Reading a roster workbook 读取名册 with python-calamine: people and row reports.

Every sheet with a header row is read (title rows above it are skipped, merged cells take the
value of their top-left cell, blank rows are ignored). A row that cannot become a person gets
one :class:`RowReport` per bad field; the first row of a person (same id or phone) wins and
later ones are reported as duplicates. A workbook that cannot be read at all — not a zip,
password-protected, corrupted, no sheet with a header — raises :class:`RosterError`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from attrs import frozen

from fengqiao_core.errors import ConfigurationError, FengqiaoError
from fengqiao_core.model import Person, RedSteward
from fengqiao_roster_xlsx import guard
from fengqiao_roster_xlsx.headers import ALIASES, HEADER_SCAN_ROWS, find_header
from fengqiao_roster_xlsx.rows import RowParser
from fengqiao_roster_xlsx.safe import safe_text

__all__ = ["Progress", "RosterError", "RosterRead", "RowReport", "column_letter", "read_roster"]

Progress = Callable[[int, int], None]
"""Called as ``progress(rows done, rows in the workbook)`` while reading."""
_EVERY = 2000
_MAX_MERGED = 10_000
_REQUIRED = ("name", "phone", "community")
_Row = tuple[int, list[Any]]


class RosterError(ConfigurationError):
    """A roster workbook 名册 that cannot be read at all; the message says how to fix it."""


@frozen
class RowReport:
    """A refused roster row 问题行: where (sheet, Excel row, column) and why.

    Attributes:
        sheet: The sheet's name, terminal-safe.
        row: The 1-based Excel row number (``None`` for a whole sheet).
        column: The column letter (``None`` for a whole row or sheet).
        field: The roster field of that column (``name``, ``phone`` …), or ``None``.
        reason: Why, e.g. ``unknown community``; never the cell's value.
    """

    sheet: str
    row: int | None
    column: str | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.sheet}: {self.reason}"
        where = f"{self.sheet}!{self.column or ''}{self.row}"
        return f"{where} ({self.field}): {self.reason}" if self.field else f"{where}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "reason": self.reason,
        }


@frozen
class RosterRead:
    """What a roster gave 名册读取结果: the people it names, the refused rows, the rows read."""

    people: tuple[Person, ...]
    reports: tuple[RowReport, ...]
    rows: int

    @property
    def stewards(self) -> tuple[RedSteward, ...]:
        """The red stewards among the people."""
        return tuple(p for p in self.people if isinstance(p, RedSteward))


def column_letter(index: int) -> str:
    """Excel's letter for a 0-based column index (0 → ``A``, 26 → ``AA``)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _open(path: Path) -> Any:
    name = safe_text(path.name)
    try:
        guard.check_regular_file(path)
    except guard.Refused as exc:
        raise RosterError(str(exc)) from None
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise RosterError(f"cannot read roster {name}: {type(exc).__name__}") from None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterError(
            f"roster {name} is password-protected or an old .xls workbook: "
            "open it in Excel, remove the password and save it as .xlsx"
        )
    if not head.startswith(b"PK\x03\x04"):
        kind = "empty" if not head else "not an Excel workbook (it looks like text or CSV)"
        raise RosterError(f"roster {name} is {kind}: save it from Excel as .xlsx")
    try:
        guard.check_workbook(path)  # before calamine: it aborts the process on a huge span
    except guard.Refused as exc:
        raise RosterError(str(exc)) from None
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine's zip/xml errors: translate, never leak
        raise RosterError(
            f"roster {name} is corrupted ({type(exc).__name__}): save it again from Excel"
        ) from None


class _Sheet:
    """One sheet's rows with absolute numbers and merged cells filled from their top-left."""

    def __init__(self, sheet: Any) -> None:
        self.name = safe_text(str(sheet.name))
        self._sheet = sheet
        self.offset = int(sheet.start[1]) if sheet.start else 0
        self.total = int(sheet.end[0]) + 1 if sheet.end else 0
        self._fill: dict[tuple[int, int], tuple[int, int]] = {}
        for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ():
            if (r1 - r0 + 1) * (c1 - c0 + 1) > _MAX_MERGED:
                continue  # a whole-column merge is formatting, not data: left blank
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        self._fill[(r, c - self.offset)] = (r0, c0 - self.offset)

    def rows(self) -> Iterator[_Row]:
        """``(1-based row number, cells)`` for every row, top to bottom."""
        if not self._fill:
            return enumerate(self._sheet.iter_rows(), 1)
        return self._filled()

    def _filled(self) -> Iterator[_Row]:
        fill = self._fill
        origins = set(fill.values())
        touched = {r for r, _ in fill} | {r for r, _ in origins}
        kept: dict[tuple[int, int], Any] = {}
        for index, row in enumerate(self._sheet.iter_rows()):
            if index in touched:
                row = list(row)
                for col in range(len(row)):
                    if (index, col) in origins:
                        kept[(index, col)] = row[col]
                    source = fill.get((index, col))
                    if source is not None:
                        row[col] = kept.get(source, "")
            yield index + 1, row


def _blank(row: list[Any]) -> bool:
    return row.count("") + row.count(None) == len(row)


def read_roster(
    path: Path,
    *,
    communities: Mapping[str, str],
    skills: Collection[str],
    secret: bytes | None = None,
    progress: Progress | None = None,
) -> RosterRead:
    """Read every sheet of a roster workbook.

    Args:
        path: The ``.xlsx`` file.
        communities: Community or village id and name → community id (exact match only).
        skills: The skill codes rows may use (names like 医疗 are mapped to codes first).
        secret: The station secret: derives ids from phone numbers when there is no id column.
        progress: Told how far reading got.

    Raises:
        RosterError: The workbook cannot be read, or no sheet has a header row.
    """
    workbook = _open(path)
    try:
        with _cyclic_gc_paused():
            return _read(workbook, communities, skills, secret, progress)
    except FengqiaoError:
        raise
    except Exception as exc:  # a sheet whose XML breaks half-way: nothing is returned
        raise RosterError(
            f"roster {safe_text(path.name)} is corrupted ({type(exc).__name__}): "
            "save it again from Excel"
        ) from None
    finally:
        workbook.close()


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a roster is read (if it is running).

    A roster builds hundreds of thousands of small objects (people, names, phones) and keeps
    them all, without a single reference cycle: reference counting frees them, while every
    collection of the oldest generation would walk the whole growing roster again (parsing
    and keeping 100,000 rows: 37 µs a row with the collector, 21 µs without). The collector
    runs again afterwards, also on error.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _read(
    workbook: Any,
    communities: Mapping[str, str],
    skills: Collection[str],
    secret: bytes | None,
    progress: Progress | None,
) -> RosterRead:
    sheets = [_Sheet(workbook.get_sheet_by_name(n)) for n in workbook.sheet_names]
    state = _State(communities, skills, secret, progress, sum(s.total for s in sheets))
    for sheet in sheets:
        state.read_sheet(sheet)
    if progress is not None:
        progress(state.total, state.total)
    if state.headers == 0:
        raise RosterError(
            "no roster found: no sheet has a header row with 姓名/name and 手机号/phone "
            f"in its first {HEADER_SCAN_ROWS} rows"
        )
    return RosterRead(tuple(state.people), tuple(state.reports), state.rows)


class _State:
    """What reading the workbook has gathered so far."""

    def __init__(
        self,
        communities: Mapping[str, str],
        skills: Collection[str],
        secret: bytes | None,
        progress: Progress | None,
        total: int,
    ) -> None:
        self.communities, self.skills, self.secret = communities, skills, secret
        self.progress, self.total = progress, total
        self.people: list[Person] = []
        self.reports: list[RowReport] = []
        self.first_id: dict[str, tuple[str, int]] = {}
        self.first_phone: dict[str, tuple[str, int]] = {}
        self.done = self.rows = self.headers = 0

    def _header(self, sheet: _Sheet, top: list[list[Any]], number: int) -> RowParser | bool:
        """The sheet's parser once its header is found; ``False`` to stop reading the sheet."""
        found = find_header(top)
        if found is None:
            return len(top) < HEADER_SCAN_ROWS
        self.headers += 1
        missing = [f for f in _REQUIRED if f not in found[1]]
        if "id" in found[1] and "phone" in missing:
            missing.remove("phone")
        if missing:
            names = ", ".join("/".join(ALIASES[f][:2]) for f in missing)
            self.reports.append(RowReport(sheet.name, number, None, None, f"no column {names}"))
            return False
        if "id" not in found[1] and self.secret is None:
            raise RosterError(
                f"sheet {sheet.name} has no 编号/id column and the station has no secret to "
                "derive ids from phone numbers: set FENGQIAO_SECRET (16+ characters) or the "
                "station file's secret_file, or add an 编号 column"
            )
        return RowParser(found[1], self.communities, self.skills, self.secret)

    def read_sheet(self, sheet: _Sheet) -> None:
        """Read one sheet's rows into people and reports."""
        rows = sheet.rows()
        top: list[list[Any]] = []
        for number, row in rows:
            self._tick()
            if _blank(row):
                continue
            top.append(row)
            found = self._header(sheet, top, number)
            if found is False:
                break
            if isinstance(found, RowParser):
                self._body(sheet, found, rows)
                return
        if not top:
            self.reports.append(RowReport(sheet.name, None, None, None, "empty sheet"))
        elif find_header(top) is None:
            reason = f"no header row with 姓名/name in the first {HEADER_SCAN_ROWS} rows"
            self.reports.append(RowReport(sheet.name, None, None, None, reason))

    def _tick(self) -> None:
        self.done += 1
        if self.progress is not None and self.done % _EVERY == 0:
            self.progress(self.done, self.total)

    def _body(self, sheet: _Sheet, parser: RowParser, rows: Iterator[_Row]) -> None:
        """The rows below the header: the hot loop, so its names are bound once."""
        parse, keep = parser.parse, self.people.append
        by_id, by_phone, place = self.first_id, self.first_phone, sheet.name
        progress, done, count = self.progress, self.done, self.rows
        for number, row in rows:
            done += 1
            if progress is not None and done % _EVERY == 0:
                progress(done, self.total)
            if row.count("") + row.count(None) == len(row):
                continue  # a blank row
            count += 1
            person, problems = parse(row)
            if person is None:
                self._refused(sheet, parser, number, problems)
                continue
            phone = person.phone.reveal() if person.phone is not None else None
            earlier = by_id.get(person.id) or (by_phone.get(phone) if phone else None)
            if earlier is not None:
                field = "id" if "id" in parser.columns else "phone"
                reason = f"duplicate person (first in {earlier[0]} row {earlier[1]})"
                self._refused(sheet, parser, number, [(field, reason)])
                continue
            by_id[person.id] = (place, number)
            if phone:
                by_phone[phone] = (place, number)
            keep(person)
        self.done, self.rows = done, count

    def _refused(
        self, sheet: _Sheet, parser: RowParser, number: int, problems: list[tuple[str, str]]
    ) -> None:
        for field, reason in problems:
            index = parser.columns.get(field)
            letter = None if index is None else column_letter(index + sheet.offset)
            self.reports.append(RowReport(sheet.name, number, letter, field, reason))
