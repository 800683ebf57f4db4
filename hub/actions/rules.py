"""What each action is about and does: the record it names, whether that record changed since the
mail, what choice it takes, and its effect on the hub. Pure: hub rows and `now` in.

The confirm page (desk.py) and the writer (apply.py) ask the same questions of the same rows, so the
page can say "already done" or "changed since the mail" and the writer, the only one that writes,
checks again under its job lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.actions.tokens import ActionToken
from hub.ports import Row
from hub.tables import Table
from hub.text import count as count_of
from hub_schema.cells import as_day
from hub_schema.columns import ACCOUNT_ID, CONTACT_ID, DIVISION, INTERACTION_ID, TICKET_ID
from hub_schema.lists import CLOSED_TICKET_STATUSES

TAB_OF = {
    "done": "Interactions",
    "snooze": "Interactions",
    "handover": "Interactions",
    "reassign": "Interactions",
    "reassign_ticket": "Tickets",
    "approve": "Tickets",
    "reject": "Tickets",
    "merge": "Review Queue",
    "keep_link": "Review Queue",
    "not_duplicate": "Review Queue",
}
LABEL = {
    "done": "Mark done",
    "snooze": "Snooze",
    "handover": "Hand over",
    "reassign": "Reassign",
    "reassign_ticket": "Reassign the ticket",
    "approve": "Approve the overrun",
    "reject": "Reject the overrun",
    "merge": "Merge",
    "keep_link": "Same customer: keep the link",
    "not_duplicate": "Not duplicate",
}
# The Review Queue decision each steward action writes (hub_schema Lists "Review Decisions").
DECISION = {"merge": "Merge", "keep_link": "Same account - keep link", "not_duplicate": "Not duplicate"}
SNOOZE_DAYS = (1, 3, 7)
HANDS_OVER = frozenset({"handover", "reassign", "reassign_ticket"})
# What the writer and the pages read: the tabs actions touch, plus names for the page.
READS = ("Interactions", "Tickets", "Review Queue", "Accounts", "Contacts", "Staff", "Audit")


class ChoiceError(ValueError):
    """The confirm form's choice is not one the action takes (400, nothing queued)."""


def row_of(tables: Mapping[str, list[Row]], action: str, record: str) -> Row | None:
    tab = TAB_OF[action]
    key = {"Interactions": INTERACTION_ID, "Tickets": TICKET_ID, "Review Queue": "Review ID"}[tab]
    wanted = record.upper()
    return next((r for r in tables.get(tab, []) if str(r.get(key) or "").upper() == wanted), None)


def owner_of(row: Row) -> str:
    """Who an interaction's promised action is with now: handed over, else whoever logged it."""
    return str(row.get("Action Owner") or row.get("Logged By") or "").strip().lower()


def division_of(tables: Mapping[str, list[Row]], action: str, row: Row) -> str | None:
    """The division a steward must belong to: the record's own (a review item's since it carries one),
    else a review item's first account's."""
    if row.get(DIVISION) or TAB_OF[action] != "Review Queue":
        return str(row[DIVISION]) if row.get(DIVISION) else None
    ids = {str(row.get(k) or "").upper() for k in ("Record A", "Record B")}
    for account in tables.get("Accounts", []):
        if str(account.get(ACCOUNT_ID) or "").upper() in ids and account.get("Divisions"):
            return str(account["Divisions"]).split(";")[0].strip() or None
    contact_accounts = {
        str(c.get("Associated Account ID") or "").upper()
        for c in tables.get("Contacts", [])
        if str(c.get(CONTACT_ID) or "").upper() in ids
    }
    for account in tables.get("Accounts", []):
        if str(account.get(ACCOUNT_ID) or "").upper() in contact_accounts and account.get("Divisions"):
            return str(account["Divisions"]).split(";")[0].strip() or None
    return None


def applied(tables: Mapping[str, list[Row]], action_id: str) -> Row | None:
    """The Audit row of this action when the writer already applied it."""
    return next((r for r in tables.get("Audit", []) if r.get("Action ID") == action_id), None)


def _when(value: Any) -> str:
    return f"{value:%d %b %Y %H:%M}" if isinstance(value, datetime) else str(value or "an unknown time")


