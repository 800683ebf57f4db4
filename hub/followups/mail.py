"""The follow-up mails: a person's reminders and a manager's digest, as HTML and plain text."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from hub.followups.plan import FollowUpRules, LateResponse, StaffReminder, TeamDigest
from hub.ports import MailMessage
from hub.rendering import environment

FORM_NAME = "Log a customer interaction"


def reminder_mail(reminder: StaffReminder) -> MailMessage:
    late, soon = reminder.overdue_total, len(reminder.due_soon)
    if late:
        subject = f"{late} overdue follow-up{_s(late)}" + (f" and {soon} due soon" if soon else "")
    else:
        subject = f"{soon} follow-up{_s(soon)} due today or tomorrow"
    html = (
        environment()
        .get_template("staff_reminder.html.j2")
        .render(
            subject=subject,
            name=reminder.name.split()[0] if "@" not in reminder.name else reminder.name,
            overdue=reminder.overdue,
            overdue_total=reminder.overdue_total,
            more_overdue=reminder.more_overdue,
            due_soon=reminder.due_soon,
            form_name=FORM_NAME,
            example_id=reminder.items[0].interaction_id,
        )
    )
    lines = [f"{subject}.", ""]
    for title, items in (("OVERDUE", reminder.overdue), ("DUE TODAY OR TOMORROW", reminder.due_soon)):
        if items:
            lines.append(title)
            for i in items:
                when = (
                    f"{i.days_late} days late"
                    if i.days_late > 0
                    else ("due today" if i.days_late == 0 else "due tomorrow")
                )
                who = f"{i.account} / {i.contact}" if i.contact else i.account
                lines.append(f"- {who}: {i.promised} ({when}) [{i.interaction_id}]")
            if title == "OVERDUE" and reminder.more_overdue:
                lines.append(f"- and {reminder.more_overdue} more overdue: see the Interactions tab")
            lines.append("")
    lines.append(
        f"Done one? Log it in the '{FORM_NAME}' Form as 'Follow-up done' with its ID, "
        "or set Action Status to Done in the hub."
    )
    return MailMessage(to=(reminder.email,), subject=f"CX Hub: {subject}", html=html, text="\n".join(lines))


def digest_mail(digest: TeamDigest, names: Mapping[str, str], rules: FollowUpRules, today) -> MailMessage:
    total = sum(n for _, n in digest.overdue_by_person)
    tickets = len(digest.overruns) + len(digest.stale_tickets)
    parts = [f"{total} overdue"]
    if digest.late_responses:
        parts.append(f"{len(digest.late_responses)} slow response{_s(len(digest.late_responses))}")
    if tickets:
        parts.append(f"{tickets} ticket{_s(tickets)} to check")
    subject = f"Team follow-ups {today:%d %b}: {', '.join(parts)}"
    html = (
        environment()
        .get_template("manager_digest.html.j2")
        .render(
            subject=subject,
            d=digest,
            names=names,
            today=today,
            total_overdue=total,
            response_hours=f"{rules.response_hours:g}",
            ticket_days=rules.ticket_open_business_days,
            quiet_days=rules.quiet_days,
            received=received_text,
            waited=waited_text,
        )
    )
    lines = [subject, ""]
    lines += [f"- {person}: {n} overdue" for person, n in digest.overdue_by_person]
    lines += [
        f"- slow response: {r.account}, received {received_text(r)}, {waited_text(r)}"
        for r in digest.late_responses
    ]
    lines += [f"- {t.ticket_id} {t.account}: {t.detail}" for t in digest.overruns + digest.stale_tickets]
    if digest.quiet_staff:
        lines.append(f"- logged nothing in {rules.quiet_days} days: {', '.join(digest.quiet_staff)}")
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


def _s(n: int) -> str:
    return "" if n == 1 else "s"
