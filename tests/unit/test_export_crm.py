"""The exit ramp: the hub exported as CSV files HubSpot and Dynamics 365 import as they are."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest

from hub.upgrade.exports import (
    DYNAMICS_OPPORTUNITY_STATUS,
    DYNAMICS_PIPELINE_PHASES,
    FORMATS,
    HUBSPOT_DEAL_STAGES,
    HUBSPOT_TICKET_STATUSES,
    ExportFile,
    export_hub,
)
from hub.upgrade.exports.common import ACCOUNT_DETAILS, OPPORTUNITY_DETAILS, TICKET_DETAILS
from hub.upgrade.exports.dynamics import DYNAMICS_CASE_ORIGINS, DYNAMICS_CASE_STATUS
from hub_schema.lists import LISTS
from hub_schema.tabs import tab

ADA = "ada.okafor@mikano.example"
TUNDE = "tunde.bello@mikano.example"


def small_hub() -> dict[str, list[dict]]:
    """Two accounts (one merged into the other), two contacts, two opportunities, a ticket, two notes."""
    return {
        "Accounts": [
            {
                "Account ID": "ACC-000001",
                "Company Name": "Dangote Industries Ltd",
                "Industry": "Manufacturing",
                "Address": "1 Alfred Rewane Rd, Ikoyi, Lagos",
                "Main Phone Number": "+2348031234567",
                "ERP Customer ID": "C77",
                "Account Owner": ADA,
                "Account Type": "Company",
                "Divisions": "Motors, Power",
                "Status": "Active",
                "Merged Into": None,
                "Created": datetime(2026, 1, 5, 10, 30),
            },
            {
                "Account ID": "ACC-000002",
                "Company Name": "Dangote Industries Nig",
                "Account Owner": TUNDE,
                "Account Type": "Company",
                "Status": "Merged",
                "Merged Into": "ACC-000001",
                "Created": datetime(2026, 2, 1, 8, 0),
            },
        ],
        "Contacts": [
            {
                "Contact ID": "CON-000001",
                "Full Name": "Chinedu Okafor",
                "Job Title": "Fleet Manager",
                "Email": "chinedu.okafor@dangote.example",
                "Mobile Number": "+2348031112222",
                "Associated Account ID": "ACC-000001",
                "Status": "Active",
                "Created": datetime(2026, 1, 5, 10, 31),
            },
            {
                "Contact ID": "CON-000002",
                "Full Name": "Bisi",
                "Mobile Number": 2348053334444.0,  # a cell Excel turned into a number
                "Associated Account ID": "ACC-000002",
                "Status": "Active",
            },
        ],
        "Opportunities": [
            {
                "Opportunity ID": "OPP-000001",
                "Account ID": "ACC-000001",
                "Contact ID": "CON-000001",
                "Division": "Motors",
                "Product": "Hilux pickups x10",
                "Stage": "Won",
                "Value": 12_500_000,
                "Opened": datetime(2026, 10, 1, 9, 0),
                "Closed": datetime(2026, 11, 15, 16, 0),
                "Owner": ADA,
                "Date Entered Negotiation": datetime(2026, 11, 1, 9, 0),
            },
            {
                "Opportunity ID": "OPP-000002",
                "Account ID": "ACC-000002",
                "Contact ID": "CON-000002",
                "Division": "Power",
                "Product": "500 kVA generator",
                "Stage": "Negotiation",
                "Value": 48_000_000.5,
                "Opened": datetime(2026, 11, 2, 11, 0),
                "Closed": None,
                "Owner": None,
            },
        ],
        "Tickets": [
            {
                "Ticket ID": "TKT-000001",
                "Account ID": "ACC-000001",
                "Contact ID": "CON-000002",
                "Division": "Motors",
                "Category": "Service Request",
                "Status": "Awaiting Parts",
                "Opened": datetime(2026, 11, 21, 13, 45),
                "Quote Amount": 250_000,
                "CSAT": 4,
                "Owner": TUNDE,
            },
        ],
        "Interactions": [
            {
                "Interaction ID": "INT-000001",
                "Date": datetime(2026, 11, 20, 9, 15),
                "Contact ID": "CON-000001",
                "Account ID": "ACC-000001",
                "Channel": "WhatsApp",
                "Direction": "Inbound",
                "Type": "Inquiry",
                "Notes": 'Asked for the price of ten Hilux pickups, "cash" terms.',
                "Next Action": "Send PFI",
                "Action Due Date": date(2026, 11, 22),
                "Action Status": "Open",
                "Logged By": ADA,
                "Division": "Motors",
            },
            {
                "Interaction ID": "INT-000002",
                "Date": datetime(2026, 11, 21, 14, 0),
                "Contact ID": "CON-000002",
                "Account ID": "ACC-000002",
                "Channel": "Phone",
                "Direction": "Outbound",
                "Type": "Service Request",
                "Notes": "Gearbox part on order; customer informed.",
                "Logged By": TUNDE,
                "Division": "Motors",
                "Ticket ID": "TKT-000001",
            },
        ],
    }


def exported(fmt: str) -> dict[str, ExportFile]:
    return {f.name: f for f in export_hub(small_hub(), fmt)}


def read(fmt: str, name: str) -> list[dict[str, str]]:
    text = exported(fmt)[name].data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def by_id(rows: list[dict[str, str]], column: str) -> dict[str, dict[str, str]]:
    return {row[column]: row for row in rows}


DOCUMENTED_HEADERS = {
    "hubspot-companies.csv": [
        "CX Hub Account ID",
        "Company name",
        "Phone Number",
        "Street Address",
        "Industry",
        "Company owner",
        "Create Date",
        "Description",
    ],
    "hubspot-contacts.csv": [
        "CX Hub Contact ID",
        "First Name",
        "Last Name",
        "Email",
        "Mobile Phone Number",
        "Job Title",
        "Contact owner",
        "Create Date",
        "CX Hub Account ID",
    ],
    "hubspot-deals.csv": [
        "CX Hub Opportunity ID",
        "Deal Name",
        "Pipeline",
        "Deal Stage",
        "Amount",
        "Close Date",
        "Create Date",
        "Deal owner",
        "Closed Lost Reason",
        "Deal Description",
        "CX Hub Account ID",
        "CX Hub Contact ID",
    ],
    "hubspot-tickets.csv": [
        "CX Hub Ticket ID",
        "Ticket name",
        "Pipeline",
        "Ticket status",
        "Create date",
        "Close date",
        "Ticket owner",
        "Ticket description",
        "CX Hub Account ID",
        "CX Hub Contact ID",
    ],
    "hubspot-notes.csv": [
        "Activity date",
        "Note body",
        "Activity assigned to",
        "CX Hub Account ID",
        "CX Hub Contact ID",
    ],
    "dynamics-accounts.csv": [
        "Account Number",
        "Account Name",
        "Main Phone",
        "Address 1: Street 1",
        "Industry",
        "Owner",
        "Description",
        "Record Created On",
    ],
    "dynamics-contacts.csv": [
        "CX Hub ID",
        "First Name",
        "Last Name",
        "Email",
        "Mobile Phone",
        "Job Title",
        "Company Name",
        "Owner",
        "Record Created On",
    ],
    "dynamics-opportunities.csv": [
        "CX Hub ID",
        "Topic",
        "Potential Customer",
        "Contact",
        "Est. Revenue",
        "Est. Close Date",
        "Actual Close Date",
        "Status",
        "Status Reason",
        "Pipeline Phase",
        "Owner",
        "Description",
        "Record Created On",
    ],
    "dynamics-cases.csv": [
        "Case Number",
        "Case Title",
        "Customer",
        "Contact",
        "Origin",
        "Status",
        "Status Reason",
        "Satisfaction",
        "Owner",
        "Description",
        "Record Created On",
    ],
}

ALL_FILES = [(name.split("-")[0], name) for name in DOCUMENTED_HEADERS]


def test_unknown_format_is_refused_with_the_formats_listed():
    """An unknown format is a ValueError that names every format there is."""
    with pytest.raises(ValueError) as caught:
        export_hub(small_hub(), "salesforce")
    assert all(fmt in str(caught.value) for fmt in FORMATS)


@pytest.mark.parametrize(
    ("fmt", "names"),
    [
        ("hubspot", ["companies", "contacts", "deals", "tickets", "notes"]),
        ("dynamics", ["accounts", "contacts", "opportunities", "cases"]),
    ],
)
def test_files_come_in_import_order(fmt, names):
    """Parents come before the records that point at them."""
    assert [f.name for f in export_hub(small_hub(), fmt)] == [f"{fmt}-{n}.csv" for n in names]


@pytest.mark.parametrize(("fmt", "name"), ALL_FILES)
def test_header_row_is_the_documented_column_names(fmt, name):
    """Headers are the target CRM's own column names, so its import tool maps them by itself."""
    text = exported(fmt)[name].data.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text, newline=""))) == DOCUMENTED_HEADERS[name]


