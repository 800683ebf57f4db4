"""Follow-ups (Follow-up discipline): what each person owes today, and what each manager should act on.

Pure: hub rows and `now` (Lagos wall-clock) in, a plan of mails out. "Overdue" means due before
today in Lagos, so an action due today is never overdue at 23:30 UTC of the day before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np

from hub import defaults
from hub.after_sale import first_service_notices, notice_text
from hub.ports import Row
from hub.promises import lost_opportunities
from hub.responses import inquiries
from hub.staff import is_active_staff
from hub_schema.cells import as_day
from hub_schema.columns import (
    ACCOUNT_ID,
    COMPANY_NAME,
    CONTACT_ID,
    FULL_NAME,
    INTERACTION_ID,
    OPPORTUNITY_ID,
    TICKET_ID,
)
from hub_schema.lists import CLOSED_TICKET_STATUSES

QUIET_ROLES = frozenset({"Sales", "Service"})  # whose silence says something about adoption


@dataclass(frozen=True)
class FollowUpRules:
    response_hours: float = defaults.RESPONSE_HOURS  # the response standard, on a 24/7 clock
    overrun_share: float = defaults.OVERRUN_PERCENT / 100  # a final bill this far above the quote
    ticket_open_business_days: int = defaults.TICKET_OPEN_DAYS
    quiet_days: int = (
        defaults.QUIET_DAYS
    )  # staff who logged nothing this long; also the window for late responses
    oldest_items: int = 5  # how many of the oldest overdue items a manager sees
    max_items: int = 25  # a person's mail lists this many overdue items at most; it says how many more
    note_chars: int = 160
    snoozes_to_flag: int = 3  # a promise snoozed this often goes in the manager's digest


@dataclass(frozen=True)
class ActionItem:
    interaction_id: str
    account: str
    contact: str | None
    promised: str
    due: date
    days_late: int  # 0 for today, -1 for tomorrow
    last_note: str
    logged_by: str
    owner: str = ""  # who has the promise now: Action Owner (handed over), else Logged By
    account_id: str = ""
    snoozes: int = 0
    # "promise": a Next Action someone owes; "first service": after the sale, the owner told a week
    # ahead of a delivered customer's first service (hub.followups.after_sale), nothing to mark done.
    kind: str = "promise"


@dataclass(frozen=True)
class Handover:
    """A promise that changed hands since yesterday's mails: both people hear of it once."""

    interaction_id: str
    account: str
    promised: str
    due: date | None
    from_person: str
    to_person: str


@dataclass
class StaffReminder:
    email: str
    name: str
    overdue: list[ActionItem] = field(default_factory=list)  # oldest first (the first max_items)
    due_soon: list[ActionItem] = field(default_factory=list)  # today, then tomorrow
    more_overdue: int = 0  # overdue items beyond those listed
    handed_to_you: list[Handover] = field(default_factory=list)
    handed_away: list[Handover] = field(default_factory=list)

    @property
    def items(self) -> list[ActionItem]:
        """What the mail lists (and what gets its Last Reminded stamp)."""
        return self.overdue + self.due_soon

    def is_empty(self) -> bool:
        return not (self.items or self.handed_to_you or self.handed_away)

    @property
    def overdue_total(self) -> int:
        return len(self.overdue) + self.more_overdue


@dataclass(frozen=True)
class LateResponse:
    interaction_id: str
    account: str
    logged_by: str
    received: datetime | date  # a date: the inquiry's time is not known
    answered: datetime | date | None  # a date: answered that day at a time not known
    hours: float | None  # waited so far, or until the answer; None when a time is not known

    @property
    def received_time(self) -> time | None:
        return self.received.time() if isinstance(self.received, datetime) else None


@dataclass(frozen=True)
class TicketFlag:
    ticket_id: str
    account: str
    owner: str | None
    detail: str


