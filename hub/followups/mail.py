"""The follow-up mails: a person's reminders and a manager's digest, as HTML and plain text."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from hub.actions.links import Links
from hub.followups.plan import FollowUpRules, LateResponse, StaffReminder, TeamDigest
from hub.ports import MailMessage
from hub.rendering import environment
from hub.text import count

FORM_NAME = "Log a customer interaction"
# The one-tap links beside each item of a reminder, in the order the mail shows them.
STALE = "|stale"  # the links key of a stale ticket (an overrun's is the bare ticket ID)
REMINDER_ACTIONS = (("done", "Done"), ("snooze", "Snooze"), ("handover", "Hand over"))


def reminder_links(
    reminder: StaffReminder, links: Links | None, mail: str
) -> dict[str, list[tuple[str, str]]]:
    """Per interaction: (label, URL) of Done, Snooze, Hand over and Open the customer."""
    if links is None:
        return {}
    out = {}
    for item in reminder.items:
        acts = [
            (label, links.act(a, item.interaction_id, reminder.email, mail))
            for a, label in REMINDER_ACTIONS
            if item.kind == "promise"  # a first-service notice is told, not done
        ]
        if item.account_id:
            acts.append(("Open the customer", links.customer(item.account_id)))
        out[item.interaction_id] = acts
    return out


def reminder_mail(reminder: StaffReminder, links: Links | None = None, today=None) -> MailMessage:
    late, soon = reminder.overdue_total, len(reminder.due_soon)
    if late:
        subject = f"{count(late, 'overdue follow-up')}" + (f" and {soon} due soon" if soon else "")
    elif soon:
        subject = f"{count(soon, 'follow-up')} due today or tomorrow"
    else:
        n = len(reminder.handed_to_you) + len(reminder.handed_away)
        subject = f"{count(n, 'follow-up')} handed over"
    acts = reminder_links(reminder, links, f"follow-up reminder of {today or 'today'}")
    html = _render(
        "staff_reminder.html.j2",
        subject=subject,
        name=reminder.name.split()[0] if "@" not in reminder.name else reminder.name,
        overdue=reminder.overdue,
        overdue_total=reminder.overdue_total,
        more_overdue=reminder.more_overdue,
        due_soon=reminder.due_soon,
        form_name=FORM_NAME,
        example_id=reminder.items[0].interaction_id if reminder.items else "",
        acts=acts,
        handed_to_you=reminder.handed_to_you,
        handed_away=reminder.handed_away,
    )
    lines = [f"{subject}.", ""]
    for title, items in (("OVERDUE", reminder.overdue), ("DUE TODAY OR TOMORROW", reminder.due_soon)):
        if items:
            lines.append(title)
            for i in items:
                when = (
                    f"{count(i.days_late, 'day')} late"
                    if i.days_late > 0
                    else ("due today" if i.days_late == 0 else "due tomorrow")
                )
                who = f"{i.account} / {i.contact}" if i.contact else i.account
                lines.append(f"- {who}: {i.promised} ({when}) [{i.interaction_id}]")
                lines += [f"    {label}: {url}" for label, url in acts.get(i.interaction_id, [])]
            if title == "OVERDUE" and reminder.more_overdue:
                lines.append(f"- and {reminder.more_overdue} more overdue: see the Interactions tab")
            lines.append("")
    for title, handovers, other in (
        ("HANDED OVER TO YOU", reminder.handed_to_you, "from_person"),
        ("YOU HANDED OVER", reminder.handed_away, "to_person"),
    ):
        if handovers:
            lines.append(title)
            for h in handovers:
                arrow = "from" if other == "from_person" else "to"
                lines.append(f"- {h.account}: {h.promised} [{h.interaction_id}] {arrow} {getattr(h, other)}")
            lines.append("")
    lines.append(
        "Done one? Tap Done beside it (the links open a short confirm page; sign in with your work "
        f"account), or log it in the '{FORM_NAME}' Form as 'Follow-up done' with its ID."
    )
    return MailMessage(to=(reminder.email,), subject=f"CX Hub: {subject}", html=html, text="\n".join(lines))


def digest_links(digest: TeamDigest, links: Links | None, mail: str) -> dict[str, list[tuple[str, str]]]:
    """Per overdue item, overrun and stale ticket: the manager's (label, URL) links."""
    if links is None:
        return {}
    me = digest.manager
    out: dict[str, list[tuple[str, str]]] = {}
    for i in digest.oldest + [s for s in digest.snoozed if s not in digest.oldest]:
        out[i.interaction_id] = [("Reassign", links.act("reassign", i.interaction_id, me, mail))]
    for t in digest.overruns:
        out[t.ticket_id] = [
            ("Approve", links.act("approve", t.ticket_id, me, mail)),
            ("Reject", links.act("reject", t.ticket_id, me, mail)),
        ]
    for t in digest.stale_tickets:  # its own key: the same ticket may also be an overrun
        out[t.ticket_id + STALE] = [("Reassign", links.act("reassign_ticket", t.ticket_id, me, mail))]
    return out


