"""ERP import and governance as an admin runs them: cxhub import-erp, cxhub run governance."""

from __future__ import annotations

from datetime import date

import pytest

from cxhub.cli import main
from cxhub.sample_data import staff_rows
from cxhub.sample_erp import write_samples
from hub.ports import HubChanges
from local.xlsx_store import XlsxHubStore
from tests.e2e.cli_env import isolated  # noqa: F401  (autouse fixture)
from tests.factories import body

pytestmark = pytest.mark.slow  # end to end: ERP imports and governance through the CLI on real .xlsx


@pytest.fixture
def hub(tmp_path, capsys):
    """A hub where staff have already logged Dangote, Okonkwo and Adebayo through the Form."""
    import json

    path = tmp_path / "hub.xlsx"
    store = XlsxHubStore(path)
    store.ensure_exists()
    store.apply(HubChanges(appends={"Staff": staff_rows()}))
    subs = [
        body({"company_name": "Dangote Industries Ltd"}),
        body({"company_name": "Okonkwo & Sons Nigeria Ltd", "contact_email": "o@okonkwo.example"}),
        body({"company_name": "Adebayo Logistics Ltd", "contact_email": "a@adebayo.example"}),
    ]
    (tmp_path / "subs.json").write_text(json.dumps(subs))
    assert main(["submit", str(tmp_path / "subs.json"), "--hub", str(path)]) == 0
    capsys.readouterr()
    return path


def run(capsys, *args):
    code = main(list(map(str, args)))
    out = capsys.readouterr()
    return code, out.out, out.err


def counts(text: str) -> dict[str, int]:
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("inserted", "updated", "unchanged", "rejected"):
            out[parts[0]] = int(parts[1])
    return out


def test_messy_exports_import_with_a_correct_report_and_twice_change_nothing(capsys, hub, tmp_path):
    """Messy ERP exports import through cxhub import-erp with a correct report (links to form accounts,
    similar names to review, rejected rows), and importing them again changes nothing."""
    files = write_samples(tmp_path / "exports", date.today())
    code, out, _ = run(capsys, "import-erp", files["customers"], "--kind", "customers", "--hub", hub)
    assert code == 1  # one row was rejected
    # C1001 Dangote and C1002 Okonkwo link to the Form's accounts; C1008 Gateway Cement is new.
    assert counts(out) == {"inserted": 5, "updated": 2, "unchanged": 0, "rejected": 1}
    assert "linked to accounts logged through the Form: 2" in out
    assert "similar names sent to the Review Queue: 1" in out  # "Adebayo Logistcs" vs "Adebayo Logistics"
    assert "line 8: company_name missing" in out

    code, out, _ = run(capsys, "import-erp", files["invoices"], "--kind", "invoices", "--hub", hub)
    assert counts(out) == {"inserted": 8, "updated": 0, "unchanged": 0, "rejected": 2}
    assert "'ADEBAYO, KUNLE'" in out and "not guessed" in out
    assert "line 10: amount '12,5x0' is not a number" in out
    code, out, _ = run(capsys, "import-erp", files["prices"], "--kind", "prices", "--hub", hub)
    assert counts(out) == {"inserted": 3, "updated": 0, "unchanged": 0, "rejected": 1}

    before = XlsxHubStore(hub).read_tables(
        ["Accounts", "Deals", "Price List", "Rejected", "Audit", "Review Queue"]
    )
    for kind, unchanged in (("customers", 7), ("invoices", 8), ("prices", 3)):
        code, out, _ = run(capsys, "import-erp", files[kind], "--kind", kind, "--hub", hub)
        assert counts(out) == {
            "inserted": 0,
            "updated": 0,
            "unchanged": unchanged,
            "rejected": counts(out)["rejected"],
        }
    after = XlsxHubStore(hub).read_tables(
        ["Accounts", "Deals", "Price List", "Rejected", "Audit", "Review Queue"]
    )
    assert after == before


