"""Rows the Graph store adds show the hub's formats, as the local writers' rows do, with no request
that sets a format: the template's first data row carries each column's format (naira, date,
date-and-time), which a table carries down to the rows added below it, and one conditional format
per tab shows a day-level stamp (exactly 00:00) in a date-and-time column as the day alone."""

from __future__ import annotations

import io
import subprocess
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from hub.ports import HubChanges
from hub_schema.tabs import NUMBER_FORMATS, tab
from tests.e2e.test_libreoffice import PROBE, UNO_PYTHON, _libreoffice_ready

TICKETS = [
    {
        "Ticket ID": "TKT-000001",
        "Account ID": "ACC-000001",
        "Division": "Motors",
        "Status": "Resolved",
        "Opened": date(2026, 11, 18),  # logged with a day only
        "Resolved": date(2026, 11, 19),
        "Last Updated": datetime(2026, 11, 19, 10, 5),
        "Quote Amount": 1_250_000,
        "Final Amount": 1_300_000,
    },
    {
        "Ticket ID": "TKT-000002",
        "Account ID": "ACC-000001",
        "Division": "Motors",
        "Status": "Open",
        "Opened": datetime(2026, 11, 20, 9, 15),
        "Last Updated": datetime(2026, 11, 20, 9, 20),
        "Quote Amount": 400_000,
    },
]


def _column(name: str) -> str:
    return get_column_letter(tab("Tickets").column_names.index(name) + 1)


def test_rows_added_through_graph_carry_the_columns_formats(graph_store, fake, hub_item):
    """Both tickets added through Graph show their amounts in naira and their stamps with date and
    time, and the write was one rows/add and no format request."""
    before = fake.count("PATCH")
    graph_store.apply(HubChanges(appends={"Tickets": TICKETS}))
    assert fake.count("PATCH") == before and fake.count("POST", "/tables/Tickets/rows/add") == 1
    sheet = load_workbook(io.BytesIO(graph_store.download()))["Tickets"]
    for row in (2, 3):
        assert sheet[f"{_column('Quote Amount')}{row}"].number_format == NUMBER_FORMATS["money"]
        assert sheet[f"{_column('Last Updated')}{row}"].number_format == NUMBER_FORMATS["datetime"]


def test_the_hub_shows_a_day_level_stamp_as_a_date_whatever_its_cells_format(graph_store):
    """The downloaded hub has one rule over every date-and-time column of Tickets: a value at exactly
    00:00 takes the date format, whatever number format the cell carried down."""
    graph_store.apply(HubChanges(appends={"Tickets": TICKETS}))
    sheet = load_workbook(io.BytesIO(graph_store.download()))["Tickets"]
    datetimes = [c.name for c in tab("Tickets").columns if c.type == "datetime"]
    [rules] = [
        (str(cf.sqref), cf.rules) for cf in sheet.conditional_formatting if _column("Opened") in str(cf.sqref)
    ]
    sqref, [rule] = rules
    assert sorted(r.split(":")[0] for r in sqref.split()) == sorted(f"{_column(n)}2" for n in datetimes)
    assert rule.formula == [f"AND(ISNUMBER({_column(datetimes[0])}2),MOD({_column(datetimes[0])}2,1)=0)"]
    assert rule.dxf.numFmt.formatCode == NUMBER_FORMATS["date"]


@pytest.mark.slow  # starts a real LibreOffice
def test_libreoffice_prints_a_graph_written_day_level_stamp_without_00_00(graph_store, tmp_path):
    """Printed by LibreOffice, the hub downloaded after a Graph write shows the day-level Opened and
    Resolved as the day alone, the timed stamps with their time, and the amounts in naira."""
    if not _libreoffice_ready():
        pytest.skip("LibreOffice with python3-uno is not installed")
    from pypdf import PdfReader

    graph_store.apply(HubChanges(appends={"Tickets": TICKETS}))
    hub = tmp_path / "hub.xlsx"
    hub.write_bytes(graph_store.download())
    pdf = tmp_path / "hub.pdf"
    subprocess.run(
        [UNO_PYTHON, str(PROBE), "--headers", str(hub), str(pdf)],
        capture_output=True,
        timeout=180,
        check=True,
    )
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "2026-11-18" in text and "2026-11-20 09:15" in text and "2026-11-19 10:05" in text
    assert "00:00" not in text and "₦" in text
