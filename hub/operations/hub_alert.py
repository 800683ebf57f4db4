"""Tell the admins once that the hub cannot be read, and remember it until it can.

Every writer run meets the same broken hub (every two minutes on the timer); one mail per
distinct problem, remembered in the state store, is what an admin can act on. The daily ops
digest repeats it for as long as it lasts.
"""

from __future__ import annotations

import html
import json
import logging
from datetime import datetime

from hub.ports import Mailer, MailMessage, StateStore

log = logging.getLogger(__name__)

STATE_KEY = "hub-broken"


def hub_problem(state: StateStore) -> dict[str, str] | None:
    """{"since": ISO time, "problem": text} while the hub is known to be unreadable, else None."""
    raw = state.get(STATE_KEY)
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) and value.get("problem") else None


def note_hub_state(
    state: StateStore, mailer: Mailer, admins: tuple[str, ...], problem: str | None, now: datetime
) -> bool:
    """Record what a job found: `problem` when the hub could not be read, None when it was read.

    Mails the admins when a problem is new (not for the same problem again); returns True then.
    A failed mail is not remembered, so the next run tries again.
    """
    known = hub_problem(state)
    if problem is None:
        if known:
            state.set(STATE_KEY, "")
            log.info("the hub is readable again (it was not since %s)", known.get("since"))
        return False
    if known and known.get("problem") == problem:
        return False
    since = known["since"] if known else now.isoformat()
    if admins:
        text = (
            "CX Hub cannot read the hub, so nothing is being written to it:\n\n"
            f"  {problem}\n\n"
            "The queued submissions are kept and NOT counted as failed attempts: once the hub is "
            "restored or fixed, the next writer run (or `cxhub drain`) writes them all.\n"
            "Messages poisoned before this fix can be put back with `cxhub requeue` "
            "(or POST /api/ops/requeue)."
        )
        body = '<pre style="font-family:Consolas,monospace;font-size:13px;">' + html.escape(text) + "</pre>"
        try:
            subject = "CX Hub: the hub cannot be read"
            mailer.send(MailMessage(to=admins, subject=subject, html=body, text=text))
        except Exception:  # the alert must never stop the job; the next run tries again
            log.exception("could not mail the admins about the unreadable hub")
            return False
    state.set(STATE_KEY, json.dumps({"since": since, "problem": problem}))
    return bool(admins)
