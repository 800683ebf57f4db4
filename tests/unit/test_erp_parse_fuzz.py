"""Property-based fuzz of the ERP parser: no input crashes it, and no data row is ever lost."""

from __future__ import annotations

import contextlib
import csv
import io
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.governance.erp_parse import ErpFileError, ParsedFile, parse_export
from hub.text import clean_text
from hub_schema.erp import load_mappings

MAPPINGS = load_mappings()
HEADER = "TRX_NUMBER;CUSTOMER_NUMBER;TRX_DATE;AMOUNT;SALESREP_NAME\r\n"
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

tricky_cells = st.sampled_from(
    [
        "",
        " ",
        "-",
        "N/A",
        "#N/A",
        "INV-1",
        "inv-1 ",
        "C-1",
        "05-NOV-26",
        "31/02/2026",
        "2026-11-05T10:00:00",
        "(1,200.00)",
        "1200 CR",
        "₦12,500,000",
        "12,5x0",
        "1e999",
        "9" * 400,
        '"',
        ";",
        "\n",
        "\r\n",
        "\x00",
        "\ufeff",
        "=HYPERLINK(1)",
    ]
)
cells = tricky_cells | st.text(max_size=15)


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


@FAST
@given(tail=st.binary(max_size=400) | st.lists(tricky_cells, max_size=30).map(lambda c: "".join(c).encode()))
def test_arbitrary_bytes_after_a_valid_header_never_crash_nor_lose_a_line(tail: bytes):
    """Whatever follows the header: a ParsedFile or an ErpFileError, and every visible line is reported."""
    data = HEADER.encode() + tail
    try:
        parsed = parse_export("fuzz.csv", data, "invoices", MAPPINGS)
    except ErpFileError:
        return
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


@FAST
@given(tail=st.binary(max_size=200))
def test_arbitrary_bytes_behind_the_xlsx_magic_are_a_file_error(tail: bytes):
    """A damaged workbook is refused as a whole, never with calamine's own exceptions."""
    with contextlib.suppress(ErpFileError):
        parse_export("fuzz.xlsx", b"PK\x03\x04" + tail, "invoices", MAPPINGS)


@FAST
@given(rows=st.lists(st.lists(cells, max_size=7), max_size=8), delimiter=st.sampled_from(",;\t"))
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
