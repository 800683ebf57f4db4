"""What the HubSpot and Dynamics 365 exports share: the hub read with merged records resolved to
their survivors, hub values written the way both CRMs' import tools read them, the fields every
target maps (each target only renames them), and the CSV file format.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from importlib import resources

from hub.values import FieldError, parse_phone
from hub_schema.columns import ACCOUNT_ID, COMPANY_NAME, CONTACT_ID, FULL_NAME, OPPORTUNITY_ID, TICKET_ID

Row = Mapping[str, object]
Record = dict[str, str]

# Hub phones are already E.164; this only rescues a cell Excel turned into a number (plus sign lost).
PHONE_REGION = "NG"


@dataclass(frozen=True)
class ExportFile:
    name: str  # e.g. "hubspot-companies.csv"
    rows: int  # data rows, header not counted
    data: bytes  # UTF-8 with BOM, CRLF line endings, quoted by the csv module where needed


@dataclass(frozen=True)
class FileSpec:
    """One CSV file of a target: its name, its header (in the order the import tool lists it), and
    the function that turns the hub into its records."""

    name: str
    header: tuple[str, ...]
    build: Callable[[HubView], list[Record]]


# --- reading the hub -------------------------------------------------------------------------------


class HubView:
    """The tables an export reads, with merged records resolved to their survivors."""

    def __init__(self, tables: Mapping[str, Sequence[Row]]) -> None:
        all_accounts = list(tables.get("Accounts") or ())
        all_contacts = list(tables.get("Contacts") or ())
        self._accounts_by_id = _by_key(all_accounts, ACCOUNT_ID)
        self._contacts_by_id = _by_key(all_contacts, CONTACT_ID)
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
        return as_text(self.account(ref).get(COMPANY_NAME)) or self.account_id(ref)

    def account_owner(self, ref: object) -> str:
        return account_owner(self.account(ref))

    def ticket_channel(self, ticket_id: object) -> str:
        return self._ticket_channels.get(id_of(ticket_id), "")


def id_of(value: object) -> str:
    return as_text(value).upper()


def _by_key(rows: Sequence[Row], column: str) -> dict[str, Row]:
    return {id_of(r.get(column)): r for r in rows if id_of(r.get(column))}


def _is_merged(row: Row) -> bool:
    return as_text(row.get("Status")).casefold() == "merged"


def _survivor(by_id: Mapping[str, Row], ref: object) -> str:
    # Governance re-points children after a merge, but an export taken before that run must not
    # associate anything with a record it leaves out.
    current = id_of(ref)
    seen: set[str] = set()
    while current in by_id and current not in seen:
        seen.add(current)
        row = by_id[current]
        successor = id_of(row.get("Merged Into"))
        if not _is_merged(row) or not successor:
            break
        current = successor
    return current


def account_owner(account: Row) -> str:
    # The override wins in the hub too; governance copies it into Account Owner on its next run.
    return as_text(account.get("Owner Override")) or as_text(account.get("Account Owner"))


def _first_channel_per_ticket(interactions: Sequence[Row]) -> dict[str, str]:
    """The channel of each ticket's earliest interaction: how the case reached us (its Origin)."""
    earliest: dict[str, tuple[str, str]] = {}
    for row in interactions:
        ticket = id_of(row.get(TICKET_ID))
        channel = as_text(row.get("Channel"))
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


def as_text(value: object) -> str:
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


def iso_date(value: object) -> str:
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


