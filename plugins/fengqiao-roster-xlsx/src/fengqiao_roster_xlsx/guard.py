"""What a workbook must pass before calamine opens it 文件检查: a regular file, sheets of sane size.

calamine turns each sheet into one dense grid sized by the span of its cells, and it reads each
sheet's XML whole. A 1.5 KB file with one cell at ``A1`` and one at ``XFD1048576`` would make it
ask for half a terabyte (the process aborts, no exception to catch), and a few megabytes of
zipped whitespace expand to gigabytes. So before calamine sees a workbook, every worksheet's XML
is streamed once — its uncompressed size bounded as it is read, whatever the zip directory
claims — and the span of its cell references measured: rows × columns at most
:data:`MAX_CELLS`. A named pipe or a device is refused before it is opened (it would block).
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path

from fengqiao_roster_xlsx.safe import safe_text

__all__ = ["MAX_CELLS", "MAX_SHEET_BYTES", "Refused", "check_regular_file", "check_workbook"]

MAX_CELLS = 1 << 24
"""Rows × columns a sheet may span: a full 1,048,576-row sheet of 16 columns."""
MAX_SHEET_BYTES = 1 << 30
"""Uncompressed XML a sheet may hold (a full 1,048,576-row roster of 8 columns is ≈ 560 MB)."""


class Refused(Exception):
    """Why a file is not opened (the reader raises it again as its ``RosterError``)."""


_CHUNK = 1 << 22
_NARROW = 16
"""Columns assumed for cells in ``A``-``P`` (found without reading every cell reference)."""
# Only the rare references are collected one by one: columns past P, rows past 999,999.
_WIDE = re.compile(rb'<c r="([Q-Z]|[A-Z]{2,3})([0-9]{1,9})"')
_TALL = re.compile(rb'<c r="[A-P]([0-9]{7,9})"')
_ROW = re.compile(rb'<row r="([0-9]{1,9})"')


def check_regular_file(path: Path) -> None:
    """Refuse anything but a regular file (a pipe or a device would block or never end)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise Refused(f"cannot read roster {safe_text(path.name)}: {type(exc).__name__}") from None
    if not stat.S_ISREG(mode):
        raise Refused(f"roster {safe_text(path.name)} is not a regular file")


def check_workbook(path: Path) -> None:
    """Refuse a workbook one of whose sheets is too large or spans too many cells.

    Raises:
        Refused: Naming the sheet's file inside the workbook and what is wrong.
    """
    name = safe_text(path.name)
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                inner = info.filename
                if inner.startswith("xl/worksheets/") and inner.endswith(".xml"):
                    _check_sheet(archive, info, name)
    except Refused:
        raise
    except Exception as exc:  # zipfile and zlib raise many kinds on a damaged file
        raise Refused(
            f"roster {name} is corrupted ({type(exc).__name__}): save it again from Excel"
        ) from None


def _check_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    where = f"roster {name}, {safe_text(info.filename)}"
    if info.file_size > MAX_SHEET_BYTES:
        raise Refused(f"{where}: the sheet is too large ({info.file_size:,} bytes of XML)")
    read, widest, last_row, tail = 0, _NARROW, 0, b""
    with archive.open(info) as handle:
        while chunk := handle.read(_CHUNK):
            read += len(chunk)
            if read > MAX_SHEET_BYTES:
                raise Refused(f"{where}: the sheet is too large (over {MAX_SHEET_BYTES:,} bytes)")
            data = tail + chunk
            for letters, row in set(_WIDE.findall(data)):
                widest, last_row = max(widest, _column(letters)), max(last_row, int(row))
            rows = [*_ROW.findall(data), *_TALL.findall(data)]
            if rows:
                last_row = max(last_row, *map(int, rows))
            tail = data[-32:]
    if widest * last_row > MAX_CELLS:
        raise Refused(
            f"{where}: the cells span up to row {last_row:,} and column {widest:,}, more than a "
            "roster holds: delete the stray cells far to the right or below, then save again"
        )


def _column(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index