@dataclass
class TeamDigest:
    manager: str
    team: list[str] = field(default_factory=list)
    overdue_by_person: list[tuple[str, int]] = field(default_factory=list)
    oldest: list[ActionItem] = field(default_factory=list)
    late_responses: list[LateResponse] = field(default_factory=list)
    overruns: list[TicketFlag] = field(default_factory=list)
    stale_tickets: list[TicketFlag] = field(default_factory=list)
    quiet_staff: list[str] = field(default_factory=list)
    snoozed: list[ActionItem] = field(default_factory=list)  # open promises snoozed 3+ times

    @property
    def tickets_to_check(self) -> int:
        """Each ticket once, though it may be both over quote and open too long."""
        return len({t.ticket_id for t in [*self.overruns, *self.stale_tickets]})

    def is_empty(self) -> bool:
        return not (
            self.overdue_by_person
            or self.late_responses
            or self.overruns
            or self.stale_tickets
            or self.quiet_staff
            or self.snoozed
        )


@dataclass
class FollowUpPlan:
    today: date
    reminders: list[StaffReminder]
    digests: list[TeamDigest]


def plan_followups(
    tables: Mapping[str, list[Row]],
    now: datetime,
    rules: FollowUpRules,
    manager_of: Callable[[str], str | None],
    admins: Iterable[str] = (),
    replies: list[Row] | None = None,
) -> FollowUpPlan:
    """manager_of(email): the person's manager (Staff tab, else the directory), None if unknown;
    people without one report to the admins. `replies`: every interaction of the hub when `tables`
    is a pilot's part of it, so that an answer logged outside the pilot still counts as one."""
    today = now.date()
    accounts = {
        str(a[ACCOUNT_ID]).upper(): str(a.get(COMPANY_NAME) or a[ACCOUNT_ID]) for a in tables["Accounts"]
    }
    contacts = {str(c[CONTACT_ID]).upper(): str(c.get(FULL_NAME) or "") for c in tables["Contacts"]}
    staff = {str(s["Email"]).lower(): s for s in tables.get("Staff", []) if s.get("Email")}
    interactions = tables["Interactions"]
    promises = _not_on_lost_sales(interactions, tables.get("Opportunities", []))
    actions = [
        item
        for row in promises
        if (item := _open_action(row, today, accounts, contacts, rules)) is not None
        and not _not_in_todays_reminder(row, item, today)
    ]
    actions += _first_service_notices(promises, today, accounts, contacts)
    reminders = _reminders(actions, _handovers(promises, accounts, now), staff, rules)

    digests = _Digests(staff, manager_of, admins)
    open_items = [i for row in promises if (i := _open_action(row, today, accounts, contacts, rules))]
    _add_overdue(digests, [i for i in open_items if i.days_late > 0], staff, rules)
    _add_snoozed(digests, open_items, rules)
    _add_flags(digests, tables, accounts, staff, now, rules, replies)
    digests.add_teams()
    return FollowUpPlan(
        today,
        sorted((r for r in reminders if not r.is_empty()), key=lambda r: r.email),
        sorted((d for d in digests.all() if not d.is_empty()), key=lambda d: d.manager),
    )


def _first_service_notices(
    interactions: Iterable[Row], today: date, accounts: Mapping[str, str], contacts: Mapping[str, str]
) -> list[ActionItem]:
    """After the sale: each first service a week away, as an item of its owner's reminder."""
    out = []
    for row, first, due in first_service_notices(interactions, today):
        account_id = str(row.get(ACCOUNT_ID) or "")
        out.append(
            ActionItem(
                interaction_id=str(row[INTERACTION_ID]),
                account=accounts.get(account_id.upper(), account_id),
                contact=contacts.get(str(row.get(CONTACT_ID) or "").upper()) or None,
                promised=notice_text(first),
                due=due,
                days_late=(today - due).days,
                last_note=" ".join(str(row.get("Notes") or "").split())[:160],
                logged_by=str(row.get("Logged By") or "").lower(),
                owner=str(row.get("Action Owner") or row.get("Logged By") or "").strip().lower(),
                account_id=account_id,
                kind="first service",
            )
        )
    return [i for i in out if i.owner]


