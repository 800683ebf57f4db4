"""The Graph HubStore against the fake Graph over real HTTPS, through msal and msgraph-sdk."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from hub.ports import HubChanges, HubLocked, RowUpdate
from hub_schema.tabs import tab
from tests.fakegraph import Fault

INTERACTION = {
    "Interaction ID": "INT-000001",
    "Date": datetime(2026, 11, 20, 9, 15),
    "Account ID": "ACC-000001",
    "Channel": "Phone",
    "Notes": '=HYPERLINK("http://x","y")',
    "Logged By": "ada@mikano.example",
    "Division": "Motors",
    "Action Due Date": date(2026, 11, 25),
    "Source Response ID": "r-1",
}


def test_appended_rows_read_back_fresh_and_from_the_file(graph_store, fake, hub_item):
    """Rows appended through Graph read back typed both from the live workbook session and from the downloaded
    file, identically."""
    graph_store.apply(HubChanges(appends={"Interactions": [INTERACTION]}))
    fresh = graph_store.read_tables(["Interactions"], fresh=True)["Interactions"]
    assert fresh[0]["Date"] == datetime(2026, 11, 20, 9, 15)
    assert fresh[0]["Action Due Date"] == date(2026, 11, 25)
    assert fresh[0]["Notes"] == '=HYPERLINK("http://x","y")'
    from_file = graph_store.read_tables(["Interactions"])["Interactions"]
    assert from_file == fresh


def test_text_that_looks_like_a_formula_or_number_is_stored_as_text(graph_store, fake, hub_item):
    """Text that Excel would turn into a formula or a number (@Evil, +234...) is stored through Graph as the
    text typed."""
    graph_store.apply(
        HubChanges(
            appends={
                "Contacts": [
                    {
                        "Contact ID": "CON-000001",
                        "Full Name": "@Evil",
                        "Mobile Number": "+2348031234567",
                        "Associated Account ID": "ACC-000001",
                        "Status": "Active",
                    },
                ]
            }
        )
    )
    ws = fake.workbook(hub_item)["Contacts"]
    assert ws["B2"].value == "@Evil" and ws["B2"].data_type == "s"
    assert ws["E2"].value == "+2348031234567" and ws["E2"].data_type == "s"
    rows = [r.body for r in fake.requests if r.path.endswith("/rows/add")]
    assert rows[0]["values"][0][1] == "'@Evil"  # the quote prefix Excel uses for literal text


def test_one_rows_add_per_table_per_batch_in_one_session(graph_store, fake):
    """A 300-row batch costs one rows/add per table inside one workbook session, staying within Graph's
    throttling limits."""
    rows = [
        dict(INTERACTION, **{"Interaction ID": f"INT-{i:06d}", "Source Response ID": f"r-{i}"})
        for i in range(1, 301)
    ]
    graph_store.apply(HubChanges(appends={"Interactions": rows, "Audit": [{"Audit ID": "AUD-000001"}]}))
    assert fake.count("POST", r"/tables/Interactions/rows/add$") == 1
    assert fake.count("POST", r"/tables/Audit/rows/add$") == 1
    assert fake.count("POST", r"/createSession$") == 1
    session_ids = {r.path for r in fake.requests if "rows/add" in r.path}
    assert len(session_ids) == 2


def test_interactions_are_written_after_the_tables_they_point_at(graph_store, fake):
    """Accounts and contacts are written before the interactions that reference them, so a half-failed batch
    never leaves dangling IDs."""
    graph_store.apply(
        HubChanges(
            appends={
                "Interactions": [INTERACTION],
                "Accounts": [
                    {
                        "Account ID": "ACC-000001",
                        "Company Name": "Dangote",
                        "Account Type": "Company",
                        "Status": "Active",
                    }
                ],
            }
        )
    )
    adds = [r.path.split("/tables/")[1].split("/")[0] for r in fake.requests if r.path.endswith("rows/add")]
    assert adds == ["Accounts", "Interactions"]


def test_updates_patch_only_the_cells_that_change(graph_store, fake, hub_item):
    """An update PATCHes only the changed cells of the keyed rows; rows in between are left untouched."""
    tickets = [
        {"Ticket ID": f"TKT-{i:06d}", "Account ID": "ACC-000001", "Division": "Motors", "Status": "Open"}
        for i in range(1, 6)
    ]
    graph_store.apply(HubChanges(appends={"Tickets": tickets}))
    graph_store.read_tables(["Tickets"], fresh=True)
    graph_store.apply(
        HubChanges(
            updates=[
                RowUpdate("Tickets", "TKT-000002", {"Status": "Resolved"}),
                RowUpdate("Tickets", "TKT-000004", {"CSAT": 5, "Status": "Closed"}),
            ]
        )
    )
    [patch] = [r for r in fake.requests if r.method == "PATCH"]
    names = tab("Tickets").column_names
    first, last = names.index("Status") + 1, names.index("CSAT") + 1  # the changed columns' span
    assert f"range(address='{get_column_letter(first)}3:{get_column_letter(last)}5')" in patch.path
    assert patch.body["values"][1] == [None] * (last - first + 1)  # the row between is left untouched
    rows = graph_store.read_tables(["Tickets"], fresh=True)["Tickets"]
    assert [(r["Status"], r["CSAT"]) for r in rows] == [
        ("Open", None),
        ("Resolved", None),
        ("Open", None),
        ("Closed", 5),
        ("Open", None),
    ]


def test_a_throttled_call_waits_retry_after_and_succeeds(graph_store, fake, waits):
    """A 429 is retried after exactly the Retry-After seconds Graph asked for, and the row is written once."""
    fake.faults.append(Fault("429", method="POST", path="rows/add", times=2, retry_after=3))
    graph_store.apply(HubChanges(appends={"Interactions": [INTERACTION]}))
    assert waits == [3.0, 3.0]
    assert len(graph_store.read_tables(["Interactions"], fresh=True)["Interactions"]) == 1


def test_a_504_after_writing_does_not_duplicate_rows(graph_store, fake):
    """When Graph times out after it wrote the rows, the store checks, finds them and does not post them
    again."""
    fake.faults.append(Fault("504_after", method="POST", path="Interactions/rows/add", times=1))
    rows = [dict(INTERACTION, **{"Interaction ID": f"INT-{i:06d}"}) for i in range(1, 4)]
    graph_store.apply(HubChanges(appends={"Interactions": rows}))
    ids = [r["Interaction ID"] for r in graph_store.read_tables(["Interactions"], fresh=True)["Interactions"]]
    assert ids == ["INT-000001", "INT-000002", "INT-000003"]
    assert fake.count("POST", "Interactions/rows/add") == 1  # checked, found, not re-posted


def test_an_expired_session_is_recreated(graph_store, fake):
    """A workbook session that expired while idle is recreated and the next write succeeds."""
    graph_store.apply(HubChanges(appends={"Audit": [{"Audit ID": "AUD-000001"}]}))
    fake.sessions.clear()  # idle too long
    graph_store.apply(HubChanges(appends={"Audit": [{"Audit ID": "AUD-000002"}]}))
    assert fake.count("POST", "createSession") == 2
    assert len(graph_store.read_tables(["Audit"], fresh=True)["Audit"]) == 2


def test_a_session_that_expires_on_a_patch_is_recreated_and_the_update_lands(graph_store, fake):
    """When the workbook session expires exactly on a cell update, a new session is made and the update
    lands once (the new session used to be requested from inside the running PATCH and crashed)."""
    tickets = [
        {"Ticket ID": "TKT-000001", "Account ID": "ACC-000001", "Division": "Motors", "Status": "Open"}
    ]
    graph_store.apply(HubChanges(appends={"Tickets": tickets}))
    graph_store.read_tables(["Tickets"], fresh=True)
    fake.faults.append(Fault("session_expired", method="PATCH", path="/workbook/", times=1))
    graph_store.apply(HubChanges(updates=[RowUpdate("Tickets", "TKT-000001", {"Status": "Resolved"})]))
    assert fake.count("POST", "createSession") == 2
    rows = graph_store.read_tables(["Tickets"], fresh=True)["Tickets"]
    assert [r["Status"] for r in rows] == ["Resolved"]


def test_a_locked_workbook_is_hub_locked_and_nothing_is_written(graph_store, fake):
    """A workbook locked for editing by a person raises HubLocked and nothing is written."""
    fake.locked_by = "Ngozi Eze"
    with pytest.raises(HubLocked, match="locked for editing"):
        graph_store.apply(HubChanges(appends={"Audit": [{"Audit ID": "AUD-000001"}]}))
    fake.locked_by = None
    assert graph_store.read_tables(["Audit"], fresh=True)["Audit"] == []


def test_column_reads_fetch_only_the_named_columns(graph_store, fake):
    """A read limited to some columns fetches only those columns (and the key) from Graph."""
    graph_store.apply(HubChanges(appends={"Interactions": [INTERACTION]}))
    rows = graph_store.read_tables(
        ["Interactions"], fresh=True, columns={"Interactions": ["Source Response ID"]}
    )["Interactions"]
    assert rows == [{"Interaction ID": "INT-000001", "Source Response ID": "r-1"}]
    assert fake.count("GET", "columns/Source Response ID/dataBodyRange") == 1


def test_file_reads_are_cached_by_etag(graph_store, fake):
    """An unchanged workbook is downloaded once; after a write it is downloaded again."""
    graph_store.read_tables(["Accounts"])
    graph_store.read_tables(["Accounts"])
    assert fake.count("GET", r"/content$") == 1
    graph_store.apply(HubChanges(appends={"Audit": [{"Audit ID": "AUD-000001"}]}))
    graph_store.read_tables(["Audit"])
    assert fake.count("GET", r"/content$") == 2


@pytest.mark.slow  # two Graph calls per table of the hub
def test_the_schema_check_names_what_is_missing(graph_store, fake, hub_item):
    """The schema check is empty for a good hub and names a table that was deleted."""
    assert graph_store.check_schema() == []
    wb = fake.workbook(hub_item)
    del wb["Health"].tables["Health"]
    assert graph_store.check_schema() == ["table Health (tab Health) is missing"]


def test_the_downloaded_file_is_a_real_workbook(graph_store):
    """The hub downloaded through Graph opens as a real .xlsx workbook."""
    wb = load_workbook(io.BytesIO(graph_store.download()))
    assert "Interactions" in wb.sheetnames


def test_reads_ask_graph_only_for_names_and_values(graph_store, fake):
    """Column listings say $select=name,index and range reads $select=address,values, so a batch
    does not download every column's values or each cell's text, formulas and formats."""
    graph_store.apply(HubChanges(appends={"Interactions": [INTERACTION]}))
    graph_store.read_tables(["Interactions"], fresh=True)
    graph_store.read_tables(["Interactions"], fresh=True, columns={"Interactions": ["Date"]})
    listings = [r for r in fake.requests if r.method == "GET" and r.path.endswith("/columns")]
    ranges = [
        r for r in fake.requests if r.method == "GET" and re.search(r"/(range|dataBodyRange)(\(\))?$", r.path)
    ]
    assert listings and ranges
    assert {r.query.get("$select") for r in listings} == {"name,index"}
    assert {r.query.get("$select") for r in ranges} == {"address,values"}
    for answer in [r.response for r in ranges] + [c for r in listings for c in r.response["value"]]:
        assert not {"text", "formulas", "numberFormat", "valueTypes"} & set(answer)
    assert all("values" not in c for r in listings for c in r.response["value"])


def _protection_steps(fake, sheet: str) -> list[str]:
    return [
        r.path.rsplit("/", 1)[-1] if "/protection/" in r.path else "write"
        for r in fake.requests
        if r.method != "GET" and (f"/worksheets/{sheet}/" in r.path or f"/tables/{sheet}/" in r.path)
    ]


def test_a_protected_tab_is_unprotected_written_and_protected_again(graph_store, fake, hub_item):
    """Audit is a protected sheet: the store lifts the protection, adds the row, protects it again with
    sort, filter and column widths allowed, and the row is in the hub."""
    assert fake.workbook(hub_item)["Audit"].protection.sheet
    graph_store.apply(HubChanges(appends={"Audit": [{"Audit ID": "AUD-000001"}]}))
    assert _protection_steps(fake, "Audit") == ["unprotect", "write", "protect"]
    protect = next(r for r in fake.requests if r.path.endswith("/Audit/protection/protect"))
    assert protect.body["options"]["allowSort"] and not protect.body["options"]["allowInsertRows"]
    ws = fake.workbook(hub_item)["Audit"]
    assert ws.protection.sheet and ws["A2"].value == "AUD-000001"
    assert _protection_steps(fake, "Contacts") == []  # a tab staff edit is written as it is


def test_a_write_on_a_protected_sheet_without_lifting_it_is_refused_by_the_fake(fake, hub_item, graph_store):
    """The fake Graph refuses rows/add on a protected sheet, as Excel does, so the lift above is needed."""
    graph_store.read_tables(["Audit"], fresh=True)
    fake.faults.append(Fault("error", method="POST", path="Audit/protection/unprotect", status=200, times=1))
    with pytest.raises(Exception, match="protected sheet"):
        graph_store.apply(HubChanges(appends={"Audit": [{"Audit ID": "AUD-000001"}]}))


def test_a_failed_write_still_protects_the_tab_again(graph_store, fake, hub_item):
    """When the rows/add of a protected tab fails, the tab is protected again before the error reaches the
    writer, so a failed run never leaves Rejected open to typing."""
    fake.faults.append(Fault("lock", method="POST", path="Rejected/rows/add", times=1))
    with pytest.raises(HubLocked):
        graph_store.apply(HubChanges(appends={"Rejected": [{"Rejected ID": "REJ-000001"}]}))
    assert _protection_steps(fake, "Rejected")[-1] == "protect"
    assert fake.workbook(hub_item)["Rejected"].protection.sheet
