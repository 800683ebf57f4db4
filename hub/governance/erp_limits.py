"""Bounds an ERP export must keep before anything parses it, and the checks that enforce them.

An .xlsx file is a zip of XML parts; the xlsx reader trusts what they declare (a sheet that says
it spans A1:XFD1048576 makes it allocate every cell of that area, which aborts the process). So the
package is inspected here first with the standard library alone: member sizes and compression
ratios from the zip directory, then the sheet XML streamed with a pull parser that counts rows and
cells as they go by and stops at the first limit crossed. Every message names the limit and the
setting that raises it.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

MB = 1024 * 1024
_CHUNK = 64 * 1024
# Small parts (styles, workbook.xml) compress well and say nothing about a bomb; the ratio limit is
# for members large enough to matter.
RATIO_FLOOR_BYTES = MB
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CELL_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")


class ErpFileError(ValueError):
    """The whole file cannot be read (encoding, no recognisable header, empty, unknown kind)."""


class ErpLimitError(ErpFileError):
    """The file crosses one of the ErpLimits; the message names the limit and its setting."""


@dataclass(frozen=True)
class ErpLimits:
    max_file_mb: float = 50.0  # CXHUB_ERP_MAX_FILE_MB: the file as uploaded or dropped
    max_unzipped_mb: float = 500.0  # CXHUB_ERP_MAX_UNZIPPED_MB: each part inside an .xlsx
    max_ratio: float = 100.0  # CXHUB_ERP_MAX_RATIO: uncompressed / compressed size of a large part
    max_rows: int = 250_000  # CXHUB_ERP_MAX_ROWS: lines of a CSV, rows of a sheet (declared or real)
    max_columns: int = 500  # CXHUB_ERP_MAX_COLUMNS: cells per row (declared or real)
    max_cell_chars: int = 32_767  # CXHUB_ERP_MAX_CELL_CHARS: Excel's own limit for one cell
    parse_memory_mb: int = 2048  # CXHUB_ERP_PARSE_MEMORY_MB: address space of the xlsx reader process
    parse_seconds: int = 600  # CXHUB_ERP_PARSE_SECONDS: time the xlsx reader process may take


DEFAULT_LIMITS = ErpLimits()


def check_size(file_name: str, data: bytes, limits: ErpLimits) -> None:
    if len(data) > limits.max_file_mb * MB:
        raise ErpLimitError(
            f"{file_name} is {len(data) / MB:,.1f} MB; the limit is {limits.max_file_mb:g} MB "
            "(setting CXHUB_ERP_MAX_FILE_MB). Split the export or raise the setting."
        )


def too_many_rows(file_name: str, rows: int, limits: ErpLimits) -> ErpLimitError:
    return ErpLimitError(
        f"{file_name} has more than {limits.max_rows:,} rows (setting CXHUB_ERP_MAX_ROWS). "
        "Split the export or raise the setting."
    )


def too_many_columns(file_name: str, where: str, columns: int, limits: ErpLimits) -> ErpLimitError:
    return ErpLimitError(
        f"{file_name}: {where} has {columns:,} cells; the limit is {limits.max_columns:,} per row "
        "(setting CXHUB_ERP_MAX_COLUMNS)"
    )


def long_cell(length: int, limits: ErpLimits) -> str:
    """The row problem for a cell over the length limit (the row is rejected, the file goes on)."""
    return (
        f"a cell is {length:,} characters long; the limit is {limits.max_cell_chars:,} "
        "(setting CXHUB_ERP_MAX_CELL_CHARS)"
    )


def check_xlsx_package(file_name: str, data: bytes, limits: ErpLimits) -> None:
    """Raises ErpLimitError (or ErpFileError for a damaged package) unless every part is within
    limits; reads no more than max_unzipped_mb of any part to find out."""
    import io

    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        members = book.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ErpFileError(f"{file_name}: not a readable .xlsx workbook ({error})") from None
    with book:
        for info in members:
            _check_member(file_name, info, limits)
        names = {info.filename for info in members}
        links = sorted(n for n in names if n.startswith("xl/externalLinks/"))
        if links:
            raise ErpLimitError(
                f"{file_name} links to {len(links)} other workbook(s); its values may be stale copies "
                "of them. Save the export again with values only (Data > Edit Links > Break Links)."
            )
        sheet = _first_sheet(names)
        if sheet is None:
            raise ErpFileError(f"{file_name}: not a readable .xlsx workbook (no worksheet in it)")
        try:
            with book.open(sheet) as stream:
                _check_sheet(file_name, _bounded(file_name, sheet, stream, limits), limits)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
            raise ErpFileError(f"{file_name}: not a readable .xlsx workbook ({error})") from None


def _check_member(file_name: str, info: zipfile.ZipInfo, limits: ErpLimits) -> None:
    if info.file_size > limits.max_unzipped_mb * MB:
        raise ErpLimitError(
            f"{file_name}: part {info.filename} unpacks to {info.file_size / MB:,.0f} MB; the limit is "
            f"{limits.max_unzipped_mb:g} MB (setting CXHUB_ERP_MAX_UNZIPPED_MB)"
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR_BYTES and ratio > limits.max_ratio:
        raise ErpLimitError(
            f"{file_name}: part {info.filename} is compressed {ratio:,.0f} to 1; the limit is "
            f"{limits.max_ratio:g} to 1 (setting CXHUB_ERP_MAX_RATIO). A real export does not compress "
            "that well; this looks like a zip bomb."
        )


def _first_sheet(names: set[str]) -> str | None:
    """The part the reader opens as the first sheet: sheet1.xml when present, else the lowest."""
    sheets = sorted(
        (n for n in names if re.fullmatch(r"xl/worksheets/sheet[0-9]*\.xml", n)),
        key=lambda n: (len(n), n),
    )
    return sheets[0] if sheets else None


def _bounded(file_name: str, part: str, stream: IO[bytes], limits: ErpLimits) -> Iterator[bytes]:
    """The part's bytes in chunks, stopping at max_unzipped_mb whatever its header declared."""
    budget = int(limits.max_unzipped_mb * MB)
    read = 0
    while chunk := stream.read(_CHUNK):
        read += len(chunk)
        if read > budget:
            raise ErpLimitError(
                f"{file_name}: part {part} unpacks to more than {limits.max_unzipped_mb:g} MB "
                "(setting CXHUB_ERP_MAX_UNZIPPED_MB)"
            )
        yield chunk