@pytest.mark.parametrize(("fmt", "name"), ALL_FILES)
def test_files_are_utf8_with_bom_and_crlf(fmt, name):
    """Every file starts with the UTF-8 BOM and ends its records with CRLF."""
    data = exported(fmt)[name].data
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].startswith(",".join(DOCUMENTED_HEADERS[name]).encode() + b"\r\n")
    assert data.endswith(b"\r\n")


@pytest.mark.parametrize(
    ("fmt", "name", "rows"),
    [
        ("hubspot", "hubspot-companies.csv", 1),
        ("hubspot", "hubspot-contacts.csv", 2),
        ("hubspot", "hubspot-deals.csv", 2),
        ("hubspot", "hubspot-tickets.csv", 1),
        ("hubspot", "hubspot-notes.csv", 2),
        ("dynamics", "dynamics-accounts.csv", 1),
        ("dynamics", "dynamics-contacts.csv", 2),
        ("dynamics", "dynamics-opportunities.csv", 2),
        ("dynamics", "dynamics-cases.csv", 1),
    ],
)
def test_row_counts_match_the_records_written(fmt, name, rows):
    """ExportFile.rows counts data rows, and the CSV holds exactly that many."""
    assert exported(fmt)[name].rows == rows
    assert len(read(fmt, name)) == rows


