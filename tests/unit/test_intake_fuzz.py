"""Property-based fuzz of intake: nothing a client sends raises, every refusal says why."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.intake.receive import receive
from hub.intake.submission import Rejection, Submission
from hub.intake.validation import IntakeRules
from hub_schema.form import questions
from tests.factories import NOW, body

RULES = IntakeRules()
KEYS = [q.key for q in questions()] + [q.title for q in questions()]
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=60)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)
tricky_text = st.sampled_from(
    [
        "",
        " ",
        "N/A",
        "=cmd|' /C calc'!A0",
        "+234",
        "-",
        "@SUM(1)",
        "\t=1",
        "\r=1",
        "31/02/2026",
        "0803 123 4567",
        "2026-11-20T09:15:00Z",
        "₦12,500,000.00",
        "(1,200)",
        "Motors",
        "whatsapp",
        "\x00\x1b",
        "ß" * 5000,
        "20/11/2026 25:99",
        "5",
        "0",
        "1e999",
        "Individual",
    ]
)
answers = st.dictionaries(
    st.sampled_from(KEYS) | st.text(max_size=12), tricky_text | json_values, max_size=12
)


def check(data: bytes) -> None:
    reply = receive(data, signature=None, secret=None, now=NOW, rules=RULES)
    assert reply.status in (202, 400, 413, 422)
    if reply.status == 202:
        Submission.from_message(reply.message)  # what is queued can be read back by the writer
    elif reply.status in (400, 422):
        errors = reply.body.get("errors") or [{"field": "body", "message": reply.body["message"]}]
        assert errors and all(e["field"] and e["message"] for e in errors)
        # the raw payload is kept, whole
        assert Rejection.from_message(reply.message).raw == data.decode("utf-8", errors="replace")
    json.dumps(reply.body)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers)
def test_any_answers_are_accepted_or_refused_with_field_errors(fuzzed):
    payload = body()
    payload["answers"] = {**payload["answers"], **fuzzed}
    check(json.dumps(payload).encode())


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["responseId", "submittedAt", "responder", "answers", "x"]), json_values | tricky_text
    )
)
def test_any_envelope_is_accepted_or_refused_with_field_errors(envelope):
    check(json.dumps(envelope).encode())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_handled(data):
    check(data)
