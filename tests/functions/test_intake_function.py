"""POST /api/submissions called as the Functions host calls it, with func.HttpRequest."""

from __future__ import annotations

import json

import azure.functions as func
import pytest

from functions.intake import submissions
from hub.intake.receive import sign
from tests.factories import body, raw


class Outbox(func.Out):
    """Stands in for the queue output binding: records what the function sets."""

    def __init__(self) -> None:
        self.value: str | None = None

    def set(self, val: str) -> None:
        self.value = val

    def get(self) -> str | None:
        return self.value


@pytest.fixture(autouse=True)
def settings(monkeypatch):
    for name in ("CXHUB_INTAKE_SECRET", "FUNCTIONS_WORKER_RUNTIME", "CXHUB_QUEUE"):
        monkeypatch.delenv(name, raising=False)


def call(data: bytes, headers: dict[str, str] | None = None):
    outbox = Outbox()
    req = func.HttpRequest(method="POST", url="/api/submissions", body=data, headers=headers or {})
    resp = submissions(req, outbox)
    return resp, json.loads(resp.get_body()), (json.loads(outbox.value) if outbox.value else None)


def test_a_good_submission_is_202_and_queued():
    """The intake function answers a good submission with 202 JSON and puts the submission on its queue output
    under the same ID."""
    resp, reply, queued = call(raw(body()))
    assert resp.status_code == 202 and resp.mimetype == "application/json"
    assert reply["status"] == "accepted" and reply["submissionId"].startswith("SUB-")
    assert queued["kind"] == "submission" and queued["submissionId"] == reply["submissionId"]


def test_a_bad_submission_is_422_with_field_errors_and_its_rejection_queued():
    """The intake function answers a bad submission with 422 and the field errors listing the allowed options,
    and queues the rejection."""
    resp, reply, queued = call(raw(body({"division": "Oil"})))
    assert resp.status_code == 422
    assert reply["errors"] == [
        {
            "field": "division",
            "message": 'Division "Oil" is not one of: Motors, Power, '
            "Construction, Medical, GRAS, Cube 65 Clinic",
        }
    ]
    assert queued["kind"] == "rejection"


def test_not_json_is_400():
    """The intake function answers a body that is not JSON with 400."""
    resp, reply, _ = call(b"<xml/>")
    assert resp.status_code == 400 and reply["status"] == "error"


def test_over_64_kib_is_413():
    """The intake function answers a body over 64 KiB with 413 and queues nothing."""
    resp, _, queued = call(b"{" + b" " * 70_000 + b"}")
    assert resp.status_code == 413 and queued is None


def test_with_the_secret_set_the_signature_header_is_required(monkeypatch):
    """With the intake secret set, the function needs the signature header (any header case) and answers 401
    without a valid one."""
    monkeypatch.setenv("CXHUB_INTAKE_SECRET", "s3cret")
    data = raw(body())
    assert call(data)[0].status_code == 401
    assert call(data, {"X-CXHub-Signature": sign(data, "wrong")})[0].status_code == 401
    assert call(data, {"x-cxhub-signature": sign(data, "s3cret")})[0].status_code == 202


def test_a_bad_setting_is_a_server_error_not_a_client_one(monkeypatch):
    """Misconfiguration must be loud for the admin; it is not the sender's fault."""
    monkeypatch.setenv("CXHUB_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="CXHUB_TIMEZONE"):
        call(raw(body()))


def test_hostile_bodies_get_an_answer_and_are_kept_through_the_http_function():
    """Through the Functions entrypoint: a lone surrogate is 202 with a warning, a 5,000-digit
    number and NaN are 422 on the field, a number responseId is 422; each is queued."""
    surrogate = json.dumps(body({"company_name": "Acme \ud800"}), ensure_ascii=True).encode()
    resp, reply, queued = call(surrogate)
    assert resp.status_code == 202 and any("company_name" in w for w in reply["warnings"])
    assert queued["kind"] == "submission" and queued["values"]["company_name"] == "Acme \ufffd"
    template = raw(body({"company_name": "PLACEHOLDER"}))
    for literal in (b"7" * 5000, b"NaN", b"1e400"):
        resp, reply, queued = call(template.replace(b'"PLACEHOLDER"', literal))
        assert resp.status_code == 422 and [e["field"] for e in reply["errors"]] == ["company_name"]
        assert queued["kind"] == "rejection"
    resp, reply, queued = call(raw(body(responseId=12.5)))
    assert resp.status_code == 422 and queued["kind"] == "rejection"
    assert "responseId" in [e["field"] for e in reply["errors"]]