def _check_sheet(file_name: str, chunks: Iterator[bytes], limits: ErpLimits) -> None:
    parser = XMLPullParser(events=("start", "end"))
    counter = _SheetCounter(file_name, limits)
    first = True
    try:
        for chunk in chunks:
            if first and b"<!DOCTYPE" in chunk.upper():
                raise ErpLimitError(f"{file_name}: the sheet declares a DTD, which no real export does")
            first = False
            parser.feed(chunk)
            for event in parser.read_events():
                counter.see(*event)  # type: ignore[arg-type]  # start/end events are (str, Element)
        parser.close()
    except ParseError as error:
        raise ErpFileError(f"{file_name}: not a readable .xlsx workbook (sheet XML: {error})") from None


class _SheetCounter:
    """Counts rows and cells as the pull parser passes them, and forgets each finished row."""

    def __init__(self, file_name: str, limits: ErpLimits) -> None:
        self.file_name, self.limits = file_name, limits
        self.rows = 0
        self.cells = 0
        self.row_name = ""
        self.sheet_data: Element | None = None

    def see(self, event: str, element: Element) -> None:
        tag = element.tag
        if event == "start":
            if tag == _MAIN + "row":
                self._start_row(element)
            elif tag == _MAIN + "sheetData":
                self.sheet_data = element
            elif tag == _MAIN + "dimension":
                _check_dimension(self.file_name, element.get("ref") or "", self.limits)
        elif tag == _MAIN + "c":
            self._cell(element)
        elif tag == _MAIN + "row" and self.sheet_data is not None:
            self.sheet_data.clear()  # the rows read so far are done with: memory stays flat

    def _start_row(self, row: Element) -> None:
        limits = self.limits
        self.rows += 1
        self.cells = 0
        if self.rows > limits.max_rows + 1:  # + the header row
            raise too_many_rows(self.file_name, self.rows, limits)
        number = row.get("r")
        self.row_name = number or str(self.rows)
        if number is not None and (not number.isdigit() or int(number) > limits.max_rows + 1):
            raise ErpLimitError(
                f"{self.file_name}: the sheet has a row numbered {number[:20]}; the limit is "
                f"{limits.max_rows:,} rows (setting CXHUB_ERP_MAX_ROWS)"
            )

    def _cell(self, cell: Element) -> None:
        limits = self.limits
        self.cells += 1
        if self.cells > limits.max_columns:
            raise too_many_columns(self.file_name, f"row {self.row_name}", self.cells, limits)
        ref = _CELL_REF.fullmatch((cell.get("r") or "").upper())
        if ref is not None and column_number(ref[1]) > limits.max_columns:
            raise ErpLimitError(
                f"{self.file_name}: row {self.row_name} has a cell in column {ref[1]} "
                f"(column {column_number(ref[1]):,}); the limit is {limits.max_columns:,} columns "
                "(setting CXHUB_ERP_MAX_COLUMNS)"
            )


def _check_dimension(file_name: str, ref: str, limits: ErpLimits) -> None:
    corners = [_CELL_REF.fullmatch(part.strip().upper()) for part in ref.split(":")]
    if not ref or not all(corners):
        return  # no or odd dimension: the real rows and cells are still counted
    last_row = max(int(m[2]) for m in corners if m)
    last_column = max(column_number(m[1]) for m in corners if m)
    if last_row > limits.max_rows + 1:  # + the header row
        raise ErpLimitError(
            f"{file_name}: the sheet declares its data spans {ref} ({last_row:,} rows); the limit is "
            f"{limits.max_rows:,} rows (setting CXHUB_ERP_MAX_ROWS). Save the export again so its "
            "used range holds only the data."
        )
    if last_column > limits.max_columns:
        raise ErpLimitError(
            f"{file_name}: the sheet declares its data spans {ref} ({last_column:,} columns); the "
            f"limit is {limits.max_columns:,} (setting CXHUB_ERP_MAX_COLUMNS). Save the export again "
            "so its used range holds only the data."
        )


def column_number(letters: str) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    n = 0
    for char in letters:
        n = n * 26 + ord(char) - 64
    return n
