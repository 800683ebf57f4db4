"""The ERP export parser: real-world CSV and .xlsx layouts in, canonical rows and per-line errors out."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from hub.governance.erp_parse import ErpFileError, parse_amount, parse_erp_date, parse_export
from hub_schema.erp import FIELD_TYPES, KINDS, load_mappings

MAPPINGS = load_mappings()


def parse(text: str, kind: str = "customers", *, encoding: str = "utf-8", name: str = "export.csv"):
    return parse_export(name, text.encode(encoding), kind, MAPPINGS)


def xlsx(rows: list[list[object]], blank_rows_above: int = 0) -> bytes:
    book = Workbook()
    sheet = book.active
    for _ in range(blank_rows_above):
        sheet.append([])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- layouts ---------------------------------------------------------------------------------


def test_shipped_mappings_have_an_oracle_and_a_words_profile_per_kind():
    """Both shipped profiles load, Oracle first, each naming every field of its kind."""
    for kind in KINDS:
        assert [p.name for p in MAPPINGS[kind]] == ["oracle", "words"]
        assert all(set(p.headers) == set(FIELD_TYPES[kind]) for p in MAPPINGS[kind])


def test_oracle_semicolon_utf8_bom_customers_file():
    """An Oracle customers export: UTF-8 with BOM, ';'-delimited, UPPER_SNAKE headers, CRLF."""
    data = (
        "\ufeffCUSTOMER_NUMBER;CUSTOMER_NAME;CUSTOMER_CLASS_CODE;CITY;STATE;PHONE_NUMBER;EMAIL_ADDRESS\r\n"
        "10023;Dangote Cement Plc;Corporate;Lagos;Lagos;0803 123 4567;ap@dangote.com\r\n"
        '10024;"Ọba Foods; Ltd";SME;Ibadan;Oyo;;\r\n'
    ).encode()
    parsed = parse_export("customers.csv", data, "customers", MAPPINGS)
    assert (parsed.kind, parsed.profile, parsed.errors, parsed.unmapped_headers) == (
        "customers",
        "oracle",
        [],
        [],
    )
    first, second = parsed.rows
    assert first.line == 2
    assert first.values == {
        "erp_customer_id": "10023",
        "company_name": "Dangote Cement Plc",
        "customer_type": "Corporate",
        "industry": None,
        "address": None,
        "city": "Lagos",
        "state": "Lagos",
        "phone": "0803 123 4567",
        "email": "ap@dangote.com",
    }
    assert first.raw == "10023;Dangote Cement Plc;Corporate;Lagos;Lagos;0803 123 4567;ap@dangote.com"
    assert (second.line, second.values["company_name"], second.values["phone"]) == (3, "Ọba Foods; Ltd", None)


def test_word_header_comma_cp1252_invoices_file():
    """A hand-made invoices sheet saved by Excel as Windows-1252 CSV, with 'NGN' amounts."""
    text = (
        "Invoice No,Customer No,Invoice Date,Amount,Sales Rep,Currency\r\n"
        'INV-001,C-9,05/11/2026,"NGN 12,500,000.00",Amélie Okafor,NGN\r\n'
        "INV-002,C-10,6/11/26,NGN 800,Société Générale desk,NGN\r\n"
    )
    parsed = parse(text, "invoices", encoding="cp1252")
    assert parsed.profile == "words"
    assert parsed.errors == []
    assert [r.values for r in parsed.rows] == [
        {
            "invoice_no": "INV-001",
            "erp_customer_id": "C-9",
            "invoice_date": date(2026, 11, 5),
            "amount": 12_500_000.0,
            "salesperson": "Amélie Okafor",
            "division": None,
            "status": None,
            "trx_type": None,
            "currency": "NGN",
        },
        {
            "invoice_no": "INV-002",
            "erp_customer_id": "C-10",
            "invoice_date": date(2026, 11, 6),
            "amount": 800.0,
            "salesperson": "Société Générale desk",
            "division": None,
            "status": None,
            "trx_type": None,
            "currency": "NGN",
        },
    ]


def test_tab_delimited_prices_file():
    """A tab-delimited price list; commas inside amounts do not confuse delimiter detection."""
    text = (
        "ITEM_NUMBER\tDESCRIPTION\tLIST_PRICE\tCURRENCY_CODE\tSTART_DATE_ACTIVE\n"
        "CEM-42\tCement, 42.5R, 50kg\t5,200.00\tNGN\t01-JAN-2026\n"
    )
    parsed = parse(text, "prices")
    assert parsed.profile == "oracle"
    assert parsed.errors == []
    assert parsed.rows[0].values == {
        "item_code": "CEM-42",
        "description": "Cement, 42.5R, 50kg",
        "division": None,
        "unit_price": 5200.0,
        "currency": "NGN",
        "effective_from": date(2026, 1, 1),
    }


def test_utf16_unicode_text_export_is_read():
    """Excel's 'Unicode Text' save (UTF-16 with BOM, tab-delimited) reads like any other CSV."""
    text = "Item Code\tPrice\r\nRB-16\t₦9,800\r\n"
    parsed = parse_export("prices.txt", text.encode("utf-16"), "prices", MAPPINGS)
    assert [(r.values["item_code"], r.values["unit_price"]) for r in parsed.rows] == [("RB-16", 9800.0)]