def test_note_body_parses_back_unchanged_through_csv():
    """Commas, quotes and line breaks in a note survive the CSV round trip."""
    notes = read("hubspot", "hubspot-notes.csv")
    assert notes[0]["Note body"] == (
        "2026-11-20 09:15 · WhatsApp · Inbound · Inquiry\n"
        'Asked for the price of ten Hilux pickups, "cash" terms.\n'
        "Next action: Send PFI (due 2026-11-22, Open)\n"
        f"Division: Motors · Logged by: {ADA} · INT-000001"
    )


def test_merged_account_is_left_out():
    """A Merged account is not exported: its survivor already holds its children."""
    companies = read("hubspot", "hubspot-companies.csv")
    accounts = read("dynamics", "dynamics-accounts.csv")
    assert [r["CX Hub Account ID"] for r in companies] == ["ACC-000001"]
    assert [r["Account Number"] for r in accounts] == ["ACC-000001"]


def test_references_to_a_merged_account_point_at_its_survivor():
    """A child still naming the merged account is associated with the survivor instead."""
    contacts = by_id(read("hubspot", "hubspot-contacts.csv"), "CX Hub Contact ID")
    opportunities = by_id(read("dynamics", "dynamics-opportunities.csv"), "CX Hub ID")
    notes = read("hubspot", "hubspot-notes.csv")
    assert contacts["CON-000002"]["CX Hub Account ID"] == "ACC-000001"
    assert opportunities["OPP-000002"]["Potential Customer"] == "ACC-000001"
    assert [n["CX Hub Account ID"] for n in notes] == ["ACC-000001", "ACC-000001"]


