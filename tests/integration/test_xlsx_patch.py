"""The local hub is written by rewriting only the changed sheets: what Excel, openpyxl, calamine
and LibreOffice see afterwards, on a hub CX Hub built and on one LibreOffice saved."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from hub.ports import HubChanges, RowUpdate
from hub_schema.tabs import NUMBER_FORMATS, tab
from local.xlsx_store import XlsxHubStore

PROBE = Path(__file__).parents[1] / "tools" / "libreoffice_probe.py"
UNO_PYTHON = "/usr/bin/python3"


def ticket(n: int, **values) -> dict:
    return {"Ticket ID": f"TKT-{n:06d}", "Account ID": f"ACC-{n:06d}", "Status": "Open", **values}


def features(path: Path) -> dict:
    """What a steward relies on besides the data: dropdowns, highlights, names, panes, tables."""
    wb = load_workbook(path)
    return {
        "validations": {ws.title: len(ws.data_validations.dataValidation) for ws in wb},
        "conditional": {ws.title: len(ws.conditional_formatting) for ws in wb},
        "names": sorted(wb.defined_names),
        "panes": {ws.title: ws.freeze_panes for ws in wb},
        "tables": {ws.title: sorted(ws.tables) for ws in wb},
    }


def compressed(path: Path, part: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(part)
        assert z.fp is not None
        z.fp.seek(info.header_offset + 26)
        skip = int.from_bytes(z.fp.read(2), "little") + int.from_bytes(z.fp.read(2), "little")
        z.fp.seek(info.header_offset + 30 + skip)
        return z.fp.read(info.compress_size)


def test_a_write_rewrites_only_the_changed_sheets_and_keeps_every_feature(store, hub_path):
    """Appending tickets leaves every other sheet byte for byte, and dropdowns, the overdue
    highlight, the list names and the frozen header rows as they were."""
    before = features(hub_path)
    untouched = compressed(hub_path, "xl/worksheets/sheet3.xml")  # Interactions
    store.apply(HubChanges(appends={"Tickets": [ticket(1), ticket(2)]}))
    assert compressed(hub_path, "xl/worksheets/sheet3.xml") == untouched
    assert features(hub_path) == before
    assert load_workbook(hub_path)["Tickets"].tables["Tickets"].ref.endswith("3")


def test_values_of_every_column_type_read_back_the_same_in_openpyxl_and_calamine(store, hub_path):
    """Dates, datetimes, money, integers, formula-looking and untidy text, then an update that
    changes and clears cells: the same values through both readers, dates with their format."""
    hostile = '=HYPERLINK("http://evil.example","x")'
    store.apply(
        HubChanges(
            appends={
                "Tickets": [
                    ticket(1, Opened=datetime(2026, 11, 20, 9, 15), **{"Quote Amount": 1250000.5}),
                    ticket(2, Category=hostile, CSAT=4, Owner="  Ngozi <&> Eze \x07 "),
                ]
            }
        )
    )
    store.read_tables(["Tickets"])  # the writer reads before it writes: rows are found from that read
    store.apply(
        HubChanges(
            updates=[
                RowUpdate(
                    "Tickets", "TKT-000001", {"Status": "Resolved", "Resolved": datetime(2026, 11, 21, 8)}
                ),
                RowUpdate("Tickets", "TKT-000002", {"CSAT": None, "Status": "Closed"}),
            ]
        )
    )
    rows = {r["Ticket ID"]: r for r in store.read_tables(["Tickets"])["Tickets"]}
    one, two = rows["TKT-000001"], rows["TKT-000002"]
    assert (one["Status"], one["Opened"], one["Resolved"]) == (
        "Resolved",
        datetime(2026, 11, 20, 9, 15),
        datetime(2026, 11, 21, 8, 0),
    )
    assert one["Quote Amount"] == 1250000.5
    assert (two["Category"], two["CSAT"], two["Status"]) == (hostile, None, "Closed")
    assert two["Owner"] == "  Ngozi <&> Eze \\x07 "
    ws = load_workbook(hub_path)["Tickets"]
    header = {c.value: c.column for c in ws[1]}
    assert ws.cell(2, header["Opened"]).number_format.startswith("yyyy-mm-dd")
    assert ws.cell(2, header["Quote Amount"]).number_format == NUMBER_FORMATS["money"]
    category = ws.cell(3, header["Category"])
    assert category.value == hostile and category.data_type == "s" and category.quotePrefix
    sheet = CalamineWorkbook.from_path(str(hub_path)).get_sheet_by_name("Tickets").to_python()
    assert sheet[2][0] == "TKT-000002" and len(sheet) == 3


@pytest.mark.parametrize("path", ["patched", "openpyxl"])
def test_new_rows_show_naira_and_day_only_dates_as_the_column_does(store, hub_path, path):
    """Rows written by either writer show money as naira (blank money cells too, for what staff type
    later) and a day-only interaction date as a date with no 00:00; a timed one keeps its time."""
    if path == "openpyxl":  # a note below a table makes the store write through openpyxl
        wb = load_workbook(hub_path)
        wb["Interactions"]["A40"] = "steward note"
        wb.save(hub_path)
    day_only = {"Interaction ID": "INT-000001", "Date": date(2026, 11, 20), "Account ID": "ACC-000001"}
    timed = {
        "Interaction ID": "INT-000002",
        "Date": datetime(2026, 11, 20, 9, 15),
        "Account ID": "ACC-000001",
    }
    store.apply(
        HubChanges(
            appends={
                "Interactions": [
                    tab("Interactions").blank_row() | day_only,
                    tab("Interactions").blank_row() | timed,
                ],
                "Tickets": [tab("Tickets").blank_row() | ticket(1, **{"Quote Amount": 250000})],
            }
        )
    )
    wb = load_workbook(hub_path)
    formats = {}
    for name, column, row in (
        ("Interactions", "Date", 2),
        ("Interactions", "Date", 3),
        ("Tickets", "Quote Amount", 2),
        ("Tickets", "Final Amount", 2),
    ):
        header = {c.value: c.column for c in wb[name][1]}
        formats[(column, row)] = wb[name].cell(row, header[column]).number_format
    assert formats == {
        ("Date", 2): "yyyy-mm-dd",
        ("Date", 3): "yyyy-mm-dd hh:mm",
        ("Quote Amount", 2): NUMBER_FORMATS["money"],
        ("Final Amount", 2): NUMBER_FORMATS["money"],
    }
    assert "₦" in NUMBER_FORMATS["money"]


def test_a_hub_with_something_below_a_table_is_written_the_slow_safe_way(store, hub_path):
    """A note typed under a table is not overwritten by a blind patch: openpyxl writes instead."""
    wb = load_workbook(hub_path)
    wb["Tickets"]["A10"] = "steward note"
    wb.save(hub_path)
    store.apply(HubChanges(appends={"Tickets": [ticket(1), ticket(2)]}))
    ws = load_workbook(hub_path)["Tickets"]
    assert [ws.cell(r, 1).value for r in (2, 3, 10)] == ["TKT-000001", "TKT-000002", "steward note"]


def _libreoffice() -> bool:
    if not shutil.which("soffice") or not Path(UNO_PYTHON).exists():
        if os.environ.get("CXHUB_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice with python3-uno is required here")
        return False
    return True


@pytest.mark.slow  # LibreOffice opens the hub twice
def test_a_hub_saved_by_libreoffice_is_patched_and_opens_in_libreoffice(tmp_path, hub_path):
    """LibreOffice writes its own XML (escaped format codes, row attributes): the patched file
    still reads back in calamine and openpyxl and opens in LibreOffice with every table."""
    if not _libreoffice():
        pytest.skip("LibreOffice with python3-uno is not installed")
    XlsxHubStore(hub_path).apply(HubChanges(appends={"Tickets": [ticket(1)]}))
    out = tmp_path / "lo"
    subprocess.run(
        [
            "soffice",
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(hub_path),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    saved = out / hub_path.name
    store = XlsxHubStore(saved)
    untouched = compressed(saved, "xl/worksheets/sheet3.xml")
    before = features(saved)
    store.read_tables(["Tickets"])
    store.apply(
        HubChanges(
            appends={"Tickets": [ticket(2, Opened=date(2026, 11, 22))]},
            updates=[RowUpdate("Tickets", "TKT-000001", {"Status": "Resolved", "CSAT": 5})],
        )
    )
    assert compressed(saved, "xl/worksheets/sheet3.xml") == untouched  # the patch path was taken
    assert features(saved) == before
    rows = store.read_tables(["Tickets"])["Tickets"]
    assert [(r["Ticket ID"], r["Status"], r["CSAT"]) for r in rows] == [
        ("TKT-000001", "Resolved", 5),
        ("TKT-000002", "Open", None),
    ]
    probe = subprocess.run(
        [UNO_PYTHON, str(PROBE), str(saved)], capture_output=True, text=True, timeout=180, check=True
    )
    seen = json.loads(probe.stdout)
    assert seen["opened"] and seen["database_ranges"]["Tickets"]["columns"] == len(tab("Tickets").columns)