def test_xlsx_invoices_with_date_cells_numeric_amounts_and_serials():
    """An .xlsx export: real date cells, a serial number in a date column, numbers as numbers."""
    data = xlsx(
        [
            ["TRX_NUMBER", "CUSTOMER_NUMBER", "TRX_DATE", "AMOUNT", "SALESREP_NAME"],
            ["INV-1", 10023, datetime(2026, 11, 5, 10, 30), 1_250_000.5, "Bola"],
            ["INV-2", "C-7", date(2026, 11, 6), "(1,200.00)", None],
            ["INV-3", "C-8", 46_000, 99, "Ade"],
        ],
        blank_rows_above=2,
    )
    parsed = parse_export("invoices.xlsx", data, "invoices", MAPPINGS)
    assert parsed.errors == []
    assert [
        (r.line, r.values["invoice_no"], r.values["invoice_date"], r.values["amount"]) for r in parsed.rows
    ] == [
        (4, "INV-1", date(2026, 11, 5), 1_250_000.5),
        (5, "INV-2", date(2026, 11, 6), -1200.0),
        (6, "INV-3", date(2025, 12, 9), 99.0),
    ]
    assert parsed.rows[0].values["erp_customer_id"] == "10023"  # a numeric id cell keeps no ".0"
    assert parsed.rows[0].raw == "INV-1;10023;2026-11-05 10:30:00;1250000.5;Bola"


def test_xlsx_is_detected_by_its_bytes_not_its_name():
    """A workbook uploaded under a .csv name is still read as a workbook."""
    data = xlsx([["Item Code", "Price"], ["A1", 10]])
    assert parse_export("prices.csv", data, "prices", MAPPINGS).rows[0].values["unit_price"] == 10.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04not really a zip", "not a readable .xlsx workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old-style .xls"),
        (b"", "the file is empty"),
        (b"\r\n \r\n;;;\r\n", "the file is empty"),
    ],
)
def test_unreadable_files_raise_erp_file_error(data: bytes, message: str):
    """Damaged workbooks, old .xls files and empty files are refused as a whole, with a reason."""
    with pytest.raises(ErpFileError, match=message):
        parse_export("x.csv", data, "customers", MAPPINGS)


def test_unknown_kind_is_a_file_error():
    """Asking for a kind the hub does not import is refused before reading."""
    with pytest.raises(ErpFileError, match="unknown kind 'orders'"):
        parse("CUSTOMER_NUMBER,CUSTOMER_NAME\n1,A\n", "orders")


def test_unrecognised_header_names_missing_fields_and_headers_found():
    """A layout no profile fits is refused, naming what the closest profile lacks and what was there."""
    with pytest.raises(ErpFileError) as caught:
        parse("\n\nTRX_NUMBER;CUSTOMER_NUMBER;GL_DATE;REVENUE\nINV-1;C-1;01/01/2026;5\n", "invoices")
    message = str(caught.value)
    assert "export.csv: line 3" in message
    assert "lacks invoice_date, amount" in message
    assert "'GL_DATE', 'REVENUE'" in message


