"""The hub as CSV files HubSpot's import tool reads: companies, contacts, deals, tickets and notes
(one note per interaction), associated on our IDs.
"""

from __future__ import annotations

from hub.upgrade.exports.common import (
    ACCOUNT_DETAILS,
    MAPPINGS,
    OPPORTUNITY_DETAILS,
    TICKET_DETAILS,
    FileSpec,
    HubView,
    Record,
    Row,
    as_text,
    clip,
    company_fields,
    contact_fields,
    date_time,
    details,
    id_of,
    iso_date,
    opportunity_fields,
    renamed,
    summary,
    ticket_fields,
)
from hub_schema.columns import ACCOUNT_ID, CONTACT_ID, INTERACTION_ID

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

# Hub stage -> stage label of HubSpot's default sales pipeline (in pipeline order), hub ticket status
# -> status label of its default support pipeline: crm_mappings.toml [hubspot].
HUBSPOT_DEAL_STAGES: dict[str, str] = MAPPINGS["hubspot"]["deal_stages"]
HUBSPOT_TICKET_STATUSES: dict[str, str] = MAPPINGS["hubspot"]["ticket_statuses"]

HUBSPOT_NOTE_BODY_MAX = 65_536  # hs_note_body limit in HubSpot's notes API

COMPANY_COLUMNS = {
    HUBSPOT_COMPANY_ID: "id",
    "Company name": "name",
    "Phone Number": "phone",
    "Street Address": "street",
    "Industry": "industry",
    "Company owner": "owner",
    "Create Date": "created",
}
CONTACT_COLUMNS = {
    HUBSPOT_CONTACT_ID: "id",
    "First Name": "first",
    "Last Name": "last",
    "Email": "email",
    "Mobile Phone Number": "mobile",
    "Job Title": "job",
    "Contact owner": "owner",
    "Create Date": "created",
    HUBSPOT_COMPANY_ID: "account",
}
DEAL_COLUMNS = {
    HUBSPOT_DEAL_ID: "id",
    "Deal Name": "name",
    "Amount": "amount",
    "Close Date": "closed",
    "Create Date": "created",
    "Deal owner": "owner",
    HUBSPOT_COMPANY_ID: "account",
    HUBSPOT_CONTACT_ID: "contact",
}
TICKET_COLUMNS = {
    HUBSPOT_TICKET_ID: "id",
    "Ticket name": "title",
    "Create date": "created",
    "Close date": "closed",
    "Ticket owner": "owner",
    HUBSPOT_COMPANY_ID: "account",
    HUBSPOT_CONTACT_ID: "contact",
}


def _companies(hub: HubView) -> list[Record]:
    return [
        {
            **renamed(company_fields(a), COMPANY_COLUMNS),
            "Description": summary(details(a, ACCOUNT_DETAILS), "\n"),
        }
        for a in hub.accounts
    ]


def _contacts(hub: HubView) -> list[Record]:
    return [renamed(contact_fields(hub, c), CONTACT_COLUMNS) for c in hub.contacts]


def _deals(hub: HubView) -> list[Record]:
    records = []
    for o in hub.opportunities:
        fields = opportunity_fields(hub, o)
        stage = fields["stage"]
        records.append(
            {
                **renamed(fields, DEAL_COLUMNS),
                "Pipeline": HUBSPOT_DEAL_PIPELINE,
                # An unknown stage goes as typed, so HubSpot's import report names it.
                "Deal Stage": HUBSPOT_DEAL_STAGES.get(stage, stage),
                "Closed Lost Reason": as_text(o.get("Lost Reason")) if stage == "Lost" else "",
                "Deal Description": summary(details(o, OPPORTUNITY_DETAILS), "\n"),
            }
        )
    return records


def _tickets(hub: HubView) -> list[Record]:
    records = []
    for t in hub.tickets:
        fields = ticket_fields(hub, t)
        records.append(
            {
                **renamed(fields, TICKET_COLUMNS),
                "Pipeline": HUBSPOT_TICKET_PIPELINE,
                "Ticket status": HUBSPOT_TICKET_STATUSES.get(fields["status"], fields["status"]),
                "Ticket description": summary(details(t, TICKET_DETAILS), "\n"),
            }
        )
    return records


def _joined(parts: tuple[str, ...], separator: str) -> str:
    return separator.join(p for p in parts if p)


def _labelled(label: str, value: str) -> str:
    return f"{label}: {value}" if value else ""


def _note_body(row: Row) -> str:
    when = row.get("Date") or row.get("Submitted At") or row.get("Recorded At")
    headline = _joined(
        (date_time(when), *(as_text(row.get(c)) for c in ("Channel", "Direction", "Type"))), " · "
    )
    lines = [headline, as_text(row.get("Notes"))]
    next_action = as_text(row.get("Next Action"))
    if next_action:
        due = iso_date(row.get("Action Due Date"))
        extra = _joined((f"due {due}" if due else "", as_text(row.get("Action Status"))), ", ")
        lines.append(f"Next action: {next_action}" + (f" ({extra})" if extra else ""))
    trailer = _joined(
        (
            _labelled("Division", as_text(row.get("Division"))),
            _labelled("Logged by", as_text(row.get("Logged By"))),
            id_of(row.get(INTERACTION_ID)),
        ),
        " · ",
    )
    lines.append(trailer)
    return clip("\n".join(line for line in lines if line), HUBSPOT_NOTE_BODY_MAX)


def _notes(hub: HubView) -> list[Record]:
    return [
        {
            # HubSpot requires an activity date; fall back to when the Form answer came in.
            "Activity date": iso_date(i.get("Date") or i.get("Submitted At") or i.get("Recorded At")),
            "Note body": _note_body(i),
            "Activity assigned to": as_text(i.get("Logged By")),
            HUBSPOT_COMPANY_ID: hub.account_id(i.get(ACCOUNT_ID)),
            HUBSPOT_CONTACT_ID: hub.contact_id(i.get(CONTACT_ID)),
        }
        for i in hub.interactions
    ]


# In the order they are imported: companies first, so the others can associate with them.
FILES: tuple[FileSpec, ...] = (
    FileSpec(
        "hubspot-companies.csv",
        (
            HUBSPOT_COMPANY_ID,
            "Company name",
            "Phone Number",
            "Street Address",
            "Industry",
            "Company owner",
            "Create Date",
            "Description",
        ),
        _companies,
    ),
    FileSpec(
        "hubspot-contacts.csv",
        (
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
        _contacts,
    ),
    FileSpec(
        "hubspot-deals.csv",
        (
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
        _deals,
    ),
    FileSpec(
        "hubspot-tickets.csv",
        (
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
        _tickets,
    ),
    FileSpec(
        "hubspot-notes.csv",
        (
            "Activity date",
            "Note body",
            "Activity assigned to",
            HUBSPOT_COMPANY_ID,
            HUBSPOT_CONTACT_ID,
        ),
        _notes,
    ),
)
