"""The morning job: each person's reminders and each manager's digest, mailed once a day."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.actions.links import Links
from hub.followups.mail import digest_mail, reminder_mail
from hub.followups.plan import FollowUpRules, plan_followups
from hub.pilot import PilotScope
from hub.ports import (
    HubChanges,
    HubStore,
    Mailer,
    MailMessage,
    RowUpdate,
    StateStore,
)
from hub_schema.columns import FULL_NAME

log = logging.getLogger(__name__)


FOLLOWUP_READS = ("Accounts", "Contacts", "Interactions", "Staff", "Tickets", "Opportunities")


@dataclass
class FollowUpReport:
    reminders_sent: int = 0
    digests_sent: int = 0
    already_sent: int = 0  # mails this day's earlier run sent: not sent again
    failed: list[str] = field(default_factory=list)  # recipients whose mail could not be sent


def run_followups(
    store: HubStore,
    mailer: Mailer,
    state: StateStore,
    clock: Callable[[], datetime],
    rules: FollowUpRules,
    timezone: str,
    *,
    manager_of: Callable[[str], str | None] = lambda email: None,
    admins: tuple[str, ...] = (),
    links: Links | None = None,
    scope: PilotScope | None = None,
) -> FollowUpReport:
    """Mail today's reminders and digests once. What was sent is recorded in the state store right
    after each mail (so a crash or a re-run sends nothing twice) and stamped on the interactions."""
    now = clock().astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    tables = store.read_tables(FOLLOWUP_READS)
    replies = None
    if scope is not None:  # a pilot (CXHUB_PILOT): reminders and digests of its rows only
        replies = tables["Interactions"]  # an answer logged outside the pilot still answers
        tables = scope.tables(tables)
    plan = plan_followups(tables, now, rules, manager_of, admins, replies)
    key = f"followups-sent:{plan.today.isoformat()}"
    sent: dict[str, list[str]] = json.loads(state.get(key) or '{"staff": [], "managers": []}')
    report = FollowUpReport()
    names = {
        str(s["Email"]).lower(): str(s.get(FULL_NAME) or s["Email"])
        for s in tables["Staff"]
        if s.get("Email")
    }
    stamps: dict[str, datetime] = {}

    def deliver(kind: str, recipient: str, message: MailMessage) -> bool:
        if recipient in sent[kind]:
            report.already_sent += 1
            return False
        try:
            mailer.send(message)
        except Exception as e:  # one bad address must not stop everyone else's mail
            log.error("follow-up mail to a %s failed: %s", kind, type(e).__name__)
            report.failed.append(recipient)
            return False
        sent[kind].append(recipient)
        state.set(key, json.dumps(sent))
        return True

    for reminder in plan.reminders:
        if deliver("staff", reminder.email, reminder_mail(reminder, links, plan.today)):
            report.reminders_sent += 1
            stamps.update({item.interaction_id: now for item in reminder.items})
    for digest in plan.digests:
        if deliver("managers", digest.manager, digest_mail(digest, names, rules, plan.today, links)):
            report.digests_sent += 1
    if stamps:
        store.apply(
            HubChanges(
                updates=[RowUpdate("Interactions", i, {"Last Reminded": when}) for i, when in stamps.items()]
            )
        )
    log.info(
        "follow-ups: %d reminders, %d digests, %d already sent, %d failed",
        report.reminders_sent,
        report.digests_sent,
        report.already_sent,
        len(report.failed),
    )
    return report
