"""The writer's rules: turn a batch of queued messages into hub changes (pure; the service does I/O).

For each accepted submission: skip it if its Forms response is already recorded; resolve the
account and contact (search first); advance the pipeline or the ticket it names; append the
interaction. Rejections are appended to the Rejected tab with their raw payload, once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub import defaults
from hub.after_sale import check_in_promise
from hub.intake.campaigns import campaign_index, with_campaign
from hub.intake.opportunities_tickets import advance_opportunity, apply_ticket, has_ticket_fields, name_rows
from hub.intake.outcomes import BatchResult, Outcome, WriterRejection, failed_outcome
from hub.intake.submission import (
    FieldProblem,
    Rejection,
    Submission,
    division_answered,
    local_received_at,
    payload_chunks,
    raw_payload,
)
from hub.matching import AccountIndex, ContactIndex, MatchRules, NearMatch
from hub.names import normalise_company_name
from hub.ports import HubChanges, Row
from hub.promises import LOST, cancel_promises_on
from hub.responses import TIME_KNOWN
from hub.tables import ReviewQueue, Table, add_audit, changes_of, review_key
from hub_schema.columns import (
    ACCOUNT_ID,
    COMPANY_NAME,
    CONTACT_ID,
    CONTACT_NAME,
    DIVISION,
    FULL_NAME,
    INTERACTION_ID,
    OPPORTUNITY_ID,
    TICKET_ID,
)
from hub_schema.lists import LISTS
from hub_schema.tabs import RAW_PAYLOAD_COLUMNS, RECORD_TABS

READS = (*RECORD_TABS, "Review Queue", "Rejected", "Audit", "Campaigns")
ACTOR = "CX Hub writer"


def record_batch(
    tables: Mapping[str, list[Row]],
    messages: Sequence[Mapping[str, Any]],
    now: datetime,
    rules: MatchRules | None = None,
    tz: ZoneInfo | None = None,
) -> BatchResult:
    """Apply messages in order; outcomes line up with messages.

    `now` is business-timezone wall-clock time (naive), as the hub stores datetimes. If a message
    makes the rules raise, the batch is run again without it (the rules are pure, so the rerun is
    exact) and its outcome is "failed": the caller leaves it queued to be retried, and one bad
    message never blocks the others.
    """
    rules = rules or MatchRules()
    tz = tz or ZoneInfo(defaults.TIMEZONE)
    failed: dict[int, tuple[str, str]] = {}
    while True:
        batch = _Batch(tables, now, rules, tz)
        outcomes: list[Outcome] = []
        for index, message in enumerate(messages):
            if index in failed:
                outcomes.append(failed_outcome(message, failed[index]))
                continue
            try:
                outcomes.append(batch.process(message))
            except Exception as e:  # a bug or a malformed message: isolate it
                failed[index] = (type(e).__name__, str(e))
                break
        else:
            return BatchResult(batch.changes(), outcomes)


class _Batch:
    def __init__(
        self, tables: Mapping[str, list[Row]], now: datetime, rules: MatchRules, tz: ZoneInfo
    ) -> None:
        self.now = now
        self.rules = rules
        self.tz = tz
        # Copies, so a failed attempt leaves the caller's snapshot untouched for a retry.
        self.t = {name: Table(name, list(map(dict, tables.get(name, [])))) for name in READS}
        self.accounts = AccountIndex(self.t["Accounts"].rows)
        self.contacts = ContactIndex(self.t["Contacts"].rows)
        self.recorded: dict[str, str] = {
            str(r["Source Response ID"]): str(r[INTERACTION_ID])
            for r in self.t["Interactions"].rows
            if r.get("Source Response ID")
        }
        self.reviews = ReviewQueue(self.t["Review Queue"], self.t["Accounts"], self.t["Contacts"])
        self.campaigns = campaign_index(self.t["Campaigns"].rows)
        self.rejected = {
            (r.get("Source Response ID"), r.get("Errors"), r.get("Raw Payload"))
            for r in self.t["Rejected"].rows
        }

    # -- entry -----------------------------------------------------------------------------
    def process(self, message: Mapping[str, Any]) -> Outcome:
        if message.get("kind") == "rejection":
            return self._keep_rejection(Rejection.from_message(message), message)
        sub = Submission.from_message(message)
        if sub.response_id in self.recorded:
            return Outcome(sub.submission_id, sub.response_id, "duplicate", self.recorded[sub.response_id])
        try:
            return self._record(sub)
        except WriterRejection as e:
            rejection = Rejection(
                sub.submission_id,
                sub.response_id,
                sub.responder,
                (FieldProblem(e.field, e.message),),
                raw_payload(message),
            )
            return self._keep_rejection(rejection, message)

    def changes(self) -> HubChanges:
        return changes_of(self.t)

    # -- rejections ------------------------------------------------------------------------
    def _keep_rejection(self, rej: Rejection, message: Mapping[str, Any]) -> Outcome:
        errors = [e.as_dict() for e in rej.errors]
        error_text = "\n".join(f"{e.field}: {e.message}" for e in rej.errors)
        chunks = payload_chunks(rej.raw, len(RAW_PAYLOAD_COLUMNS))
        key = (rej.response_id, error_text, chunks[0])
        outcome = Outcome(rej.submission_id, rej.response_id, "rejected", errors=errors)
        if key in self.rejected:
            outcome.notes.append("already in the Rejected tab")
            return outcome
        self.rejected.add(key)
        rejected = self.t["Rejected"]
        received = message.get("receivedAt")
        rejected.add(
            {
                "Rejected ID": rejected.allocate(),
                "Received At": local_received_at(received, self.now, self.tz),
                "Source Response ID": rej.response_id,
                "Responder": rej.responder,
                "Errors": error_text,
                **dict(zip(RAW_PAYLOAD_COLUMNS, chunks, strict=True)),
                "Resolved": "No",
                DIVISION: division_answered(rej.raw),
            }
        )
        return outcome

    # -- accepted submissions --------------------------------------------------------------
    def _record(self, sub: Submission) -> Outcome:
        given_ticket = sub.get("ticket_id")
        if given_ticket and given_ticket.upper() not in self.t["Tickets"].by_key:
            raise WriterRejection(
                "ticket_id", f"Ticket ID {given_ticket} is not in the hub; check the number"
            )
        notes: list[str] = []
        sub = with_campaign(sub, self.campaigns, notes)
        interactions = self.t["Interactions"]
        closes = self._followed_up(sub)
        interaction_id = interactions.allocate()
        if closes is not None and not _names_customer(sub):
            account_id = self.accounts.survivor(str(closes[ACCOUNT_ID])) or str(closes[ACCOUNT_ID])
            contact_id = self._resolve_contact(sub, account_id) or (
                self.contacts.survivor(str(closes[CONTACT_ID]).upper()) if closes.get(CONTACT_ID) else None
            )
        else:
            account_id = self._resolve_account(sub, interaction_id, notes)
            contact_id = self._resolve_contact(sub, account_id)
        if closes is not None:
            self._close_action(closes, interaction_id, sub)
            notes.append(f"closed the action of {closes['Interaction ID']}")
        self._touch_account(account_id, sub)
        opportunity_id = (
            advance_opportunity(self.t["Opportunities"], sub, account_id, contact_id, self.now)
            if sub.get("opportunity_stage")
            else None
        )
        if opportunity_id and sub.get("opportunity_stage") == LOST:
            self._cancel_promises(opportunity_id, interaction_id)
        ticket_id = (
            apply_ticket(self.t["Tickets"], sub, account_id, contact_id, self.now)
            if has_ticket_fields(sub)
            else None
        )
        name_rows(self.t, opportunity_id, ticket_id, self.accounts.name_of)
        interactions.add(
            {
                INTERACTION_ID: interaction_id,
                "Date": sub.get("occurred_at"),
                CONTACT_ID: contact_id,
                ACCOUNT_ID: account_id,
                "Channel": sub.get("channel"),
                "Notes": sub.get("notes"),
                "Next Action": sub.get("next_action"),
                "Action Due Date": sub.get("action_due_date"),
                "Logged By": sub.responder,
                COMPANY_NAME: self.accounts.name_of(account_id),
                CONTACT_NAME: self.contacts.rows[contact_id].get(FULL_NAME) if contact_id else None,
                DIVISION: sub.get("division"),
                "Direction": sub.get("direction"),
                "Type": sub.get("interaction_type"),
                "Action Status": "Open" if sub.get("next_action") else None,
                OPPORTUNITY_ID: opportunity_id,
                TICKET_ID: ticket_id,
                "Source Response ID": sub.response_id,
                "Submitted At": sub.submitted_at,
                "Recorded At": self.now,
                TIME_KNOWN: "Yes" if isinstance(sub.get("occurred_at"), datetime) else "No",
                "CSAT": sub.get("csat"),
                "Branch": sub.get("branch"),
                "Lead Source": sub.get("lead_source"),
                "Campaign": sub.get("campaign"),
                "First Service Date": sub.get("first_service_date"),
                **_after_sale_promise(sub),
            }
        )
        self.recorded[sub.response_id] = interaction_id
        name = self.accounts.name_of(account_id)
        return Outcome(
            sub.submission_id, sub.response_id, "recorded", interaction_id, account_id, name, notes=notes
        )

    def _followed_up(self, sub: Submission) -> Row | None:
        """The interaction whose promised action this submission reports done."""
        wanted = sub.get("follow_up_of")
        if not wanted:
            return None
        row = self.t["Interactions"].by_key.get(str(wanted).upper())
        if row is None:
            raise WriterRejection(
                "follow_up_of", f"Interaction {wanted} is not in the hub; check the ID in your reminder mail"
            )
        return row

    def _close_action(self, row: Row, by: str, sub: Submission) -> None:
        if row.get("Action Status") in ("Done", "Cancelled"):
            return  # already closed (in Excel, or by an earlier follow-up): nothing to change
        self.t["Interactions"].set(str(row[INTERACTION_ID]), {"Action Status": "Done"})
        self._audit(
            "Action done",
            str(row[INTERACTION_ID]),
            before=row.get("Action Status") or "Open",
            after="Done",
            reason=f"{by} ({sub.submission_id}) reported the follow-up done",
        )

    def _cancel_promises(self, opportunity_id: str, by: str) -> None:
        cancel_promises_on(self.t["Interactions"], opportunity_id, self._audit, f"was marked Lost by {by}")

    def _resolve_account(self, sub: Submission, interaction_id: str, notes: list[str]) -> str:
        """The account a submission is about: by its Account ID, else its ERP customer number, else the
        individual's contact details, else the company name (exact, then a near match)."""
        erp = sub.get("erp_customer_id")
        individual = sub.get("account_type") == "Individual"
        company = None if individual else sub.get("company_name")
        found = self._by_given_id(sub, bool(erp or company or individual), notes) or self._by_erp(
            erp, bool(company or individual)
        )
        if found:
            return found
        if individual:
            return self._individual_account(sub, erp)
        assert company  # validation guarantees a name when there is no id
        return self._company_account(sub, company, erp, interaction_id, notes)

    def _by_given_id(self, sub: Submission, other_details: bool, notes: list[str]) -> str | None:
        given_id = sub.get("account_id")
        if not given_id:
            return None
        found = self.accounts.by_id(given_id)
        if found:
            return found
        if not other_details:
            raise WriterRejection(
                "account_id",
                f"Account ID {given_id} is not in the hub; check it or give the company name",
            )
        self._audit(
            "Account ID not found",
            given_id,
            reason=f"{sub.submission_id}: matched by the other details instead",
        )
        notes.append(f"Account ID {given_id} is not in the hub; matched by the other details")
        return None

    def _by_erp(self, erp: str | None, other_details: bool) -> str | None:
        if not erp:
            return None
        found = self.accounts.by_erp(erp)
        if not found and not other_details:
            raise WriterRejection(
                "erp_customer_id",
                f"ERP customer number {erp} is not in the hub yet; give the company name as well",
            )
        return found

    def _individual_account(self, sub: Submission, erp: str | None) -> str:
        found_contact = self.contacts.find(
            email=sub.get("contact_email"), phone=sub.get("contact_phone"), name=None, account_id=None
        )
        if found_contact:
            owner = self.contacts.rows[found_contact].get("Associated Account ID")
            survivor = self.accounts.by_id(str(owner)) if owner else None
            if survivor:
                return survivor
        return self._new_account(sub, str(sub.get("contact_name")), "Individual", erp)

    def _company_account(
        self, sub: Submission, company: str, erp: str | None, interaction_id: str, notes: list[str]
    ) -> str:
        exact = self.accounts.by_exact_name(company)
        if exact:
            return exact
        near = self.accounts.near(company, self.rules)
        strong = [m for m in near if m.score >= self.rules.strong]
        if len(strong) == 1:
            return self._link_near_match(sub, company, strong[0], interaction_id, notes)
        new_id = self._new_account(sub, company, "Company", erp)
        for match in near:
            self._raise_possible_duplicate(new_id, company, match)
        if near:
            notes.append(f"new account; {len(near)} similar name(s) sent to the Review Queue")
        return new_id

    def _link_near_match(
        self, sub: Submission, company: str, match: NearMatch, interaction_id: str, notes: list[str]
    ) -> str:
        self._review(
            match.account_id,
            interaction_id,
            match.score,
            f"{interaction_id} named the customer {company!r}; it was linked to {match.account_id} "
            f"{match.name!r} (near match, score {match.score:g}). If they are different customers, "
            "correct the interaction's Account ID.",
            key=review_key(match.account_id, f"name:{normalise_company_name(company)}"),
        )
        self._audit(
            "Linked by near match",
            match.account_id,
            after=company,
            reason=f"{sub.submission_id}: score {match.score:g} ≥ {self.rules.strong:g}",
        )
        notes.append(f"linked by near match to {match.name!r} (score {match.score:g})")
        return match.account_id

    def _new_account(self, sub: Submission, name: str, kind: str, erp: str | None) -> str:
        accounts = self.t["Accounts"]
        account_id = accounts.allocate()
        row = accounts.add(
            {
                ACCOUNT_ID: account_id,
                COMPANY_NAME: name,
                "Industry": sub.get("industry"),
                "ERP Customer ID": erp,
                "Account Owner": sub.responder,
                "Account Type": kind,
                "Divisions": sub.get("division"),
                "Status": "Active",
                "Owner Basis": f"First logged by {sub.responder} on {sub.submitted_at:%Y-%m-%d}",
                "Created": self.now,
                "Created By": sub.responder,
            }
        )
        self.accounts.add(row)
        return account_id

    def _touch_account(self, account_id: str, sub: Submission) -> None:
        row = self.accounts.rows[account_id]
        divisions = {d.strip() for d in str(row.get("Divisions") or "").split(";") if d.strip()}
        values: dict[str, Any] = {}
        if sub.get("division") not in divisions:
            divisions.add(sub.get("division"))
            values["Divisions"] = "; ".join(d for d in LISTS["Divisions"] if d in divisions)
        if not row.get("Industry") and sub.get("industry"):
            values["Industry"] = sub.get("industry")
        if values:
            self.t["Accounts"].set(account_id, values)

    def _raise_possible_duplicate(self, new_id: str, name: str, match: NearMatch) -> None:
        self._review(
            new_id,
            match.account_id,
            match.score,
            f"New account {new_id} {name!r} looks like {match.account_id} {match.name!r} "
            f"(score {match.score:g}). Merge if they are the same customer.",
            key=review_key(new_id, match.account_id),
        )

    def _review(self, record_a: str, record_b: str | None, score: float, reason: str, key: str) -> None:
        self.reviews.raise_item(self.now, "Account", record_a, record_b, score, reason, key)

    def _resolve_contact(self, sub: Submission, account_id: str) -> str | None:
        email, phone, name = sub.get("contact_email"), sub.get("contact_phone"), sub.get("contact_name")
        if not (email or phone or name):
            return None
        found = self.contacts.find(email=email, phone=phone, name=name, account_id=account_id)
        contacts = self.t["Contacts"]
        if found:
            row = self.contacts.rows[found]
            fill = {
                col: value
                for col, value in (
                    ("Email", email),
                    ("Mobile Number", phone),
                    ("Job Title", sub.get("job_title")),
                )
                if value and not row.get(col)
            }
            if fill:
                contacts.set(found, fill)
                self.contacts.reindex(found)
            return found
        contact_id = contacts.allocate()
        row = contacts.add(
            {
                CONTACT_ID: contact_id,
                FULL_NAME: name or "(no name given)",
                "Job Title": sub.get("job_title"),
                "Email": email,
                "Mobile Number": phone,
                "Associated Account ID": account_id,
                "Status": "Active",
                "Created": self.now,
                "Created By": sub.responder,
            }
        )
        self.contacts.add(row)
        return contact_id

    def _audit(
        self,
        action: str,
        record: str,
        *,
        before: str | None = None,
        after: str | None = None,
        reason: str = "",
    ) -> None:
        add_audit(self.t["Audit"], self.now, ACTOR, action, record, before=before, after=after, reason=reason)


def _after_sale_promise(sub: Submission) -> dict[str, Any]:
    """After the sale: a Delivery's first service makes the check-in call its promise, unless the
    Form named another next action (that one is kept; the owner still hears of the service)."""
    first_service = sub.get("first_service_date")
    if first_service is None or sub.get("next_action"):
        return {}
    return check_in_promise(first_service)


def _names_customer(sub: Submission) -> bool:
    return any(sub.get(k) for k in ("account_id", "erp_customer_id", "company_name")) or (
        sub.get("account_type") == "Individual"
    )
