"""Hostile and broken ERP files: each is refused with a message naming the limit and its setting,
or reduced to rejected rows, and never takes the process down (issue 12, findings 1 and 5)."""

from __future__ import annotations

import csv
import io
import random
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.governance.erp_limits import DEFAULT_LIMITS, ErpLimitError, ErpLimits
from hub.governance.erp_parse import ErpFileError, parse_export
from hub_schema.erp import load_mappings
from tests import hostile_files as hf
from tests.strategies import csv_cell_text, csv_delimiters, examples

MAPPINGS = load_mappings()
HEADER = "Customer Number,Customer Name,City\n"


def customers(data: bytes, limits: ErpLimits = DEFAULT_LIMITS, name: str = "customers.xlsx"):
    return parse_export(name, data, "customers", MAPPINGS, limits)


# -- .xlsx bombs -----------------------------------------------------------------------------


def test_the_sparse_dimension_bomb_is_refused_before_the_reader_sees_it():
    """The 1.5 KB file that made the xlsx reader panic: refused, naming CXHUB_ERP_MAX_ROWS."""
    data = hf.sparse_dimension_bomb()
    assert len(data) < 2000
    with pytest.raises(ErpLimitError, match=r"A1:XFD1048576.*CXHUB_ERP_MAX_ROWS"):
        customers(data)


def test_a_sheet_reaching_past_the_column_limit_is_refused():
    """A declared used range wider than the column limit names CXHUB_ERP_MAX_COLUMNS."""
    data = hf.package(hf.sheet(hf.rows_xml([hf.CUSTOMERS_HEADER]), "A1:XFD3"))
    with pytest.raises(ErpLimitError, match="CXHUB_ERP_MAX_COLUMNS"):
        customers(data)


def test_a_far_cell_without_a_dimension_is_refused_by_its_own_address():
    """No <dimension> at all: the far row and cell are caught as the sheet streams by."""
    body = hf.rows_xml([hf.CUSTOMERS_HEADER]) + f'<row r="2">{hf.cell("XFD2", 1)}</row>'
    with pytest.raises(ErpLimitError, match=r"column XFD.*CXHUB_ERP_MAX_COLUMNS"):
        customers(hf.package(hf.sheet(body)))
    far_row = hf.rows_xml([hf.CUSTOMERS_HEADER]) + f'<row r="900000">{hf.cell("A900000", 1)}</row>'
    with pytest.raises(ErpLimitError, match=r"row numbered 900000.*CXHUB_ERP_MAX_ROWS"):
        customers(hf.package(hf.sheet(far_row)))


def test_a_reader_crash_fails_the_file_not_the_process():
    """With the checks raised out of the way, the reader's panic or abort is an ErpFileError here."""
    wide_open = ErpLimits(max_rows=2_000_000, max_columns=20_000)
    with pytest.raises(ErpFileError, match=r"could not be read|not a readable"):
        customers(hf.sparse_dimension_bomb(), wide_open)
    # 1.6 billion cells: the allocation fails and the reader aborts (SIGABRT) in its own process.
    with pytest.raises(ErpLimitError, match="CXHUB_ERP_PARSE_MEMORY_MB"):
        customers(
            hf.sparse_dimension_bomb(100_000),
            ErpLimits(max_rows=200_000, max_columns=20_000, parse_memory_mb=1024),
        )


def test_a_deflate_bomb_is_refused_by_its_ratio_without_unpacking_it():
    """30 MB of sheet in a few KB: refused, naming CXHUB_ERP_MAX_RATIO."""
    data = hf.deflate_bomb(30)
    assert len(data) < 100_000
    with pytest.raises(ErpLimitError, match="CXHUB_ERP_MAX_RATIO"):
        customers(data)


@pytest.mark.slow  # builds a file at the size limit: seconds
def test_a_part_over_the_unzipped_limit_is_refused():
    """A part larger than CXHUB_ERP_MAX_UNZIPPED_MB is refused; the same file passes the default."""
    letters = random.Random(7)
    rows = [[f"C{i}", "".join(letters.choices(string.ascii_letters, k=60)), "Lagos"] for i in range(9_000)]
    data = hf.customers_xlsx(rows)
    with pytest.raises(ErpLimitError, match="CXHUB_ERP_MAX_UNZIPPED_MB"):
        customers(data, ErpLimits(max_unzipped_mb=1))
    assert len(customers(data).rows) == 9_000


