"""When an interaction happened, and how long an inbound inquiry waited for its answer.

The Form's "When did it happen?" is a date question; a time comes from the optional "Time (HH:MM)"
question, from a time typed with the date, or — when the date is the day the Form was submitted
(Lagos) — from the submission time. Otherwise the time is not known: the row's Date holds the day
and its "Time Known" cell says "No". Such rows count in day-level measures only; an hour measure
never reads a made-up 00:00.

Response time (The 12-hour first response, on a 24/7 clock): from an Inbound "Inquiry" to the first
Outbound interaction with the same account at or after it, in hours. An inquiry whose time is
unknown, or whose first answer came at an unknown time, has no hours: it is left out of the
hour measures and judged by the day instead (`surely_late`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hub.ports import Row
from hub_schema.cells import as_day
from hub_schema.columns import ACCOUNT_ID, INTERACTION_ID

TIME_KNOWN = "Time Known"


def known_moment(row: Row) -> datetime | None:
    """The interaction's date and time when its time is known (blank Time Known: rows logged before
    the column existed, taken as known)."""
    when = row.get("Date")
    if not isinstance(when, datetime) or row.get(TIME_KNOWN) == "No":
        return None
    return when


def is_inquiry(row: Row) -> bool:
    return row.get("Direction") == "Inbound" and row.get("Type") == "Inquiry"


def is_reply(row: Row) -> bool:
    return row.get("Direction") == "Outbound"


@dataclass(frozen=True)
class Reply:
    interaction_id: str
    day: date
    at: datetime | None  # None: answered that day at a time nobody recorded


@dataclass(frozen=True)
class Inquiry:
    row: Row
    account: str
    day: date
    received: datetime | None  # None: the time of the inquiry is not known
    reply: Reply | None

    @property
    def interaction_id(self) -> str:
        return str(self.row[INTERACTION_ID])

    @property
    def hours(self) -> float | None:
        """Hours to the first answer, when both times are known."""
        if self.received is None or self.reply is None or self.reply.at is None:
            return None
        return (self.reply.at - self.received).total_seconds() / 3600

    def waited(self, now: datetime) -> float | None:
        """Hours waited so far for an unanswered inquiry of known time; else None."""
        if self.received is None or self.reply is not None:
            return None
        return (now - self.received).total_seconds() / 3600

    def surely_late(self, now: datetime, limit_hours: float) -> bool:
        """Past the standard by any reading of the unknown times (a day-level judgement)."""
        if self.hours is not None:
            return self.hours > limit_hours
        waited = self.waited(now)
        if waited is not None:
            return waited > limit_hours
        answered_day = self.reply.day if self.reply else now.date()
        start = self.received or datetime.combine(self.day, datetime.max.time())
        # The latest the answer can have been: the end of its day (or now, when still unanswered).
        deadline = start + timedelta(hours=limit_hours)
        return answered_day > deadline.date() and (self.reply is not None or now > deadline)


class ReplyIndex:
    """Outbound interactions by account, so each inquiry finds its first answer by bisection."""

    def __init__(self, interactions: Iterable[Row], account_of: Callable[[Row], str | None]) -> None:
        timed: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
        untimed: dict[str, list[tuple[date, str]]] = defaultdict(list)
        for row in interactions:
            account = account_of(row)
            if not account or not is_reply(row):
                continue
            moment, day = known_moment(row), as_day(row.get("Date"))
            if moment is not None:
                timed[account].append((moment, str(row.get(INTERACTION_ID) or "")))
            elif day is not None:
                untimed[account].append((day, str(row.get(INTERACTION_ID) or "")))
        self._timed = {k: sorted(v) for k, v in timed.items()}
        self._untimed = {k: sorted(v) for k, v in untimed.items()}

    def first_after(self, account: str, received: datetime | None, day: date) -> Reply | None:
        timed = self._timed.get(account, [])
        untimed = self._untimed.get(account, [])
        start = received or datetime.combine(day, datetime.min.time())
        i = bisect_left(timed, (start, ""))
        known = Reply(timed[i][1], timed[i][0].date(), timed[i][0]) if i < len(timed) else None
        j = bisect_left(untimed, (day, ""))
        vague = Reply(untimed[j][1], untimed[j][0], None) if j < len(untimed) else None
        if received is None and known is not None:
            known = Reply(known.interaction_id, known.day, None)  # no hours without the inquiry's time
        if vague is not None and (known is None or vague.day < known.day):
            return vague
        return known


def inquiries(
    interactions: Iterable[Row], account_of: Callable[[Row], str | None] | None = None
) -> list[Inquiry]:
    """Every inbound inquiry with its first answer (None while unanswered), oldest first.
    `account_of` maps a row to its account key (default: the Account ID, upper-case)."""
    rows = list(interactions)
    account_of = account_of or _account_id
    replies = ReplyIndex(rows, account_of)
    out = []
    for row in rows:
        account, day = account_of(row), as_day(row.get("Date"))
        if not is_inquiry(row) or not account or day is None:
            continue
        received = known_moment(row)
        out.append(Inquiry(row, account, day, received, replies.first_after(account, received, day)))
    return sorted(out, key=lambda q: (q.day, q.received or datetime.min, q.interaction_id))


def _account_id(row: Row) -> str | None:
    value = row.get(ACCOUNT_ID)
    return str(value).upper() if value else None
