"""The exit ramp: the hub as import-ready CSV files for HubSpot or Dynamics 365.

When the upgrade triggers say it is time for a real CRM, nothing typed into the hub should be left
behind or retyped. `export_hub` turns the hub's tables (as `HubStore.read_tables` returns them)
into one CSV per target object, with the column headers each CRM's import tool maps on its own.
Which hub column goes where, the value mappings and the import steps are in docs/EXPORT.md.

Pure: no files are written here; the CLI decides where the bytes go.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from hub.values import FieldError, parse_phone

FORMATS = ("hubspot", "dynamics")

Row = Mapping[str, object]
Record = dict[str, str]

# Hub phones are already E.164; this only rescues a cell Excel turned into a number (plus sign lost).
PHONE_REGION = "NG"

# --- HubSpot ---------------------------------------------------------------------------------------
# Our stable IDs travel in custom single-line-text properties created with "Require unique values"
# (docs/EXPORT.md, step 1). They are the common column HubSpot associates records on across files,
# and what a re-import matches, so a second export updates records instead of duplicating them.
HUBSPOT_COMPANY_ID = "CX Hub Account ID"
HUBSPOT_CONTACT_ID = "CX Hub Contact ID"
HUBSPOT_DEAL_ID = "CX Hub Opportunity ID"
HUBSPOT_TICKET_ID = "CX Hub Ticket ID"

HUBSPOT_DEAL_PIPELINE = "Sales Pipeline"  # label of the default deal pipeline (internal ID "default")
HUBSPOT_TICKET_PIPELINE = "Support Pipeline"  # label of the default ticket pipeline (internal ID "0")

# Hub stage -> stage label of HubSpot's default sales pipeline, in pipeline order, so HubSpot's stage
# probabilities and funnel reports keep the hub's order (internal IDs in docs/EXPORT.md).
HUBSPOT_DEAL_STAGES: dict[str, str] = {
    "Inquiry": "Appointment scheduled",
    "Qualified": "Qualified to buy",
    "Test Drive / Site Visit": "Presentation scheduled",
    "Quote / PFI": "Decision maker bought-in",
    "Negotiation": "Contract sent",
    "Won": "Closed won",
    "Lost": "Closed lost",
}

# Hub ticket status -> status label of HubSpot's default support pipeline.
HUBSPOT_TICKET_STATUSES: dict[str, str] = {
    "Open": "New",
    "In Progress": "Waiting on us",
    "Awaiting Customer": "Waiting on contact",
    "Awaiting Parts": "Waiting on us",
    "Resolved": "Closed",
    "Closed": "Closed",
}

HUBSPOT_NOTE_BODY_MAX = 65_536  # hs_note_body limit in HubSpot's notes API

# --- Dynamics 365 ----------------------------------------------------------------------------------
# Contacts and opportunities have no standard column for a foreign key: the admin adds a text
# column with this display name (docs/EXPORT.md) so the wizard maps it and re-imports can match.
# Accounts use the standard "Account Number" and cases the standard "Case Number" instead.
DYNAMICS_ID_COLUMN = "CX Hub ID"

# Hub stage -> (Status, Status Reason) as the opportunity table defines them.
DYNAMICS_OPPORTUNITY_STATUS: dict[str, tuple[str, str]] = {
    "Inquiry": ("Open", "In Progress"),
    "Qualified": ("Open", "In Progress"),
    "Test Drive / Site Visit": ("Open", "In Progress"),
    "Quote / PFI": ("Open", "In Progress"),
    "Negotiation": ("Open", "In Progress"),
    "Won": ("Won", "Won"),
    # The hub's Lost Reason is free text; "Out-Sold" is the Lost reason that fits most of them
    # (price, a competitor, bought elsewhere), and the reason itself travels in Description.
    "Lost": ("Lost", "Out-Sold"),
}

# Hub stage -> the phase names the default Opportunity Sales Process writes to Pipeline Phase.
DYNAMICS_PIPELINE_PHASES: dict[str, str] = {
    "Inquiry": "1-Qualify",
    "Qualified": "2-Develop",
    "Test Drive / Site Visit": "2-Develop",
    "Quote / PFI": "3-Propose",
    "Negotiation": "4-Close",
    "Won": "4-Close",
}

# Hub ticket status -> (Status, Status Reason) as the case (incident) table defines them.
DYNAMICS_CASE_STATUS: dict[str, tuple[str, str]] = {
    "Open": ("Active", "In Progress"),
    "In Progress": ("Active", "In Progress"),
    "Awaiting Customer": ("Active", "Waiting for Details"),
    "Awaiting Parts": ("Active", "On Hold"),
    "Resolved": ("Resolved", "Problem Solved"),
    "Closed": ("Resolved", "Problem Solved"),
}

# Hub channel -> case Origin option. Channels without a standard option (WhatsApp, Walk-in, ...)
# go as typed: the wizard's option-set step lets the admin add them or map them to an option.
DYNAMICS_CASE_ORIGINS: dict[str, str] = {"Phone": "Phone", "Email": "Email", "Website": "Web"}

# Hub CSAT (1-5) -> case Satisfaction option.
DYNAMICS_SATISFACTION: dict[int, str] = {
    1: "Very Dissatisfied",
    2: "Dissatisfied",
    3: "Neutral",
    4: "Satisfied",
    5: "Very Satisfied",
}

# Column limits from the Dataverse table definitions: a longer value fails the whole row.
DYNAMICS_DESCRIPTION_MAX = 2_000
DYNAMICS_TOPIC_MAX = 300
DYNAMICS_CASE_TITLE_MAX = 200

HEADERS: dict[str, tuple[str, ...]] = {
    "hubspot-companies.csv": (
        HUBSPOT_COMPANY_ID,
        "Company name",
        "Phone Number",
        "Street Address",
        "Industry",
        "Company owner",
        "Create Date",
        "Description",
    ),
    "hubspot-contacts.csv": (
        HUBSPOT_CONTACT_ID,
        "First Name",
        "Last Name",
        "Email",
        "Mobile Phone Number",
        "Job Title",
        "Contact owner",
        "Create Date",
        HUBSPOT_COMPANY_ID,
    ),
    "hubspot-deals.csv": (
        HUBSPOT_DEAL_ID,
        "Deal Name",
        "Pipeline",
        "Deal Stage",
        "Amount",
        "Close Date",
        "Create Date",
        "Deal owner",
        "Closed Lost Reason",
        "Deal Description",
        HUBSPOT_COMPANY_ID,
        HUBSPOT_CONTACT_ID,
    ),
    "hubspot-tickets.csv": (
        HUBSPOT_TICKET_ID,
        "Ticket name",
        "Pipeline",
        "Ticket status",
        "Create date",
        "Close date",
        "Ticket owner",
        "Ticket description",
        HUBSPOT_COMPANY_ID,
        HUBSPOT_CONTACT_ID,
    ),
    "hubspot-notes.csv": (
        "Activity date",
        "Note body",
        "Activity assigned to",
        HUBSPOT_COMPANY_ID,
        HUBSPOT_CONTACT_ID,
    ),
    "dynamics-accounts.csv": (
        "Account Number",
        "Account Name",
        "Main Phone",
        "Address 1: Street 1",
        "Industry",
        "Owner",
        "Description",
        "Record Created On",
    ),
    "dynamics-contacts.csv": (
        DYNAMICS_ID_COLUMN,
        "First Name",
        "Last Name",
        "Email",
        "Mobile Phone",
        "Job Title",
        "Company Name",
        "Owner",
        "Record Created On",
    ),
    "dynamics-opportunities.csv": (
        DYNAMICS_ID_COLUMN,
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
    ),
    "dynamics-cases.csv": (
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
    ),
}


@dataclass(frozen=True)
class ExportFile:
    name: str  # e.g. "hubspot-companies.csv"
    rows: int  # data rows, header not counted
    data: bytes  # UTF-8 with BOM, CRLF line endings, quoted by the csv module where needed


def export_hub(tables: Mapping[str, list[dict]], fmt: str) -> list[ExportFile]:
    """The hub as CSV files for `fmt` ("hubspot" or "dynamics"), in the order they are imported.

    `tables` holds rows keyed by hub_schema column names (a missing tab counts as empty). Merged
    accounts and contacts are left out; references to them follow Merged Into to the survivor.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    hub = _Hub(tables)
    return [_csv_file(name, build(hub)) for name, build in _BUILDERS[fmt]]


