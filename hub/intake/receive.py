"""The intake use case: a raw HTTP body in, a reply and the message to queue out.

Transport-free so the Azure function, `cxhub serve` and `cxhub submit` all run exactly this.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.intake.json_body import loads
from hub.intake.submission import FieldProblem, Rejection, submission_id_for
from hub.intake.validation import IntakeRules, validate

MAX_BODY_BYTES = 64 * 1024
SIGNATURE_HEADER = "X-CXHub-Signature"


@dataclass(frozen=True)
class IntakeReply:
    status: int
    body: dict[str, Any]
    message: dict[str, Any] | None = None  # what must be durably queued before replying
    log: dict[str, Any] = field(default_factory=dict)  # safe to log: ids and counts, no PII


def sign(body: bytes, secret: str) -> str:
    """The X-CXHub-Signature value for `body`: sha256=<hex HMAC-SHA256>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(body: bytes, header: str | None, secret: str) -> bool:
    if not header:
        return False
    return hmac.compare_digest(sign(body, secret).encode(), header.strip().lower().encode())


def receive(
    raw: bytes, *, signature: str | None, secret: str | None, now: datetime, rules: IntakeRules
) -> IntakeReply:
    if len(raw) > MAX_BODY_BYTES:
        return IntakeReply(
            413,
            {"status": "error", "message": f"The body is over {MAX_BODY_BYTES // 1024} KiB"},
            log={"outcome": "too_large", "bytes": len(raw)},
        )
    if secret and not signature_ok(raw, signature, secret):
        return IntakeReply(
            401,
            {"status": "error", "message": f"Missing or wrong {SIGNATURE_HEADER} header"},
            log={"outcome": "bad_signature"},
        )
    notes: list[str] = []
    try:
        body, notes = loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        body = None
        reason = "The body is not valid JSON (UTF-8)"
    else:
        reason = "The body must be a JSON object with responseId, submittedAt, responder and answers"
    if not isinstance(body, dict):
        sub_id = submission_id_for(None, raw)
        rejection = Rejection(
            sub_id, None, None, (FieldProblem("body", reason),), raw.decode("utf-8", errors="replace")
        )
        return IntakeReply(
            400,
            {"status": "error", "submissionId": sub_id, "message": reason},
            rejection.to_message(now),
            {"outcome": "bad_body", "submissionId": sub_id},
        )

    response_id = body.get("responseId")
    sub_id = submission_id_for(response_id if isinstance(response_id, str) else None, raw)
    result = validate(body, sub_id, now, rules)
    result.warnings[:0] = notes
    if result.submission is not None:
        return IntakeReply(
            202,
            {"status": "accepted", "submissionId": sub_id, "warnings": result.warnings},
            result.submission.to_message(now, raw.decode("utf-8-sig")),
            {"outcome": "accepted", "submissionId": sub_id, "warnings": len(result.warnings)},
        )
    rejection = Rejection(
        sub_id,
        result.response_id,
        result.responder,
        tuple(result.errors),
        raw.decode("utf-8", errors="replace"),
    )
    return IntakeReply(
        422,
        {
            "status": "rejected",
            "submissionId": sub_id,
            "errors": [e.as_dict() for e in result.errors],
            "warnings": result.warnings,
        },
        rejection.to_message(now),
        {"outcome": "rejected", "submissionId": sub_id, "fields": sorted({e.field for e in result.errors})},
    )
