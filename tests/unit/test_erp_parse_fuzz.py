"""Property-based fuzz of the ERP parser: no input crashes it, and no data row is ever lost."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.governance.erp_parse import ErpFileError, ParsedFile, parse_export
from hub.text import clean_text
from hub_schema.erp import load_mappings
from tests.strategies import csv_delimiters, erp_file_tails, erp_rows, examples

MAPPINGS = load_mappings()
HEADER = "TRX_NUMBER;CUSTOMER_NUMBER;TRX_DATE;AMOUNT;SALESREP_NAME\r\n"


def check_accounting(parsed: ParsedFile) -> None:
    """Each line is a row or an error, once; errors name the file and say why."""
    row_lines = [r.line for r in parsed.rows]
    error_lines = [e.line for e in parsed.errors]
    assert len(set(row_lines)) == len(row_lines)
    assert len(set(error_lines)) == len(error_lines)
    assert not set(row_lines) & set(error_lines)
    assert all(e.file == parsed.file and e.reason for e in parsed.errors)


def physical_lines(text: str) -> list[str]:
    """Lines as an editor counts them: ended by CRLF, CR or LF."""
    return io.StringIO(text, newline="").readlines()


@examples(200)
@given(tail=erp_file_tails)
def test_arbitrary_bytes_after_a_valid_header_never_crash_nor_lose_a_line(tail: bytes):
    """Whatever follows a recognised header, the file is parsed (a file-level ErpFileError is only
    for an unreadable or unrecognised header), and every visible line is reported as a row or an error.
    """
    data = HEADER.encode() + tail
    parsed = parse_export("fuzz.csv", data, "invoices", MAPPINGS)
    check_accounting(parsed)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    covered: set[int] = set()
    for item in [*parsed.rows, *parsed.errors]:
        span = range(item.line, item.line + max(1, len(physical_lines(item.raw))))
        assert not covered & set(span), "two reported records claim the same line"
        covered |= set(span)
    # A line with anything but delimiters, quotes, spaces or control characters holds a non-blank cell.
    visible = {
        n for n, line in enumerate(physical_lines(text), 1) if clean_text(re.sub(r'[",;\t]', "", line))
    }
    assert visible - {1} <= covered


@examples(200)
@given(tail=st.binary(max_size=200))
def test_arbitrary_bytes_behind_the_xlsx_magic_are_a_file_error(tail: bytes):
    """A damaged workbook is refused as a whole with ErpFileError, never with calamine's own exceptions."""
    with pytest.raises(ErpFileError, match=r"^fuzz\.xlsx: not a readable \.xlsx workbook"):
        parse_export("fuzz.xlsx", b"PK\x03\x04" + tail, "invoices", MAPPINGS)


@examples(200)
@given(rows=erp_rows, delimiter=csv_delimiters)
def test_every_data_row_is_either_a_row_or_an_error(rows: list[list[str]], delimiter: str):
    """Arbitrary cells written as proper CSV: each non-blank record is reported once, at its first line."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(HEADER.rstrip("\r\n").split(";"))
    expected = []
    for row in rows:
        line = len(physical_lines(out.getvalue())) + 1
        writer.writerow(row)
        if any(clean_text(cell) for cell in row):
            expected.append(line)
    parsed = parse_export("fuzz.csv", out.getvalue().encode(), "invoices", MAPPINGS)
    check_accounting(parsed)
    assert sorted([r.line for r in parsed.rows] + [e.line for e in parsed.errors]) == expected


@examples(200)
@given(data=st.binary(max_size=300) | erp_file_tails)
def test_a_file_without_a_usable_header_is_refused_as_a_whole_saying_why(data: bytes):
    """Bytes with no invoices header are refused with an ErpFileError naming the file and one of the
    documented reasons (empty, unreadable or unrecognised header); whatever parses accounts for every line.
    """
    try:
        parsed = parse_export("fuzz.csv", data, "invoices", MAPPINGS)
    except ErpFileError as error:
        assert re.match(
            r"fuzz\.csv(: the file is empty|: line \d+ \(the header\): "
            r"|: line \d+ is not a invoices header I recognise"
            r"| is an old-style \.xls workbook|: not a readable \.xlsx workbook)",
            str(error),
        ), str(error)
    else:
        check_accounting(parsed)
