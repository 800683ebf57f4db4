"""The hub as CSV files the Dynamics 365 import wizard reads: accounts, contacts, opportunities and
cases, with Status and Status Reason as the Dataverse tables define them.
"""

from __future__ import annotations

from hub.upgrade.exports.common import (
    ACCOUNT_DETAILS,
    MAPPINGS,
    OPPORTUNITY_DETAILS,
    TICKET_DETAILS,
    Details,
    FileSpec,
    HubView,
    Record,
    Row,
    clip,
    company_fields,
    contact_fields,
    csat_score,
    details,
    opportunity_fields,
    renamed,
    summary,
    ticket_fields,
)
from hub_schema.columns import COMPANY_NAME, TICKET_ID

# --- Dynamics 365 ----------------------------------------------------------------------------------
# Contacts and opportunities have no standard column for a foreign key: the admin adds a text
# column with this display name (docs/EXPORT.md) so the wizard maps it and re-imports can match.
# Accounts use the standard "Account Number" and cases the standard "Case Number" instead.
DYNAMICS_ID_COLUMN = "CX Hub ID"

# Hub values -> the option values of Dynamics' own tables (crm_mappings.toml [dynamics], where each
# map says what it follows): opportunity Status and Status Reason and its Pipeline Phase, case
# Status and Status Reason, case Origin, case Satisfaction.
_MAPS = MAPPINGS["dynamics"]
DYNAMICS_OPPORTUNITY_STATUS: dict[str, tuple[str, str]] = {
    k: tuple(v) for k, v in _MAPS["opportunity_status"].items()
}
DYNAMICS_PIPELINE_PHASES: dict[str, str] = _MAPS["pipeline_phases"]
DYNAMICS_CASE_STATUS: dict[str, tuple[str, str]] = {k: tuple(v) for k, v in _MAPS["case_status"].items()}
DYNAMICS_CASE_ORIGINS: dict[str, str] = _MAPS["case_origins"]
DYNAMICS_SATISFACTION: dict[int, str] = {int(k): v for k, v in _MAPS["satisfaction"].items()}

# Column limits from the Dataverse table definitions: a longer value fails the whole row.
DYNAMICS_DESCRIPTION_MAX = 2_000
DYNAMICS_TOPIC_MAX = 300
DYNAMICS_CASE_TITLE_MAX = 200

# Lookup columns (Company Name, Potential Customer, Customer, Contact) carry our IDs, not names:
# names of individual customers repeat, and the wizard fails a row whose lookup matches twice.
ACCOUNT_COLUMNS = {
    "Account Number": "id",
    "Account Name": "name",
    "Main Phone": "phone",
    "Address 1: Street 1": "street",
    "Industry": "industry",
    "Owner": "owner",
    "Record Created On": "created",
}
CONTACT_COLUMNS = {
    DYNAMICS_ID_COLUMN: "id",
    "First Name": "first",
    "Last Name": "last",
    "Email": "email",
    "Mobile Phone": "mobile",
    "Job Title": "job",
    COMPANY_NAME: "account",
    "Owner": "owner",
    "Record Created On": "created",
}
OPPORTUNITY_COLUMNS = {
    DYNAMICS_ID_COLUMN: "id",
    "Potential Customer": "account",
    "Contact": "contact",
    "Est. Revenue": "amount",
    "Est. Close Date": "closed",
    "Actual Close Date": "closed",
    "Owner": "owner",
    "Record Created On": "created",
}
CASE_COLUMNS = {
    "Case Number": "id",
    "Customer": "account",
    "Contact": "contact",
    "Owner": "owner",
    "Record Created On": "created",
}


def _description(row: Row, which: Details) -> str:
    return clip(summary(details(row, which), "; "), DYNAMICS_DESCRIPTION_MAX)


def _accounts(hub: HubView) -> list[Record]:
    return [
        {**renamed(company_fields(a), ACCOUNT_COLUMNS), "Description": _description(a, ACCOUNT_DETAILS)}
        for a in hub.accounts
    ]


def _contacts(hub: HubView) -> list[Record]:
    return [renamed(contact_fields(hub, c), CONTACT_COLUMNS) for c in hub.contacts]


def _last_open_stage(opp: Row) -> str:
    """The furthest stage a lost opportunity reached, from its Date Entered columns."""
    open_stages = [s for s in DYNAMICS_PIPELINE_PHASES if s != "Won"]
    for stage in reversed(open_stages):
        if opp.get(f"Date Entered {stage}"):
            return stage
    return ""


def _opportunities(hub: HubView) -> list[Record]:
    records = []
    for o in hub.opportunities:
        fields = opportunity_fields(hub, o)
        stage = fields["stage"]
        status, reason = DYNAMICS_OPPORTUNITY_STATUS.get(stage, ("", stage))
        phase_stage = _last_open_stage(o) if stage == "Lost" else stage
        records.append(
            {
                **renamed(fields, OPPORTUNITY_COLUMNS),
                "Topic": clip(fields["name"], DYNAMICS_TOPIC_MAX),
                "Status": status,
                "Status Reason": reason,
                "Pipeline Phase": DYNAMICS_PIPELINE_PHASES.get(phase_stage, ""),
                "Description": _description(o, OPPORTUNITY_DETAILS),
            }
        )
    return records


def _cases(hub: HubView) -> list[Record]:
    records = []
    for t in hub.tickets:
        fields = ticket_fields(hub, t)
        status, reason = DYNAMICS_CASE_STATUS.get(fields["status"], ("", fields["status"]))
        channel = hub.ticket_channel(t.get(TICKET_ID))
        csat = csat_score(t.get("CSAT"))
        records.append(
            {
                **renamed(fields, CASE_COLUMNS),
                "Case Title": clip(fields["title"], DYNAMICS_CASE_TITLE_MAX),
                "Origin": DYNAMICS_CASE_ORIGINS.get(channel, channel),
                "Status": status,
                "Status Reason": reason,
                "Satisfaction": DYNAMICS_SATISFACTION.get(csat, "") if csat is not None else "",
                "Description": _description(t, TICKET_DETAILS),
            }
        )
    return records


# In the order they are imported: accounts first, so the lookups of the others resolve.
FILES: tuple[FileSpec, ...] = (
    FileSpec(
        "dynamics-accounts.csv",
        (
            "Account Number",
            "Account Name",
            "Main Phone",
            "Address 1: Street 1",
            "Industry",
            "Owner",
            "Description",
            "Record Created On",
        ),
        _accounts,
    ),
    FileSpec(
        "dynamics-contacts.csv",
        (
            DYNAMICS_ID_COLUMN,
            "First Name",
            "Last Name",
            "Email",
            "Mobile Phone",
            "Job Title",
            COMPANY_NAME,
            "Owner",
            "Record Created On",
        ),
        _contacts,
    ),
    FileSpec(
        "dynamics-opportunities.csv",
        (
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
        _opportunities,
    ),
    FileSpec(
        "dynamics-cases.csv",
        (
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
        _cases,
    ),
)
