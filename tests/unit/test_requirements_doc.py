"""The CRM requirements draft (SPEC rule 7): numbers from the hub, both formats alike, honest when empty."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser

import pytest

from hub.upgrade.requirements import V6_OPEN_QUESTIONS, HealthEvidence, draft_requirements

NOW = datetime(2026, 11, 23, 10, 0)


def hub() -> dict[str, list[dict]]:
    """A small hub: 4 accounts (one individual, one merged), 4 interactions, 2 rejections, ..."""
    account = {"Industry": None, "Owner Override": None, "Created": datetime(2026, 7, 1)}
    return {
        "Accounts": [
            {
                **account,
                "Account ID": "ACC-000001",
                "Company Name": "Dangote Industries Ltd",
                "Account Type": "Company",
                "Status": "Active",
                "ERP Customer ID": "C100",
            },
            {
                **account,
                "Account ID": "ACC-000002",
                "Company Name": "Zuma Steel Works Plc",
                "Account Type": "Company",
                "Status": "Active",
            },
            {
                **account,
                "Account ID": "ACC-000003",
                "Company Name": "Ngozi Eze",
                "Account Type": "Individual",
                "Status": "Active",
            },
            {
                **account,
                "Account ID": "ACC-000004",
                "Company Name": "Dangote Industries Limited",
                "Account Type": "Company",
                "Status": "Merged",
                "Merged Into": "ACC-000001",
            },
        ],
        "Contacts": [
            {
                "Contact ID": "CON-000001",
                "Full Name": "Ada Obi",
                "Associated Account ID": "ACC-000001",
                "Status": "Active",
            },
        ],
        "Interactions": [
            interaction("INT-000001", datetime(2026, 11, 2, 9), "Phone", "Motors", "ACC-000001"),
            interaction("INT-000002", datetime(2026, 10, 10, 9), "Phone", "Power", "ACC-000001"),
            interaction("INT-000003", datetime(2026, 9, 1, 9), "WhatsApp", "Motors", "ACC-000003"),
            interaction("INT-000004", datetime(2026, 7, 15, 9), "Email", "Motors", "ACC-000002"),
        ],
        "Opportunities": [
            {"Opportunity ID": "OPP-000001", "Account ID": "ACC-000001", "Stage": "Won", "Value": 5_000_000},
            {
                "Opportunity ID": "OPP-000002",
                "Account ID": "ACC-000002",
                "Stage": "Quote / PFI",
                "Value": 1_000,
            },
        ],
        "Tickets": [{"Ticket ID": "TKT-000001", "Account ID": "ACC-000001", "Status": "Open"}],
        "Deals": [
            {
                "Invoice No": "INV-1",
                "ERP Customer ID": "C100",
                "Amount": 12_500_000,
                "Invoice Date": datetime(2026, 3, 2),
            }
        ],
        "Price List": [{"Item Code": "GEN-20", "Unit Price": 9_000_000}],
        "Staff": [{"Email": "ada@mikano.example", "Role": "Sales", "Active": "Yes"}],
        "Review Queue": [
            {"Review ID": "REV-000001", "Kind": "Account", "Decision": "Merge"},
            {"Review ID": "REV-000002", "Kind": "Contact", "Decision": None},
        ],
        "Steward Log": [{"Week": datetime(2026, 11, 16), "Steward": "s@mikano.example", "Hours": 3}],
        "Rejected": [
            {
                "Rejected ID": "REJ-000001",
                "Source Response ID": "r1",
                "Errors": "division: Division is required\ncontact_phone: 0803 is not a phone number",
            },
            {
                "Rejected ID": "REJ-000002",
                "Source Response ID": "r2",
                "Errors": "division: Division is required",
            },
        ],
        "Audit": [
            {
                "Audit ID": "AUD-000001",
                "At": datetime(2026, 10, 5),
                "Action": "Owner changed",
                "Record": "ACC-000001",
            },
            {
                "Audit ID": "AUD-000002",
                "At": datetime(2026, 11, 5),
                "Action": "Owner changed",
                "Record": "ACC-000001",
            },
            {
                "Audit ID": "AUD-000003",
                "At": datetime(2026, 11, 6),
                "Action": "Merge account",
                "Record": "ACC-000004",
            },
        ],
    }


def interaction(iid: str, when: datetime, channel: str, division: str, account: str) -> dict:
    return {
        "Interaction ID": iid,
        "Date": when,
        "Account ID": account,
        "Channel": channel,
        "Division": division,
        "Notes": "Called",
        "Logged By": "ada@mikano.example",
        "Source Response ID": f"resp-{iid}",
    }


HEALTH = [
    HealthEvidence(datetime(2026, 10, 24, 6), 80.0, 8.0, 1.5, 20, 0),
    HealthEvidence(datetime(2026, 11, 23, 6), 120.0, 12.5, 1.0, None, 2),
]


class _Html(HTMLParser):
    """Collects the headings and the visible text of the draft's HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.text: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("h2", "h3"):
            self._in = tag
            self.headings.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in:
            self.headings[-1] += data


