"""Intake validation (Validate at the door): one submission body in, a Submission or every problem at once.

Nothing here raises for anything a client can send; problems are values with a field and a
message written for the staff member who filled in the Form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hub import defaults
from hub.intake.json_body import OutOfRange
from hub.intake.submission import FieldProblem, Submission
from hub.text import clean_text, is_placeholder
from hub.values import (
    FieldError,
    human_date,
    parse_choice,
    parse_email,
    parse_money,
    parse_phone,
    parse_rating,
    parse_time,
    parse_when,
    show,
)
from hub_schema.form import TAB_CHOICES, Question, answer_key, answer_lookup, question_by_key

ENVELOPE_KEYS = frozenset({"responseId", "submittedAt", "responder", "answers"})
_UPPERCASE_IDS = frozenset({"account_id", "ticket_id", "erp_customer_id", "follow_up_of"})
_INTERACTION_ID = re.compile(r"^INT-\d{1,9}$")
_SALE_DETAILS = ("product", "deal_value")


@dataclass(frozen=True)
class IntakeRules:
    """The configurable part of intake; defaults are the seeds'."""

    timezone: str = defaults.TIMEZONE
    phone_region: str = defaults.PHONE_REGION
    future_tolerance: timedelta = timedelta(days=1)
    response_id_max: int = 200

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass
class Validation:
    submission: Submission | None
    errors: list[FieldProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    response_id: str | None = None
    responder: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(body: dict[str, Any], submission_id: str, now: datetime, rules: IntakeRules) -> Validation:
    """Validate a decoded JSON object. `now` is timezone-aware (the time the body was received)."""
    errors: list[FieldProblem] = []
    warnings: list[str] = []
    tz = rules.tz

    def problem(key: str, message: str) -> None:
        errors.append(FieldProblem(key, message))

    response_id = _envelope_text(body.get("responseId"))
    if body.get("responseId") is not None and not isinstance(body.get("responseId"), str):
        problem("responseId", "responseId must be text (the Forms response id), not a number or a list")
        response_id = None
    elif not response_id:
        problem("responseId", "responseId is missing: the flow must send the Forms response id")
    elif len(response_id) > rules.response_id_max:
        problem("responseId", f"responseId is longer than {rules.response_id_max} characters")
        response_id = None

    responder = None
    raw_responder = _envelope_text(body.get("responder"))
    if not raw_responder:
        problem(
            "responder", "responder is missing: the Form must record the name (email) of whoever fills it in"
        )
    else:
        try:
            responder = parse_email(raw_responder, "Responder")
        except FieldError as e:
            problem("responder", f"{e}; the Form must record the staff member's work email")

    submitted_at = None
    raw_submitted = _envelope_text(body.get("submittedAt"))
    if not raw_submitted:
        problem("submittedAt", "submittedAt is missing: the flow must send the Forms submit time")
    else:
        try:
            submitted_at, _ = parse_when(raw_submitted, "submittedAt", tz)
        except FieldError as e:
            problem("submittedAt", str(e))

    for key in sorted(set(body) - ENVELOPE_KEYS, key=str):
        warnings.append(f"Unknown field {show(str(key))} was ignored")

    answers = body.get("answers")
    if not isinstance(answers, dict):
        problem("answers", "answers is missing or is not an object of question → answer")
        answers = {}
    texts = _collect_answers(answers, problem, warnings)
    values = _parse_answers(texts, rules, problem)
    _occurred_moment(values, submitted_at, problem)
    now_local = now.astimezone(tz).replace(tzinfo=None)
    answered = _Answers(
        texts, values, now_local, rules, problem, warnings, lambda key: any(e.field == key for e in errors)
    )
    for _name, rule in CROSS_FIELD_RULES:
        rule(answered)

    result = Validation(None, errors, warnings, response_id, responder)
    if not errors:
        assert response_id and responder and submitted_at  # guaranteed by the checks above
        result.submission = Submission(submission_id, response_id, submitted_at, responder, values)
    return result


def _envelope_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    return clean_text(value) or None


def _collect_answers(answers: dict[Any, Any], problem, warnings: list[str]) -> dict[str, str]:
    """Map answer keys (canonical keys or question titles) to cleaned text; blanks dropped."""
    lookup = answer_lookup()
    questions = question_by_key()
    texts: dict[str, str] = {}
    for raw_key, raw_value in answers.items():
        key = lookup.get(answer_key(str(raw_key)))
        if key is None:
            warnings.append(f"Unknown answer {show(str(raw_key))} was ignored")
            continue
        q = questions[key]
        if raw_value is None or raw_value == "":
            continue
        if isinstance(raw_value, bool):
            problem(key, f"{q.label} must be text, not true/false")
            continue
        if isinstance(raw_value, OutOfRange):
            problem(key, f"{q.label} is {raw_value}, which is not a number CX Hub can hold")
            continue
        if isinstance(raw_value, int | float):
            raw_value = str(raw_value)
        if not isinstance(raw_value, str):
            problem(key, f"{q.label} must be a single answer, not a list or object")
            continue
        text = clean_text(raw_value, multiline=q.type == "long_text")
        if not text or is_placeholder(text):
            continue
        if key in texts and texts[key] != text:
            problem(key, f"{q.label} was answered twice with different values")
            continue
        texts[key] = text
    return texts


def _parse_answers(texts: dict[str, str], rules: IntakeRules, problem) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, text in texts.items():
        q = question_by_key()[key]
        if q.max_length is not None and len(text) > q.max_length:
            problem(key, f"{q.label} is {len(text):,} characters long; the most allowed is {q.max_length:,}")
            continue
        try:
            values[key] = _parse_one(q, text, rules)
        except FieldError as e:
            problem(key, str(e))
    return values


def _parse_one(q: Question, text: str, rules: IntakeRules) -> Any:
    match q.type:
        case "choice" if q.choices in TAB_CHOICES:
            return text  # a row of a tab the steward keeps: the writer matches it
        case "choice":
            return parse_choice(text, q.label, q.options)
        case "date":
            when, has_time = parse_when(text, q.label, rules.tz)
            # A due date is a day; an interaction keeps its time when one was given.
            # A bare date is resolved against the submission time by `_occurred_moment`.
            return when if q.key == "occurred_at" and has_time else when.date()
        case "time":
            return parse_time(text, q.label)
        case "email":
            return parse_email(text, q.label)
        case "phone":
            return parse_phone(text, q.label, rules.phone_region)
        case "money":
            return parse_money(text, q.label)
        case "rating":
            return parse_rating(text, q.label)
        case _:
            if q.key in _UPPERCASE_IDS:
                return "".join(text.split()).upper()
            return text


def _occurred_moment(values: dict[str, Any], submitted_at: datetime | None, problem) -> None:
    """The interaction's time (hub.responses): the Time question, else a time typed with the date,
    else the submission time when the date is the submission's own day (Lagos). Otherwise the value
    stays a bare date, which the writer records as "time not known"."""
    occurred, at = values.get("occurred_at"), values.pop("occurred_time", None)
    if occurred is None:
        return
    if isinstance(at, time):
        if isinstance(occurred, datetime) and occurred.time() != at:
            problem(
                "occurred_time",
                f"Interaction time {at:%H:%M} differs from the time given with the date "
                f"({occurred:%H:%M}); give it once",
            )
            return
        day = occurred.date() if isinstance(occurred, datetime) else occurred
        values["occurred_at"] = datetime.combine(day, at)
    elif not isinstance(occurred, datetime) and submitted_at is not None and occurred == submitted_at.date():
        values["occurred_at"] = submitted_at.replace(second=0, microsecond=0)


def _occurred(a: _Answers) -> datetime | None:
    """When it happened, a bare day taken from its start (for the date checks)."""
    occurred = a.values.get("occurred_at")
    if isinstance(occurred, date) and not isinstance(occurred, datetime):
        return datetime.combine(occurred, time())
    return occurred if isinstance(occurred, datetime) else None


@dataclass
class _Answers:
    """What the cross-field rules read, and where they report."""

    texts: dict[str, str]
    values: dict[str, Any]
    now_local: datetime
    rules: IntakeRules
    problem: Callable[[str, str], None]
    warnings: list[str]
    has_error: Callable[[str], bool]


def _label(key: str) -> str:
    return question_by_key()[key].label


def _required_answers_given(a: _Answers) -> None:
    for q in question_by_key().values():
        if q.required and q.key not in a.texts and not a.has_error(q.key):
            a.problem(q.key, f"{q.label} is required")


def _follow_up_names_an_interaction(a: _Answers) -> None:
    follow_up_of = a.values.get("follow_up_of")
    if follow_up_of and not _INTERACTION_ID.match(follow_up_of):
        a.problem(
            "follow_up_of",
            f"{_label('follow_up_of')} {follow_up_of!r} is not an Interaction ID like INT-000123",
        )
    if a.values.get("interaction_type") == "Follow-up done" and "follow_up_of" not in a.texts:
        a.problem(
            "follow_up_of",
            "Say which promised action this closes: the Interaction ID from your reminder mail (INT-000123)",
        )


def _customer_named(a: _Answers) -> None:
    values = a.values
    # A follow-up names the interaction it closes; the customer comes from there.
    names_company = any(
        values.get(k) for k in ("account_id", "erp_customer_id", "company_name", "follow_up_of")
    )
    names_person = bool(values.get("contact_name")) and bool(
        values.get("contact_phone") or values.get("contact_email")
    )
    account_type = values.get("account_type")
    if account_type == "Individual":
        if not (names_person or values.get("account_id")):
            a.problem(
                "contact_name",
                "For an individual customer give their full name and a phone number or email",
            )
        if values.get("company_name"):
            a.warnings.append("Company name was ignored because the customer is an individual")
    elif (
        not names_company
        and "company_name" not in a.texts
        and (account_type == "Company" or not names_person)
    ):
        a.problem(
            "company_name",
            "Name the customer: give the company name (or its account ID or ERP customer "
            "number), or for an individual their full name and a phone number or email",
        )
    if account_type is None and "account_type" not in a.texts:
        values["account_type"] = "Company" if names_company else "Individual"


def _happened_already(a: _Answers) -> None:
    occurred = _occurred(a)
    if isinstance(occurred, datetime) and occurred > a.now_local + a.rules.future_tolerance:
        a.problem(
            "occurred_at",
            f"{_label('occurred_at')} {human_date(occurred)} is in the future; "
            "log interactions once they have happened",
        )


def _due_after_interaction(a: _Answers) -> None:
    occurred = _occurred(a)
    due = a.values.get("action_due_date")
    if isinstance(due, date) and isinstance(occurred, datetime) and due < occurred.date():
        a.problem(
            "action_due_date",
            f"{_label('action_due_date')} {human_date(due)} is before the interaction date "
            f"{human_date(occurred.date())}",
        )


def _action_comes_with_due_date(a: _Answers) -> None:
    if "next_action" in a.texts and "action_due_date" not in a.texts:
        a.problem("action_due_date", f"{_label('next_action')} needs a due date: say by when")
    if "action_due_date" in a.texts and "next_action" not in a.texts:
        a.problem("next_action", f"{_label('action_due_date')} was given but not what is to be done by then")


def _sale_details_need_a_stage(a: _Answers) -> None:
    if "opportunity_stage" in a.texts:
        return
    given = [_label(k) for k in _SALE_DETAILS if k in a.values]
    if given:
        a.warnings.append(
            f"{', '.join(given)} kept only with a sales stage; none was given, so only the notes record them"
        )


def _lost_sale_says_why(a: _Answers) -> None:
    lost = a.values.get("opportunity_stage") == "Lost"
    if lost and "lost_reason" not in a.texts and not a.has_error("lost_reason"):
        a.problem("lost_reason", f"{_label('lost_reason')} is required when the sales stage is Lost")
    if not lost and a.values.pop("lost_reason", None) is not None:
        a.warnings.append(f"{_label('lost_reason')} was ignored: the sales stage is not Lost")


def _first_service_after_a_delivery(a: _Answers) -> None:
    day = a.values.get("first_service_date")
    if day is None:
        return
    if a.values.get("interaction_type") != "Delivery":
        a.values.pop("first_service_date")
        a.warnings.append(f"{_label('first_service_date')} was ignored: it belongs to a Delivery")
        return
    occurred = _occurred(a)
    if isinstance(occurred, datetime) and day < occurred.date():
        a.problem(
            "first_service_date",
            f"{_label('first_service_date')} {human_date(day)} is before the delivery "
            f"{human_date(occurred.date())}",
        )


# The rules that read more than one answer, in the order their problems are reported.
CROSS_FIELD_RULES: tuple[tuple[str, Callable[[_Answers], None]], ...] = (
    ("every required question is answered", _required_answers_given),
    ("a follow-up names the interaction it closes", _follow_up_names_an_interaction),
    ("the customer is named (and its type inferred when not given)", _customer_named),
    ("an interaction is logged once it has happened", _happened_already),
    ("an action falls due on or after its interaction", _due_after_interaction),
    ("a next action and its due date come together", _action_comes_with_due_date),
    ("sale details are kept only with a sales stage", _sale_details_need_a_stage),
    ("a lost sale says why (and only a lost one)", _lost_sale_says_why),
    ("a first-service date comes with a Delivery, not before it", _first_service_after_a_delivery),
)