@pytest.mark.parametrize(
    ("fmt", "name", "id_column"),
    [
        ("hubspot", "hubspot-contacts.csv", "CX Hub Contact ID"),
        ("dynamics", "dynamics-contacts.csv", "CX Hub ID"),
    ],
)
def test_full_name_splits_on_the_last_word(fmt, name, id_column):
    """The last word of Full Name is the last name; the rest is the first name."""
    row = by_id(read(fmt, name), id_column)["CON-000001"]
    assert (row["First Name"], row["Last Name"]) == ("Chinedu", "Okafor")


@pytest.mark.parametrize(
    ("fmt", "name", "id_column"),
    [
        ("hubspot", "hubspot-contacts.csv", "CX Hub Contact ID"),
        ("dynamics", "dynamics-contacts.csv", "CX Hub ID"),
    ],
)
def test_single_word_name_is_a_last_name_only(fmt, name, id_column):
    """A one-word name fills Last Name, which both CRMs require."""
    row = by_id(read(fmt, name), id_column)["CON-000002"]
    assert (row["First Name"], row["Last Name"]) == ("", "Bisi")


def test_hubspot_deal_stages_map_to_the_default_pipeline():
    """Won becomes Closed won, Negotiation becomes Contract sent, in the default Sales Pipeline."""
    deals = by_id(read("hubspot", "hubspot-deals.csv"), "CX Hub Opportunity ID")
    assert (deals["OPP-000001"]["Pipeline"], deals["OPP-000001"]["Deal Stage"]) == (
        "Sales Pipeline",
        "Closed won",
    )
    assert deals["OPP-000002"]["Deal Stage"] == "Contract sent"


def test_dynamics_opportunity_status_and_phase_follow_the_stage():
    """Won is Status Won with Pipeline Phase 4-Close; Negotiation stays Open, In Progress."""
    opportunities = by_id(read("dynamics", "dynamics-opportunities.csv"), "CX Hub ID")
    won, negotiating = opportunities["OPP-000001"], opportunities["OPP-000002"]
    assert (won["Status"], won["Status Reason"], won["Pipeline Phase"]) == ("Won", "Won", "4-Close")
    assert (negotiating["Status"], negotiating["Status Reason"]) == ("Open", "In Progress")


@pytest.mark.parametrize(
    "mapping", [HUBSPOT_DEAL_STAGES, DYNAMICS_OPPORTUNITY_STATUS], ids=["hubspot", "dynamics"]
)
def test_every_hub_stage_has_a_target(mapping):
    """No pipeline stage of the hub is left without an explicit mapping."""
    assert set(mapping) == set(LISTS["Pipeline Stages"])


def test_every_open_hub_stage_has_a_dynamics_pipeline_phase():
    """Each stage short of Lost names the Dynamics phase it belongs to."""
    assert set(DYNAMICS_PIPELINE_PHASES) == set(LISTS["Pipeline Stages"]) - {"Lost"}


def test_every_ticket_status_has_a_hubspot_status():
    """No ticket status of the hub is left without a HubSpot ticket status."""
    assert set(HUBSPOT_TICKET_STATUSES) == set(LISTS["Ticket Statuses"])


def test_money_is_a_plain_number():
    """Amounts carry no separators or currency sign, and keep their decimals."""
    deals = by_id(read("hubspot", "hubspot-deals.csv"), "CX Hub Opportunity ID")
    assert deals["OPP-000001"]["Amount"] == "12500000"
    assert deals["OPP-000002"]["Amount"] == "48000000.5"


def test_dates_are_iso_dates():
    """Datetimes leave as YYYY-MM-DD; an open deal has no close date."""
    deals = by_id(read("hubspot", "hubspot-deals.csv"), "CX Hub Opportunity ID")
    assert (deals["OPP-000001"]["Create Date"], deals["OPP-000001"]["Close Date"]) == (
        "2026-10-01",
        "2026-11-15",
    )
    assert deals["OPP-000002"]["Close Date"] == ""