def _not_on_lost_sales(interactions: list[Row], opportunities: Iterable[Row]) -> list[Row]:
    """A sale marked Lost (in Excel too) is not chased: the writer cancels its promises on the Form's
    Lost; one set in the workbook is left out here ("if it's marked as lost, it's not counted")."""
    lost = {o.upper() for o in lost_opportunities(list(opportunities))}
    return [r for r in interactions if str(r.get(OPPORTUNITY_ID) or "").upper() not in lost]


def _add_overdue(
    digests: _Digests, overdue: Iterable[ActionItem], staff: Mapping[str, Row], rules: FollowUpRules
) -> None:
    """Overdue per person: every open overdue action counts, reminded today or not."""
    by_person: dict[str, list[ActionItem]] = defaultdict(list)
    for item in overdue:
        by_person[item.owner].append(item)
    for email, items in sorted(by_person.items()):
        if digest := digests.of(email):
            digest.overdue_by_person.append((_name(staff, email), len(items)))
            digest.oldest.extend(items)
    for digest in digests.all():
        digest.oldest = sorted(digest.oldest, key=lambda i: (i.due, i.interaction_id))[: rules.oldest_items]


def _add_snoozed(digests: _Digests, items: Iterable[ActionItem], rules: FollowUpRules) -> None:
    """Promises snoozed again and again: the manager sees them (a promise that keeps slipping)."""
    for item in items:
        if item.snoozes >= rules.snoozes_to_flag and (digest := digests.of(item.owner)):
            digest.snoozed.append(item)


def _add_flags(
    digests: _Digests,
    tables: Mapping[str, list[Row]],
    accounts: Mapping[str, str],
    staff: Mapping[str, Row],
    now: datetime,
    rules: FollowUpRules,
    replies: list[Row] | None = None,
) -> None:
    """Late responses, ticket overruns and stale tickets, and quiet staff, each to the manager's digest."""
    interactions = tables["Interactions"]
    for late in _late_responses(interactions, accounts, now, rules, replies):
        if digest := digests.of(late.logged_by):
            digest.late_responses.append(late)
    for kind, flag in _ticket_flags(tables.get("Tickets", []), accounts, now, rules):
        if digest := digests.of(flag.owner):
            (digest.overruns if kind == "overrun" else digest.stale_tickets).append(flag)
    for email in _quiet_staff(staff, interactions, now, rules):
        if digest := digests.of(email):
            digest.quiet_staff.append(_name(staff, email))


def _not_in_todays_reminder(row: Row, item: ActionItem, today: date) -> bool:
    """Left out of today's reminders: not due until after tomorrow, or already in a mail today (the
    hub's own stamp, beside the sent-mail record)."""
    return item.days_late < -1 or as_day(row.get("Last Reminded")) == today


def _reminders(
    actions: Iterable[ActionItem],
    handovers: Iterable[Handover],
    staff: Mapping[str, Row],
    rules: FollowUpRules,
) -> list[StaffReminder]:
    """Each person's mail: the promises they have now (overdue, due soon) and the hand overs."""
    reminders: dict[str, StaffReminder] = {}
    for item in actions:
        email = item.owner
        reminder = reminders.setdefault(email, StaffReminder(email, _name(staff, email)))
        (reminder.overdue if item.days_late > 0 else reminder.due_soon).append(item)
    for handover in handovers:
        for email, side in ((handover.to_person, "to"), (handover.from_person, "away")):
            if not email:
                continue
            reminder = reminders.setdefault(email, StaffReminder(email, _name(staff, email)))
            (reminder.handed_to_you if side == "to" else reminder.handed_away).append(handover)
    for reminder in reminders.values():
        reminder.overdue.sort(key=lambda i: (i.due, i.interaction_id))
        reminder.due_soon.sort(key=lambda i: (i.due, i.interaction_id))
        # A mail of hundreds of items helps nobody (and would pass Graph's request size).
        reminder.more_overdue = max(0, len(reminder.overdue) - rules.max_items)
        del reminder.overdue[rules.max_items :]
        del reminder.due_soon[rules.max_items :]
    return list(reminders.values())


