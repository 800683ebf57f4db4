"""Property-based fuzz of intake: nothing a client sends raises, every refusal says why."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.intake.receive import receive
from hub.intake.submission import Rejection, Submission
from hub.intake.validation import IntakeRules
from tests.factories import NOW, body
from tests.strategies import envelopes, examples, form_answers

RULES = IntakeRules()


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


@pytest.mark.slow  # 400 examples, each through the whole intake
@examples(400)
@given(form_answers)
def test_any_answers_are_accepted_or_refused_with_field_errors(fuzzed):
    """Any mix of hostile answers is accepted (and readable back by the writer) or refused with a reason per
    field and the raw payload kept; intake never raises."""
    payload = body()
    payload["answers"] = {**payload["answers"], **fuzzed}
    check(json.dumps(payload).encode())


@examples(200)
@given(envelopes)
def test_any_envelope_is_accepted_or_refused_with_field_errors(envelope):
    """Any envelope with fields missing or of any JSON type is accepted or refused with field errors, never an
    exception."""
    check(json.dumps(envelope).encode())


@examples(200)
@given(st.binary(max_size=300))
def test_any_bytes_are_handled(data):
    """Any bytes posted to intake get a 202, 400, 413 or 422 with a JSON reply, never an exception."""
    check(data)