# -- header matching -------------------------------------------------------------------------


def test_headers_match_ignoring_case_spaces_underscores_and_punctuation():
    """'customer-number', ' Customer  Name ' and CUSTOMER_NUMBER are the same header."""
    parsed = parse(" customer-number , Customer  Name ,e-mail\nC1,Acme,a@b.ng\n")
    assert parsed.rows[0].values["erp_customer_id"] == "C1"
    assert parsed.rows[0].values["company_name"] == "Acme"
    assert parsed.rows[0].values["email"] == "a@b.ng"


def test_headers_no_field_claims_are_reported_not_refused():
    """Extra ERP columns are listed in unmapped_headers and otherwise ignored; a repeated header
    says it is a duplicate and which column of that name is read."""
    parsed = parse("CUSTOMER_NUMBER,CUSTOMER_NAME,CREATED_BY,CUSTOMER_NUMBER\nC1,Acme,SYSADMIN,C2\n")
    assert parsed.unmapped_headers == [
        "CREATED_BY",
        "CUSTOMER_NUMBER (duplicate header: column 1 of that name is read)",
    ]
    assert parsed.rows[0].values["erp_customer_id"] == "C1"  # the first of two like-named columns


# -- amounts and dates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,500,000.00", 12_500_000.0),
        ("₦12,500,000", 12_500_000.0),
        ("NGN 12,500,000.00", 12_500_000.0),
        ("N12,500", 12_500.0),
        ("1200", 1200.0),
        ("0.5", 0.5),
        ("(1,200.00)", -1200.0),
        ("1,200.00-", -1200.0),
        ("-1,200", -1200.0),
        ("1200 CR", -1200.0),
        ("1200CR", -1200.0),
        ("1,200 DR", 1200.0),
        ("₦-1,200", -1200.0),
        ("-₦1,200", -1200.0),
        ("NGN (1,200.00)", -1200.0),
        ("  12,500  ", 12_500.0),
        ("0.00-", 0.0),
    ],
)
def test_parse_amount_accepts_erp_formats(text: str, expected: float):
    """Currency marks, thousands commas and the ERP's ways of writing a negative."""
    assert parse_amount(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "12,5x0",
        "1 200,00",
        "1,20",
        "12.500.000",
        "--1,200",
        "(1,200) CR",
        "-(5)",
        "USD 5",
        "1e5",
        "nan",
        "",
        "₦",
    ],
)
def test_parse_amount_refuses_anything_else(text: str):
    """European decimals, doubled signs, other currencies and words are not amounts."""
    with pytest.raises(ValueError, match="is not a number"):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/11/2026", date(2026, 11, 5)),
        ("5/1/2026", date(2026, 1, 5)),
        ("05/11/26", date(2026, 11, 5)),
        ("2026-11-05", date(2026, 11, 5)),
        ("05-NOV-26", date(2026, 11, 5)),
        ("05-NOV-2026", date(2026, 11, 5)),
        ("05-Nov-2026", date(2026, 11, 5)),
        ("5-nov-26", date(2026, 11, 5)),
        ("05-NOV-26 00:00:00", date(2026, 11, 5)),
        ("2026-11-05T10:00:00", date(2026, 11, 5)),
        ("2026-11-05 10:00", date(2026, 11, 5)),
        ("05/11/2026 14:30", date(2026, 11, 5)),
        ("29/02/2028", date(2028, 2, 29)),
    ],
)
def test_parse_erp_date_accepts_day_first_iso_and_oracle_dates(text: str, expected: date):
    """Day first (Nigeria), ISO, Oracle's DD-MON-YY, any of them followed by a time."""
    assert parse_erp_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2026", "is not a real date"),
        ("29/02/2026", "is not a real date"),
        ("05/13/2026", "is not a real date"),
        ("2026-11-05 25:00", "is not a date"),
        ("05-NOVEMBER-26", "is not a date"),
        ("05-XYZ-26", "is not a date"),
        ("Nov 5, 2026", "is not a date"),
        ("46000", "is not a date"),
        ("yesterday", "is not a date"),
    ],
)
def test_parse_erp_date_refuses_impossible_or_unreadable_dates(text: str, message: str):
    """An impossible day or an unknown layout is a ValueError saying which."""
    with pytest.raises(ValueError, match=message):
        parse_erp_date(text)


