"""GeoReport v2 documents 文档: JSON and XML out, JSON and XML in (safely).

Out: lists of rows become a JSON array or schemaless XML (``<services><service>…``) with the
XML declaration, as the specification shows. In: a service-request document is JSON (an
array, or ``{"crs": "gcj02", "service_requests": [...]}``) or XML (``<service_requests
crs="gcj02">``); XML is parsed with defusedxml, so a DTD, an entity or an external reference
is refused (no XXE, no entity expansion). The specification's own JSON examples write codes as
``001`` — not valid JSON; such leading-zero numbers are read as the text they stand for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException

from fengqiao_core.errors import ValidationError

__all__ = ["Document", "encode", "error_rows", "parse_document", "read_json"]

_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}
_DIGITS = frozenset("0123456789")


def encode(root: str, body: Any, fmt: str) -> bytes:
    """Encode a response: ``body`` is a list of rows (or one mapping) under ``root``."""
    if fmt == "json":
        return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")
    element = Element(root)
    _fill(element, root, body)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(
        element, encoding="unicode"
    ).encode("utf-8")


def _fill(element: Element, name: str, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(SubElement(element, key), key, item)
    elif isinstance(value, list | tuple):
        for item in value:
            _fill(SubElement(element, _ITEM.get(name, "item")), _ITEM.get(name, "item"), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def error_rows(problems: Iterable[tuple[int, str]]) -> list[dict[str, Any]]:
    """The specification's error rows: ``code`` and ``description`` each."""
    return [{"code": code, "description": text} for code, text in problems]


class Document:
    """A parsed service-request document 服务请求文档: its rows and declared coordinate system.

    Attributes:
        rows: One mapping per request (or a non-mapping where the document has one).
        crs: ``"gcj02"`` or ``"wgs84"`` when the document says so, else ``None``.
    """

    def __init__(self, rows: list[Any], crs: str | None) -> None:
        self.rows = rows
        self.crs = crs


def parse_document(data: bytes) -> Document:
    """Parse a GeoReport v2 service-request document (JSON or XML, detected).

    Raises:
        ValidationError: ``document``: not UTF-8, not valid JSON or XML, an XML DTD or entity,
            or not a list of requests.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("document", f"not UTF-8 (bad byte at offset {exc.start})") from None
    if text.lstrip().startswith("<"):
        return _parse_xml(data)
    parsed = read_json(text)
    crs = None
    if isinstance(parsed, dict):
        crs = parsed.get("crs")
        parsed = parsed.get("service_requests")
    if not isinstance(parsed, list):
        raise ValidationError("document", "expected a list of service requests")
    if crs is not None and not isinstance(crs, str):
        raise ValidationError("document.crs", "expected wgs84 or gcj02")
    return Document(parsed, crs)


def read_json(text: str) -> Any:
    """Read GeoReport JSON: strict JSON, but ``001``-style codes are read as text.

    Raises:
        ValidationError: ``document``: invalid JSON (the line and column are named).
    """
    try:
        return json.loads(_quote_leading_zeros(text), parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            "document", f"invalid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
        ) from None
    except (RecursionError, ValueError):
        raise ValidationError(
            "document", "invalid JSON: nested too deeply or a bad number"
        ) from None


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _parse_xml(data: bytes) -> Document:
    try:
        root = SafeTree.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException:
        raise ValidationError("document", "XML with a DTD or entities is refused") from None
    except SafeTree.ParseError as exc:
        raise ValidationError("document", f"invalid XML ({exc.msg})") from None
    if root.tag != "service_requests":
        raise ValidationError("document", "expected a <service_requests> root element")
    rows: list[Any] = []
    for request in root:
        if request.tag != "request":
            rows.append(None)
            continue
        rows.append({child.tag: (child.text or "").strip() or None for child in request})
    return Document(rows, root.get("crs"))


def _quote_leading_zeros(text: str) -> str:
    """Quote numbers written with leading zeros (``006``) outside strings: they are codes."""
    out: list[str] = []
    i, n, in_string = 0, len(text), False
    while i < n:
        char = text[i]
        if in_string:
            out.append(char)
            if char == "\\":
                out.append(text[i + 1 : i + 2])
                i += 1
            elif char == '"':
                in_string = False
            i += 1
            continue
        if char == '"':
            in_string = True
        elif char == "0" and i + 1 < n and text[i + 1] in _DIGITS and not _in_number(text, i):
            end = i
            while end < n and text[end] in _DIGITS:
                end += 1
            out.append(f'"{text[i:end]}"')
            i = end
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _in_number(text: str, i: int) -> bool:
    return i > 0 and (text[i - 1] in _DIGITS or text[i - 1] in ".eE+-")
