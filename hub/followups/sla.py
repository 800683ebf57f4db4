"""Before the breach: the hourly check that warns whoever should answer an inbound inquiry that has
waited `warn_hours` of the `response_hours` standard (The 12-hour first response, on a 24/7 clock).

Pure planning (`plan_warnings`: hub rows and `now`, Lagos wall clock, in; warnings out) and the job
(`run_sla`: one mail per inquiry, remembered in the state store as it goes, so a re-run, a crash or
an overlapping timer never mails twice). The morning digest still lists the breaches.

Who is warned: the account's owner (Owner Override, else Account Owner); an unowned account's
inquiry goes to the manager of the inquiry's division (Staff tab: Role Manager, active), else to the
first admin. Mail goes out only in business hours and not on quiet days (Sunday by default); an
inquiry that crossed the warning line overnight is mailed at the start of the next business hour,
even when it has breached by then, because nobody has been told yet.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.matching import follow_merged_into
from hub.pilot import BRANCH, PilotScope
from hub.ports import HubStore, Mailer, MailMessage, Row, StateStore
from hub.rendering import environment
from hub.responses import TIME_KNOWN, inquiries
from hub_schema.columns import ACCOUNT_ID, COMPANY_NAME, CONTACT_ID, FULL_NAME, INTERACTION_ID

log = logging.getLogger(__name__)

SLA_READS = ("Accounts", "Contacts", "Interactions", "Staff")
SLA_COLUMNS: dict[str, tuple[str, ...]] = {
    "Interactions": (
        INTERACTION_ID,
        "Date",
        CONTACT_ID,
        ACCOUNT_ID,
        "Notes",
        "Logged By",
        "Division",
        "Direction",
        "Type",
        TIME_KNOWN,
    ),
}


@dataclass(frozen=True)
class SlaRules:
    response_hours: float = 12.0
    warn_hours: float = 8.0
    business_start: time = time(8)
    business_end: time = time(18)
    quiet_days: frozenset[int] = frozenset({6})  # datetime.weekday(): Monday 0 … Sunday 6
    # Older unanswered inquiries are the morning digest's business: the first run after an outage
    # must not mail about every inquiry of last month.
    max_age_hours: float = 72.0

    def mailing_allowed(self, now: datetime) -> bool:
        return now.weekday() not in self.quiet_days and self.business_start <= now.time() < self.business_end


@dataclass(frozen=True)
class SlaWarning:
    interaction_id: str
    account_id: str
    account: str
    contact: str | None
    division: str
    received: datetime
    due: datetime
    waited_hours: float
    note: str
    logged_by: str
    recipient: str
    why: str  # why this person: "you own this account", "… you manage Motors", …
    limit_hours: float

    @property
    def breached(self) -> bool:
        return self.waited_hours > self.limit_hours

    @property
    def hours_left(self) -> float:
        return round(self.limit_hours - self.waited_hours, 1)

    @property
    def waited(self) -> float:
        """Hours waited, as the mail shows them."""
        return round(self.waited_hours, 1)


def plan_warnings(
    tables: Mapping[str, list[Row]],
    now: datetime,
    rules: SlaRules,
    admins: Sequence[str] = (),
    scope: PilotScope | None = None,
) -> list[SlaWarning]:
    """Unanswered inquiries of known time that have waited at least `warn_hours` (and at most
    `max_age_hours`), each with the person to warn; none outside business hours. With a pilot
    (CXHUB_PILOT), only the inquiries it covers; a reply from outside the pilot still answers one."""
    if not rules.mailing_allowed(now):
        return []
    accounts = {str(a[ACCOUNT_ID]).upper(): a for a in tables.get("Accounts", []) if a.get(ACCOUNT_ID)}
    contacts = {str(c[CONTACT_ID]).upper(): c for c in tables.get("Contacts", []) if c.get(CONTACT_ID)}
    managers = _division_managers(tables.get("Staff", []))

    def account_of(row: Row) -> str | None:
        raw = str(row.get(ACCOUNT_ID) or "").upper()
        return (follow_merged_into(accounts, raw)[0] or raw) if raw else None

    out = []
    for inquiry in inquiries(tables.get("Interactions", []), account_of):
        waited = inquiry.waited(now)
        if waited is None or not rules.warn_hours <= waited <= rules.max_age_hours:
            continue
        if scope is not None and not scope.covers(inquiry.row):
            continue
        assert inquiry.received is not None  # waited() is None without a known time
        account = accounts.get(inquiry.account, {})
        division = str(inquiry.row.get("Division") or "")
        recipient, why = _who(account, division, managers, admins)
        if recipient is None:
            continue
        contact = contacts.get(str(inquiry.row.get(CONTACT_ID) or "").upper(), {})
        out.append(
            SlaWarning(
                interaction_id=inquiry.interaction_id,
                account_id=inquiry.account,
                account=str(account.get(COMPANY_NAME) or inquiry.account),
                contact=str(contact[FULL_NAME]) if contact.get(FULL_NAME) else None,
                division=division,
                received=inquiry.received,
                due=inquiry.received + timedelta(hours=rules.response_hours),
                waited_hours=waited,
                note=" ".join(str(inquiry.row.get("Notes") or "").split())[:300],
                logged_by=str(inquiry.row.get("Logged By") or "").lower(),
                recipient=recipient,
                why=why,
                limit_hours=rules.response_hours,
            )
        )
    return out


def _division_managers(staff: list[Row]) -> dict[str, str]:
    out: dict[str, str] = {}
    for row in sorted(staff, key=lambda r: str(r.get("Email") or "").lower()):
        active = str(row.get("Active") or "Yes") != "No"
        if active and row.get("Role") == "Manager" and row.get("Email") and row.get("Division"):
            out.setdefault(str(row["Division"]), str(row["Email"]).lower())
    return out


def _who(
    account: Row, division: str, managers: Mapping[str, str], admins: Sequence[str]
) -> tuple[str | None, str]:
    owner = account.get("Owner Override") or account.get("Account Owner")
    if owner:
        return str(owner).lower(), "you own this account"
    if division in managers:
        return managers[division], f"the account has no owner and you manage {division}"
    if admins:
        return sorted(a.lower() for a in admins)[0], "the account has no owner and its division no manager"
    return None, ""


def warned_key(interaction_id: str) -> str:
    return f"sla-warned:{interaction_id}"


@dataclass
class SlaReport:
    sent: int = 0
    already_sent: int = 0
    failed: list[str] = field(default_factory=list)
    quiet: bool = False  # outside business hours or on a quiet day: nothing was considered


def run_sla(
    store: HubStore,
    mailer: Mailer,
    state: StateStore,
    clock: Callable[[], datetime],
    rules: SlaRules,
    timezone: str,
    admins: Sequence[str] = (),
    card_url: Callable[[str], str | None] = lambda account_id: None,
    scope: PilotScope | None = None,
) -> SlaReport:
    """The hourly job: each due warning mailed once (the state store remembers each inquiry); with a
    pilot, the pilot's inquiries only."""
    now = clock().astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    report = SlaReport(quiet=not rules.mailing_allowed(now))
    if report.quiet:
        return report
    columns = SLA_COLUMNS
    if scope is not None and scope.branches:  # the Branch column is read only for a branch pilot
        columns = {"Interactions": (*SLA_COLUMNS["Interactions"], BRANCH)}
    tables = store.read_tables(SLA_READS, columns=columns)
    for warning in plan_warnings(tables, now, rules, admins, scope):
        key = warned_key(warning.interaction_id)
        if state.get(key):
            report.already_sent += 1
            continue
        try:
            mailer.send(warning_mail(warning, card_url(warning.account_id)))
        except Exception as e:  # one bad address must not stop the other warnings
            log.error("response warning mail failed: %s", type(e).__name__)
            report.failed.append(warning.interaction_id)
            continue
        state.set(
            key, json.dumps({"at": now.isoformat(), "to": "owner" if "own" in warning.why else "other"})
        )
        report.sent += 1
    log.info(
        "response warnings: %d sent, %d already sent, %d failed",
        report.sent,
        report.already_sent,
        len(report.failed),
    )
    return report


def warning_mail(w: SlaWarning, card_url: str | None = None) -> MailMessage:
    if w.breached:
        subject = f"{w.account} has waited {w.waited:g} h for a reply (the standard is {w.limit_hours:g} h)"
    else:
        subject = f"Reply to {w.account} by {w.due:%H:%M} ({w.hours_left:g} h left)"
    html = (
        environment().get_template("response_warning.html.j2").render(subject=subject, w=w, card_url=card_url)
    )
    text = "\n".join(
        [
            subject,
            "",
            f"Inquiry {w.interaction_id} from {w.account}"
            + (f" ({w.contact})" if w.contact else "")
            + f", received {w.received:%a %d %b %H:%M}, logged by {w.logged_by}.",
            f"Note: {w.note}",
            f"You get this because {w.why}.",
            "Reply to the customer, then log it in the Form as an Outbound interaction: "
            "that stops the clock.",
            *([f"Open the customer: {card_url}"] if card_url else []),
        ]
    )
    return MailMessage(to=(w.recipient,), subject=f"CX Hub: {subject}", html=html, text=text)