class _Digests:
    """One digest per manager, found through the Staff tab, else the directory, else the admins."""

    def __init__(
        self, staff: Mapping[str, Row], manager_of: Callable[[str], str | None], admins: Iterable[str]
    ) -> None:
        self._staff = staff
        self._manager_of = manager_of
        admin_list = sorted({a.lower() for a in admins})
        self._first_admin = admin_list[0] if admin_list else None
        self._boss: dict[str, str | None] = {}
        self._digests: dict[str, TeamDigest] = {}

    def _manager(self, email: str) -> str | None:
        if email not in self._boss:
            row = self._staff.get(email)
            named = str(row["Manager Email"]).lower() if row and row.get("Manager Email") else None
            self._boss[email] = (named or self._manager_of(email)) or self._first_admin
        return self._boss[email]

    def of(self, email: str | None) -> TeamDigest | None:
        """The digest of `email`'s manager (the admins' for nobody's), None when there is no one."""
        manager = self._manager(email) if email else self._first_admin
        if manager is None:
            return None
        return self._digests.setdefault(manager, TeamDigest(manager))

    def all(self) -> list[TeamDigest]:
        return list(self._digests.values())

    def add_teams(self) -> None:
        for email, row in self._staff.items():
            if is_active_staff(row):
                digest = self.of(email)
                if digest is not None and email not in digest.team:
                    digest.team.append(email)


def _open_action(
    row: Row, today: date, accounts: Mapping[str, str], contacts: Mapping[str, str], rules: FollowUpRules
) -> ActionItem | None:
    if row.get("Action Status") != "Open" or not row.get("Next Action") or not row.get("Logged By"):
        return None
    due = as_day(row.get("Action Due Date"))
    if due is None:
        return None
    note = " ".join(str(row.get("Notes") or "").split())
    if len(note) > rules.note_chars:
        note = note[: rules.note_chars - 1].rstrip() + "…"
    contact_id = str(row.get(CONTACT_ID) or "").upper()
    return ActionItem(
        interaction_id=str(row[INTERACTION_ID]),
        account=accounts.get(str(row.get(ACCOUNT_ID) or "").upper(), str(row.get(ACCOUNT_ID) or "")),
        contact=contacts.get(contact_id) or None,
        promised=str(row["Next Action"]),
        due=due,
        days_late=(today - due).days,
        last_note=note,
        logged_by=str(row["Logged By"]).lower(),
        owner=str(row.get("Action Owner") or row["Logged By"]).strip().lower(),
        account_id=str(row.get(ACCOUNT_ID) or ""),
        snoozes=int(row.get("Snooze Count") or 0),
    )


def _handovers(interactions: list[Row], accounts: Mapping[str, str], now: datetime) -> list[Handover]:
    """Open promises handed over in the day before this run: the mails run daily, so each hand over
    is told once, to the person who has it now and to the one who had it."""
    out = []
    for row in interactions:
        when = row.get("Handed Over At")
        if row.get("Action Status") != "Open" or not isinstance(when, datetime):
            continue
        if not now - timedelta(days=1) < when <= now or not row.get("Action Owner"):
            continue
        account_id = str(row.get(ACCOUNT_ID) or "").upper()
        out.append(
            Handover(
                interaction_id=str(row[INTERACTION_ID]),
                account=accounts.get(account_id, account_id),
                promised=str(row.get("Next Action") or ""),
                due=as_day(row.get("Action Due Date")),
                from_person=str(row.get("Handed Over From") or row.get("Logged By") or "").lower(),
                to_person=str(row["Action Owner"]).lower(),
            )
        )
    return sorted(out, key=lambda h: h.interaction_id)


