"""The machine-written tabs are protected sheets, and the local writers still write into them: the
lock is Excel's UI lock, the open columns stay unlocked on every row written."""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import load_workbook

from hub.ports import HubChanges, RowUpdate
from hub_schema.tabs import LISTS_TAB_NAME, OPEN_COLUMNS, PROTECTED_TABS, TABS, tab

AT = datetime(2026, 11, 30, 9, 0)


def rejected(n: int) -> dict:
    """A whole row, as hub.tables.Table.add gives the writers (every column, blanks as None)."""
    return tab("Rejected").blank_row() | {
        "Rejected ID": f"REJ-{n:06d}",
        "Received At": AT,
        "Errors": "channel: required",
        "Resolved": "No",
    }


def audit(n: int) -> dict:
    return {"Audit ID": f"AUD-{n:06d}", "At": AT, "Actor": "CX Hub writer", "Action": "test", "Record": "X"}


def test_the_template_protects_exactly_the_machine_written_tabs(hub_path):
    """The seven machine-written tabs are protected sheets, without a password; tabs staff edit are not."""
    wb = load_workbook(hub_path)
    protected = {ws.title for ws in wb if ws.protection.sheet}
    assert protected == {"Audit", "Deals", "Price List", "Health", "Dashboard", LISTS_TAB_NAME, "Rejected"}
    assert set(PROTECTED_TABS) == protected
    assert all(not wb[t.name].protection.password for t in TABS)  # Graph can only unprotect without one


@pytest.mark.parametrize("way", ["patched", "openpyxl"])
def test_the_local_writer_writes_into_protected_sheets_and_keeps_them_protected(store, hub_path, way):
    """Rows appended to Rejected and Audit and an update of Resolved land on the protected sheets, which
    stay protected, with Resolved / Resolved By unlocked on every row and the rest locked."""
    if way == "openpyxl":  # a note under a table makes the writer take the openpyxl path
        wb = load_workbook(hub_path)
        wb["Rejected"]["A40"] = "steward note"
        wb.save(hub_path)
    store.apply(
        HubChanges(appends={"Rejected": [rejected(1), rejected(2), rejected(3)], "Audit": [audit(1)]})
    )
    store.apply(HubChanges(appends={"Rejected": [rejected(4)]}))
    store.apply(HubChanges(updates=[RowUpdate("Rejected", "REJ-000002", {"Resolved": "Yes"})]))
    wb = load_workbook(hub_path)
    ws = wb["Rejected"]
    assert ws.protection.sheet and wb["Audit"].protection.sheet
    assert [ws.cell(r, 1).value for r in range(2, 6)] == [f"REJ-{n:06d}" for n in range(1, 5)]
    assert wb["Audit"]["A2"].value == "AUD-000001"
    header = [c.value for c in ws[1]]
    resolved = header.index("Resolved") + 1
    assert [ws.cell(r, resolved).value for r in range(2, 6)] == ["No", "Yes", "No", "No"]
    for r in range(2, 6):
        unlocked = {header[c - 1] for c in range(1, len(header) + 1) if not ws.cell(r, c).protection.locked}
        assert unlocked == set(OPEN_COLUMNS["Rejected"]), r
