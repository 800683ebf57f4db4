"""Tell the submitter: a rejected Form submission is mailed back to whoever filled it in, once, in
plain words (what was wrong with each answer, that nothing was logged, what to do); with receipts
on, an accepted one gets a short "logged as INT-…" note.

Runs in the writer after the hub is written and before the queue forgets the messages, so a crash
in between re-sends nothing: each response ID is remembered in the state store as its mail goes.
A replay of the same Forms response (same responseId) is never mailed again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.intake.json_body import json_object
from hub.intake.recorder import Outcome
from hub.intake.submission import unpack_raw
from hub.ports import Mailer, MailMessage, StateStore
from hub.rendering import environment
from hub_schema.form import answer_key, answer_lookup, question_by_key

log = logging.getLogger(__name__)

FORM_NAME = "Log a customer interaction"
# Envelope problems are the Form's or the flow's set-up, not an answer the person typed.
_ENVELOPE = {
    "responseId": "The Form's response number",
    "submittedAt": "The Form's submission time",
    "responder": "Your name (email) on the Form",
    "answers": "The Form's answers",
    "body": "The Form's answers",
}


@dataclass(frozen=True)
class NoticeRules:
    receipts: bool = False  # CXHUB_RECEIPTS: also confirm each accepted submission
    form_name: str = FORM_NAME


@dataclass(frozen=True)
class Problem:
    question: str  # the question as the person saw it
    answer: str | None  # what they typed, when there was an answer
    message: str


@dataclass
class NoticeReport:
    rejections: int = 0
    receipts: int = 0
    failed: int = 0
    skipped: list[str] = field(default_factory=list)  # response IDs already told


def state_key(response_id: str) -> str:
    return f"submitter-told:{response_id}"


def tell_submitters(
    pairs: Iterable[tuple[Mapping[str, Any], Outcome]],
    mailer: Mailer,
    state: StateStore,
    rules: NoticeRules = NoticeRules(),
) -> NoticeReport:
    """Mail each rejected (and, with receipts, each recorded) submission's responder once."""
    report = NoticeReport()
    for message, outcome in pairs:
        responder, response_id = message.get("responder"), outcome.response_id
        wanted = outcome.status == "rejected" or (rules.receipts and outcome.status == "recorded")
        if not (wanted and isinstance(responder, str) and responder and response_id):
            continue
        if state.get(state_key(response_id)):
            report.skipped.append(response_id)
            continue
        mail = (
            rejection_mail(responder, outcome, message, rules)
            if outcome.status == "rejected"
            else receipt_mail(responder, outcome, rules)
        )
        try:
            mailer.send(mail)
        except Exception as e:  # one bad address must not stop the writer or the others' mail
            log.error("submitter mail failed for %s: %s", outcome.submission_id, type(e).__name__)
            report.failed += 1
            continue
        state.set(state_key(response_id), outcome.status)
        if outcome.status == "rejected":
            report.rejections += 1
        else:
            report.receipts += 1
    return report


def problems(outcome: Outcome, message: Mapping[str, Any]) -> list[Problem]:
    """Each error with the question it is about and what was typed there."""
    typed = _typed_answers(message)
    questions = question_by_key()
    out = []
    for error in outcome.errors:
        key = error["field"]
        if key in questions:
            out.append(Problem(questions[key].title, typed.get(key), error["message"]))
        else:
            out.append(Problem(_ENVELOPE.get(key, key), None, error["message"]))
    return out


def rejection_mail(
    responder: str, outcome: Outcome, message: Mapping[str, Any], rules: NoticeRules
) -> MailMessage:
    found = problems(outcome, message)
    subject = f"Not logged: your Form submission needs {'a fix' if len(found) == 1 else 'fixes'}"
    html = (
        environment()
        .get_template("submission_rejected.html.j2")
        .render(subject=subject, problems=found, form_name=rules.form_name, reference=outcome.submission_id)
    )
    lines = [
        "Your Form submission was NOT logged in the CX Hub: nothing from it was saved as an interaction.",
        "",
        "What was wrong:",
    ]
    for p in found:
        lines.append(
            f"- {p.question}" + (f' (you wrote "{p.answer}")' if p.answer else "") + f": {p.message}"
        )
    lines += [
        "",
        f"What to do: fill in the '{rules.form_name}' Form again with these answers corrected.",
        "Nothing else is needed; the first attempt is kept only so an admin can check it.",
        f"Reference: {outcome.submission_id}",
    ]
    return MailMessage(to=(responder,), subject=f"CX Hub: {subject}", html=html, text="\n".join(lines))


def receipt_mail(responder: str, outcome: Outcome, rules: NoticeRules) -> MailMessage:
    customer = outcome.account_name or outcome.account_id or "the customer"
    subject = f"Logged: {customer} ({outcome.interaction_id})"
    html = (
        environment()
        .get_template("submission_receipt.html.j2")
        .render(subject=subject, outcome=outcome, customer=customer, form_name=rules.form_name)
    )
    text = (
        f"Your '{rules.form_name}' submission is in the CX Hub as {outcome.interaction_id} "
        f"for {customer}. Nothing else to do."
    )
    return MailMessage(to=(responder,), subject=f"CX Hub: {subject}", html=html, text=text)


def _typed_answers(message: Mapping[str, Any]) -> dict[str, str]:
    """What the person typed per question key, read back from the raw body that was kept."""
    body = json_object(unpack_raw(message) or "{}")
    answers = body.get("answers") if body is not None else None
    if not isinstance(answers, dict):
        return {}
    lookup = answer_lookup()
    out = {}
    for raw_key, value in answers.items():
        key = lookup.get(answer_key(str(raw_key)))
        if key and isinstance(value, str | int | float) and not isinstance(value, bool):
            text = " ".join(str(value).split())
            out[key] = text if len(text) <= 80 else text[:79] + "…"
    return out
