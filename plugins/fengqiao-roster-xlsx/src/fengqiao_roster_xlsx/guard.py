"""What a workbook must pass before calamine opens it 文件检查: a regular file, sheets of sane size.

calamine turns each sheet into one dense grid sized by the span of its cells, and it reads each
sheet's XML whole. A 1.5 KB file with one cell at ``A1`` and one at ``XFD1048576`` makes it ask
for half a terabyte (the process aborts: no exception to catch), and a few megabytes of zipped
whitespace expand to gigabytes. So before calamine sees a workbook, every XML part in it is
streamed once — its uncompressed size bounded as it is read, whatever the zip directory claims,
and the whole workbook's too — and the span of its cells measured: rows × columns at most
:data:`MAX_CELLS`.

A part written the way Excel and every common library write sheets (``<row r="…">`` and
``<c r="…">`` on every row and cell, no namespace prefix) is measured by counting and by
collecting only the rare far references. Any other part — cells without ``r``, attributes in
another order or quoting, prefixed tags — is walked with expat, placing each cell as calamine
does. A named pipe or a device is refused before it is opened (it would block).
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path
from typing import IO, Any

from fengqiao_roster_xlsx.safe import safe_text

__all__ = [
    "MAX_CELLS",
    "MAX_SHEET_BYTES",
    "MAX_WORKBOOK_BYTES",
    "Refused",
    "check_regular_file",
    "check_workbook",
]

MAX_CELLS = 1 << 24
"""Rows × columns a sheet may span: a full 1,048,576-row sheet of 16 columns."""
MAX_SHEET_BYTES = 1 << 30
"""Uncompressed XML one part may hold (a full 1,048,576-row roster of 8 columns is ≈ 560 MB)."""
MAX_WORKBOOK_BYTES = 1 << 31
"""Uncompressed XML the whole workbook may hold."""


class Refused(Exception):
    """Why a file is not opened (the reader raises it again as its ``RosterError``)."""


_CHUNK = 1 << 22
_NARROW = 16
"""Columns assumed for cells in ``A``-``P`` (found without reading every cell reference)."""
# The fast path collects only the rare references: columns past P, rows of 7 digits or more.
_FAR = re.compile(rb'<c r="([A-Za-z]{2,}|[Q-Zq-z]|[A-Pa-p](?=[0-9]{7}))([0-9]+)"')
_ROW = re.compile(rb'<row r="([0-9]+)"')
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.-]*:(?:c|row)[\s/>]")
# Tags that start like a cell or a row but are not one not written as <c r="…"> / <row r="…">:
# an empty name is a cell or row written otherwise (walked); other names are other elements.
_NOT_CANONICAL_CELL = re.compile(rb'<c(?! r=")([^\s/>]*)')
_NOT_CANONICAL_ROW = re.compile(rb'<row(?! r=")([^\s/>]*)')
_OTHER_C = frozenset(
    b"c" + name
    for name in (
        b"ol", b"ols", b"olBreaks", b"olor", b"olorScale", b"fRule", b"fvo",
        b"onditionalFormatting", b"ellWatch", b"ellWatches", b"ellSmartTag", b"ellSmartTags",
        b"ellSmartTagPr", b"ontrol", b"ontrols", b"ontrolPr", b"ustomPr", b"ustomProperties",
        b"ustomSheetView", b"ustomSheetViews",
    )
)  # fmt: skip
_REF = re.compile(r"([A-Za-z]+)([0-9]+)")


def check_regular_file(path: Path) -> None:
    """Refuse anything but a regular file (a pipe or a device would block or never end)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise Refused(f"cannot read roster {safe_text(path.name)}: {type(exc).__name__}") from None
    if not stat.S_ISREG(mode):
        raise Refused(f"roster {safe_text(path.name)} is not a regular file")


