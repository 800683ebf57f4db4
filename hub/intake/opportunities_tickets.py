"""The pipeline and service rules a submission can trigger: opportunities and tickets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from hub.intake.submission import Submission
from hub.names import normalise_company_name
from hub.tables import Table
from hub_schema.columns import ACCOUNT_ID, COMPANY_NAME, CONTACT_ID, OPPORTUNITY_ID, TICKET_ID
from hub_schema.lists import CLOSED_STAGES, CLOSED_TICKET_STATUSES

# What makes an interaction about a ticket. A rating alone does not: it rates the interaction
# (its CSAT column), and the ticket too only when the interaction is about one.
TICKET_FIELDS = ("ticket_id", "ticket_category", "ticket_status", "quote_amount", "final_amount")


def has_ticket_fields(sub: Submission) -> bool:
    return any(sub.get(k) is not None for k in TICKET_FIELDS)


def advance_opportunity(
    opps: Table, sub: Submission, account_id: str, contact_id: str | None, now: datetime
) -> str:
    """Create or advance the open opportunity for (account, division, product); Won/Lost close it."""
    stage = sub.get("opportunity_stage")
    when = _day_or_moment(sub)
    product = sub.get("product")
    product_key = normalise_company_name(product) if product else ""
    open_ones = [
        r
        for r in [*opps.rows, *opps.new]
        if str(r.get(ACCOUNT_ID) or "").upper() == account_id
        and r.get("Division") == sub.get("division")
        and r.get("Stage") not in CLOSED_STAGES
        and (normalise_company_name(str(r["Product"])) if r.get("Product") else "") == product_key
    ]
    stamp = f"Date Entered {stage}"
    again = _made_by(opps, sub)
    if again is not None:  # this response already opened it (a batch cut off and run again)
        return str(again[OPPORTUNITY_ID])
    if open_ones:
        row = max(open_ones, key=lambda r: (r.get("Last Updated") or datetime.min, r[OPPORTUNITY_ID]))
        opps.set(str(row[OPPORTUNITY_ID]), _advanced(row, sub, contact_id, when, now))
        return str(row[OPPORTUNITY_ID])
    opportunity_id = opps.allocate()
    opps.add(
        {
            OPPORTUNITY_ID: opportunity_id,
            ACCOUNT_ID: account_id,
            CONTACT_ID: contact_id,
            "Division": sub.get("division"),
            "Product": product,
            "Stage": stage,
            "Value": sub.get("deal_value"),
            "Campaign": sub.get("campaign"),
            "Lead Source": sub.get("lead_source"),
            "Opened": when,
            "Closed": when if stage in CLOSED_STAGES else None,
            "Lost Reason": sub.get("lost_reason") if stage == "Lost" else None,
            "Owner": sub.responder,
            stamp: when,
            "Last Updated": now,
            "Source Response ID": sub.response_id,
        }
    )
    return opportunity_id


def _advanced(
    row: dict[str, Any], sub: Submission, contact_id: str | None, when: date, now: datetime
) -> dict[str, Any]:
    """What a later submission changes on an open opportunity: its stage (stamped once), value,
    and what was blank (campaign, lead source, contact); Won/Lost close it, Lost with its reason."""
    stage = sub.get("opportunity_stage")
    stamp = f"Date Entered {stage}"
    values: dict[str, Any] = {"Stage": stage, "Last Updated": now}
    if not row.get(stamp):
        values[stamp] = when
    if sub.get("deal_value") is not None:
        values["Value"] = sub.get("deal_value")
    for column, given in (
        ("Campaign", sub.get("campaign")),
        ("Lead Source", sub.get("lead_source")),
        (CONTACT_ID, contact_id),
    ):
        if given and not row.get(column):
            values[column] = given
    if stage in CLOSED_STAGES:
        values["Closed"] = when
    if stage == "Lost" and sub.get("lost_reason"):
        values["Lost Reason"] = sub.get("lost_reason")
    return values


def apply_ticket(
    tickets: Table, sub: Submission, account_id: str, contact_id: str | None, now: datetime
) -> str:
    """Open a ticket, or update the one the submission names (its existence is checked first)."""
    when = _day_or_moment(sub)
    status = sub.get("ticket_status")
    given = sub.get("ticket_id")
    amounts = {
        col: sub.get(key)
        for col, key in (
            ("Quote Amount", "quote_amount"),
            ("Final Amount", "final_amount"),
            ("CSAT", "csat"),
        )
        if sub.get(key) is not None
    }
    if given:
        row = tickets.by_key[given.upper()]
        values: dict[str, Any] = {"Last Updated": now, **amounts}
        if status:
            values["Status"] = status
            if status in CLOSED_TICKET_STATUSES and not row.get("Resolved"):
                values["Resolved"] = when
            elif status not in CLOSED_TICKET_STATUSES and row.get("Resolved"):
                values["Resolved"] = None  # reopened
        if sub.get("ticket_category") and not row.get("Category"):
            values["Category"] = sub.get("ticket_category")
        # The first later touch on a ticket is its first response.
        if not row.get("First Response"):
            values["First Response"] = when
        tickets.set(str(row[TICKET_ID]), values)
        return str(row[TICKET_ID])
    again = _made_by(tickets, sub)
    if again is not None:  # this response already opened it (a batch cut off and run again)
        return str(again[TICKET_ID])
    status = status or "Open"
    ticket_id = tickets.allocate()
    tickets.add(
        {
            TICKET_ID: ticket_id,
            ACCOUNT_ID: account_id,
            CONTACT_ID: contact_id,
            "Division": sub.get("division"),
            "Category": sub.get("ticket_category"),
            "Status": status,
            "Opened": when,
            "First Response": when if sub.get("direction") == "Outbound" else None,
            "Resolved": when if status in CLOSED_TICKET_STATUSES else None,
            "Owner": sub.responder,
            "Last Updated": now,
            "Source Response ID": sub.response_id,
            **amounts,
        }
    )
    return ticket_id


def name_rows(
    t: Mapping[str, Table], opportunity_id: str | None, ticket_id: str | None, name_of: Callable[[str], Any]
) -> None:
    """The company's name beside the Account ID of the opportunity and the ticket a submission
    touched. A ticket named by its ID keeps its own account: the name follows the row's ID."""
    for tab_name, key in (("Opportunities", opportunity_id), ("Tickets", ticket_id)):
        if key:
            account_id = str(t[tab_name].by_key[key.upper()].get(ACCOUNT_ID) or "")
            t[tab_name].set(key, {COMPANY_NAME: name_of(account_id)})


def _made_by(table: Table, sub: Submission) -> dict[str, Any] | None:
    return next(
        (r for r in [*table.rows, *table.new] if r.get("Source Response ID") == sub.response_id), None
    )


def _day_or_moment(sub: Submission) -> date:
    """Stage and ticket dates are day-level: an interaction of unknown time stamps its day, as a
    date (a datetime, when the time is known). Written as a date, the cell shows the day alone
    (hub_schema.cells.number_format), not the day at a 00:00 nobody logged."""
    when: date = sub.get("occurred_at")  # validated: a date, or a datetime when the time is known
    return when