def parse(html: str) -> _Html:
    parser = _Html()
    parser.feed(html)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def draft() -> tuple[str, str]:
    return draft_requirements(hub(), HEALTH, NOW)


def section(markdown: str, number: int) -> str:
    return re.split(r"^## ", markdown, flags=re.MULTILINE)[number]


def test_rows_per_tab_are_counted(draft):
    """The volumes table gives every tab's row count."""
    text = section(draft[0], 2)
    assert "| Accounts | 4 |" in text
    assert "| Interactions | 4 |" in text
    assert "| Health | 0 |" in text


def test_interactions_are_counted_per_month(draft):
    """Each of the last 12 months shows its interactions, the current one marked as to date."""
    text = section(draft[0], 2)
    assert "| Oct 2026 | 1 |" in text
    assert "| Nov 2026 (to date) | 1 |" in text
    assert "| Dec 2025 | 0 |" in text


def test_growth_compares_the_last_three_months_with_the_three_before(draft):
    """Three interactions against one in the three months before is +200%."""
    assert (
        "3 interactions in the 3 months to 2026-11-23 against 1 in the 3 months before: +200.0%" in draft[0]
    )


def test_a_never_used_field_is_listed_as_a_drop_candidate(draft):
    """Industry, blank on every account, is listed among the customer-data fields never used."""
    text = section(draft[0], 3)
    drop = text.split("candidates to drop in the new CRM):")[1].split("\n\n")[1]
    assert "- Accounts: `Industry`" in drop


def test_a_field_blank_by_design_is_not_a_drop_candidate(draft):
    """Owner Override is blank until a manager overrides: kept apart from the drop candidates."""
    text = section(draft[0], 3)
    drop = text.split("candidates to drop in the new CRM):")[1].split("\n\n")[1]
    assert "Owner Override" not in drop
    assert "- Accounts: `Owner Override`, filled only where a manager overrides" in text


def test_fill_rates_are_given_for_every_column(draft):
    """ERP Customer ID is filled on one account in four."""
    assert "| `ERP Customer ID` | 1 | 25.0% |" in section(draft[0], 3)


def test_channel_mix_percentages(draft):
    """Two phone calls, one WhatsApp chat and one email make 50/25/25 %."""
    text = section(draft[0], 3)
    assert "| Phone | 2 | 50.0% |" in text
    assert "| WhatsApp | 1 | 25.0% |" in text
    assert "| Email | 1 | 25.0% |" in text
    assert "| Meeting | 0 | 0.0% |" in text


def test_division_mix_percentages(draft):
    """Motors logged three of the four interactions."""
    text = section(draft[0], 3)
    assert "| Motors | 3 | 75.0% |" in text
    assert "| Power | 1 | 25.0% |" in text


def test_b2c_share_counts_individuals_among_active_accounts(draft):
    """One of the three active accounts (the merged one left out) is an individual."""
    assert "1 of 3 active accounts are individuals (B2C): 33.3%" in section(draft[0], 3)


def test_rejected_reasons_are_counted_by_the_field_before_the_colon(draft):
    """Two lines name division, one contact_phone."""
    text = section(draft[0], 4)
    assert "| `division` | 2 | 0 | 2 |" in text
    assert "| `contact_phone` | 1 | 0 | 1 |" in text


def test_an_error_line_without_a_field_is_counted_apart():
    """An ERP row's reason names no field before a colon: it is counted, under its source."""
    tables = hub()
    tables["Rejected"].append(
        {
            "Rejected ID": "REJ-000003",
            "Source Response ID": "ERP invoices.csv line 4",
            "Errors": "amount missing",
        }
    )
    markdown, _ = draft_requirements(tables, HEALTH, NOW)
    assert "| (no field named) | 0 | 1 | 1 |" in section(markdown, 4)


def test_duplicates_are_counted_by_kind_and_decision(draft):
    """One account pair merged, one contact pair still undecided."""
    text = section(draft[0], 4)
    assert "| Kind | Merge | Not duplicate | Same account - keep link | Undecided | Total |" in text
    assert "| Account | 1 | 0 | 0 | 0 | 1 |" in text
    assert "| Contact | 0 | 0 | 0 | 1 | 1 |" in text


def test_merges_applied_come_from_the_audit(draft):
    """The Audit's Merge account row is one merge applied."""
    assert "Merges applied (Audit): 1 (1 account)" in section(draft[0], 4)


