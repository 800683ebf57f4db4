"""The local hub file: a real .xlsx that Excel, LibreOffice, openpyxl and calamine all open."""

from __future__ import annotations

import os
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from hub.ports import HubChanges, HubLocked, HubSchemaError, RowUpdate
from hub_schema import LISTS, TABS, tab
from hub_schema.template import build_template
from local.xlsx_store import XlsxHubStore

ALL = [t.name for t in TABS]


def test_every_tab_of_the_template_holds_one_table_named_after_it(hub_path):
    """The blank hub has every schema tab in order plus Lists, each holding one Excel table of the schema's
    columns with the header row frozen."""
    wb = load_workbook(hub_path)
    assert wb.sheetnames == [*ALL, "Lists"]
    for t in TABS:
        ws = wb[t.name]
        assert list(ws.tables) == [t.table_name]
        assert [c.value for c in ws[1]] == list(t.column_names)
        assert ws.freeze_panes == "A2"
    assert list(wb["Lists"].tables) == ["Lists"]


def test_calamine_reads_every_tab_of_the_template(hub_path):
    """The fast reader (calamine) opens the blank hub and reads every tab as empty."""
    book = CalamineWorkbook.from_path(str(hub_path))
    assert book.sheet_names == [*ALL, "Lists"]
    assert XlsxHubStore(hub_path).read_tables(ALL) == {name: [] for name in ALL}


def test_dropdowns_are_fed_from_the_lists_tab(hub_path):
    """The Channel column's dropdown is a list validation fed by a named range on the Lists tab holding the
    form's channels."""
    wb = load_workbook(hub_path)
    ws = wb["Interactions"]
    channel_col = "E"
    dv = next(d for d in ws.data_validations.dataValidation if f"{channel_col}2:" in str(d.sqref))
    assert dv.type == "list" and dv.formula1 == "ListChannels"
    # The name covers the filled cells of the Lists table's Channels column (so it grows with it).
    assert "Lists[Channels]" in wb.defined_names["ListChannels"].attr_text
    lists = wb["Lists"]
    column = next(c.column for c in lists[1] if c.value == "Channels")
    values = [r[0].value for r in lists.iter_rows(min_row=2, min_col=column, max_col=column) if r[0].value]
    assert tuple(values) == LISTS["Channels"]


def test_overdue_open_actions_are_highlighted(hub_path):
    """Open actions past their due date are highlighted by a conditional format on TODAY()."""
    ws = load_workbook(hub_path)["Interactions"]
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    assert any("TODAY()" in r.formula[0] and '"Open"' in r.formula[0] for r in rules)


def test_init_refuses_to_overwrite_a_hub(hub_path):
    """Building the template where a hub already exists raises instead of wiping the hub."""
    with pytest.raises(FileExistsError):
        build_template(hub_path)


def test_appended_rows_extend_the_table_and_read_back_typed(store, hub_path):
    """Appended rows grow the Excel table's range and read back with dates, numbers and text in their
    types."""
    store.apply(
        HubChanges(
            appends={
                "Interactions": [
                    {
                        "Interaction ID": "INT-000001",
                        "Date": datetime(2026, 11, 20, 9, 15),
                        "Account ID": "ACC-000001",
                        "Channel": "Phone",
                        "Notes": "n",
                        "Logged By": "a@b.example",
                        "Division": "Motors",
                        "Action Due Date": date(2026, 11, 25),
                    },
                    {
                        "Interaction ID": "INT-000002",
                        "Date": datetime(2026, 11, 20),
                        "Account ID": "ACC-000001",
                        "Channel": "Email",
                        "Notes": "m",
                        "Logged By": "a@b.example",
                        "Division": "Power",
                    },
                ]
            }
        )
    )
    last_column = get_column_letter(len(tab("Interactions").columns))
    assert load_workbook(hub_path)["Interactions"].tables["Interactions"].ref == f"A1:{last_column}3"
    rows = store.read_tables(["Interactions"])["Interactions"]
    assert [r["Interaction ID"] for r in rows] == ["INT-000001", "INT-000002"]
    assert rows[0]["Date"] == datetime(2026, 11, 20, 9, 15)
    assert rows[0]["Action Due Date"] == date(2026, 11, 25)
    assert rows[1]["Date"] == datetime(2026, 11, 20)