def digest_mail(
    digest: TeamDigest, names: Mapping[str, str], rules: FollowUpRules, today, links: Links | None = None
) -> MailMessage:
    total = sum(n for _, n in digest.overdue_by_person)
    tickets = digest.tickets_to_check
    parts = [f"{total} overdue"]
    if digest.late_responses:
        parts.append(count(len(digest.late_responses), "slow response"))
    if tickets:
        parts.append(f"{count(tickets, 'ticket')} to check")
    if digest.snoozed:
        parts.append(f"{len(digest.snoozed)} snoozed {rules.snoozes_to_flag}+ times")
    subject = f"Team follow-ups {today:%d %b}: {', '.join(parts)}"
    acts = digest_links(digest, links, f"team digest of {today}")
    html = _render(
        "manager_digest.html.j2",
        subject=subject,
        d=digest,
        names=names,
        today=today,
        total_overdue=total,
        response_hours=f"{rules.response_hours:g}",
        ticket_days=rules.ticket_open_business_days,
        quiet_days=rules.quiet_days,
        snoozes_to_flag=rules.snoozes_to_flag,
        acts=acts,
        stale=STALE,
        received=received_text,
        waited=waited_text,
    )

    def linked(key: str) -> list[str]:
        return [f"    {label}: {url}" for label, url in acts.get(key, [])]

    lines = [subject, ""]
    lines += [f"- {person}: {n} overdue" for person, n in digest.overdue_by_person]
    for i in digest.oldest:
        lines += [
            f"- overdue: {i.account}: {i.promised} ({count(i.days_late, 'day')} late, {i.owner})",
            *linked(i.interaction_id),
        ]
    for i in digest.snoozed:
        lines += [f"- snoozed {count(i.snoozes, 'time')}: {i.account}: {i.promised} ({i.owner})"]
        lines += linked(i.interaction_id) if i not in digest.oldest else []
    lines += [
        f"- slow response: {r.account}, received {received_text(r)}, {waited_text(r)}"
        for r in digest.late_responses
    ]
    for t in digest.overruns:
        lines += [f"- {t.ticket_id} {t.account}: {t.detail}", *linked(t.ticket_id)]
    for t in digest.stale_tickets:
        lines += [f"- {t.ticket_id} {t.account}: {t.detail}", *linked(t.ticket_id + STALE)]
    if digest.quiet_staff:
        lines.append(f"- logged nothing in {count(rules.quiet_days, 'day')}: {', '.join(digest.quiet_staff)}")
    return MailMessage(to=(digest.manager,), subject=f"CX Hub: {subject}", html=html, text="\n".join(lines))


def received_text(r: LateResponse) -> str:
    """When the inquiry came in, to the minute, or the day alone when its time is not known."""
    if r.received_time is None:
        return f"{r.received:%a %d %b} (time not given)"
    return f"{r.received:%a %d %b %H:%M}"


def waited_text(r: LateResponse) -> str:
    if r.hours is not None:
        return f"waited {r.hours:g} h" + ("" if r.answered else ", not yet answered")
    if r.answered is None:
        return "not yet answered"
    return f"answered {r.answered:%a %d %b}" + (
        f" {r.answered:%H:%M}" if isinstance(r.answered, datetime) else " (time not given)"
    )


def _render(template: str, **values: object) -> str:
    return environment().get_template(template).render(**values)
