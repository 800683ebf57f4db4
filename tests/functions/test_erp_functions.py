"""POST /api/erp/{kind} and the governance timers, called as the Functions host calls them."""

from __future__ import annotations

import json
from datetime import date

import azure.functions as func
import pytest

from cxhub.sample_erp import write_samples
from functions.governance import erp_folder_import, erp_upload, governance
from hub.intake.receive import sign
from local.xlsx_store import XlsxHubStore


@pytest.fixture
def hub(hub_path, monkeypatch):
    for name in ("CXHUB_INTAKE_SECRET", "FUNCTIONS_WORKER_RUNTIME", "CXHUB_QUEUE", "CXHUB_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    path = hub_path  # a blank hub (tests/conftest.py)
    monkeypatch.setenv("CXHUB_HUB", str(path))
    return path


@pytest.fixture
def samples(tmp_path):
    return write_samples(tmp_path / "exports", date.today())


def upload(kind: str, data: bytes, headers: dict[str, str] | None = None, name: str = "export.csv"):
    req = func.HttpRequest(
        method="POST",
        url=f"/api/erp/{kind}",
        body=data,
        headers=headers or {},
        params={"name": name},
        route_params={"kind": kind},
    )
    resp = erp_upload(req)
    return resp.status_code, json.loads(resp.get_body())


def test_an_uploaded_export_is_imported_and_reported(hub, samples):
    """An ERP export POSTed to /api/erp/customers is imported into the hub and the reply reports inserted,
    updated and rejected rows with line numbers."""
    status, reply = upload("customers", samples["customers"].read_bytes(), name="customers.csv")
    assert status == 200 and reply["status"] == "imported"
    report = reply["report"]
    assert (report["inserted"] + report["updated"], report["rejected"]) == (7, 1)
    assert report["errors"] == [{"line": 8, "reason": "company_name missing"}]
    accounts = XlsxHubStore(hub).read_tables(["Accounts"])["Accounts"]
    assert {a["ERP Customer ID"] for a in accounts} >= {"C1001", "C1004", "C1006"}


def test_an_unreadable_file_is_422_and_changes_nothing(hub):
    """An upload that is not a readable export gets 422 naming what is missing, and the hub is left
    unchanged."""
    status, reply = upload("invoices", b"\x00\x01 this is no export \xff")
    assert status == 422 and "invoice_no" in reply["message"]
    assert XlsxHubStore(hub).read_tables(["Deals", "Audit"]) == {"Deals": [], "Audit": []}


def test_an_unknown_kind_is_422(hub, samples):
    """An upload to an unknown export kind gets 422 listing the kinds that exist."""
    status, reply = upload("orders", samples["customers"].read_bytes())
    assert status == 422 and "customers, invoices, prices" in reply["message"]


def test_with_a_secret_the_signature_is_required(hub, samples, monkeypatch):
    """With an intake secret set, an ERP upload needs a valid signature and gets 401 without one."""
    monkeypatch.setenv("CXHUB_INTAKE_SECRET", "s3cret")
    data = samples["customers"].read_bytes()
    assert upload("customers", data)[0] == 401
    assert upload("customers", data, {"X-CXHub-Signature": sign(data, "s3cret")})[0] == 200


class Timer:
    past_due = False


def test_the_drop_folder_timer_imports_customers_before_invoices(hub, samples, tmp_path, monkeypatch):
    """The drop-folder timer imports customers before invoices, so invoices find their accounts, and files
    every export with its report into Processed or Failed."""
    drop = tmp_path / "drop"
    drop.mkdir()
    for path in samples.values():
        path.rename(drop / path.name)
    monkeypatch.setenv("CXHUB_ERP_FOLDER", str(drop))
    erp_folder_import(Timer())
    assert sorted(p.name for p in drop.iterdir()) == ["Failed", "Processed"]
    processed = sorted(p.name for p in (drop / "Processed").iterdir())
    assert len(processed) == 6 and sum(n.endswith(".report.txt") for n in processed) == 3
    deals = XlsxHubStore(hub).read_tables(["Deals"])["Deals"]
    # Customers went first, so the invoices found their accounts (all but the unknown C9999).
    assert sum(1 for d in deals if d["Account ID"]) == len(deals) - 1


def test_the_governance_timer_gives_accounts_their_owners(hub, samples):
    """After customers and invoices are imported, the governance timer sets account owners from the
    invoices."""
    from cxhub.sample_data import staff_rows
    from hub.ports import HubChanges

    XlsxHubStore(hub).apply(HubChanges(appends={"Staff": staff_rows()}))
    upload("customers", samples["customers"].read_bytes())
    upload("invoices", samples["invoices"].read_bytes())
    governance(Timer())
    tables = XlsxHubStore(hub).read_tables(["Accounts", "Audit"])
    dangote = next(a for a in tables["Accounts"] if a["ERP Customer ID"] == "C1001")
    # INV-4413 (₦90m) is cancelled and CM-0091 a credit: INV-4411 (₦12.5m) is the largest that counts.
    assert dangote["Account Owner"] == "ada.okafor@mikano.example"
    assert dangote["Owner Basis"].startswith("INV-4411, ₦12,500,000, ")
    changed = [
        a for a in tables["Audit"] if a["Action"] == "Owner changed" and a["Record"] == dangote["Account ID"]
    ]
    assert len(changed) == 1 and "INV-4411" in changed[0]["Reason"]


def test_a_bomb_in_the_drop_folder_fails_alone_and_the_files_after_it_import(
    hub, samples, tmp_path, monkeypatch
):
    """The sparse-dimension .xlsx sorted first goes to Failed/ with its report; the rest import."""
    from tests.hostile_files import sparse_dimension_bomb

    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "customers_0_bomb.xlsx").write_bytes(sparse_dimension_bomb())
    samples["customers"].rename(drop / "customers_1.csv")
    monkeypatch.setenv("CXHUB_ERP_FOLDER", str(drop))
    erp_folder_import(Timer())
    failed = sorted(p.name for p in (drop / "Failed").iterdir())
    assert [n.split(" ", 1)[1] for n in failed] == [
        "customers_0_bomb.xlsx",
        "customers_0_bomb.xlsx.report.txt",
    ]
    report = next((drop / "Failed").glob("*.report.txt")).read_text()
    assert "A1:XFD1048576" in report and "CXHUB_ERP_MAX_ROWS" in report
    assert any(p.name.endswith("customers_1.csv") for p in (drop / "Processed").iterdir())
    accounts = XlsxHubStore(hub).read_tables(["Accounts"])["Accounts"]
    assert {a["ERP Customer ID"] for a in accounts} >= {"C1001", "C1004"}


def test_an_uploaded_bomb_is_422_naming_the_limit(hub):
    """POST /api/erp/customers with the 1.5 KB bomb answers 422 with the limit and its setting."""
    from tests.hostile_files import deflate_bomb, sparse_dimension_bomb

    status, reply = upload("customers", sparse_dimension_bomb(), name="c.xlsx")
    assert status == 422 and "CXHUB_ERP_MAX_ROWS" in reply["message"]
    status, reply = upload("customers", deflate_bomb(), name="c.xlsx")
    assert status == 422 and "CXHUB_ERP_MAX_RATIO" in reply["message"]
    assert XlsxHubStore(hub).read_tables(["Accounts"]) == {"Accounts": []}


def test_an_upload_with_no_local_hub_is_a_503_that_says_how_to_create_one(hub, samples):
    """A missing hub is the setup's fault: 503 with the fix (cxhub init), not a 500."""
    hub.unlink()
    status, reply = upload("customers", samples["customers"].read_bytes(), name="customers.csv")
    assert status == 503 and reply["status"] == "retry" and "cxhub init" in reply["message"]
