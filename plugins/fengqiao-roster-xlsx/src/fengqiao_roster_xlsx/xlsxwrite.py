"""A minimal, deterministic ``.xlsx`` writer 表格生成 for sample rosters and test workbooks.

The same sheets always give the same bytes (fixed zip timestamps, no creation date), so a
generated sample workbook can be committed and regenerated. Rows are sparse (written under
their own row numbers, so a sheet can end at row 1,048,576 without a million rows), cells are
text, numbers, ``None`` or :class:`Formula`, and ranges like ``"A1:H1"`` can be merged.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from attrs import field, frozen

__all__ = ["Formula", "SheetData", "write_workbook"]

_STAMP = (2026, 1, 1, 0, 0, 0)
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@frozen
class Formula:
    """A formula cell 公式, with or without the value Excel saved for it."""

    text: str
    cached: str | int | float | None = None


Cell = str | int | float | Formula | None


@frozen
class SheetData:
    """One sheet 工作表: its name, rows by 1-based row number, and merged ranges."""

    name: str
    rows: Mapping[int, Sequence[Cell]]
    merged: tuple[str, ...] = field(default=())


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _clean(text: str) -> str:
    return escape("".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20))


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _cell(ref: str, value: Cell) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Formula):
        cached = "" if value.cached is None else f"<v>{_clean(str(value.cached))}</v>"
        return f'<c r="{ref}"><f>{_clean(value.text)}</f>{cached}</c>'
    if isinstance(value, bool | int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_clean(value)}</t></is></c>'


def _sheet_xml(sheet: SheetData) -> str:
    rows = []
    for number in sorted(sheet.rows):
        cells = "".join(_cell(f"{_letter(i)}{number}", v) for i, v in enumerate(sheet.rows[number]))
        rows.append(f'<row r="{number}">{cells}</row>')
    merged = "".join(f'<mergeCell ref="{ref}"/>' for ref in sheet.merged)
    merges = f'<mergeCells count="{len(sheet.merged)}">{merged}</mergeCells>' if merged else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_NS}">'
        f"<sheetData>{''.join(rows)}</sheetData>{merges}</worksheet>"
    )


def write_workbook(path: Path, sheets: Sequence[SheetData]) -> None:
    """Write ``sheets`` as an ``.xlsx`` workbook at ``path`` (same input, same bytes)."""
    entries = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                f'ContentType="{_CT}.worksheet+xml"/>'
                for i in range(1, len(sheets) + 1)
            )
            + "</Types>"
        ),
        "_rels/.rels": (
            _XML + f'<Relationships xmlns="{_PKG}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            _XML + f'<workbook xmlns="{_NS}" '
            f'xmlns:r="{_REL}"><sheets>'
            + "".join(
                f'<sheet name="{_attr(s.name)}" sheetId="{i}" r:id="rId{i}"/>'
                for i, s in enumerate(sheets, start=1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            _XML
            + f'<Relationships xmlns="{_PKG}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(sheets) + 1)
            )
            + "</Relationships>"
        ),
    }
    for i, sheet in enumerate(sheets, start=1):
        entries[f"xl/worksheets/sheet{i}.xml"] = _sheet_xml(sheet)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            info = zipfile.ZipInfo(name, _STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