def test_a_changed_erp_row_updates_the_hub_and_audit_says_what_changed(capsys, hub, tmp_path):
    """A changed row in the next day's export updates only that account, and the Audit tab says which field
    changed from what to what."""
    files = write_samples(tmp_path / "exports", date.today())
    run(capsys, "import-erp", files["customers"], "--kind", "customers", "--hub", hub)
    text = files["customers"].read_bytes().decode("utf-8-sig").replace("4 Apapa Wharf Rd", "9 Creek Road")
    changed = tmp_path / "customers_next_day.csv"
    changed.write_bytes(text.encode("utf-8-sig"))
    code, out, _ = run(capsys, "import-erp", changed, "--kind", "customers", "--hub", hub)
    assert code == 1 and counts(out)["updated"] == 1 and counts(out)["unchanged"] == 6
    audit = XlsxHubStore(hub).read_tables(["Audit"])["Audit"]
    (update,) = [a for a in audit if a["Action"] == "ERP update"]
    assert update["Before"] == "Address: 4 Apapa Wharf Rd, Apapa, Lagos"
    assert update["After"] == "Address: 9 Creek Road, Apapa, Lagos"
    assert update["Reason"] == "customers_next_day.csv line 4"


def test_governance_sets_owners_and_applies_a_steward_merge(capsys, hub, tmp_path):
    """cxhub run governance sets owners from invoices and applies the steward's merge, moving interactions to
    active accounts, and a second run has nothing left to do."""
    files = write_samples(tmp_path / "exports", date.today())
    for kind in ("customers", "invoices"):
        run(capsys, "import-erp", files[kind], "--kind", kind, "--hub", hub)
    store = XlsxHubStore(hub)
    review = next(
        r for r in store.read_tables(["Review Queue"])["Review Queue"] if "Adebayo" in (r["Reason"] or "")
    )
    from hub.ports import RowUpdate

    store.apply(
        HubChanges(
            updates=[
                RowUpdate(
                    "Review Queue",
                    review["Review ID"],
                    {"Decision": "Merge", "Decided By": "steward@mikano.example"},
                )
            ]
        )
    )
    code, out, _ = run(capsys, "run", "governance", "--hub", hub)
    assert code == 0
    assert "merges applied                     1" in out
    assert "'ADEBAYO, KUNLE'" in out
    tables = store.read_tables(["Accounts", "Interactions"])
    accounts = {a["Account ID"]: a for a in tables["Accounts"]}
    erp_adebayo = next(a for a in accounts.values() if a["ERP Customer ID"] == "C1003")
    form_adebayo = next(a for a in accounts.values() if a["Company Name"] == "Adebayo Logistics Ltd")
    assert form_adebayo["Status"] == "Merged" and form_adebayo["Merged Into"] == erp_adebayo["Account ID"]
    assert {i["Account ID"] for i in tables["Interactions"]} <= {
        a for a, r in accounts.items() if r["Status"] == "Active"
    }
    # The next run has nothing left to do.
    code, out, _ = run(capsys, "run", "governance", "--hub", hub)
    assert "merges applied                     0" in out and "owners changed                     0" in out


def test_a_file_that_is_no_export_is_a_clear_error(capsys, hub, tmp_path):
    """A file that is not an ERP export is refused with exit 2, saying it was not imported and which required
    column is missing."""
    (tmp_path / "notes.csv").write_text("hello,world\n1,2\n")
    code, _, err = run(capsys, "import-erp", tmp_path / "notes.csv", "--kind", "invoices", "--hub", hub)
    assert code == 2 and "was not imported" in err and "invoice_no" in err


def test_import_erp_refuses_a_bomb_with_the_limit_and_its_setting(capsys, hub, tmp_path, monkeypatch):
    """cxhub import-erp on the 1.5 KB bomb exits 2 naming CXHUB_ERP_MAX_ROWS; a raised setting
    lets it reach the reader, whose crash is still only this file's error."""
    from tests.hostile_files import sparse_dimension_bomb

    (tmp_path / "bomb.xlsx").write_bytes(sparse_dimension_bomb())
    code, _, err = run(capsys, "import-erp", tmp_path / "bomb.xlsx", "--kind", "customers", "--hub", hub)
    assert code == 2 and "CXHUB_ERP_MAX_ROWS" in err
    monkeypatch.setenv("CXHUB_ERP_MAX_ROWS", "2000000")
    monkeypatch.setenv("CXHUB_ERP_MAX_COLUMNS", "20000")
    code, _, err = run(capsys, "import-erp", tmp_path / "bomb.xlsx", "--kind", "customers", "--hub", hub)
    assert code == 2 and "not a readable .xlsx workbook" in err