def check_workbook(path: Path) -> None:
    """Refuse a workbook with a part too large or a sheet spanning too many cells.

    Raises:
        Refused: Naming the part inside the workbook and what is wrong.
    """
    name = safe_text(path.name)
    try:
        with zipfile.ZipFile(path) as archive:
            budget = [MAX_WORKBOOK_BYTES]
            for info in archive.infolist():
                if info.filename.lower().endswith((".xml", ".rels")):
                    _check_part(archive, info, f"roster {name}, {safe_text(info.filename)}", budget)
    except Refused:
        raise
    except Exception as exc:  # zipfile, zlib and expat raise many kinds on a damaged file
        raise Refused(
            f"roster {name} is corrupted ({type(exc).__name__}): save it again from Excel"
        ) from None


def _check_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, budget: list[int]
) -> None:
    if info.file_size > min(MAX_SHEET_BYTES, budget[0]):
        raise Refused(f"{where}: too large ({info.file_size:,} bytes of XML)")
    with archive.open(info) as handle:
        span = _fast_span(_bounded(handle, where, budget))
    if span is None:  # not in the common form: place every cell as calamine would
        with archive.open(info) as handle:
            span = _walked_span(_bounded(handle, where, [MAX_WORKBOOK_BYTES]))
    rows, columns = span
    if rows * columns > MAX_CELLS:
        raise Refused(
            f"{where}: the cells span up to row {rows:,} and column {columns:,}, more than a "
            "roster holds: delete the stray cells far to the right or below, then save again"
        )


def _bounded(handle: IO[bytes], where: str, budget: list[int]) -> Any:
    """The part's bytes in pieces that end after a ``>`` (no tag is cut), within the budget."""
    read, rest = 0, b""
    while chunk := handle.read(_CHUNK):
        read += len(chunk)
        budget[0] -= len(chunk)
        if read > MAX_SHEET_BYTES or budget[0] < 0:
            raise Refused(f"{where}: too large (over {min(read, MAX_SHEET_BYTES):,} bytes)")
        data = rest + chunk
        cut = data.rfind(b">") + 1
        if cut:
            yield data[:cut]
        rest = data[cut:]
    if rest:
        yield rest


def _fast_span(pieces: Any) -> tuple[int, int] | None:
    """Rows and columns of a part in the common form, or ``None`` to walk it instead."""
    rows, columns = 0, 0
    for data in pieces:
        if any(b"c" + name not in _OTHER_C for name in set(_NOT_CANONICAL_CELL.findall(data))):
            return None
        if any(name != b"Breaks" for name in set(_NOT_CANONICAL_ROW.findall(data))):
            return None
        if (b":c" in data or b":row" in data) and _PREFIXED.search(data):
            return None
        row_tags = _ROW.findall(data)
        if b'<c r="' in data:
            columns = max(columns, _NARROW)
        for letters, row in _FAR.findall(data):
            columns, rows = max(columns, _column(letters)), max(rows, int(row))
        for row in row_tags:
            rows = max(rows, int(row))
    return rows, columns


def _walked_span(pieces: Any) -> tuple[int, int]:
    """Rows and columns of any part, each row and cell placed as calamine places it."""
    import xml.parsers.expat

    at = {"row": 0, "column": 0, "rows": 0, "columns": 0}

    def start(tag: str, attributes: dict[str, str]) -> None:
        local = tag.rpartition(":")[2]
        reference = attributes.get("r", "")
        if local == "row":
            at["row"] = int(reference) if reference.isdigit() else at["row"] + 1
            at["column"] = 0
            at["rows"] = max(at["rows"], at["row"])
        elif local == "c":
            found = _REF.fullmatch(reference)
            if found:
                at["column"] = _column(found[1].encode())
                at["rows"] = max(at["rows"], int(found[2]))
            else:
                at["column"] += 1
            at["columns"] = max(at["columns"], at["column"])

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    for data in pieces:
        parser.Parse(data, False)
    parser.Parse(b"", True)
    return max(at["rows"], 1 if at["columns"] else 0), at["columns"]


def _column(letters: bytes) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + letter - 64
    return index
