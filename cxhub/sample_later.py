"""What staff log about the demo's rows once they exist, as they would in real use.

The service desk fixes most faults within days and says so on the Form, naming the ticket (the
Form's Ticket ID question): that later interaction is what resolves a ticket. The generator cannot
know a ticket's ID before the writer allocates it, so the demo reads its own Tickets tab after the
first submissions are written and submits these through the same intake. The data steward logs
her hours each week in the Steward Log (an upgrade trigger, and the pilot report's steward line).
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cxhub.sample_data import DEMO_STEWARD, STAFF
from hub_schema.columns import ACCOUNT_ID, TICKET_ID

RESOLVED_SHARE = 0.7  # most faults are fixed; the rest stay open and feed the stale-ticket flags
FIX_DAYS = (1, 9)  # calendar days from the report to the fix: either side of the 3-5 day target
STEWARD_HOURS = (1.5, 1.25, 1.75, 1.0)  # the Motors steward's last four weeks, newest first


def ticket_resolutions(
    tickets: Sequence[Mapping[str, Any]],
    interactions: Sequence[Mapping[str, Any]],
    now: datetime,
    *,
    seed: int = 65,
    timezone: str = "Africa/Lagos",
) -> list[bytes]:
    """Form bodies in which the division's service staff resolve most of the open tickets, each
    some days after it was opened (only fixes already in the past by `now`, aware)."""
    rng = random.Random(seed + 16)
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone).replace(tzinfo=None)
    branch_of = {str(i.get(TICKET_ID)): i.get("Branch") for i in interactions if i.get(TICKET_ID)}
    bodies = []
    for ticket in tickets:
        opened, ticket_id = ticket.get("Opened"), str(ticket.get(TICKET_ID) or "")
        if ticket.get("Resolved") or not isinstance(opened, datetime) or rng.random() >= RESOLVED_SHARE:
            continue
        fixed = opened.replace(hour=10, minute=0) + timedelta(
            days=rng.randint(*FIX_DAYS), hours=rng.randint(0, 6)
        )
        if fixed > local_now - timedelta(hours=1):
            continue  # not fixed yet
        division = str(ticket.get("Division") or "")
        service = [s[0] for s in STAFF if s[2] == division and s[3] == "Service"]
        submitted = (fixed + timedelta(minutes=rng.randint(5, 50))).replace(tzinfo=zone).astimezone(UTC)
        answers = {
            "division": division,
            "account_id": ticket.get(ACCOUNT_ID),
            "channel": "Phone",
            "direction": "Outbound",
            "interaction_type": "Follow-up",
            "occurred_at": fixed.strftime("%d/%m/%Y %H:%M"),
            "notes": "Fault fixed; the customer confirmed all is working.",
            "ticket_id": ticket_id,
            "ticket_status": "Resolved",
        }
        if branch_of.get(ticket_id):
            answers["branch"] = branch_of[ticket_id]
        body = {
            "responseId": f"demo-{seed}-fix-{ticket_id}",
            "submittedAt": min(submitted, now).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "responder": (service or [str(ticket.get("Owner") or STAFF[0][0])])[0],
            "answers": answers,
        }
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    return bodies


def steward_log_rows(today: date) -> list[dict[str, Any]]:
    """The Motors data steward's hours for each of the last four full weeks (under the 2-hour
    trigger: one steward for one division keeps up)."""
    monday = today - timedelta(days=today.weekday())
    return [
        {
            "Week": monday - timedelta(weeks=weeks_back),
            "Steward": DEMO_STEWARD,
            "Hours": hours,
            "Notes": "Review Queue and Rejected items of Motors",
        }
        for weeks_back, hours in enumerate(STEWARD_HOURS, 1)
    ]
