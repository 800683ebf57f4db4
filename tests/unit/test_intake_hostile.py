"""Intake always answers (issue 12, finding 4): lone surrogates, numbers no field can hold and
non-text response ids get a 2xx or a 4xx with field errors, and what is queued can be encoded."""

from __future__ import annotations

import json

import pytest
from hypothesis import given

from hub.intake.receive import receive
from hub.intake.validation import IntakeRules
from local.journal_queue import JournalQueue
from tests.factories import NOW, body
from tests.strategies import encode_hostile, examples, hostile_answers, hostile_scalars

RULES = IntakeRules()


def post(data: bytes):
    return receive(data, signature=None, secret=None, now=NOW, rules=RULES)


def ascii_json(payload) -> bytes:
    """JSON as a client may send it: non-ASCII (and lone surrogates) as \\u escapes."""
    return json.dumps(payload, ensure_ascii=True).encode()


def queueable(message) -> bytes:
    """What the queue output binding and the journal queue do with a message."""
    return json.dumps(message, ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("where", ["company_name", "notes"])
def test_a_lone_surrogate_in_an_answer_is_replaced_reported_and_queued(where):
    """ "\\ud800" in an answer: 202, a warning naming the answer, and a message the queue can take."""
    reply = post(ascii_json(body({where: "Acme \ud800 Motors"})))
    assert reply.status == 202
    assert any(where in w and "replaced" in w for w in reply.body["warnings"])
    assert "Acme \ufffd Motors" in queueable(reply.message).decode()


def test_a_lone_surrogate_in_the_response_id_is_replaced_and_the_submission_kept():
    """The responseId is cleaned before the submission id is derived from it."""
    reply = post(ascii_json(body(responseId="resp-\udc80-1")))
    assert reply.status == 202 and reply.message["responseId"] == "resp-\ufffd-1"
    queueable(reply.message)


def test_a_surrogate_body_goes_through_the_journal_queue(tmp_path):
    """The local queue stores and returns the cleaned message (it raised UnicodeEncodeError before)."""
    queue = JournalQueue(tmp_path / "q.sqlite")
    reply = post(ascii_json(body({"notes": "\udfff"}, responder="ada.okafor@mikano.example")))
    queue.put(reply.message)
    [received] = queue.receive(10, 30)
    assert received.body["values"]["notes"] == "\ufffd"


@pytest.mark.parametrize(
    "number",
    [b"1" * 5000, b"-" + b"9" * 4301, b"NaN", b"Infinity", b"-Infinity", b"1e400"],
    ids=["5000-digit int", "negative 4301-digit int", "NaN", "Infinity", "-Infinity", "1e400"],
)
def test_numbers_no_field_can_hold_are_field_errors_and_kept(number):
    """A 5,000-digit integer or NaN as the company name: 422 naming the field, kept for Rejected."""
    template = ascii_json(body({"company_name": "PLACEHOLDER"}))
    data = template.replace(b'"PLACEHOLDER"', number)
    reply = post(data)
    assert reply.status == 422
    assert [e["field"] for e in reply.body["errors"]] == ["company_name"]
    assert reply.message is not None and reply.message["kind"] == "rejection"
    assert number.decode()[:20] in reply.message["raw"]


@pytest.mark.parametrize("response_id", [12.5, 12345, ["resp-1"], {"id": 1}])
def test_only_a_string_response_id_is_accepted(response_id):
    """A number, list or object responseId is a 422 on responseId, kept for Rejected."""
    reply = post(ascii_json(body(responseId=response_id)))
    assert reply.status == 422
    assert "responseId" in [e["field"] for e in reply.body["errors"]]
    assert reply.message["kind"] == "rejection"


def test_a_body_nested_thirty_thousand_deep_is_400_and_kept():
    """Deep nesting is refused as a body, and the raw bytes are still kept for Rejected."""
    deep = b'{"answers":' + b"[" * 30_000 + b"]" * 30_000 + b"}"
    reply = post(deep)
    assert reply.status == 400 and reply.message["kind"] == "rejection"


@examples(200)
@given(hostile_answers, hostile_scalars)
def test_any_hostile_body_gets_an_answer_and_a_queueable_message(answers, response_id):
    """Surrogates, huge and non-finite numbers, nesting, anywhere: never an exception, always a
    2xx or 4xx, and whatever is queued encodes to UTF-8."""
    payload = body()
    payload["responseId"] = response_id
    payload["answers"].update(answers)
    reply = post(encode_hostile(payload).encode())
    assert reply.status in (202, 400, 422)
    assert reply.message is not None
    queueable(reply.message)
    if reply.status == 422:
        assert reply.body["errors"]
