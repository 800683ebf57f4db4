"""After the sale (the glossary's rule of that name): a Delivery with a first-service date is followed up
like any promise. The writer makes the check-in call ("have you done your first service?") the
Delivery's own promise, due the day after the service (hub.intake.recorder); the owner is also told
a week before the service, once, in the daily reminder (hub.followups.plan). In the core because
both the writer and the follow-ups read it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from hub.ports import Row
from hub_schema.cells import as_day

DELIVERY = "Delivery"
FIRST_SERVICE = "First Service Date"
NOTICE = timedelta(days=7)  # the owner hears of the first service this long before it
CHECK_IN_AFTER = timedelta(days=1)  # the check-in call falls due this long after the service
CHECK_IN = "Check-in call: have you done your first service?"


def check_in_promise(first_service: date) -> dict[str, object]:
    """The Delivery's promise the writer records (when the Form gave no other next action)."""
    return {
        "Next Action": CHECK_IN,
        "Action Due Date": first_service + CHECK_IN_AFTER,
        "Action Status": "Open",
    }


def notice_due(row: Row) -> date | None:
    """When the owner is to be told of a Delivery's first service (a week before it), if it has one."""
    first = as_day(row.get(FIRST_SERVICE))
    if row.get("Type") != DELIVERY or first is None:
        return None
    return first - NOTICE


def first_service_notices(interactions: Iterable[Row], today: date) -> list[tuple[Row, date, date]]:
    """(Delivery row, first service, notice day) for each first service the owner should hear of
    today: from the day before the notice day up to the service, until one reminder named it (its
    Last Reminded stamp falls in that window). Cancelled promises are not followed up."""
    out = []
    for row in interactions:
        due = notice_due(row)
        if due is None or row.get("Action Status") == "Cancelled":
            continue
        first = due + NOTICE
        window_opens = due - timedelta(days=1)
        if not window_opens <= today < first:
            continue
        reminded = as_day(row.get("Last Reminded"))
        if reminded is not None and window_opens <= reminded < first:
            continue
        out.append((row, first, due))
    return out


def notice_text(first: date) -> str:
    return f"First service on {first:%a %d %b}: remind the customer (booked at delivery)"