def changed_since(tables: Mapping[str, list[Row]], token: ActionToken, row: Row | None) -> str | None:
    """Why the link no longer applies (the record changed since the mail), or None."""
    if row is None:
        return f"{token.record} is no longer in the hub."
    tab = TAB_OF[token.action]
    if tab == "Interactions":
        status = row.get("Action Status")
        if status != "Open":
            by = row.get("Completed By")
            who = f" by {by} at {_when(row.get('Completed At'))}" if by else " in the hub"
            return f"This follow-up was already closed ({status or 'no action'}){who}."
        if token.action != "reassign" and owner_of(row) != token.person:
            return f"This follow-up was handed over to {owner_of(row)} since the mail."
        return None
    if tab == "Tickets":
        if token.action == "reassign_ticket":
            if row.get("Status") in CLOSED_TICKET_STATUSES:
                return f"Ticket {token.record} was closed ({row.get('Status')}) since the mail."
            return None
        decided = row.get("Manager Approved")
        if decided in ("Yes", "No"):
            verdict = "approved" if decided == "Yes" else "rejected"
            by = row.get("Approved By")
            who = f" by {by} at {_when(row.get('Approved At'))}" if by else " in the hub"
            return f"This overrun was already {verdict}{who}."
        return None
    if row.get("Decision"):
        by = row.get("Decided By")
        who = f" by {by} at {_when(row.get('Decided At'))}" if by else " in the hub"
        return f"This item was already decided ({row['Decision']}){who}."
    merged = _merged_records(tables, row)
    if merged:
        return f"{merged} was merged since the mail; governance will raise a new item if still needed."
    return None


def _merged_records(tables: Mapping[str, list[Row]], row: Row) -> str | None:
    ids = {str(row.get(k) or "").upper() for k in ("Record A", "Record B")} - {""}
    for tab, key in (("Accounts", ACCOUNT_ID), ("Contacts", CONTACT_ID)):
        for r in tables.get(tab, []):
            if str(r.get(key) or "").upper() in ids and r.get("Merged Into"):
                return str(r[key])
    return None


def check_choice(action: str, choice: Mapping[str, str], staff_emails: set[str], row: Row) -> dict[str, Any]:
    """The action's choice (snooze days, the colleague to hand over to) validated, as message data."""
    if action == "snooze":
        days = str(choice.get("days") or "")
        if not days.isdigit() or int(days) not in SNOOZE_DAYS:
            raise ChoiceError(f"Snooze takes {', '.join(map(str, SNOOZE_DAYS))} days.")
        return {"days": int(days)}
    if action in HANDS_OVER:
        to = str(choice.get("to") or "").strip().lower()
        current = owner_of(row) if action != "reassign_ticket" else str(row.get("Owner") or "").lower()
        if to not in staff_emails:
            raise ChoiceError("Pick a colleague from the list (active people on the Staff tab).")
        if to == current:
            raise ChoiceError(f"{to} already has it; pick someone else.")
        return {"to": to}
    return {}


@dataclass(frozen=True)
class Effect:
    action: str  # the Audit row's Action
    before: str | None
    after: str | None


def apply_effect(
    table: Table, token: ActionToken, row: Row, choice: Mapping[str, Any], by: str, now: datetime
) -> Effect:
    """Change the record as the action says; returns what the Audit row records."""
    key = token.record
    action = token.action
    if action == "done":
        table.set(key, {"Action Status": "Done", "Completed At": now, "Completed By": by})
        return Effect("Action done (from mail)", "Open", "Done")
    if action == "snooze":
        due = now.date() + timedelta(days=int(choice["days"]))
        count = int(row.get("Snooze Count") or 0) + 1
        before = as_day(row.get("Action Due Date"))
        table.set(key, {"Action Due Date": due, "Snooze Count": count})
        return Effect(
            f"Action snoozed {count_of(choice['days'], 'day')} (from mail)",
            f"due {before}" if before else None,
            f"due {due}, snoozed {count_of(count, 'time')}",
        )
    if action in ("handover", "reassign"):
        previous = owner_of(row)
        table.set(key, {"Action Owner": choice["to"], "Handed Over From": previous, "Handed Over At": now})
        word = "handed over" if action == "handover" else "reassigned"
        return Effect(f"Action {word} (from mail)", previous, str(choice["to"]))
    if action == "reassign_ticket":
        was = str(row.get("Owner") or "") or None
        table.set(key, {"Owner": choice["to"], "Last Updated": now})
        return Effect("Ticket reassigned (from mail)", was, str(choice["to"]))
    if action in ("approve", "reject"):
        verdict = "Yes" if action == "approve" else "No"
        table.set(key, {"Manager Approved": verdict, "Approved By": by, "Approved At": now})
        word = "approved" if action == "approve" else "rejected"
        return Effect(f"Overrun {word} (from mail)", row.get("Manager Approved"), verdict)
    decision = DECISION[action]
    table.set(key, {"Decision": decision, "Decided By": by, "Decided At": now})
    return Effect("Review decided (from mail)", None, decision)