def test_updates_change_only_the_named_cells(store):
    """An update rewrites only the named cells of the keyed row and leaves the other cells and rows as they
    were."""
    store.apply(
        HubChanges(
            appends={
                "Tickets": [
                    {
                        "Ticket ID": "TKT-000001",
                        "Account ID": "ACC-000001",
                        "Division": "Motors",
                        "Status": "Open",
                    },
                    {
                        "Ticket ID": "TKT-000002",
                        "Account ID": "ACC-000002",
                        "Division": "Power",
                        "Status": "Open",
                    },
                ]
            }
        )
    )
    store.apply(HubChanges(updates=[RowUpdate("Tickets", "TKT-000002", {"Status": "Resolved", "CSAT": 5})]))
    rows = store.read_tables(["Tickets"])["Tickets"]
    assert [(r["Status"], r["CSAT"]) for r in rows] == [("Open", None), ("Resolved", 5)]


def test_a_formula_lands_as_text_never_as_a_formula(store, hub_path):
    """Values starting with =, +, - or @ are stored as text cells, so nothing typed on a form ever runs as a
    formula."""
    hostile = ['=HYPERLINK("http://x","y")', "+2348031234567", "-1+1", "@SUM(A1)", "=1+1"]
    store.apply(
        HubChanges(appends={"Audit": [{"Audit ID": f"AUD-{i}", "Reason": v} for i, v in enumerate(hostile)]})
    )
    ws = load_workbook(hub_path)["Audit"]
    cells = [ws.cell(row=r, column=8) for r in range(2, 2 + len(hostile))]
    assert [c.value for c in cells] == hostile
    assert all(c.data_type == "s" for c in cells)
    with zipfile.ZipFile(hub_path) as z:
        sheet_xml = z.read("xl/worksheets/sheet11.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    assert [r["Reason"] for r in store.read_tables(["Audit"])["Audit"]] == hostile


def test_control_characters_in_raw_payloads_are_kept_visible_not_crashing(store):
    """Control characters, which a .xlsx cannot hold, are written as visible escapes instead of failing the
    write."""
    store.apply(
        HubChanges(appends={"Rejected": [{"Rejected ID": "REJ-000001", "Raw Payload": "a\x00b\x1bc"}]})
    )
    assert store.read_tables(["Rejected"])["Rejected"][0]["Raw Payload"] == "a\\x00b\\x1bc"


def test_a_hub_open_in_libreoffice_or_excel_is_locked_and_left_untouched(store, hub_path):
    """While LibreOffice's or Excel's lock file sits beside the hub, a write raises HubLocked and the file's
    bytes do not change."""
    before = hub_path.read_bytes()
    for owner in (f".~lock.{hub_path.name}#", f"~${hub_path.name}"):
        marker = hub_path.parent / owner
        marker.write_text("someone")
        with pytest.raises(HubLocked, match="open in Excel or LibreOffice"):
            store.apply(HubChanges(appends={"Audit": [{"Audit ID": "AUD-1"}]}))
        marker.unlink()
    assert hub_path.read_bytes() == before


def test_a_second_writer_waits_for_the_lock_then_gives_up_cleanly(store, hub_path):
    """A writer that cannot get the hub's lock file within its timeout raises HubLocked naming the other
    writer."""
    from filelock import FileLock

    with FileLock(str(hub_path) + ".lock"), pytest.raises(HubLocked, match="another CX Hub writer"):
        XlsxHubStore(hub_path, lock_timeout=0.2).apply(HubChanges(appends={"Audit": [{"Audit ID": "AUD-1"}]}))


def test_a_hub_missing_a_column_is_reported_by_name(tmp_path):
    """Reading a hub that lacks a schema column raises HubSchemaError naming the missing column."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Accounts"
    wb.active.append(["Account ID", "Company Name"])
    wb.save(tmp_path / "old.xlsx")
    with pytest.raises(HubSchemaError, match=r"lacks column.*Industry"):
        XlsxHubStore(tmp_path / "old.xlsx").read_tables(["Accounts"])


def test_columns_reordered_by_an_admin_are_still_read_by_name(tmp_path):
    """Columns an admin reordered are read by their header names, not their positions."""
    path = build_template(tmp_path / "hub.xlsx")
    wb = load_workbook(path)
    ws = wb["Staff"]
    ws["A1"], ws["B1"] = "Full Name", "Email"
    ws["A2"], ws["B2"] = "Ada Okafor", "ada@mikano.example"
    wb.save(path)
    [row] = XlsxHubStore(path).read_tables(["Staff"])["Staff"]
    assert (row["Email"], row["Full Name"]) == ("ada@mikano.example", "Ada Okafor")


def test_a_temp_file_left_by_a_writer_killed_mid_save_is_removed_at_the_next_save(store, hub_path):
    """`.hub.xlsx.<pid>.tmp` files of dead writers do not pile up beside the hub."""
    leftover = hub_path.parent / f".{hub_path.name}.999999.tmp"
    leftover.write_bytes(b"PK half a workbook")
    store.apply(HubChanges(appends={"Audit": [{"Audit ID": "AUD-000001", "Action": "test"}]}))
    assert not leftover.exists()
    assert [p.name for p in hub_path.parent.glob(f".{hub_path.name}.*.tmp")] == []


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="open files are listed in /proc on Linux")
def test_a_read_of_many_tabs_leaves_the_hub_file_closed(store, hub_path):
    """After a read that parses its tabs two at a time, nothing holds the hub file open (Windows would
    refuse to replace a hub a reader still holds), and the tabs read back in the order asked."""
    store.apply(HubChanges(appends={"Accounts": [{"Account ID": "ACC-000001", "Company Name": "Dangote"}]}))

    def open_on_hub():
        return [p for p in Path("/proc/self/fd").iterdir() if _points_at(p, hub_path)]

    reader = XlsxHubStore(hub_path)
    tables = reader.read_tables(["Staff", "Accounts", "Contacts", "Audit"])
    assert list(tables) == ["Staff", "Accounts", "Contacts", "Audit"]
    assert [r["Company Name"] for r in tables["Accounts"]] == ["Dangote"]
    assert open_on_hub() == []
    assert reader.read_tables(["Accounts"]) == {"Accounts": tables["Accounts"]}


def _points_at(fd: Path, target: Path) -> bool:
    try:
        return Path(os.readlink(fd)) == target.resolve()
    except OSError:
        return False


def test_a_read_is_of_one_file_even_when_another_process_replaces_the_hub_during_it(store, hub_path):
    """Another process saves the hub (write beside it, rename over it) just after a read opened it: every
    tab of that read is of the file the read opened. The tabs are parsed two at a time, each worker
    thread with its own workbook; opened from the path, they read the new file, or some tabs of each."""
    import shutil

    store.apply(
        HubChanges(
            appends={
                "Accounts": [{"Account ID": "ACC-000001", "Company Name": "Alpha Motors"}],
                "Contacts": [{"Contact ID": "CON-000001", "Full Name": "Ada Alpha"}],
            }
        )
    )
    before = hub_path.with_name("before.xlsx")
    shutil.copy(hub_path, before)
    store.apply(
        HubChanges(
            updates=[
                RowUpdate("Accounts", "ACC-000001", {"Company Name": "Beta Motors"}),
                RowUpdate("Contacts", "CON-000001", {"Full Name": "Bola Beta"}),
            ]
        )
    )
    after = hub_path.with_name("after.xlsx")
    shutil.copy(hub_path, after)
    shutil.copy(before, hub_path)

    class SavedOverDuringTheRead(XlsxHubStore):
        def _open_for_reading(self, *args):
            book = super()._open_for_reading(*args)
            if not replaced:  # the other process's save lands as soon as the read has opened the hub
                replaced.append(True)
                shutil.copy(after, hub_path.with_name("other.tmp"))
                os.replace(hub_path.with_name("other.tmp"), hub_path)
            return book

    replaced: list[bool] = []
    tables = SavedOverDuringTheRead(hub_path).read_tables(["Accounts", "Contacts", "Staff", "Audit"])
    names = (tables["Accounts"][0]["Company Name"], tables["Contacts"][0]["Full Name"])
    assert replaced and names == ("Alpha Motors", "Ada Alpha")
    assert XlsxHubStore(hub_path).read_tables(["Accounts"])["Accounts"][0]["Company Name"] == "Beta Motors"