def test_a_zip_that_understates_a_part_is_a_file_error_not_a_crash():
    """A part whose headers claim fewer bytes than it holds fails the file cleanly."""
    data = hf.understate(hf.customers_xlsx([["C1", "Acme Motors", "Lagos"]]), "xl/worksheets/sheet1.xml", 100)
    with pytest.raises(ErpFileError, match=r"not a readable \.xlsx"):
        customers(data)


@pytest.mark.slow  # builds a file at the size limit: seconds
def test_a_huge_cell_rejects_its_row_and_the_rest_import():
    """A 4 MB name is one rejected row naming CXHUB_ERP_MAX_CELL_CHARS; the other rows import."""
    # Random letters: a cell of one repeated letter would (rightly) be refused as a deflate bomb.
    name = "".join(random.Random(4).choices(string.ascii_letters, k=4_000_000))
    data = hf.customers_xlsx([["C1", name, "Lagos"], ["C2", "Beta Motors", "Abuja"]])
    parsed = customers(data)
    assert [r.values["company_name"] for r in parsed.rows] == ["Beta Motors"]
    assert [(e.line, "CXHUB_ERP_MAX_CELL_CHARS" in e.reason) for e in parsed.errors] == [(2, True)]
    csv_data = (HEADER + f"C1,{'A' * 100_000},Lagos\nC2,Beta Motors,Abuja\n").encode()
    parsed = customers(csv_data, name="customers.csv")
    assert [r.values["company_name"] for r in parsed.rows] == ["Beta Motors"]
    assert parsed.errors[0].line == 2


def test_a_workbook_linking_to_other_workbooks_is_refused():
    """External links mean values copied from elsewhere, maybe stale: refused with what to do."""
    with pytest.raises(ErpLimitError, match=r"links to 1 other workbook\(s\)"):
        customers(hf.with_external_link([["C1", "Acme Motors", "Lagos"]]))


def test_a_sheet_with_a_dtd_is_refused():
    """Entity declarations (the billion-laughs shape) never reach an XML parser's expansion."""
    with pytest.raises(ErpLimitError, match="DTD"):
        customers(hf.with_dtd())


def test_too_many_rows_or_cells_is_refused_in_both_formats():
    """Real rows over CXHUB_ERP_MAX_ROWS and cells over CXHUB_ERP_MAX_COLUMNS: refused by name."""
    small = ErpLimits(max_rows=3, max_columns=5)
    rows = [[f"C{i}", f"Company {i}", "Lagos"] for i in range(5)]
    with pytest.raises(ErpLimitError, match="CXHUB_ERP_MAX_ROWS"):
        customers(hf.package(hf.sheet(hf.rows_xml([hf.CUSTOMERS_HEADER, *rows]))), small)
    text = HEADER + "".join(",".join(r) + "\n" for r in rows)
    with pytest.raises(ErpLimitError, match="CXHUB_ERP_MAX_ROWS"):
        customers(text.encode(), small, "customers.csv")
    wide = HEADER + "C1,Acme,Lagos" + ",x" * 10 + "\n"
    with pytest.raises(ErpLimitError, match=r"line 2 has 13 cells.*CXHUB_ERP_MAX_COLUMNS"):
        customers(wide.encode(), small, "customers.csv")


def test_a_file_over_the_size_limit_is_refused_before_reading():
    """CXHUB_ERP_MAX_FILE_MB applies to CSV and .xlsx alike."""
    with pytest.raises(ErpLimitError, match="CXHUB_ERP_MAX_FILE_MB"):
        customers((HEADER + "C1,Acme,Lagos\n" * 100_000).encode(), ErpLimits(max_file_mb=1), "c.csv")


def test_an_ordinary_workbook_still_imports():
    """The checks refuse nothing a real export holds: rows, numbers and text come through."""
    parsed = customers(hf.customers_xlsx([["C1", "Acme Motors", "Lagos"], [1002, "Beta", "Abuja"]]))
    assert [(r.line, r.values["erp_customer_id"]) for r in parsed.rows] == [(2, "C1"), (3, "1002")]


# -- CSV: encodings and quotes ---------------------------------------------------------------


def test_one_stray_cp1252_byte_rejects_its_line_not_the_whole_file():
    """UTF-8 names stay intact; the line with the stray byte is rejected with its line and byte."""
    data = (HEADER + "C1,Adébáyọ̀ Motors,Lagos\n").encode() + b"C2,Caf\xe9 Bar,Abuja\n" + b"C3,Zenith,Kano\n"
    parsed = customers(data, name="customers.csv")
    assert [r.values["company_name"] for r in parsed.rows] == ["Adébáyọ̀ Motors", "Zenith"]
    [error] = parsed.errors
    assert error.line == 3 and "byte 0xE9" in error.reason and "column 7 of line 3" in error.reason


