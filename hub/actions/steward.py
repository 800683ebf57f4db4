"""The steward digest: per division, daily when there is something, to its data stewards.

Each new Review Queue item with both records side by side and one-tap Merge / Not duplicate links
(the decision is applied by the next governance run, as when typed into the sheet), and each new
Rejected submission of the division with its errors and the person to ask. Items without a division
(or a division without a steward) go to the admins. Both tabs carry the Division the row was
raised for; older rows without one are placed by their records' accounts or the responder.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub.actions.desk import side_of
from hub.actions.links import Links
from hub.actions.rules import division_of
from hub.pilot import PilotScope
from hub.ports import HubStore, Mailer, MailMessage, Row, StateStore
from hub.rendering import environment
from hub.web.access import StaffDirectory
from hub_schema.columns import DIVISION

log = logging.getLogger(__name__)
STEWARD_READS = ("Review Queue", "Accounts", "Contacts", "Interactions", "Rejected", "Staff")
LAST_RUN_KEY = "steward-digest:last"
MAX_ITEMS = 25  # per section; the mail says how many more wait in the sheet


@dataclass(frozen=True)
class ReviewCase:
    review_id: str
    kind: str
    score: str
    reason: str
    sides: tuple[tuple[str, list[tuple[str, str]]], ...]


@dataclass(frozen=True)
class RejectedCase:
    rejected_id: str
    received: str
    responder: str
    responder_name: str
    errors: list[str]


@dataclass
class StewardDigest:
    division: str | None
    recipient: str
    reviews: list[ReviewCase] = field(default_factory=list)
    rejected: list[RejectedCase] = field(default_factory=list)
    more_reviews: int = 0
    more_rejected: int = 0


@dataclass
class StewardReport:
    sent: int = 0
    already_sent: int = 0
    failed: list[str] = field(default_factory=list)


def _after(value: Any, since: datetime | None) -> bool:
    return since is None or (isinstance(value, datetime) and value > since)


def plan_steward_digests(
    tables: Mapping[str, list[Row]],
    since: datetime | None,
    admins: tuple[str, ...] = (),
    scope: PilotScope | None = None,
) -> list[StewardDigest]:
    """What each steward hears of today: items raised (rejections received) after `since`; with a
    pilot (CXHUB_PILOT), only the pilot's (hub.pilot: by the Division each row carries)."""
    staff = StaffDirectory.from_rows(tables.get("Staff", []), admins)
    in_pilot = _pilot_review_filter(tables, scope)
    reviews: dict[str | None, list[ReviewCase]] = {}
    for row in tables.get("Review Queue", []):
        if row.get("Decision") or not _after(row.get("Raised"), since):
            continue
        # The row's own Division (written when raised); rows raised before it existed: derived.
        division = str(row.get(DIVISION) or "") or division_of(tables, "merge", row)
        if in_pilot(division, row):
            reviews.setdefault(division, []).append(_review_case(tables, row))
    rejected: dict[str | None, list[RejectedCase]] = {}
    for row in tables.get("Rejected", []):
        if str(row.get("Resolved") or "No") == "Yes" or not _after(row.get("Received At"), since):
            continue
        member = staff.get(str(row.get("Responder") or ""))
        division = str(row.get(DIVISION) or "") or (member.division if member else None)
        if scope is None or scope.holds_division(division):
            rejected.setdefault(division, []).append(_rejected_case(row, staff))
    out = []
    for division in sorted(set(reviews) | set(rejected), key=lambda d: d or "~"):
        for recipient in _stewards(staff, division):
            d = StewardDigest(division, recipient)
            d.reviews = reviews.get(division, [])[:MAX_ITEMS]
            d.more_reviews = max(0, len(reviews.get(division, [])) - MAX_ITEMS)
            d.rejected = rejected.get(division, [])[:MAX_ITEMS]
            d.more_rejected = max(0, len(rejected.get(division, [])) - MAX_ITEMS)
            out.append(d)
    return out


def _pilot_review_filter(
    tables: Mapping[str, list[Row]], scope: PilotScope | None
) -> Callable[[str | None, Row], bool]:
    """Whether a review item is the pilot's: its division, and with branches named, one of its two
    records is an account, contact or interaction the pilot sees."""
    if scope is None:
        return lambda division, row: True
    ids = scope.record_ids(tables) if scope.branches else frozenset()

    def in_pilot(division: str | None, row: Row) -> bool:
        records = (str(row.get(side) or "").upper() for side in ("Record A", "Record B"))
        return scope.holds_division(division) and (not scope.branches or any(r in ids for r in records))

    return in_pilot


def _stewards(staff: StaffDirectory, division: str | None) -> list[str]:
    found = [
        m.email for m in staff.active() if m.role == "Data Steward" and division and m.division == division
    ]
    return sorted(found) or sorted(staff.admins)


