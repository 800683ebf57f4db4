"""The intake use case: status codes, signatures and what gets queued."""

import json

import pytest

from hub.intake.receive import MAX_BODY_BYTES, receive, sign
from hub.intake.submission import Rejection, Submission, submission_id_for
from hub.intake.validation import IntakeRules
from tests.factories import NOW, body, raw

RULES = IntakeRules()


def post(data: bytes, *, signature=None, secret=None):
    return receive(data, signature=signature, secret=secret, now=NOW, rules=RULES)


def test_a_good_submission_is_accepted_and_queued():
    """A valid submission gets 202 with its submission ID and no warnings, and its normalised message is
    queued for the writer."""
    payload = body()
    reply = post(raw(payload))
    assert reply.status == 202
    assert reply.body == {
        "status": "accepted",
        "submissionId": submission_id_for(payload["responseId"], b""),
        "warnings": [],
    }
    queued = Submission.from_message(reply.message)
    assert queued.response_id == payload["responseId"]
    assert queued.values["contact_phone"] == "+2348031234567"


def test_the_same_response_gets_the_same_submission_id():
    """Posting the same Forms response twice gives the same submission ID, so the writer can recognise the
    repeat."""
    payload = body()
    assert post(raw(payload)).body["submissionId"] == post(raw(payload)).body["submissionId"]


def test_a_bad_submission_is_422_with_every_error_and_its_raw_payload_queued_for_rejected():
    """An invalid submission gets 422 listing every field error, and its raw payload is queued whole for the
    Rejected tab."""
    payload = body({"division": None, "contact_phone": "12"})
    data = raw(payload)
    reply = post(data)
    assert reply.status == 422
    assert reply.body["status"] == "rejected"
    assert {e["field"] for e in reply.body["errors"]} == {"division", "contact_phone"}
    kept = Rejection.from_message(reply.message)
    assert kept.raw == data.decode()
    assert kept.response_id == payload["responseId"]


@pytest.mark.parametrize("data", [b"not json", b"[1, 2]", b'"text"', b"\xff\xfe", b"[" * 5000 + b"]" * 5000])
def test_a_body_that_is_not_a_json_object_is_400_and_kept(data):
    """A body that is not a JSON object gets 400 and is still queued as a rejection, so nothing sent is
    lost."""
    reply = post(data)
    assert reply.status == 400
    assert reply.message["kind"] == "rejection"


def test_a_body_over_64_kib_is_413_and_not_queued():
    """A body over 64 KiB gets 413 and is not queued."""
    reply = post(b" " * (MAX_BODY_BYTES + 1))
    assert reply.status == 413
    assert reply.message is None


def test_with_a_secret_a_correct_signature_is_required():
    """With an intake secret set, only a correct HMAC-SHA256 signature (in any hex case) is accepted; a
    missing or wrong one gets 401."""
    data = raw(body())
    assert post(data, secret="s3cret").status == 401
    assert post(data, secret="s3cret", signature="sha256=" + "0" * 64).status == 401
    assert post(data, secret="s3cret", signature=sign(data, "other")).status == 401
    assert post(data, secret="s3cret", signature=sign(data, "s3cret")).status == 202
    assert (
        post(data, secret="s3cret", signature=sign(data, "s3cret").upper().replace("SHA256", "sha256")).status
        == 202
    )


def test_an_unsigned_rejection_reveals_nothing_and_queues_nothing():
    """An unsigned request, when a secret is set, is told nothing about field errors and queues nothing."""
    reply = post(raw(body()), secret="s3cret")
    assert reply.message is None
    assert "errors" not in reply.body


def test_logs_carry_no_personal_data():
    """Intake's log lines carry no phone number, email or company name, whether the submission is accepted or
    refused."""
    payload = body({"contact_phone": "0803 999 0000"})
    for data in (raw(payload), raw(body({"contact_phone": "0803"}))):
        line = json.dumps(post(data).log)
        assert "0803" not in line and "@" not in line and "Dangote" not in line


def test_a_huge_but_allowed_rejected_body_is_compressed_to_fit_a_storage_queue_message():
    """A large refused body under the 64 KiB limit is compressed so that, base64-encoded, it still fits one
    Storage queue message, and it reads back whole."""
    payload = body({"notes": "Long complaint. " * 3500})  # ~56 KB, notes over the limit
    data = raw(payload)
    assert len(data) < MAX_BODY_BYTES
    reply = post(data)
    assert reply.status == 422
    assert len(json.dumps(reply.message).encode()) * 4 / 3 < 64 * 1024  # base64 in the queue
    assert Rejection.from_message(reply.message).raw == data.decode()
