"""Account ownership (rule 3): the largest qualifying ERP invoice of the last 12 months decides."""

from __future__ import annotations

from datetime import date, datetime

from hub.governance.ownership import compute_owners
from hub.matching import AccountIndex

AS_OF = date(2026, 11, 23)
STAFF = [
    {"Email": "ada@mikano.example", "ERP Salesperson Name": "OKAFOR, ADA"},
    {"Email": "bola@mikano.example", "ERP Salesperson Name": "Bola Adeyemi"},
]


def account(account_id="ACC-000001", **extra):
    return {
        "Account ID": account_id,
        "Company Name": "Dangote Industries",
        "ERP Customer ID": "C100",
        "Account Type": "Company",
        "Status": "Active",
        "Account Owner": "old@mikano.example",
        **extra,
    }


def deal(no, amount, when, salesperson="OKAFOR, ADA", status="Open", customer="C100"):
    return {
        "Invoice No": no,
        "ERP Customer ID": customer,
        "Salesperson": salesperson,
        "Amount": amount,
        "Invoice Date": datetime.combine(when, datetime.min.time()),
        "Status": status,
    }


def owners(accounts, deals, rule="largest"):
    return compute_owners(AccountIndex(accounts), deals, STAFF, AS_OF, rule)


def test_the_largest_invoice_in_twelve_months_names_the_owner():
    """The salesperson on the account's largest invoice of the last twelve months becomes its owner, with that
    invoice as the recorded basis."""
    result = owners(
        [account()],
        [
            deal("INV-1", 2_000_000, date(2026, 10, 1), "Bola Adeyemi"),
            deal("INV-2", 12_500_000, date(2026, 3, 2)),
        ],
    )
    (change,) = result.changes
    assert (change.before, change.after) == ("old@mikano.example", "ada@mikano.example")
    assert change.basis == "INV-2, ₦12,500,000, 2026-03-02"


def test_ties_go_to_the_most_recent_invoice():
    """Between invoices of equal value, the more recent one decides the owner."""
    result = owners(
        [account()],
        [
            deal("INV-1", 5_000_000, date(2026, 2, 1)),
            deal("INV-2", 5_000_000, date(2026, 9, 1), "Bola Adeyemi"),
        ],
    )
    assert result.changes[0].after == "bola@mikano.example"


def test_cancelled_credit_notes_and_old_invoices_do_not_count():
    """Cancelled invoices, credit notes and invoices twelve months old or more never decide the owner."""
    result = owners(
        [account()],
        [
            deal("INV-1", 90_000_000, date(2026, 5, 1), status="Cancelled"),
            deal("CN-1", 80_000_000, date(2026, 5, 1), status="Credit Note"),
            deal("INV-0", 70_000_000, date(2025, 11, 23)),  # exactly 12 months before: outside
            deal("INV-2", 1_000, date(2026, 11, 23), "Bola Adeyemi"),
        ],
    )
    assert result.changes[0].after == "bola@mikano.example"


def test_no_qualifying_deal_leaves_the_owner():
    """An account with no qualifying invoice keeps its owner and basis."""
    result = owners([account()], [deal("INV-0", 70_000_000, date(2024, 1, 1))])
    assert result.changes == [] and result.basis_updates == {}


def test_the_latest_rule_takes_the_most_recent_invoice():
    """Under the "latest" rule the most recent invoice decides, where "largest" takes the biggest."""
    deals = [
        deal("INV-1", 9_000_000, date(2026, 3, 1)),
        deal("INV-2", 100, date(2026, 11, 1), "Bola Adeyemi"),
    ]
    assert owners([account()], deals, "latest").changes[0].after == "bola@mikano.example"
    assert owners([account()], deals, "largest").changes[0].after == "ada@mikano.example"


def test_an_owner_override_wins_and_is_reported():
    """An Owner Override on the account wins over the invoices, lower-cased, and is reported as overridden."""
    result = owners(
        [account(**{"Owner Override": "Chi@Mikano.example"})], [deal("INV-1", 9e6, date(2026, 3, 1))]
    )
    (change,) = result.changes
    assert change.after == "chi@mikano.example" and change.basis == "Owner Override"
    assert result.overridden == ["ACC-000001"]


def test_an_unmapped_salesperson_is_reported_not_guessed():
    """A salesperson name with no Staff email is counted as unmapped and the owner is left unchanged rather
    than guessed."""
    result = owners([account()], [deal("INV-1", 9e6, date(2026, 3, 1), "Adaeze Okafor")])
    assert result.changes == [] and result.unmapped_salespeople == {"Adaeze Okafor": 1}


def test_the_same_owner_with_newer_evidence_only_updates_the_basis():
    """When the invoices confirm the current owner, only the basis text is refreshed; no owner change is
    reported."""
    result = owners(
        [account(**{"Account Owner": "ada@mikano.example"})], [deal("INV-9", 3e6, date(2026, 6, 1))]
    )
    assert result.changes == [] and result.basis_updates == {"ACC-000001": "INV-9, ₦3,000,000, 2026-06-01"}


def test_deals_of_a_merged_account_count_for_its_survivor():
    """Invoices under a merged account's ERP ID count for the account it was merged into."""
    loser = account(
        "ACC-000002", **{"ERP Customer ID": "C200", "Status": "Merged", "Merged Into": "ACC-000001"}
    )
    result = owners([account(), loser], [deal("INV-1", 9e6, date(2026, 3, 1), customer="C200")])
    assert [c.account_id for c in result.changes] == ["ACC-000001"]
