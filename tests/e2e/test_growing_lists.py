"""Dropdowns that grow: a value a steward adds to the Lists table appears in the hub's dropdowns,
as LibreOffice evaluates them (no fixed range to widen by hand)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hub_schema import LISTS
from hub_schema.template import build_template
from tests.e2e.test_libreoffice import PROBE, UNO_PYTHON, _libreoffice_ready

pytestmark = pytest.mark.slow  # starts a real LibreOffice


def _add_below(path: Path, list_name: str, value: str) -> None:
    """What a steward does in Excel: type the value under the list's last one (Excel grows the
    table when it is typed just below it; openpyxl needs the table's range set by hand)."""
    wb = load_workbook(path)
    ws = wb["Lists"]
    column = next(c.column for c in ws[1] if c.value == list_name)
    row = 2 + len(LISTS[list_name])
    ws.cell(row=row, column=column, value=value)
    table = ws.tables["Lists"]
    first, last = table.ref.split(":")
    last_row = int("".join(ch for ch in last if ch.isdigit()))
    if row > last_row:
        table.ref = f"{first}:{''.join(ch for ch in last if ch.isalpha())}{row}"
    wb.save(path)


def test_a_value_added_to_the_lists_table_appears_in_the_dropdown(tmp_path):
    """A new branch typed under a short list and a new interaction type typed below the table's last
    row both show in the dropdowns LibreOffice offers, after the shipped values."""
    if not _libreoffice_ready():
        pytest.skip("LibreOffice with python3-uno is not installed")
    hub = build_template(tmp_path / "hub.xlsx")
    _add_below(hub, "Branches", "Lekki")
    longest = max(LISTS, key=lambda name: len(LISTS[name]))
    _add_below(hub, longest, "Walk-around")
    out = subprocess.run(
        [UNO_PYTHON, str(PROBE), str(hub)], capture_output=True, text=True, timeout=180, check=True
    )
    seen = json.loads(out.stdout)
    assert seen["validations"]["Interactions"]["Branch"] == "ListBranches"
    assert seen["lists"]["ListBranches"] == [*LISTS["Branches"], "Lekki"]
    longest_name = "List" + "".join(longest.split())
    assert seen["lists"][longest_name] == [*LISTS[longest], "Walk-around"]
