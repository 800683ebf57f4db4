"""The ERP drop folder on SharePoint and governance on the Graph hub, against the fake Graph."""

from __future__ import annotations

from datetime import date

import pytest

from cxhub import wiring
from cxhub.sample_data import staff_rows
from cxhub.sample_erp import write_samples
from cxhub.settings import Settings
from hub.governance.jobs import run_governance
from hub.ports import HubChanges
from tests.graph.conftest import graph_env

pytestmark = pytest.mark.slow  # whole ERP import and governance runs over the fake Graph


def test_exports_dropped_on_sharepoint_are_imported_and_filed_with_their_reports(fake, hub_item, tmp_path):
    """ERP exports dropped in a SharePoint folder are imported and moved with their reports, and a file of
    unknown kind is filed as failed."""
    folder = fake.add_folder("ERP Exports")
    for path in write_samples(tmp_path / "exports", date.today()).values():
        fake.add_file(path.name, path.read_bytes(), parent=folder)
    fake.add_file("orders.csv", b"ORDER_NUMBER\n1\n", parent=folder)
    settings = Settings.from_env(
        graph_env(fake, hub_item, CXHUB_ERP_DRIVE_ID=fake.drive_id, CXHUB_ERP_FOLDER_ID=folder)
    )
    done = wiring.run_erp_folder(settings)
    assert [(d.kind, d.outcome) for d in done] == [
        ("customers", "processed"),
        ("invoices", "processed"),
        ("prices", "processed"),
        (None, "failed"),
    ]
    by_name = {i.name: i for i in fake.items.values()}
    processed, failed = by_name["Processed"].id, by_name["Failed"].id
    filed = sorted(i.name.split(" ", 1)[1] for i in fake.items.values() if i.parent == processed)
    assert filed == sorted(
        [
            "customers_oracle_export.csv",
            "customers_oracle_export.csv.report.txt",
            "invoices_export.csv",
            "invoices_export.csv.report.txt",
            "prices_list.xlsx",
            "prices_list.xlsx.report.txt",
        ]
    )
    report = next(i for i in fake.items.values() if i.parent == failed and i.name.endswith(".report.txt"))
    assert "must say what it holds" in report.path.read_text()
    assert not [i for i in fake.items.values() if i.parent == folder and not i.is_folder]
    deals = fake.workbook(hub_item)["Deals"]
    assert deals.max_row - 1 == 8  # the 8 good invoices, written through rows/add

    # A second run finds an empty folder and changes nothing.
    assert wiring.run_erp_folder(settings) == []


def test_governance_on_the_graph_hub_patches_owners_in_place(fake, hub_item, tmp_path, settings):
    """Governance on the Graph hub sets owners from imported invoices by PATCHing only Accounts and Audit
    cells in place."""
    store = wiring.build_store(settings)
    store.apply(HubChanges(appends={"Staff": staff_rows()}))
    store.close()
    files = write_samples(tmp_path / "exports", date.today())
    for kind in ("customers", "invoices"):
        wiring.import_erp(settings, files[kind].name, files[kind].read_bytes(), kind)
    store = wiring.build_store(settings)
    try:
        report = run_governance(store, wiring.clock, wiring.governance_rules(settings), settings.timezone)
    finally:
        store.close()
    assert report.summary["owners changed"] == 2  # C1001 and C1004; C1002's salesperson is unmapped
    fresh = wiring.build_store(settings)
    accounts = fresh.read_tables(["Accounts"], fresh=True)["Accounts"]
    fresh.close()
    owners = {a["ERP Customer ID"]: a["Account Owner"] for a in accounts}
    assert owners["C1001"] == "ada.okafor@mikano.example"
    assert owners["C1004"] == "musa.danjuma@mikano.example"
    patches = [r for r in fake.requests if r.method == "PATCH" and "range(address=" in r.path]
    assert patches and all("Accounts" in r.path or "Audit" in r.path for r in patches)