# --- reading the hub -------------------------------------------------------------------------------


class _Hub:
    """The tables an export reads, with merged records resolved to their survivors."""

    def __init__(self, tables: Mapping[str, Sequence[Row]]) -> None:
        all_accounts = list(tables.get("Accounts") or ())
        all_contacts = list(tables.get("Contacts") or ())
        self._accounts_by_id = _by_key(all_accounts, "Account ID")
        self._contacts_by_id = _by_key(all_contacts, "Contact ID")
        self.accounts = [a for a in all_accounts if not _is_merged(a)]
        self.contacts = [c for c in all_contacts if not _is_merged(c)]
        self.opportunities = list(tables.get("Opportunities") or ())
        self.tickets = list(tables.get("Tickets") or ())
        self.interactions = list(tables.get("Interactions") or ())
        self._ticket_channels = _first_channel_per_ticket(self.interactions)

    def account_id(self, ref: object) -> str:
        return _survivor(self._accounts_by_id, ref)

    def contact_id(self, ref: object) -> str:
        return _survivor(self._contacts_by_id, ref)

    def account(self, ref: object) -> Row:
        return self._accounts_by_id.get(self.account_id(ref), {})

    def account_name(self, ref: object) -> str:
        return _text(self.account(ref).get("Company Name")) or self.account_id(ref)

    def account_owner(self, ref: object) -> str:
        return _account_owner(self.account(ref))

    def ticket_channel(self, ticket_id: object) -> str:
        return self._ticket_channels.get(_key(ticket_id), "")