def date_time(value: object) -> str:
    """Date and time for reading inside a note or description (not for a date column)."""
    if isinstance(value, datetime):
        if (value.hour, value.minute) == (0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    return iso_date(value)


_MONEY_NOISE = re.compile(r"₦|NGN|[,\s\u00a0]", re.IGNORECASE)


def money(value: object) -> str:
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


def phone(value: object) -> str:
    if value is None or isinstance(value, bool):
        return ""
    raw = str(int(value)) if isinstance(value, int | float) else str(value).strip()
    if not raw:
        return ""
    try:
        return parse_phone(raw, "phone", PHONE_REGION)
    except FieldError:
        return raw  # kept as typed: the CRM's import report shows it to the admin


def split_name(full_name: object) -> tuple[str, str]:
    """(first, last): the last word is the last name. A single word is a last name only, because
    both CRMs require a last name and accept a contact without a first name."""
    words = as_text(full_name).split()
    if not words:
        return "", ""
    return " ".join(words[:-1]), words[-1]


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary(pairs: Sequence[tuple[str, str]], separator: str) -> str:
    """Hub columns the target has no column for, as 'Label: value' lines, so nothing is lost."""
    return separator.join(f"{label}: {value}" for label, value in pairs if value)


def csat_score(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        return int(value)
    text = as_text(value)
    return int(text) if text.isdigit() else None


def deal_name(hub: HubView, opp: Row) -> str:
    company = hub.account_name(opp.get(ACCOUNT_ID))
    product = as_text(opp.get("Product"))
    what = product or f"{as_text(opp.get('Division')) or 'New'} opportunity"
    return f"{what} – {company}" if company else what


def ticket_title(hub: HubView, ticket: Row) -> str:
    parts = [
        as_text(ticket.get("Category")) or "Ticket",
        as_text(ticket.get("Division")),
        hub.account_name(ticket.get(ACCOUNT_ID)),
    ]
    return " – ".join(p for p in parts if p)


def _csat_text(value: object) -> str:
    csat = csat_score(value)
    return str(csat) if csat is not None else ""


# How the hub's values become each target's own, and the details that travel in a description.
MAPPINGS = tomllib.loads(
    resources.files("hub.upgrade.exports").joinpath("crm_mappings.toml").read_text("utf-8")
)

# Hub columns a target has no column for, as (label, hub column, how the value is written): they
# travel in the record's description, so nothing is lost (crm_mappings.toml [details]).
Details = tuple[tuple[str, str, Callable[[object], str]], ...]
_WRITERS: dict[str, Callable[[object], str]] = {
    "text": as_text,
    "date_time": date_time,
    "money": money,
    "csat": _csat_text,
}


def _details(record: str) -> Details:
    return tuple(
        (label, column, _WRITERS[written[0] if written else "text"])
        for label, column, *written in MAPPINGS["details"][record]
    )


OPPORTUNITY_DETAILS = _details("opportunity")
TICKET_DETAILS = _details("ticket")
ACCOUNT_DETAILS = _details("account")


def details(row: Row, which: Details) -> list[tuple[str, str]]:
    return [(label, write(row.get(column))) for label, column, write in which]


def is_closed_ticket(ticket: Row) -> bool:
    return as_text(ticket.get("Status")) in ("Resolved", "Closed")


def is_closed_stage(opp: Row) -> bool:
    return as_text(opp.get("Stage")) in ("Won", "Lost")


# --- the fields every target maps -----------------------------------------------------------------
# Neutral names, so each target declares only {its column: field} and what is its own.


def renamed(fields: Mapping[str, str], columns: Mapping[str, str]) -> Record:
    """The target's record: each of its columns filled from the neutral field it names."""
    return {column: fields[field] for column, field in columns.items()}


def company_fields(account: Row) -> Record:
    return {
        "id": id_of(account.get(ACCOUNT_ID)),
        "name": as_text(account.get(COMPANY_NAME)),
        "phone": phone(account.get("Main Phone Number")),
        "street": as_text(account.get("Address")),
        "industry": as_text(account.get("Industry")),
        "owner": account_owner(account),
        "created": iso_date(account.get("Created")),
    }


def contact_fields(hub: HubView, contact: Row) -> Record:
    first, last = split_name(contact.get(FULL_NAME))
    account = contact.get("Associated Account ID")
    return {
        "id": id_of(contact.get(CONTACT_ID)),
        "first": first,
        "last": last,
        "email": as_text(contact.get("Email")),
        "mobile": phone(contact.get("Mobile Number")),
        "job": as_text(contact.get("Job Title")),
        # The hub owns accounts, not people: a contact follows its account's owner.
        "owner": hub.account_owner(account),
        "created": iso_date(contact.get("Created")),
        "account": hub.account_id(account),
    }


def _linked_fields(hub: HubView, row: Row) -> Record:
    return {
        "owner": as_text(row.get("Owner")) or hub.account_owner(row.get(ACCOUNT_ID)),
        "account": hub.account_id(row.get(ACCOUNT_ID)),
        "contact": hub.contact_id(row.get(CONTACT_ID)),
        "created": iso_date(row.get("Opened")),
    }


def opportunity_fields(hub: HubView, opp: Row) -> Record:
    return {
        "id": id_of(opp.get(OPPORTUNITY_ID)),
        "name": deal_name(hub, opp),
        "stage": as_text(opp.get("Stage")),
        "amount": money(opp.get("Value")),
        "closed": iso_date(opp.get("Closed")) if is_closed_stage(opp) else "",
        **_linked_fields(hub, opp),
    }


def ticket_fields(hub: HubView, ticket: Row) -> Record:
    return {
        "id": id_of(ticket.get(TICKET_ID)),
        "title": ticket_title(hub, ticket),
        "status": as_text(ticket.get("Status")),
        "closed": iso_date(ticket.get("Resolved")) if is_closed_ticket(ticket) else "",
        **_linked_fields(hub, ticket),
    }


# --- CSV -------------------------------------------------------------------------------------------


def csv_file(spec: FileSpec, hub: HubView) -> ExportFile:
    records = spec.build(hub)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(spec.header)
    writer.writerows([record[column] for column in spec.header] for record in records)
    # The BOM is how Excel (and Dynamics' wizard) know the file is UTF-8: names like "Adébáyọ̀" survive.
    return ExportFile(name=spec.name, rows=len(records), data=buffer.getvalue().encode("utf-8-sig"))
