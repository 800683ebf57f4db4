"""The customer card: everything the hub knows about one customer, assembled for one page.

Pure: a snapshot and `today` in, a `Card` (or where to go instead) out. The page template only
formats what is here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

import phonenumbers

from hub.customers.snapshot import AccountFacts, HubSnapshot
from hub.ports import Row
from hub.responses import known_moment
from hub_schema.cells import as_day
from hub_schema.columns import ACCOUNT_ID, COMPANY_NAME, DIVISION, FULL_NAME, INTERACTION_ID
from hub_schema.lists import CLOSED_STAGES, CLOSED_TICKET_STATUSES, LISTS

LAST_INTERACTIONS = 20
LAST_INVOICES = 10


@dataclass(frozen=True)
class Phone:
    e164: str
    shown: str  # as a Nigerian reads it: 0803 123 4567

    @property
    def tel(self) -> str:
        return f"tel:{self.e164}"

    @property
    def whatsapp(self) -> str:
        return f"https://wa.me/{self.e164.lstrip('+')}"


@dataclass(frozen=True)
class ContactLine:
    name: str
    title: str | None
    email: str | None
    phone: Phone | None


@dataclass(frozen=True)
class Promise:
    interaction_id: str
    promised: str
    due: date | None
    days_late: int | None  # > 0 overdue, 0 today, < 0 not yet due
    owner: str  # who has the promise now (Action Owner when handed over, else who logged it), by name
    owner_email: str
    links: dict[str, str] = field(default_factory=dict)  # act-from-mail buttons: label -> URL


@dataclass(frozen=True)
class HistoryLine:
    interaction_id: str
    day: date | None
    time: str | None  # "14:05", None when the time is not known
    channel: str
    direction: str
    type: str
    division: str
    logged_by: str
    notes: str
    next_action: str | None


@dataclass
class Card:
    account_id: str
    name: str
    account_type: str
    industry: str | None
    erp_id: str | None
    owner: str | None
    owner_email: str | None
    owner_basis: str
    divisions: list[str]
    cross_division: bool
    last_contact: date | None
    address: str | None
    main_phone: Phone | None
    contacts: list[ContactLine]
    promises: list[Promise]
    opportunities: list[Row]
    tickets: list[Row]
    invoices: list[Row]
    invoice_count: int
    history: list[HistoryLine]
    interaction_count: int


@dataclass(frozen=True)
class Lookup:
    kind: Literal["card", "moved", "unknown"]
    card: Card | None = None
    survivor: str | None = None  # for "moved": the account it was merged into


def look_up(snapshot: HubSnapshot, account_id: str, today: date, region: str = "NG") -> Lookup:
    key = account_id.strip().upper()
    if key not in snapshot.accounts:
        return Lookup("unknown")
    survivor = snapshot.survivor(key)
    if survivor and survivor != key:
        return Lookup("moved", survivor=survivor)
    facts = snapshot.facts.get(key)
    if facts is None:
        return Lookup("unknown")
    return Lookup("card", card=build_card(snapshot, facts, today, region))


def build_card(snapshot: HubSnapshot, facts: AccountFacts, today: date, region: str = "NG") -> Card:
    row = facts.row
    names = snapshot.staff_names
    owner = str(row.get("Owner Override") or row.get("Account Owner") or "").lower() or None
    basis = str(row.get("Owner Basis") or "")
    if row.get("Owner Override"):
        basis = "set by hand (Owner Override)" + (f"; the ERP rule says: {basis}" if basis else "")
    divisions = [d for d in LISTS["Divisions"] if d in facts.divisions]
    history, deals = facts.newest(), facts.latest_deals()
    return Card(
        account_id=str(row[ACCOUNT_ID]).upper(),
        name=str(row.get(COMPANY_NAME) or row[ACCOUNT_ID]),
        account_type=str(row.get("Account Type") or "Company"),
        industry=_text(row.get("Industry")),
        erp_id=_text(row.get("ERP Customer ID")),
        owner=names.get(owner, owner) if owner else None,
        owner_email=owner,
        owner_basis=basis or "no basis recorded",
        divisions=divisions,
        cross_division=len(divisions) >= 2,
        last_contact=facts.last_contact,
        address=_text(row.get("Address")),
        main_phone=phone(row.get("Main Phone Number"), region),
        contacts=sorted(
            (
                ContactLine(
                    str(c.get(FULL_NAME) or "(no name)"),
                    _text(c.get("Job Title")),
                    _text(c.get("Email")),
                    phone(c.get("Mobile Number"), region),
                )
                for c in facts.contacts
            ),
            key=lambda c: c.name.casefold(),
        ),
        promises=_promises(history, today, names),
        opportunities=[o for o in facts.opportunities if o.get("Stage") not in CLOSED_STAGES],
        tickets=[t for t in facts.tickets if t.get("Status") not in CLOSED_TICKET_STATUSES],
        invoices=deals[:LAST_INVOICES],
        invoice_count=len(facts.deals),
        history=[_history(r, names) for r in history[:LAST_INTERACTIONS]],
        interaction_count=len(facts.interactions),
    )


def phone(value: object, region: str = "NG") -> Phone | None:
    """A stored phone number (E.164) with the links a phone can follow; None when unreadable."""
    if not value:
        return None
    try:
        number = phonenumbers.parse(str(value), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    shown = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    if phonenumbers.region_code_for_number(number) != region:
        shown = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return Phone(e164, shown)


def _promises(interactions: list[Row], today: date, names: dict[str, str]) -> list[Promise]:
    out = []
    for r in interactions:
        if r.get("Action Status") != "Open" or not r.get("Next Action"):
            continue
        due = as_day(r.get("Action Due Date"))
        who = str(r.get("Action Owner") or r.get("Logged By") or "").strip().lower()  # handed over?
        out.append(
            Promise(
                str(r[INTERACTION_ID]),
                str(r["Next Action"]),
                due,
                (today - due).days if due else None,
                names.get(who, who),
                who,
            )
        )
    return sorted(out, key=lambda p: (p.due or date.max, p.interaction_id))


def _history(r: Row, names: dict[str, str]) -> HistoryLine:
    moment = known_moment(r)
    who = str(r.get("Logged By") or "").lower()
    return HistoryLine(
        interaction_id=str(r.get(INTERACTION_ID) or ""),
        day=as_day(r.get("Date")),
        time=f"{moment:%H:%M}" if isinstance(moment, datetime) else None,
        channel=str(r.get("Channel") or ""),
        direction=str(r.get("Direction") or ""),
        type=str(r.get("Type") or ""),
        division=str(r.get(DIVISION) or ""),
        logged_by=names.get(who, who),
        notes=str(r.get("Notes") or ""),
        next_action=_text(r.get("Next Action")),
    )


def _text(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None