def test_bad_amount_and_date_become_row_errors_naming_the_field():
    """A value that cannot be read makes its row an error; the rest of the file is still read."""
    text = (
        "Invoice No,Customer No,Invoice Date,Amount\n"
        "INV-1,C-1,31/02/2026,100\n"
        'INV-2,C-1,01/02/2026,"12,5x0"\n'
        "INV-3,C-1,01/02/2026,100\n"
    )
    parsed = parse(text, "invoices")
    assert [(e.line, e.reason) for e in parsed.errors] == [
        (2, "invoice_date '31/02/2026' is not a real date"),
        (3, "amount '12,5x0' is not a number"),
    ]
    assert [r.line for r in parsed.rows] == [4]


# -- text, blanks, cells ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "placeholder", ["-", "--", "N/A", "n/a", "NA", "nil", "NULL", "None", "#N/A", "  -  "]
)
def test_placeholders_become_none(placeholder: str):
    """ERP and spreadsheet stand-ins for 'no value' are read as no value, in any case."""
    parsed = parse(f"CUSTOMER_NUMBER,CUSTOMER_NAME,CITY,PHONE\nC1,Acme,{placeholder},{placeholder}\n")
    assert (parsed.rows[0].values["city"], parsed.rows[0].values["phone"]) == (None, None)


def test_stray_spaces_are_trimmed_and_collapsed():
    """Leading, trailing and doubled spaces (and a quoted line break) collapse to single spaces."""
    parsed = parse('CUSTOMER_NUMBER,CUSTOMER_NAME,ADDRESS1\n  C1  ,  Acme   Ltd ,"12 Marina\n Road"\n')
    values = parsed.rows[0].values
    assert (values["erp_customer_id"], values["company_name"], values["address"]) == (
        "C1",
        "Acme Ltd",
        "12 Marina Road",
    )


def test_blank_and_empty_cell_lines_are_skipped_silently():
    """Blank lines between rows and the trailing ones real exports end with are no rows and no errors."""
    text = "CUSTOMER_NUMBER;CUSTOMER_NAME\r\nC1;Acme\r\n\r\n ; \r\nC2;Beta\r\n;;\r\n\r\n\r\n"
    parsed = parse(text)
    assert [(r.line, r.values["erp_customer_id"]) for r in parsed.rows] == [(2, "C1"), (5, "C2")]
    assert parsed.errors == []


def test_required_field_empty_is_a_missing_error():
    """An empty (or placeholder) required cell is reported as missing, by field name."""
    parsed = parse("Invoice No,Customer No,Invoice Date,Amount\nINV-1,C-1,,N/A\n", "invoices")
    assert [e.reason for e in parsed.errors] == ["invoice_date missing; amount missing"]


def test_duplicate_key_within_a_file_keeps_the_first():
    """A key seen again (case and spaces ignored) makes the later row an error pointing at the first."""
    text = "ITEM_NUMBER,UNIT_PRICE\nCEM-42,100\nRB-16,200\n cem-42 ,300\n"
    parsed = parse(text, "prices")
    assert [r.values["item_code"] for r in parsed.rows] == ["CEM-42", "RB-16"]
    assert [(e.line, e.reason) for e in parsed.errors] == [(4, "duplicate of line 2")]


def test_row_errors_carry_file_physical_line_and_raw_text():
    """Line numbers count physical lines, so a quoted multi-line cell above shifts them as in an editor."""
    text = '\nCUSTOMER_NUMBER,CUSTOMER_NAME,ADDRESS1\nC1,Acme,"Plot 5\nIndustrial Estate\nIkeja"\nC2,,Lekki\n'
    parsed = parse_export("acme-customers.csv", text.encode(), "customers", MAPPINGS)
    assert parsed.rows[0].line == 3
    assert parsed.rows[0].raw == 'C1,Acme,"Plot 5\nIndustrial Estate\nIkeja"'
    (error,) = parsed.errors
    assert (error.file, error.line, error.reason, error.raw) == (
        "acme-customers.csv",
        6,
        "company_name missing",
        "C2,,Lekki",
    )