def _review_case(tables: Mapping[str, list[Row]], row: Row) -> ReviewCase:
    score = row.get("Score")
    return ReviewCase(
        review_id=str(row["Review ID"]),
        kind=str(row.get("Kind") or ""),
        score=f"{score:.0f}" if isinstance(score, int | float) else str(score or ""),
        reason=str(row.get("Reason") or ""),
        sides=(
            side_of(tables, str(row.get("Record A") or "")),
            side_of(tables, str(row.get("Record B") or "")),
        ),
    )


def _rejected_case(row: Row, staff: StaffDirectory) -> RejectedCase:
    received = row.get("Received At")
    responder = str(row.get("Responder") or "").lower()
    return RejectedCase(
        rejected_id=str(row["Rejected ID"]),
        received=f"{received:%d %b %H:%M}" if isinstance(received, datetime) else "",
        responder=responder,
        responder_name=staff.name_of(responder) if responder else "unknown (no sign-in on the Form)",
        errors=[line for line in str(row.get("Errors") or "").splitlines() if line.strip()],
    )


def steward_mail(digest: StewardDigest, links: Links | None, today: Any) -> MailMessage:
    n_rev, n_rej = len(digest.reviews) + digest.more_reviews, len(digest.rejected) + digest.more_rejected
    parts = [f"{n_rev} possible duplicate{'' if n_rev == 1 else 's'}"] if n_rev else []
    parts += [f"{n_rej} rejected submission{'' if n_rej == 1 else 's'}"] if n_rej else []
    where = digest.division or "no division"
    subject = f"Data steward {today:%d %b} ({where}): {', '.join(parts)}"
    mail = f"steward digest of {today}"
    acts = {
        r.review_id: [
            (label, links.act(action, r.review_id, digest.recipient, mail)) for action, label in _choices(r)
        ]
        for r in digest.reviews
        if links is not None
    }
    html = environment().get_template("steward_digest.html.j2").render(subject=subject, d=digest, acts=acts)
    lines = [subject, ""]
    for r in digest.reviews:
        lines.append(f"{r.review_id} ({r.kind}, score {r.score}): {r.reason}")
        for record, fields in r.sides:
            lines.append(f"  {record}: " + "; ".join(f"{k} {v}" for k, v in fields))
        lines += [f"    {label}: {url}" for label, url in acts.get(r.review_id, [])]
    if digest.more_reviews:
        lines.append(f"...and {digest.more_reviews} more in the Review Queue tab")
    for j in digest.rejected:
        lines.append(f"{j.rejected_id} from {j.responder_name} <{j.responder}> at {j.received}:")
        lines += [f"  - {e}" for e in j.errors]
    if digest.more_rejected:
        lines.append(f"...and {digest.more_rejected} more in the Rejected tab")
    return MailMessage(to=(digest.recipient,), subject=f"CX Hub: {subject}", html=html, text="\n".join(lines))


def _choices(case: ReviewCase) -> tuple[tuple[str, str], ...]:
    """Merge / Not duplicate; for an interaction linked to a near-named account, keep the link instead."""
    if case.sides[1][0].upper().startswith("INT-"):
        return (("keep_link", "Same customer"), ("not_duplicate", "Not duplicate"))
    return (("merge", "Merge"), ("not_duplicate", "Not duplicate"))


def run_steward_digest(
    store: HubStore,
    mailer: Mailer,
    state: StateStore,
    clock: Callable[[], datetime],
    timezone: str,
    admins: tuple[str, ...] = (),
    links: Links | None = None,
    scope: PilotScope | None = None,
) -> StewardReport:
    """Mail each steward what is new since the last run, once a day (a re-run sends nothing twice);
    with a pilot, what is new in the pilot."""
    now = clock().astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    last = state.get(LAST_RUN_KEY)
    since = datetime.fromisoformat(last) if last else None
    tables = store.read_tables(STEWARD_READS)
    key = f"steward-digest-sent:{now.date().isoformat()}"
    sent: list[str] = json.loads(state.get(key) or "[]")
    report = StewardReport()
    for digest in plan_steward_digests(tables, since, admins, scope):
        tag = f"{digest.recipient}|{digest.division}"
        if tag in sent:
            report.already_sent += 1
            continue
        try:
            mailer.send(steward_mail(digest, links, now.date()))
        except Exception as e:  # one bad address must not stop the others
            log.error("steward digest failed: %s", type(e).__name__)
            report.failed.append(digest.recipient)
            continue
        sent.append(tag)
        state.set(key, json.dumps(sent))
        report.sent += 1
    if not report.failed:
        state.set(LAST_RUN_KEY, now.isoformat())
    log.info(
        "steward digest: %d sent, %d already sent, %d failed",
        report.sent,
        report.already_sent,
        len(report.failed),
    )
    return report
