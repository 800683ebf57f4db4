"""ERP customers import rules at the level a steward sees: which near names reach the Review Queue,
and that a re-import changes nothing (issue 12, finding 3: linear matching)."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.governance.jobs import import_erp_file
from hub.governance.rules import GovernanceRules
from hub_schema.columns import ACCOUNT_ID, COMPANY_NAME
from hub_schema.erp import load_mappings
from tests.fakes import FakeHubStore

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
HEADER = "CUSTOMER_NUMBER;CUSTOMER_NAME;CUSTOMER_TYPE;PHONE_NUMBER\n"


def run(store: FakeHubStore, lines: list[str]):
    data = (HEADER + "".join(line + "\n" for line in lines)).encode()
    return import_erp_file(
        store,
        "customers.csv",
        data,
        "customers",
        load_mappings(),
        lambda: NOW,
        GovernanceRules(),
        "Africa/Lagos",
    )


def form_account(store: FakeHubStore, account_id: str, name: str) -> None:
    store.tables["Accounts"].append(
        {ACCOUNT_ID: account_id, COMPANY_NAME: name, "Account Type": "Company", "Status": "Active"}
    )


def test_a_form_account_is_asked_about_even_when_erp_customers_are_nearer():
    """Six ERP customers of one name: each is asked about against the Form-logged account, although
    the ERP customers before it match it better (the ERP keeps those apart itself)."""
    store = FakeHubStore()
    form_account(store, "ACC-000001", "Adebayo Logistics Services Limited")
    report = run(store, [f"C{i};Adebayo Logistic Servicez Ltd;ORGANIZATION;" for i in range(6)])
    assert report.inserted == 6 and report.sent_to_review == 6
    items = store.tables["Review Queue"]
    assert {item["Record B"] for item in items} == {"ACC-000001"}  # never ERP customer against ERP customer


def test_erp_customers_alike_are_not_sent_to_review_with_each_other():
    """Two ERP customers with near names are both added and no review item is raised about them."""
    store = FakeHubStore()
    report = run(store, ["C1;Adebayo Logistics Ltd;ORGANIZATION;", "C2;Adebayo Logistcs Ltd;ORGANIZATION;"])
    assert report.inserted == 2 and report.sent_to_review == 0 and store.tables["Review Queue"] == []


def test_a_reimport_writes_nothing_and_a_changed_phone_is_audited():
    """The same file twice writes nothing the second time; a new phone is one update with its Audit row."""
    store = FakeHubStore()
    lines = ["C1;Adebayo Logistics Ltd;ORGANIZATION;0803 123 4567", "C2;Okafor Farms;ORGANIZATION;"]
    run(store, lines)
    writes = len(store.writes)
    again = run(store, lines)
    assert (again.unchanged, again.updated, len(store.writes)) == (2, 0, writes)
    changed = run(store, ["C1;Adebayo Logistics Ltd;ORGANIZATION;0805 765 4321"])
    assert changed.updated == 1
    (account,) = [a for a in store.tables["Accounts"] if a["ERP Customer ID"] == "C1"]
    assert account["Main Phone Number"] == "+2348057654321"
    (audit,) = [a for a in store.tables["Audit"] if a["Action"] == "ERP update"]
    assert audit["Before"] == "Main Phone Number: +2348031234567"
    assert audit["After"] == "Main Phone Number: +2348057654321"


def test_an_erp_customer_of_a_form_accounts_name_is_linked_to_it_not_added():
    """The ERP's spelling of a Form-logged company links that account; no second account is made."""
    store = FakeHubStore()
    form_account(store, "ACC-000001", "Okafor Farms Ltd")
    report = run(store, ["C7;OKAFOR FARMS LIMITED;ORGANIZATION;", "C8;Okafor Farms Two Ltd;ORGANIZATION;"])
    assert (report.linked, report.inserted) == (1, 1)
    (linked,) = [a for a in store.tables["Accounts"] if a[ACCOUNT_ID] == "ACC-000001"]
    assert linked["ERP Customer ID"] == "C7" and len(store.tables["Accounts"]) == 2