def test_more_cells_than_headers_is_an_error_unless_the_extra_cells_are_empty():
    """Trailing empty cells are harmless; a filled cell past the header means the row is misaligned."""
    parsed = parse("CUSTOMER_NUMBER,CUSTOMER_NAME\nC1,Acme,,\nC2,Beta,Lagos\n")
    assert [r.values["erp_customer_id"] for r in parsed.rows] == ["C1"]
    assert [(e.line, e.reason) for e in parsed.errors] == [(3, "3 cells, the header has 2")]


def test_fewer_cells_than_headers_leaves_the_rest_blank():
    """A short row is read as if its missing trailing cells were empty."""
    parsed = parse("CUSTOMER_NUMBER,CUSTOMER_NAME,CITY,STATE\nC1,Acme\n")
    assert parsed.errors == []
    assert (parsed.rows[0].values["city"], parsed.rows[0].values["state"]) == (None, None)


# -- admin mappings --------------------------------------------------------------------------


def test_admin_profile_is_tried_before_the_shipped_ones(tmp_path: Path):
    """An admin's own profile wins even when a shipped profile would also fit the file."""
    extra = tmp_path / "acme.toml"
    extra.write_text(
        '[customers.acme]\nerp_customer_id = ["Client Ref", "Customer Number"]\n'
        'company_name = ["Client", "Customer Name"]\ncity = ["Town"]\n'
    )
    mappings = load_mappings(extra)
    assert [p.name for p in mappings["customers"]] == ["acme", "oracle", "words"]
    parsed = parse_export(
        "c.csv", b"Customer Number,Customer Name,Town\nC1,Acme,Aba\n", "customers", mappings
    )
    assert (parsed.profile, parsed.rows[0].values["city"]) == ("acme", "Aba")


def test_admin_profile_with_a_shipped_name_replaces_it(tmp_path: Path):
    """An admin 'oracle' profile for invoices takes the shipped one's place instead of adding a third."""
    extra = tmp_path / "erp.toml"
    extra.write_text(
        '[invoices.oracle]\ninvoice_no = ["DOC_NO"]\nerp_customer_id = ["PARTY"]\n'
        'invoice_date = ["GL_DATE"]\namount = ["REVENUE"]\n'
    )
    profiles = load_mappings(extra)["invoices"]
    assert [p.name for p in profiles] == ["oracle", "words"]
    assert profiles[0].headers["invoice_no"] == ("DOC_NO",)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[customers.acme]\nerp_customer_id = ["Ref"]\ncompany_name = ["Client"]\nfax = ["Fax"]\n',
            r"\[customers.acme\] has unknown field 'fax'",
        ),
        ('[orders.acme]\norder_no = ["Order"]\n', r"unknown kind \[orders\]"),
        (
            '[prices.acme]\nunit_price = ["Price"]\n',
            r"\[prices.acme\] names no header for required field\(s\) item_code",
        ),
        ('[prices.acme]\nitem_code = "SKU"\nunit_price = ["Price"]\n', "must be a non-empty list"),
        ('[prices.acme]\nitem_code = ["SKU"]\nunit_price = ["sku"]\n', "gives header 'sku' to both"),
        ("[prices.acme\n", "not valid TOML"),
    ],
)
def test_bad_admin_mapping_file_is_a_value_error_naming_it(tmp_path: Path, toml: str, message: str):
    """A mistake in an admin's mapping file is refused at load time, naming the file, table and field."""
    extra = tmp_path / "bad-mappings.toml"
    extra.write_text(toml)
    with pytest.raises(ValueError, match=message) as caught:
        load_mappings(extra)
    assert str(extra) in str(caught.value)


def test_a_word_header_file_keeps_columns_only_the_word_profile_knows():
    """'Sales Rep' is a word-profile spelling: the profile that reads the most columns is chosen."""
    data = b"Invoice Number,Customer Number,Invoice Date,Amount,Sales Rep\nINV-1,C1,01/11/2026,100,Ada\n"
    parsed = parse_export("inv.csv", data, "invoices", MAPPINGS)
    assert parsed.profile == "words" and parsed.rows[0].values["salesperson"] == "Ada"
    assert parsed.unmapped_headers == []