def _key(value: object) -> str:
    return _text(value).upper()


def _by_key(rows: Sequence[Row], column: str) -> dict[str, Row]:
    return {_key(r.get(column)): r for r in rows if _key(r.get(column))}


def _is_merged(row: Row) -> bool:
    return _text(row.get("Status")).casefold() == "merged"


def _survivor(by_id: Mapping[str, Row], ref: object) -> str:
    # Governance re-points children after a merge, but an export taken before that run must not
    # associate anything with a record it leaves out.
    current = _key(ref)
    seen: set[str] = set()
    while current in by_id and current not in seen:
        seen.add(current)
        row = by_id[current]
        successor = _key(row.get("Merged Into"))
        if not _is_merged(row) or not successor:
            break
        current = successor
    return current


def _account_owner(account: Row) -> str:
    # The override wins in the hub too; governance copies it into Account Owner on its next run.
    return _text(account.get("Owner Override")) or _text(account.get("Account Owner"))


def _first_channel_per_ticket(interactions: Sequence[Row]) -> dict[str, str]:
    """The channel of each ticket's earliest interaction: how the case reached us (its Origin)."""
    earliest: dict[str, tuple[str, str]] = {}
    for row in interactions:
        ticket = _key(row.get("Ticket ID"))
        channel = _text(row.get("Channel"))
        if not ticket or not channel:
            continue
        when = _when_sort_key(row.get("Date"))
        if ticket not in earliest or when < earliest[ticket][0]:
            earliest[ticket] = (when, channel)
    return {ticket: channel for ticket, (_, channel) in earliest.items()}


def _when_sort_key(value: object) -> str:
    # Undated rows sort last, so a dated interaction always decides the origin.
    return value.isoformat() if isinstance(value, date) else "~"


# --- values ----------------------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: object) -> str:
    """ISO date only: the hub's times are Lagos wall-clock, and a bare date cannot be shifted a day
    by a CRM reading it in another time zone."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip()).date().isoformat()
        except ValueError:
            return ""
    return ""


def _when(value: object) -> str:
    """Date and time for reading inside a note or description (not for a date column)."""
    if isinstance(value, datetime):
        if (value.hour, value.minute) == (0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    return _date(value)


_MONEY_NOISE = re.compile(r"₦|NGN|[,\s\u00a0]", re.IGNORECASE)


def _money(value: object) -> str:
    """A plain number, no separators or currency, never in exponent form."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    try:
        number = (
            Decimal(repr(value)) if isinstance(value, float) else Decimal(_MONEY_NOISE.sub("", str(value)))
        )
    except InvalidOperation:
        return ""
    if not number.is_finite():
        return ""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _phone(value: object) -> str:
    if value is None or isinstance(value, bool):
        return ""
    raw = str(int(value)) if isinstance(value, int | float) else str(value).strip()
    if not raw:
        return ""
    try:
        return parse_phone(raw, "phone", PHONE_REGION)
    except FieldError:
        return raw  # kept as typed: the CRM's import report shows it to the admin


def _split_name(full_name: object) -> tuple[str, str]:
    """(first, last): the last word is the last name. A single word is a last name only, because
    both CRMs require a last name and accept a contact without a first name."""
    words = _text(full_name).split()
    if not words:
        return "", ""
    return " ".join(words[:-1]), words[-1]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _summary(pairs: Sequence[tuple[str, str]], separator: str) -> str:
    """Hub columns the target has no column for, as 'Label: value' lines, so nothing is lost."""
    return separator.join(f"{label}: {value}" for label, value in pairs if value)