def test_a_real_windows_1252_file_still_imports():
    """Every non-ASCII byte invalid UTF-8 the same way: the file is Windows-1252, read as such."""
    data = (HEADER + "C1,Société Générale,Lagos\nC2,Naïra Café,Abuja\n").encode("cp1252")
    parsed = customers(data, name="customers.csv")
    assert [r.values["company_name"] for r in parsed.rows] == ["Société Générale", "Naïra Café"]
    assert parsed.errors == []


def test_a_stray_byte_in_the_header_is_a_file_error_with_its_line():
    """A header that cannot be trusted cannot place any column: the file fails, saying where."""
    data = b"Customer Number,Customer Nam\xe9,City\n" + "C1,Adébáyọ̀ Motors,Lagos\n".encode()
    with pytest.raises(ErpFileError, match=r"line 1 \(the header\): byte 0xE9"):
        customers(data, name="customers.csv")


def test_an_unbalanced_quote_is_an_error_with_its_line_and_the_next_line_still_imports():
    """The quote opened on line 2 does not swallow line 3."""
    data = (HEADER + 'C1,"Acme Motors,Lagos\nC2,Beta Motors,Abuja\nC3,"Gamma",Kano\n').encode()
    parsed = customers(data, name="customers.csv")
    assert [(r.line, r.values["company_name"]) for r in parsed.rows] == [(3, "Beta Motors"), (4, "Gamma")]
    [error] = parsed.errors
    assert error.line == 2 and "quote opened on line 2" in error.reason


def test_a_quote_left_open_at_the_end_of_the_file_is_an_error():
    """The last record's open quote runs to the end of the file: an error, not a name."""
    data = (HEADER + 'C1,Acme,Lagos\nC2,"Beta Motors,Abuja\nmore text\n').encode()
    parsed = customers(data, name="customers.csv")
    assert [r.line for r in parsed.rows] == [2]
    assert parsed.errors[0].line == 3 and "quote" in parsed.errors[0].reason


def test_a_quoted_multi_line_address_is_still_one_record():
    """A line break inside a properly quoted field is data, not an unbalanced quote."""
    data = (
        b"Customer Number,Customer Name,Address,City\n"
        b'C1,Acme,"12 Allen Avenue,\nIkeja, Lagos",Lagos\n'
        b'"C2","Beta, the ""best""",,Abuja\n'
    )
    parsed = customers(data, name="customers.csv")
    assert [(r.line, r.values["company_name"]) for r in parsed.rows] == [(2, "Acme"), (4, 'Beta, the "best"')]
    assert parsed.errors == []


@examples(150)
@given(
    st.lists(st.tuples(csv_cell_text, csv_cell_text, csv_cell_text), min_size=1, max_size=8), csv_delimiters
)
def test_any_properly_quoted_csv_reads_back_every_row(rows, delimiter):
    """Whatever the cells hold (quotes, delimiters, line breaks), a correctly written CSV loses no row
    and no row is taken for an unbalanced quote."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(hf.CUSTOMERS_HEADER)
    ids = [f"C{i}" for i in range(len(rows))]
    writer.writerows([(cid, name, city) for cid, (name, city, _) in zip(ids, rows, strict=True)])
    parsed = customers(out.getvalue().encode(), name="customers.csv")
    quote_errors = [e for e in parsed.errors if "quote" in e.reason]
    assert quote_errors == []
    assert {r.values["erp_customer_id"] for r in parsed.rows} | {e.line for e in parsed.errors} != set()
    assert len(parsed.rows) + len(parsed.errors) == len(rows)


def test_a_quoted_lone_line_break_in_a_row_wider_than_the_header_is_not_an_open_quote():
    """A properly quoted cell holding only a carriage return, in a row with one cell more than the
    header, is one record read at its first line, not an unbalanced quote (a Hypothesis find)."""
    data = (
        b'"Customer Number","Customer Name","City"\r\n'
        b'"C1","Acme","\r","Lagos, Ikeja, Lagos","Lagos"\r\n'
        b'"C2","Beta","Abuja"\r\n'
    )
    parsed = customers(data, name="customers.csv")
    assert [e.reason for e in parsed.errors if "quote" in e.reason] == []
    assert sorted([r.line for r in parsed.rows] + [e.line for e in parsed.errors]) == [2, 4]