def test_steward_hours_are_summed_per_week(draft):
    """The Steward Log's week shows its hours and stewards."""
    assert "| 2026-11-16 | 3 | 1 |" in section(draft[0], 4)


def test_ownership_changes_are_counted_per_month(draft):
    """Two owner changes on one account, one in October and one in November."""
    text = section(draft[0], 5)
    assert "| Oct 2026 | 1 |" in text
    assert "| Nov 2026 (to date) | 1 |" in text
    assert "1 account(s) changed owner more than once" in text


def test_opportunities_are_counted_per_stage(draft):
    """Every pipeline stage is listed with its count and value."""
    text = section(draft[0], 5)
    assert "| Won | 1 | ₦5,000,000 |" in text
    assert "| Negotiation | 0 | ₦0 |" in text


def test_tickets_are_counted_per_status(draft):
    """The one open ticket is counted under Open."""
    text = section(draft[0], 5).split("### Tickets per status")[1]
    assert "| Open | 1 |" in text
    assert "| Closed | 0 |" in text


def test_why_now_compares_the_latest_check_with_the_thresholds(draft):
    """File size and open time are above their thresholds: two triggers hold, the rule is met."""
    text = section(draft[0], 1)
    assert "2 of 4 upgrade triggers hold at the latest check (2026-11-23 06:00)" in text
    assert "| File size | \\> 100 MB | 120 MB | yes |" in text
    assert "| Concurrent users (peak) | \\> 25 users | not measured | unknown |" in text
    assert "| File size | 80 (2026-10-24) | 120 (2026-11-23) | +40.0 MB | 2026-11-23 | — |" in text


def test_requirements_cite_the_numbers_they_come_from(draft):
    """The channel requirement names the channels used, with the interaction count behind it."""
    text = section(draft[0], 7)
    assert "| FR-3 | Must log interactions on these 3 channels: Phone, WhatsApp, Email. |" in text
    assert "§3 channel mix of 4 interactions." in text


def test_v6_open_questions_appear_verbatim(draft):
    """Every open question of the v6 seed is in both the Markdown and the HTML text."""
    html_text = " ".join("".join(parse(draft[1]).text).split())
    assert 'How is "Account Ownership" currently decided? How are disputes resolved?' in draft[0]
    for _, questions in V6_OPEN_QUESTIONS:
        for question in questions:
            assert question in draft[0]
            assert question.replace("`", "") in html_text


def test_the_data_raises_its_own_questions(draft):
    """Never-used fields come back as a question: drop or keep?"""
    text = section(draft[0], 8)
    assert "These fields were never filled (Accounts: `Industry`" in text
    assert "Drop them in the new CRM, or keep them" in text


def test_html_parses_and_carries_no_script(draft):
    """The HTML parses and has no script, even when the data holds one; the Markdown keeps it inert."""
    tables = hub()
    tables["Rejected"][0]["Errors"] = "<script>alert(1)</script>: bad"
    markdown, html = draft_requirements(tables, HEALTH, NOW)
    parse(html)
    assert "<script" not in html.lower()
    # In Markdown it may only stand inside a code span, which renders as plain text.
    assert "<script" not in re.sub(r"`[^`]*`", "", markdown).lower()


def test_markdown_and_html_carry_the_same_headings(draft):
    """The h2/h3 headings of the HTML are the ##/### headings of the Markdown, in order."""
    markdown_headings = [
        line.split(" ", 1)[1].replace("\\", "")
        for line in draft[0].splitlines()
        if line.startswith(("## ", "### "))
    ]
    assert [" ".join(h.split()) for h in parse(draft[1]).headings] == markdown_headings
    assert markdown_headings[0] == "1. Why now" and "8. Open questions" in markdown_headings


def test_an_empty_hub_still_yields_a_draft_that_says_there_is_no_data():
    """No rows and no Health checks: every section is there and the draft says there is no data."""
    markdown, html = draft_requirements({}, [], NOW)
    assert "The hub holds no data yet" in markdown
    assert "No interactions have been logged yet." in markdown
    assert "No Health check has been recorded" in markdown
    assert len(re.findall(r"^## ", markdown, flags=re.MULTILINE)) == 8
    assert len(parse(html).headings) >= 8


def test_the_draft_names_the_configured_time_zone_not_a_fixed_one():
    """A hub run in another zone (CXHUB_TIMEZONE) gets a draft that names that zone, never Lagos."""
    markdown, html = draft_requirements(hub(), HEALTH, NOW, zone="Europe/London")
    assert "(Europe/London), from the hub's own rows" in markdown
    assert "Must work in Europe/London time" in markdown
    assert "Africa/Lagos" not in markdown and "Africa/Lagos" not in html
    default, _ = draft_requirements(hub(), HEALTH, NOW)
    assert "(Africa/Lagos), from the hub's own rows" in default
