"""Hostile ERP files, built byte by byte inside the tests (never checked in).

A minimal .xlsx package is five XML parts in a zip; each helper here bends one of them the way an
attacker (or a broken exporter) would: a sheet that declares a giant used range, a part that
inflates a thousand-fold, a cell of megabytes, a link to another workbook, a DTD.
"""

from __future__ import annotations

import io
import struct
import zipfile
from xml.sax.saxutils import escape

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Export" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def column_letters(n: int) -> str:
    """1 -> 'A', 16384 -> 'XFD'."""
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(ref: str, value: object) -> str:
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def rows_xml(rows: list[list[object]], first_row: int = 1) -> str:
    out = []
    for number, values in enumerate(rows, first_row):
        cells = "".join(cell(f"{column_letters(i)}{number}", v) for i, v in enumerate(values, 1))
        out.append(f'<row r="{number}">{cells}</row>')
    return "".join(out)


def sheet(body: str, dimension: str | None = None, head: str = SHEET_HEAD) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{head}{dim}<sheetData>{body}</sheetData></worksheet>".encode()


def package(sheet_xml: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """A .xlsx file: the four fixed parts, the given sheet, and any extra parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        book.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, data in (extra or {}).items():
            book.writestr(name, data)
    return buffer.getvalue()


def understate(data: bytes, part: str, size: int) -> bytes:
    """The package with `part`'s uncompressed size rewritten to `size` in its local header and in
    the central directory: a zip that lies about how big a part is."""
    out = bytearray(data)
    name = part.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = out.find(signature)
        while at != -1:
            if out[at + name_at : at + name_at + len(name)] == name:
                out[at + size_at : at + size_at + 4] = struct.pack("<I", size)
            at = out.find(signature, at + 4)
    return bytes(out)


CUSTOMERS_HEADER = ["Customer Number", "Customer Name", "City"]


def sparse_dimension_bomb(last_row: int = 1_048_576) -> bytes:
    """The 1.5 KB file of the issue: used range A1:XFD<last_row>, one cell in its far corner."""
    corner = f"XFD{last_row}"
    return package(sheet(f'<row r="{last_row}">{cell(corner, 1)}</row>', f"A1:{corner}"))


def deflate_bomb(megabytes: int = 30) -> bytes:
    """A sheet of valid rows padded with megabytes of blanks that deflate a thousand to one."""
    body = rows_xml([CUSTOMERS_HEADER, ["C1", "Acme Motors", "Lagos"]]) + " " * (megabytes * 1024 * 1024)
    return package(sheet(body, "A1:C2"))


def customers_xlsx(rows: list[list[object]]) -> bytes:
    """A well-formed customers export; rows under the header."""
    table = [CUSTOMERS_HEADER, *rows]
    return package(sheet(rows_xml(table), f"A1:{column_letters(len(CUSTOMERS_HEADER))}{len(table)}"))


def with_external_link(data_rows: list[list[object]]) -> bytes:
    table = [CUSTOMERS_HEADER, *data_rows]
    link = (
        '<?xml version="1.0" encoding="UTF-8"?><externalLink '
        'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><externalBook/></externalLink>'
    )
    return package(sheet(rows_xml(table)), {"xl/externalLinks/externalLink1.xml": link.encode()})


def with_dtd() -> bytes:
    """A sheet that declares entities (the 'billion laughs' shape, kept tiny)."""
    head = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    )
    return package(
        sheet(rows_xml([CUSTOMERS_HEADER, ["C1", "&b;", "Lagos"]]).replace("&amp;b;", "&b;"), head=head)
    )
