"""GET /api/act?t=… (the confirm page) and POST /api/act (queue the action).

The handlers read the hub but never write it: a confirmed action goes on the same durable queue as
submissions and the writer applies it under its job lock. No script on the page; the POST carries a
CSRF value bound to the link and the signed-in person.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.actions.apply import action_message
from hub.actions.rules import (
    HANDS_OVER,
    LABEL,
    READS,
    SNOOZE_DAYS,
    TAB_OF,
    ChoiceError,
    applied,
    changed_since,
    check_choice,
    division_of,
    owner_of,
    row_of,
)
from hub.actions.tokens import ActionToken, TokenError, action_id, csrf_for, csrf_ok, verify
from hub.ports import Row
from hub.rendering import environment
from hub.text import count
from hub.web.access import StaffDirectory, may_act
from hub.web.http import WebRequest, WebResponse, plain_page
from hub_schema.columns import ACCOUNT_ID, COMPANY_NAME, CONTACT_ID, FULL_NAME, INTERACTION_ID, TICKET_ID


@dataclass(frozen=True)
class Desk:
    key: bytes
    read: Callable[[tuple[str, ...]], Mapping[str, list[Row]]]  # the hub, read only
    put: Callable[[dict[str, Any]], None]  # the durable queue the writer drains
    now: Callable[[], datetime]  # timezone-aware
    admins: tuple[str, ...] = ()
    sign_in_hint: str = "Sign in with your work account and open the link again."


def get(desk: Desk, request: WebRequest) -> WebResponse:
    checked = _check(desk, request, request.query.get("t"))
    if isinstance(checked, WebResponse):
        return checked
    text, token, tables, row, staff = checked
    return _render(
        "confirm.html.j2",
        200,
        request,
        label=LABEL[token.action],
        action=token.action,
        token=text,
        csrf=csrf_for(text, request.user or "", desk.key),
        about=_about(tables, token, row, staff),
        intended=staff.name_of(token.person),
        for_someone_else=(request.user or "") != token.person,
        snooze_days=SNOOZE_DAYS,
        colleagues=_colleagues(staff, token, row) if token.action in HANDS_OVER else [],
    )


def post(desk: Desk, request: WebRequest) -> WebResponse:
    form = request.form()
    text = form.get("t")
    checked = _check(desk, request, text)
    if isinstance(checked, WebResponse):
        return checked
    _, token, tables, row, staff = checked
    assert text is not None and request.user  # _check refused anything else
    if not csrf_ok(form.get("csrf"), text, request.user, desk.key):
        return plain_page(
            403, "Please start again", "This form is out of date. Open the link in the mail again."
        )
    emails = {m.email for m in staff.active()}
    try:
        choice = check_choice(token.action, form, emails, row)
    except ChoiceError as e:
        return plain_page(400, "Nothing was changed", str(e))
    now = desk.now()
    desk.put(action_message(text, token, action_id(text), request.user, choice, now))
    return _render(
        "queued.html.j2",
        202,
        request,
        label=LABEL[token.action],
        about=_about(tables, token, row, staff),
        outcome=_outcome(token.action, choice, staff),
    )


def _check(
    desk: Desk, request: WebRequest, text: str | None
) -> WebResponse | tuple[str, ActionToken, Mapping[str, list[Row]], Row, StaffDirectory]:
    """Everything that must hold before the page offers or queues the action, in order."""
    try:
        token = verify(text, key=desk.key, now=desk.now())
    except TokenError as e:
        return plain_page(e.status, e.title, e.message)
    assert text is not None
    if not request.user:
        return plain_page(401, "Please sign in", desk.sign_in_hint)
    tables = desk.read(READS)
    staff = StaffDirectory.from_rows(tables.get("Staff", []), desk.admins)
    row = row_of(tables, token.action, token.record)
    division = division_of(tables, token.action, row) if row is not None else None
    if not may_act(request.user, token.person, division, staff):
        return plain_page(
            403,
            "Not yours to change",
            f"This link was sent to {token.person}. Only they, their manager, a data steward of the "
            "division or an admin can use it.",
        )
    done = applied(tables, action_id(text))
    if done is not None:
        when = done.get("At")
        at = f"{when:%d %b %Y %H:%M}" if isinstance(when, datetime) else str(when or "")
        return plain_page(200, "Already done", f"This was already done (by {done.get('Actor')} at {at}).")
    stale = changed_since(tables, token, row)
    if stale is not None or row is None:
        return plain_page(409, "Nothing to do", (stale or "") + " Nothing was changed.")
    return text, token, tables, row, staff


def _render(template: str, status: int, request: WebRequest, **values: Any) -> WebResponse:
    html = environment().get_template(template).render(user=request.user, **values)
    return WebResponse(status, html)


def _colleagues(staff: StaffDirectory, token: ActionToken, row: Row) -> list[tuple[str, str]]:
    current = owner_of(row) if TAB_OF[token.action] == "Interactions" else str(row.get("Owner") or "").lower()
    return [
        (m.email, f"{m.name} ({m.division or 'no division'})") for m in staff.active() if m.email != current
    ]


def _outcome(action: str, choice: Mapping[str, Any], staff: StaffDirectory) -> str:
    if action == "snooze":
        return f"The follow-up will be due in {count(choice['days'], 'day')}."
    if action in HANDS_OVER:
        return f"{staff.name_of(choice['to'])} will have it; both of you see it in your next reminder."
    return {
        "done": "The follow-up will be marked Done.",
        "approve": "The overrun will be marked approved by you.",
        "reject": "The overrun will be marked rejected by you.",
        "merge": "The two records will be merged by the next governance run.",
        "keep_link": "The interaction stays linked to this customer; the item is closed.",
        "not_duplicate": "The two records stay apart; this pair is not asked again.",
    }[action]


def _about(
    tables: Mapping[str, list[Row]], token: ActionToken, row: Row, staff: StaffDirectory
) -> list[tuple[str, list[tuple[str, str]]]]:
    """What the page shows about the record: one or two cards of (label, value) lines."""
    names = {
        str(a.get(ACCOUNT_ID) or "").upper(): str(a.get(COMPANY_NAME) or "")
        for a in tables.get("Accounts", [])
    }
    tab = TAB_OF[token.action]
    if tab == "Interactions":
        return [
            (
                str(row.get(INTERACTION_ID)),
                [
                    (
                        "Customer",
                        names.get(str(row.get(ACCOUNT_ID) or "").upper(), str(row.get(ACCOUNT_ID) or "")),
                    ),
                    ("Promised", str(row.get("Next Action") or "")),
                    ("Due", _text(row.get("Action Due Date"))),
                    ("With", staff.name_of(owner_of(row))),
                    ("Snoozed", count(int(row.get("Snooze Count") or 0), "time")),
                ],
            )
        ]
    if tab == "Tickets":
        return [
            (
                str(row.get(TICKET_ID)),
                [
                    ("Customer", names.get(str(row.get(ACCOUNT_ID) or "").upper(), "")),
                    ("Status", str(row.get("Status") or "")),
                    ("Quote", _money(row.get("Quote Amount"))),
                    ("Final", _money(row.get("Final Amount"))),
                    ("Owner", staff.name_of(str(row.get("Owner") or ""))),
                ],
            )
        ]
    return [side_of(tables, str(row.get(k) or "")) for k in ("Record A", "Record B")] + [
        ("Why raised", [("Score", _text(row.get("Score"))), ("Reason", str(row.get("Reason") or ""))])
    ]


def side_of(tables: Mapping[str, list[Row]], record: str) -> tuple[str, list[tuple[str, str]]]:
    """One record of a possible duplicate, as the page and the steward digest show it."""
    wanted = record.upper()
    account = next(
        (a for a in tables.get("Accounts", []) if str(a.get(ACCOUNT_ID) or "").upper() == wanted), None
    )
    if account is not None:
        fields = (
            COMPANY_NAME,
            "Account Type",
            "ERP Customer ID",
            "Main Phone Number",
            "Address",
            "Divisions",
        )
        return record, [(f, _text(account.get(f))) for f in fields if account.get(f)]
    contact = next(
        (c for c in tables.get("Contacts", []) if str(c.get(CONTACT_ID) or "").upper() == wanted), None
    )
    if contact is not None:
        named = (FULL_NAME, "Job Title", "Email", "Mobile Number", "Associated Account ID")
        return record, [(f, _text(contact.get(f))) for f in named if contact.get(f)]
    touch = next(
        (i for i in tables.get("Interactions", []) if str(i.get(INTERACTION_ID) or "").upper() == wanted),
        None,
    )
    if touch is not None:
        shown = ("Date", ACCOUNT_ID, "Logged By", "Channel", "Notes")
        return record, [(f, _text(touch.get(f))[:200]) for f in shown if touch.get(f)]
    return record or "(none)", [("Status", "not in the hub")]


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value:%d %b %Y}"
    if hasattr(value, "strftime"):
        return f"{value:%d %b %Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _money(value: Any) -> str:
    return f"₦{value:,.0f}" if isinstance(value, int | float) else ""