def test_phones_stay_e164_and_a_numeric_cell_gets_its_plus_back():
    """Phones leave in E.164, even one Excel had turned into a number."""
    contacts = by_id(read("hubspot", "hubspot-contacts.csv"), "CX Hub Contact ID")
    assert contacts["CON-000001"]["Mobile Phone Number"] == "+2348031112222"
    assert contacts["CON-000002"]["Mobile Phone Number"] == "+2348053334444"


def test_owners_are_emails_falling_back_to_the_account_owner():
    """A record without an owner of its own goes to its (surviving) account's owner."""
    deals = by_id(read("hubspot", "hubspot-deals.csv"), "CX Hub Opportunity ID")
    assert deals["OPP-000002"]["Deal owner"] == ADA


def test_hubspot_ticket_status_maps_to_the_support_pipeline():
    """Awaiting Parts is Waiting on us in HubSpot's default Support Pipeline."""
    ticket = read("hubspot", "hubspot-tickets.csv")[0]
    assert (ticket["Pipeline"], ticket["Ticket status"]) == ("Support Pipeline", "Waiting on us")


def test_dynamics_case_takes_origin_from_its_first_interaction():
    """The case's Origin is the channel of the first interaction logged against the ticket."""
    case = read("dynamics", "dynamics-cases.csv")[0]
    assert (case["Origin"], case["Status Reason"], case["Satisfaction"]) == ("Phone", "On Hold", "Satisfied")


@pytest.mark.parametrize("fmt", FORMATS)
def test_blank_cells_and_missing_tabs_do_not_crash(fmt):
    """Rows of blanks export as blank fields, and a missing tab exports as a header-only file."""
    tables = {
        "Accounts": [{"Account ID": "ACC-000009"}],
        "Contacts": [{"Contact ID": "CON-000009", "Full Name": None}],
        "Opportunities": [{"Opportunity ID": None, "Value": "n/a", "Closed": "not a date"}],
    }
    files = {f.name: f for f in export_hub(tables, fmt)}
    assert [f.rows for f in files.values()] == ([1, 1, 1, 0, 0] if fmt == "hubspot" else [1, 1, 1, 0])


def test_lost_opportunity_keeps_its_reason_and_furthest_phase():
    """Lost is Closed lost with its reason in HubSpot, and Lost/Out-Sold at its last phase in Dynamics."""
    tables = small_hub()
    tables["Opportunities"] = [
        {
            "Opportunity ID": "OPP-000003",
            "Account ID": "ACC-000001",
            "Division": "Power",
            "Stage": "Lost",
            "Lost Reason": "Bought from a competitor",
            "Closed": datetime(2026, 11, 18, 12, 0),
            "Date Entered Quote / PFI": datetime(2026, 11, 10, 9, 0),
        }
    ]
    deal = next(
        csv.DictReader(io.StringIO(export_hub(tables, "hubspot")[2].data.decode("utf-8-sig"), newline=""))
    )
    opp = next(
        csv.DictReader(io.StringIO(export_hub(tables, "dynamics")[2].data.decode("utf-8-sig"), newline=""))
    )
    assert (deal["Deal Stage"], deal["Closed Lost Reason"]) == ("Closed lost", "Bought from a competitor")
    assert (opp["Status"], opp["Status Reason"], opp["Pipeline Phase"]) == ("Lost", "Out-Sold", "3-Propose")


def test_the_mapped_hub_values_and_detail_columns_are_the_hubs_own():
    """crm_mappings.toml names only hub values and columns the schema has, so a typo there shows."""
    for tab_name, which in (
        ("Accounts", ACCOUNT_DETAILS),
        ("Opportunities", OPPORTUNITY_DETAILS),
        ("Tickets", TICKET_DETAILS),
    ):
        assert {column for _, column, _ in which} <= set(tab(tab_name).column_names), tab_name
    assert set(DYNAMICS_CASE_STATUS) == set(LISTS["Ticket Statuses"])
    assert set(DYNAMICS_CASE_ORIGINS) <= set(LISTS["Channels"])