def _late_responses(
    interactions: list[Row],
    accounts: Mapping[str, str],
    now: datetime,
    rules: FollowUpRules,
    replies: list[Row] | None = None,
) -> list[LateResponse]:
    """Inbound inquiries of the last `quiet_days` days not answered within `response_hours` (late,
    or not yet and already past the limit). Times not known are judged by the day (hub.responses).
    Answers are looked for in `replies` (the whole hub under a pilot), inquiries in `interactions`."""
    since = now - timedelta(days=rules.quiet_days)
    ours = {str(row.get(INTERACTION_ID) or "") for row in interactions} if replies is not None else None
    out = []
    for inquiry in inquiries(interactions if replies is None else replies):
        if ours is not None and inquiry.interaction_id not in ours:
            continue
        if inquiry.day < since.date() or (inquiry.received is not None and inquiry.received < since):
            continue
        if not inquiry.surely_late(now, rules.response_hours):
            continue  # answered in time, still within the window, or unknowable
        hours = inquiry.hours if inquiry.hours is not None else inquiry.waited(now)
        answered = inquiry.reply.at or inquiry.reply.day if inquiry.reply else None
        out.append(
            LateResponse(
                inquiry.interaction_id,
                accounts.get(inquiry.account, inquiry.account),
                str(inquiry.row.get("Logged By") or "").lower(),
                inquiry.received or inquiry.day,
                answered,
                None if hours is None else round(hours, 1),
            )
        )
    return sorted(out, key=lambda r: (as_day(r.received), r.received_time or time(), r.interaction_id))


def _ticket_flags(
    tickets: list[Row], accounts: Mapping[str, str], now: datetime, rules: FollowUpRules
) -> list[tuple[str, TicketFlag]]:
    out = []
    for row in tickets:
        account = accounts.get(str(row.get(ACCOUNT_ID) or "").upper(), str(row.get(ACCOUNT_ID) or ""))
        owner = str(row.get("Owner") or "").lower() or None
        quote, final = row.get("Quote Amount"), row.get("Final Amount")
        if (
            isinstance(quote, int | float)
            and isinstance(final, int | float)
            and quote > 0
            and final > quote * (1 + rules.overrun_share)
            and row.get("Manager Approved") != "Yes"
        ):
            over = 100 * (final - quote) / quote
            detail = (
                f"final ₦{final:,.0f} is {over:.0f}% above the approved quote ₦{quote:,.0f}; "
                "not manager-approved"
            )
            out.append(("overrun", TicketFlag(str(row[TICKET_ID]), account, owner, detail)))
        opened = as_day(row.get("Opened"))
        if row.get("Status") not in CLOSED_TICKET_STATUSES and opened is not None:
            days = int(np.busday_count(opened, now.date()))
            if days > rules.ticket_open_business_days:
                detail = f"open {days} business days (since {opened:%d %b}), status {row.get('Status')}"
                out.append(("stale", TicketFlag(str(row[TICKET_ID]), account, owner, detail)))
    return out


def _quiet_staff(
    staff: Mapping[str, Row], interactions: list[Row], now: datetime, rules: FollowUpRules
) -> list[str]:
    since = now - timedelta(days=rules.quiet_days)
    active = set()
    for row in interactions:
        when = row.get("Date")
        if isinstance(when, datetime) and when >= since and row.get("Logged By"):
            active.add(str(row["Logged By"]).lower())
    return sorted(
        email
        for email, row in staff.items()
        if is_active_staff(row) and row.get("Role") in QUIET_ROLES and email not in active
    )


def _name(staff: Mapping[str, Row], email: str) -> str:
    row = staff.get(email)
    return str(row[FULL_NAME]) if row and row.get(FULL_NAME) else email