def _csat(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        return int(value)
    text = _text(value)
    return int(text) if text.isdigit() else None


def _deal_name(hub: _Hub, opp: Row) -> str:
    company = hub.account_name(opp.get("Account ID"))
    product = _text(opp.get("Product"))
    what = product or f"{_text(opp.get('Division')) or 'New'} opportunity"
    return f"{what} – {company}" if company else what


def _ticket_title(hub: _Hub, ticket: Row) -> str:
    parts = [
        _text(ticket.get("Category")) or "Ticket",
        _text(ticket.get("Division")),
        hub.account_name(ticket.get("Account ID")),
    ]
    return " – ".join(p for p in parts if p)


def _opportunity_details(opp: Row) -> list[tuple[str, str]]:
    return [
        ("Division", _text(opp.get("Division"))),
        ("Product", _text(opp.get("Product"))),
        ("Campaign", _text(opp.get("Campaign"))),
        ("Lost reason", _text(opp.get("Lost Reason"))),
        ("CX Hub stage", _text(opp.get("Stage"))),
    ]


def _ticket_details(ticket: Row) -> list[tuple[str, str]]:
    csat = _csat(ticket.get("CSAT"))
    return [
        ("Category", _text(ticket.get("Category"))),
        ("Division", _text(ticket.get("Division"))),
        ("CX Hub status", _text(ticket.get("Status"))),
        ("Opened", _when(ticket.get("Opened"))),
        ("First response", _when(ticket.get("First Response"))),
        ("Resolved", _when(ticket.get("Resolved"))),
        ("Quote amount (NGN)", _money(ticket.get("Quote Amount"))),
        ("Final amount (NGN)", _money(ticket.get("Final Amount"))),
        ("Manager approved", _text(ticket.get("Manager Approved"))),
        ("CSAT (1-5)", str(csat) if csat is not None else ""),
    ]


def _account_details(account: Row) -> list[tuple[str, str]]:
    return [
        ("Account type", _text(account.get("Account Type"))),
        ("Divisions", _text(account.get("Divisions"))),
        ("ERP customer ID", _text(account.get("ERP Customer ID"))),
    ]


def _is_closed_ticket(ticket: Row) -> bool:
    return _text(ticket.get("Status")) in ("Resolved", "Closed")


def _is_closed_stage(opp: Row) -> bool:
    return _text(opp.get("Stage")) in ("Won", "Lost")


# --- HubSpot files ---------------------------------------------------------------------------------


def _hubspot_companies(hub: _Hub) -> list[Record]:
    return [
        {
            HUBSPOT_COMPANY_ID: _key(a.get("Account ID")),
            "Company name": _text(a.get("Company Name")),
            "Phone Number": _phone(a.get("Main Phone Number")),
            "Street Address": _text(a.get("Address")),
            "Industry": _text(a.get("Industry")),
            "Company owner": _account_owner(a),
            "Create Date": _date(a.get("Created")),
            "Description": _summary(_account_details(a), "\n"),
        }
        for a in hub.accounts
    ]


def _hubspot_contacts(hub: _Hub) -> list[Record]:
    records = []
    for c in hub.contacts:
        first, last = _split_name(c.get("Full Name"))
        account = c.get("Associated Account ID")
        records.append(
            {
                HUBSPOT_CONTACT_ID: _key(c.get("Contact ID")),
                "First Name": first,
                "Last Name": last,
                "Email": _text(c.get("Email")),
                "Mobile Phone Number": _phone(c.get("Mobile Number")),
                "Job Title": _text(c.get("Job Title")),
                # The hub owns accounts, not people: a contact follows its account's owner.
                "Contact owner": hub.account_owner(account),
                "Create Date": _date(c.get("Created")),
                HUBSPOT_COMPANY_ID: hub.account_id(account),
            }
        )
    return records


def _hubspot_deals(hub: _Hub) -> list[Record]:
    records = []
    for o in hub.opportunities:
        stage = _text(o.get("Stage"))
        records.append(
            {
                HUBSPOT_DEAL_ID: _key(o.get("Opportunity ID")),
                "Deal Name": _deal_name(hub, o),
                "Pipeline": HUBSPOT_DEAL_PIPELINE,
                # An unknown stage goes as typed, so HubSpot's import report names it.
                "Deal Stage": HUBSPOT_DEAL_STAGES.get(stage, stage),
                "Amount": _money(o.get("Value")),
                "Close Date": _date(o.get("Closed")) if _is_closed_stage(o) else "",
                "Create Date": _date(o.get("Opened")),
                "Deal owner": _text(o.get("Owner")) or hub.account_owner(o.get("Account ID")),
                "Closed Lost Reason": _text(o.get("Lost Reason")) if stage == "Lost" else "",
                "Deal Description": _summary(_opportunity_details(o), "\n"),
                HUBSPOT_COMPANY_ID: hub.account_id(o.get("Account ID")),
                HUBSPOT_CONTACT_ID: hub.contact_id(o.get("Contact ID")),
            }
        )
    return records


def _hubspot_tickets(hub: _Hub) -> list[Record]:
    records = []
    for t in hub.tickets:
        status = _text(t.get("Status"))
        records.append(
            {
                HUBSPOT_TICKET_ID: _key(t.get("Ticket ID")),
                "Ticket name": _ticket_title(hub, t),
                "Pipeline": HUBSPOT_TICKET_PIPELINE,
                "Ticket status": HUBSPOT_TICKET_STATUSES.get(status, status),
                "Create date": _date(t.get("Opened")),
                "Close date": _date(t.get("Resolved")) if _is_closed_ticket(t) else "",
                "Ticket owner": _text(t.get("Owner")) or hub.account_owner(t.get("Account ID")),
                "Ticket description": _summary(_ticket_details(t), "\n"),
                HUBSPOT_COMPANY_ID: hub.account_id(t.get("Account ID")),
                HUBSPOT_CONTACT_ID: hub.contact_id(t.get("Contact ID")),
            }
        )
    return records


def _note_body(row: Row) -> str:
    when = row.get("Date") or row.get("Submitted At") or row.get("Recorded At")
    headline = " · ".join(
        p for p in (_when(when), *(_text(row.get(c)) for c in ("Channel", "Direction", "Type"))) if p
    )
    lines = [headline, _text(row.get("Notes"))]
    next_action = _text(row.get("Next Action"))
    if next_action:
        extra = ", ".join(
            p
            for p in (
                f"due {_date(row.get('Action Due Date'))}" if _date(row.get("Action Due Date")) else "",
                _text(row.get("Action Status")),
            )
            if p
        )
        lines.append(f"Next action: {next_action}" + (f" ({extra})" if extra else ""))
    trailer = " · ".join(
        p
        for p in (
            f"Division: {_text(row.get('Division'))}" if _text(row.get("Division")) else "",
            f"Logged by: {_text(row.get('Logged By'))}" if _text(row.get("Logged By")) else "",
            _key(row.get("Interaction ID")),
        )
        if p
    )
    lines.append(trailer)
    return _clip("\n".join(line for line in lines if line), HUBSPOT_NOTE_BODY_MAX)


def _hubspot_notes(hub: _Hub) -> list[Record]:
    return [
        {
            # HubSpot requires an activity date; fall back to when the Form answer came in.
            "Activity date": _date(i.get("Date") or i.get("Submitted At") or i.get("Recorded At")),
            "Note body": _note_body(i),
            "Activity assigned to": _text(i.get("Logged By")),
            HUBSPOT_COMPANY_ID: hub.account_id(i.get("Account ID")),
            HUBSPOT_CONTACT_ID: hub.contact_id(i.get("Contact ID")),
        }
        for i in hub.interactions
    ]


# --- Dynamics 365 files ----------------------------------------------------------------------------
# Lookup columns (Company Name, Potential Customer, Customer, Contact) carry our IDs, not names:
# names of individual customers repeat, and the wizard fails a row whose lookup matches twice.


def _dynamics_accounts(hub: _Hub) -> list[Record]:
    return [
        {
            "Account Number": _key(a.get("Account ID")),
            "Account Name": _text(a.get("Company Name")),
            "Main Phone": _phone(a.get("Main Phone Number")),
            "Address 1: Street 1": _text(a.get("Address")),
            "Industry": _text(a.get("Industry")),
            "Owner": _account_owner(a),
            "Description": _clip(_summary(_account_details(a), "; "), DYNAMICS_DESCRIPTION_MAX),
            "Record Created On": _date(a.get("Created")),
        }
        for a in hub.accounts
    ]


def _dynamics_contacts(hub: _Hub) -> list[Record]:
    records = []
    for c in hub.contacts:
        first, last = _split_name(c.get("Full Name"))
        account = c.get("Associated Account ID")
        records.append(
            {
                DYNAMICS_ID_COLUMN: _key(c.get("Contact ID")),
                "First Name": first,
                "Last Name": last,
                "Email": _text(c.get("Email")),
                "Mobile Phone": _phone(c.get("Mobile Number")),
                "Job Title": _text(c.get("Job Title")),
                "Company Name": hub.account_id(account),
                "Owner": hub.account_owner(account),
                "Record Created On": _date(c.get("Created")),
            }
        )
    return records


def _last_open_stage(opp: Row) -> str:
    """The furthest stage a lost opportunity reached, from its Date Entered columns."""
    open_stages = [s for s in DYNAMICS_PIPELINE_PHASES if s != "Won"]
    for stage in reversed(open_stages):
        if opp.get(f"Date Entered {stage}"):
            return stage
    return ""


def _dynamics_opportunities(hub: _Hub) -> list[Record]:
    records = []
    for o in hub.opportunities:
        stage = _text(o.get("Stage"))
        status, reason = DYNAMICS_OPPORTUNITY_STATUS.get(stage, ("", stage))
        phase_stage = _last_open_stage(o) if stage == "Lost" else stage
        closed = _date(o.get("Closed")) if _is_closed_stage(o) else ""
        records.append(
            {
                DYNAMICS_ID_COLUMN: _key(o.get("Opportunity ID")),
                "Topic": _clip(_deal_name(hub, o), DYNAMICS_TOPIC_MAX),
                "Potential Customer": hub.account_id(o.get("Account ID")),
                "Contact": hub.contact_id(o.get("Contact ID")),
                "Est. Revenue": _money(o.get("Value")),
                "Est. Close Date": closed,
                "Actual Close Date": closed,
                "Status": status,
                "Status Reason": reason,
                "Pipeline Phase": DYNAMICS_PIPELINE_PHASES.get(phase_stage, ""),
                "Owner": _text(o.get("Owner")) or hub.account_owner(o.get("Account ID")),
                "Description": _clip(_summary(_opportunity_details(o), "; "), DYNAMICS_DESCRIPTION_MAX),
                "Record Created On": _date(o.get("Opened")),
            }
        )
    return records


def _dynamics_cases(hub: _Hub) -> list[Record]:
    records = []
    for t in hub.tickets:
        status_text = _text(t.get("Status"))
        status, reason = DYNAMICS_CASE_STATUS.get(status_text, ("", status_text))
        channel = hub.ticket_channel(t.get("Ticket ID"))
        csat = _csat(t.get("CSAT"))
        records.append(
            {
                "Case Number": _key(t.get("Ticket ID")),
                "Case Title": _clip(_ticket_title(hub, t), DYNAMICS_CASE_TITLE_MAX),
                "Customer": hub.account_id(t.get("Account ID")),
                "Contact": hub.contact_id(t.get("Contact ID")),
                "Origin": DYNAMICS_CASE_ORIGINS.get(channel, channel),
                "Status": status,
                "Status Reason": reason,
                "Satisfaction": DYNAMICS_SATISFACTION.get(csat, "") if csat is not None else "",
                "Owner": _text(t.get("Owner")) or hub.account_owner(t.get("Account ID")),
                "Description": _clip(_summary(_ticket_details(t), "; "), DYNAMICS_DESCRIPTION_MAX),
                "Record Created On": _date(t.get("Opened")),
            }
        )
    return records


# --- CSV -------------------------------------------------------------------------------------------

_BUILDERS: dict[str, tuple[tuple[str, Callable[[_Hub], list[Record]]], ...]] = {
    "hubspot": (
        ("hubspot-companies.csv", _hubspot_companies),
        ("hubspot-contacts.csv", _hubspot_contacts),
        ("hubspot-deals.csv", _hubspot_deals),
        ("hubspot-tickets.csv", _hubspot_tickets),
        ("hubspot-notes.csv", _hubspot_notes),
    ),
    "dynamics": (
        ("dynamics-accounts.csv", _dynamics_accounts),
        ("dynamics-contacts.csv", _dynamics_contacts),
        ("dynamics-opportunities.csv", _dynamics_opportunities),
        ("dynamics-cases.csv", _dynamics_cases),
    ),
}


def _csv_file(name: str, records: list[Record]) -> ExportFile:
    header = HEADERS[name]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([record[column] for column in header] for record in records)
    # The BOM is how Excel (and Dynamics' wizard) know the file is UTF-8: names like "Adébáyọ̀" survive.
    return ExportFile(name=name, rows=len(records), data=buffer.getvalue().encode("utf-8-sig"))
