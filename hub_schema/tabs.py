"""Every tab of the Excel Hub, its columns and their types: declared once, read by everything else.

v6's column names are kept verbatim for v6's columns (Accounts, Contacts, Interactions); the
columns the rules need are added after them. All datetimes in the hub are Africa/Lagos wall-clock
time (WAT, UTC+1, no daylight saving), because that is what staff read in Excel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from hub_schema.lists import LISTS
from hub_schema.widths import header_width


class HubSchemaError(Exception):
    """The hub file does not have the tables or columns declared here."""


ColumnType = Literal[
    "id",  # this tab's own key, e.g. ACC-000123
    "ref",  # a key of another tab
    "text",
    "long_text",
    "enum",  # one value of LISTS[column.enum]
    "date",
    "datetime",
    "money",  # NGN, a number
    "number",
    "integer",
    "email",
    "phone",  # E.164
]

_DEFAULT_WIDTH: dict[str, int] = {
    "id": 13,
    "ref": 13,
    "text": 24,
    "long_text": 60,
    "enum": 18,
    "date": 12,
    "datetime": 17,
    "money": 16,
    "number": 12,
    "integer": 10,
    "email": 30,
    "phone": 17,
}

NUMBER_FORMATS: dict[str, str] = {
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "money": '"₦ "#,##0',  # naira, whole: staff read amounts, not kobo
    "integer": "0",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "text"
    required: bool = False
    enum: str | None = None
    width: int | None = None

    def __post_init__(self) -> None:
        if (self.type == "enum") != (self.enum is not None):
            raise ValueError(f"column {self.name!r}: enum columns (and only they) name a list")
        if self.enum is not None and self.enum not in LISTS:
            raise ValueError(f"column {self.name!r}: unknown list {self.enum!r}")

    @property
    def display_width(self) -> int:
        """Wide enough for its values (by type, or as declared) and never narrower than its header."""
        return max(self.width or _DEFAULT_WIDTH[self.type], header_width(self.name))


@dataclass(frozen=True)
class Tab:
    name: str
    columns: tuple[Column, ...]
    key: str | None = None  # the column that identifies a row (for updates)
    id_prefix: str | None = None  # when the key is allocated by the hub: ACC, CON, ...
    description: str = ""
    by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"tab {self.name!r} declares a column twice")
        if self.key is not None and self.key not in names:
            raise ValueError(f"tab {self.name!r}: key {self.key!r} is not a column")
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})

    @property
    def table_name(self) -> str:
        """Excel table name: the tab name without spaces (Excel forbids spaces in table names)."""
        return "".join(self.name.split())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def blank_row(self) -> dict[str, object]:
        return dict.fromkeys(self.column_names)


def _c(
    name: str,
    type_: ColumnType = "text",
    *,
    required: bool = False,
    enum: str | None = None,
    width: int | None = None,
) -> Column:
    return Column(name, type_, required, enum, width)


def _stage_columns() -> tuple[Column, ...]:
    # One "date entered" column per stage, as HubSpot's deal stages do: conversion rates and
    # cycle lengths then come straight from the row, without a stage-history table.
    return tuple(_c(f"Date Entered {stage}", "datetime") for stage in LISTS["Pipeline Stages"])


# Raw payloads can reach 64 KiB; an Excel cell holds at most 32,767 characters, so the payload is
# split over as many columns as it takes. Nothing a client sent is ever cut off.
RAW_PAYLOAD_COLUMNS: tuple[str, ...] = ("Raw Payload", "Raw Payload 2", "Raw Payload 3")
EXCEL_CELL_MAX_CHARS = 32_767

TABS: tuple[Tab, ...] = (
    Tab(
        "Accounts",
        (
            _c("Account ID", "id", required=True),
            _c("Company Name", required=True, width=34),
            _c("Industry"),
            _c("Address", width=34),
            _c("Main Phone Number", "phone"),
            _c("ERP Customer ID"),
            _c("Account Owner", "email"),
            _c("Account Type", "enum", required=True, enum="Account Types"),
            _c("Divisions", width=30),
            _c("Status", "enum", required=True, enum="Account Statuses"),
            _c("Merged Into", "ref"),
            _c("Owner Basis", width=40),
            _c("Owner Override", "email"),
            _c("Created", "datetime"),
            _c("Created By", "email"),
        ),
        key="Account ID",
        id_prefix="ACC",
        description="Companies and individual (B2C) customers",
    ),
    Tab(
        "Contacts",
        (
            _c("Contact ID", "id", required=True),
            _c("Full Name", required=True, width=28),
            _c("Job Title"),
            _c("Email", "email"),
            _c("Mobile Number", "phone"),
            _c("Associated Account ID", "ref", required=True),
            _c("Status", "enum", required=True, enum="Account Statuses"),
            _c("Merged Into", "ref"),
            _c("Created", "datetime"),
            _c("Created By", "email"),
        ),
        key="Contact ID",
        id_prefix="CON",
        description="People at accounts",
    ),
    Tab(
        "Interactions",
        (
            _c("Interaction ID", "id", required=True),
            _c("Date", "datetime", required=True),
            _c("Contact ID", "ref"),
            _c("Account ID", "ref", required=True),
            _c("Channel", "enum", required=True, enum="Channels"),
            _c("Notes", "long_text", required=True),
            _c("Next Action", width=36),
            _c("Action Due Date", "date"),
            _c("Logged By", "email", required=True),
            # Names beside the IDs (right after v6's columns, whose order existing hubs keep), so a
            # row reads without a lookup; written by the writer, refreshed by the nightly run.
            _c("Company Name", width=30),
            _c("Contact Name", width=24),
            _c("Division", "enum", required=True, enum="Divisions"),
            _c("Direction", "enum", enum="Directions"),
            _c("Type", "enum", enum="Interaction Types"),
            _c("Action Status", "enum", enum="Action Statuses"),
            _c("Opportunity ID", "ref"),
            _c("Ticket ID", "ref"),
            _c("Last Reminded", "datetime"),
            _c("Source Response ID", width=28),
            _c("Submitted At", "datetime"),
            _c("Recorded At", "datetime"),
            # "No": the Form gave only a day, not the submission's own day, so Date holds the day
            # and no time (hub.responses); hour measures leave such rows out.
            _c("Time Known", "enum", enum="Yes No"),
            # Acting from the mail (hub/actions): who has the promise now, and how it ended.
            _c("Action Owner", "email"),
            _c("Completed At", "datetime"),
            _c("Completed By", "email"),
            _c("Snooze Count", "integer"),
            _c("Handed Over From", "email"),
            _c("Handed Over At", "datetime"),
            # Issue 15: where, how the customer found us, the customer's rating of this touch (a
            # rating about a ticket is copied to the ticket), and after a Delivery its first service.
            _c("Branch", "enum", enum="Branches"),
            _c("Lead Source", "enum", enum="Lead Sources"),
            _c("Campaign", width=28),
            _c("CSAT", "integer"),
            _c("First Service Date", "date"),
        ),
        key="Interaction ID",
        id_prefix="INT",
        description="Every logged customer touch",
    ),
    Tab(
        "Opportunities",
        (
            _c("Opportunity ID", "id", required=True),
            _c("Account ID", "ref", required=True),
            _c("Company Name", width=30),  # beside its ID: written by the writer, kept by merges
            _c("Contact ID", "ref"),
            _c("Division", "enum", required=True, enum="Divisions"),
            _c("Product", width=28),
            _c("Stage", "enum", required=True, enum="Pipeline Stages"),
            _c("Value", "money"),
            _c("Campaign"),
            _c("Opened", "datetime"),
            _c("Closed", "datetime"),
            _c("Lost Reason", "enum", enum="Lost Reasons", width=24),
            _c("Owner", "email"),
            *_stage_columns(),
            _c("Last Updated", "datetime"),
            _c("Source Response ID", width=28),
            _c("Lead Source", "enum", enum="Lead Sources"),
        ),
        key="Opportunity ID",
        id_prefix="OPP",
        description="The sales pipeline",
    ),
    Tab(
        "Tickets",
        (
            _c("Ticket ID", "id", required=True),
            _c("Account ID", "ref", required=True),
            _c("Company Name", width=30),  # beside its ID: written by the writer, kept by merges
            _c("Contact ID", "ref"),
            _c("Division", "enum", required=True, enum="Divisions"),
            _c("Category", "enum", enum="Ticket Categories"),
            _c("Status", "enum", required=True, enum="Ticket Statuses"),
            _c("Opened", "datetime"),
            _c("First Response", "datetime"),
            _c("Resolved", "datetime"),
            _c("Quote Amount", "money"),
            _c("Final Amount", "money"),
            _c("Manager Approved", "enum", enum="Yes No"),
            _c("CSAT", "integer"),
            _c("Owner", "email"),
            _c("Last Updated", "datetime"),
            _c("Source Response ID", width=28),
            _c("Approved By", "email"),
            _c("Approved At", "datetime"),
        ),
        key="Ticket ID",
        id_prefix="TKT",
        description="After-sales, service, complaints and quality flags",
    ),
    Tab(
        "Deals",
        (
            _c("Invoice No", required=True),
            _c("ERP Customer ID", required=True),
            _c("Account ID", "ref"),
            _c("Salesperson", width=26),
            _c("Amount", "money"),
            _c("Invoice Date", "date"),
            _c("Division", "enum", enum="Divisions"),
            _c("Status", "enum", enum="Deal Statuses"),
            _c("Imported At", "datetime"),
        ),
        key="Invoice No",
        description="Read-only copy of ERP invoices",
    ),
    Tab(
        "Price List",
        (
            _c("Item Code", required=True),
            _c("Description", width=40),
            _c("Division", "enum", enum="Divisions"),
            _c("Unit Price", "money"),
            _c("Currency"),
            _c("Effective From", "date"),
            _c("Imported At", "datetime"),
        ),
        key="Item Code",
        description="Reference copy of the ERP price list",
    ),
    Tab(
        "Campaigns",
        (
            _c("Campaign Name", required=True, width=30),
            _c("Channel", "enum", enum="Lead Sources"),
            _c("UTM Source"),
            _c("UTM Medium"),
            _c("UTM Campaign"),
            _c("Start", "date"),
            _c("End", "date"),
        ),
        key="Campaign Name",
        description="Marketing campaigns staff pick on the Form (kept by the steward)",
    ),
    Tab(
        "Staff",
        (
            _c("Email", "email", required=True),
            _c("Full Name", width=26),
            _c("Division", "enum", enum="Divisions"),
            _c("Role", "enum", enum="Roles"),
            _c("Manager Email", "email"),
            _c("Active", "enum", enum="Yes No"),
            _c("ERP Salesperson Name", width=26),
        ),
        key="Email",
        description="Who is who",
    ),
    Tab(
        "Review Queue",
        (
            _c("Review ID", "id", required=True),
            _c("Raised", "datetime"),
            _c("Kind", "enum", enum="Review Kinds"),
            _c("Record A", "ref"),
            _c("Record B", "ref"),
            _c("Score", "number"),
            _c("Reason", "long_text"),
            _c("Decision", "enum", enum="Review Decisions"),
            _c("Decided By", "email"),
            _c("Decided At", "datetime"),
            _c("Applied At", "datetime"),
            # What the item is about, so the same question is never raised twice.
            _c("Match Key", width=30),
            # Whose steward looks at it: the first account's division (hub.tables.records_division).
            _c("Division", "enum", enum="Divisions"),
        ),
        key="Review ID",
        id_prefix="REV",
        description="Possible duplicates for the data steward",
    ),
    Tab(
        "Steward Log",
        (
            _c("Week", "date", required=True),
            _c("Steward", "email", required=True),
            _c("Hours", "number", required=True),
            _c("Notes", "long_text"),
        ),
        description="Steward hours per week (an upgrade trigger)",
    ),
    Tab(
        "Rejected",
        (
            _c("Rejected ID", "id", required=True),
            _c("Received At", "datetime"),
            _c("Source Response ID", width=28),
            _c("Responder", "email"),
            _c("Errors", "long_text"),
            *(_c(name, "long_text") for name in RAW_PAYLOAD_COLUMNS),
            _c("Resolved", "enum", enum="Yes No"),
            _c("Resolved By", "email"),
            # Whose steward looks at it: the division answered on the Form, else the responder's.
            _c("Division", "enum", enum="Divisions"),
        ),
        key="Rejected ID",
        id_prefix="REJ",
        description="Submissions that failed validation, raw payload kept",
    ),
    Tab(
        "Audit",
        (
            _c("Audit ID", "id", required=True),
            _c("At", "datetime"),
            _c("Actor"),
            _c("Action"),
            _c("Record", "ref"),
            _c("Before", "long_text"),
            _c("After", "long_text"),
            _c("Reason", "long_text"),
            _c("Action ID", width=26),  # a one-tap action from a mail: applied once (hub/actions)
        ),
        key="Audit ID",
        id_prefix="AUD",
        description="Every change the automation made, and why",
    ),
    Tab(
        "Health",
        (
            _c("Checked At", "datetime", required=True),
            _c("File MB", "number"),
            _c("Open Seconds", "number"),
            _c("Steward Hours", "number"),  # the busiest steward's own hours (each has the limit)
            _c("Peak Concurrent Users", "integer"),
            _c("Triggers Met", "integer"),
            _c("Notes", "long_text"),
            _c("Busiest Steward", "email"),
        ),
        description="Each upgrade-trigger check",
    ),
    Tab(
        "Dashboard",
        (
            _c("Week", "date", required=True),
            _c("Division"),
            _c("KPI", width=34),
            _c("Value", "number"),
            _c("Unit"),
            _c("Target"),
            _c("Status"),
            _c("Computed At", "datetime"),
        ),
        description="KPI history, one row per KPI x division x week (filled by the KPI job)",
    ),
)

TAB_BY_NAME: dict[str, Tab] = {t.name: t for t in TABS}

# The Lists tab is derived from LISTS: one column per list, so its columns are not declared above.
LISTS_TAB_NAME = "Lists"

# The machine-written tabs: protected sheets in the template, so nobody types into them by mistake.
# Protection is a lock in Excel's UI without a password: the local writer writes the file whatever
# it says, the Graph store lifts it for its own write (graph/workbook_store.py), and a steward who
# must add a dropdown value unprotects Lists from Review > Unprotect Sheet.
PROTECTED_TABS: tuple[str, ...] = (
    "Deals",
    "Price List",
    "Rejected",
    "Audit",
    "Health",
    "Dashboard",
    LISTS_TAB_NAME,
)

# The columns people decide in: unlocked cells, so they stay open on a protected sheet (Rejected)
# and on the tabs staff edit if an admin protects those too. Everything else is the automation's.
OPEN_COLUMNS: dict[str, tuple[str, ...]] = {
    "Accounts": ("Owner Override",),
    "Interactions": ("Next Action", "Action Due Date", "Action Status"),
    "Tickets": ("Status", "Manager Approved"),
    "Review Queue": ("Decision", "Decided By", "Decided At"),
    "Rejected": ("Resolved", "Resolved By"),
}


def tab(name: str) -> Tab:
    try:
        return TAB_BY_NAME[name]
    except KeyError:
        raise KeyError(f"the hub has no tab {name!r}") from None


# The customer record: who the customers are, and every touch, sale and ticket with them.
RECORD_TABS = ("Accounts", "Contacts", "Interactions", "Opportunities", "Tickets")
