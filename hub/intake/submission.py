"""A validated Form submission, and how it travels through the queue as JSON."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub.intake.json_body import json_object
from hub_schema.form import answer_key, answer_lookup, question_by_key
from hub_schema.lists import LISTS
from hub_schema.tabs import EXCEL_CELL_MAX_CHARS

MESSAGE_VERSION = 1

# Azure Storage queue messages are at most 64 KiB after base64: the raw body a client sent is
# compressed when long, and only a pathological body (incompressible, near 64 KiB) is cut to fit.
_RAW_INLINE_MAX = 8 * 1024
_RAW_PACKED_MAX = 36 * 1024


def pack_raw(raw: str) -> dict[str, str]:
    if len(raw.encode()) <= _RAW_INLINE_MAX:
        return {"raw": raw}
    data = raw.encode()
    packed = base64.b64encode(zlib.compress(data, 9)).decode()
    if len(packed) <= _RAW_PACKED_MAX:
        return {"rawZ": packed}
    keep = data[: _RAW_PACKED_MAX // 2].decode(errors="ignore")
    note = f"\n[cut: the body was {len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()}]"
    return {"raw": keep + note}


def unpack_raw(message: Mapping[str, Any]) -> str:
    if "rawZ" in message:
        return zlib.decompress(base64.b64decode(message["rawZ"])).decode()
    return str(message.get("raw", ""))


def submission_id_for(response_id: str | None, raw: bytes) -> str:
    """Stable id for a delivery: the same Forms response always gets the same id."""
    basis = response_id.encode() if response_id else raw
    return "SUB-" + hashlib.sha256(basis).hexdigest()[:12].upper()


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@dataclass(frozen=True)
class Submission:
    """One Forms response, every value parsed and in canonical form (datetimes: Lagos wall clock)."""

    submission_id: str
    response_id: str
    submitted_at: datetime
    responder: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        if key not in question_by_key():
            raise KeyError(f"no Form question has the key {key!r}")
        return self.values.get(key)

    def to_message(self, received_at: datetime, raw: str) -> dict[str, Any]:
        return {
            "v": MESSAGE_VERSION,
            "kind": "submission",
            "submissionId": self.submission_id,
            "receivedAt": received_at.isoformat(),
            "responseId": self.response_id,
            "submittedAt": self.submitted_at.isoformat(),
            "responder": self.responder,
            "values": {k: _to_json(v) for k, v in self.values.items()},
            **pack_raw(raw),
        }

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> Submission:
        questions = question_by_key()
        values: dict[str, Any] = {}
        for key, value in message["values"].items():
            q = questions[key]
            if q.type == "date" and isinstance(value, str):
                parsed = datetime.fromisoformat(value)
                values[key] = parsed if "T" in value else parsed.date()
            else:
                values[key] = value
        return cls(
            submission_id=message["submissionId"],
            response_id=message["responseId"],
            submitted_at=datetime.fromisoformat(message["submittedAt"]),
            responder=message["responder"],
            values=values,
        )


@dataclass(frozen=True)
class Rejection:
    """A submission that failed validation: kept whole, with every reason, for the Rejected tab."""

    submission_id: str
    response_id: str | None
    responder: str | None
    errors: tuple[FieldProblem, ...]
    raw: str

    def to_message(self, received_at: datetime) -> dict[str, Any]:
        return {
            "v": MESSAGE_VERSION,
            "kind": "rejection",
            "submissionId": self.submission_id,
            "receivedAt": received_at.isoformat(),
            "responseId": self.response_id,
            "responder": self.responder,
            "errors": [e.as_dict() for e in self.errors],
            **pack_raw(self.raw),
        }

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> Rejection:
        return cls(
            submission_id=message["submissionId"],
            response_id=message.get("responseId"),
            responder=message.get("responder"),
            errors=tuple(FieldProblem(e["field"], e["message"]) for e in message["errors"]),
            raw=unpack_raw(message),
        )


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def raw_payload(message: Mapping[str, Any]) -> str:
    """What the Rejected tab keeps of a message: the raw body as received, else its values as JSON."""
    raw = unpack_raw(message)
    return raw or json.dumps(message.get("values", {}), ensure_ascii=False)


def division_answered(raw: str) -> str | None:
    """The division a rejected body answered, when it names one of the list (any case): whose
    steward sees the Rejected row. A body too broken to read names none."""
    body = json_object(raw)
    answers = body.get("answers", body) if body is not None else None
    if not isinstance(answers, dict):
        return None
    lookup = answer_lookup()
    divisions = {d.casefold(): d for d in LISTS["Divisions"]}
    for key, value in answers.items():
        if lookup.get(answer_key(str(key))) == "division" and isinstance(value, str):
            return divisions.get(value.strip().casefold())
    return None


def payload_chunks(text: str, parts: int) -> list[str | None]:
    """`text` cut into `parts` cells (None for the unused ones) that each fit an Excel cell."""
    size = EXCEL_CELL_MAX_CHARS - 67  # headroom below Excel's per-cell limit
    chunks: list[str | None] = [text[i : i + size] for i in range(0, len(text), size)] or [""]
    if len(chunks) > parts:  # cannot happen for bodies under the 64 KiB intake limit
        raise ValueError(f"raw payload of {len(text):,} characters does not fit the Rejected tab")
    return chunks + [None] * (parts - len(chunks))


def local_received_at(iso: Any, fallback: datetime, tz: ZoneInfo) -> datetime:
    """An ISO time stamp as naive wall-clock time in `tz`; `fallback` when it is missing or unreadable."""
    if not isinstance(iso, str):
        return fallback
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        return fallback
    if value.tzinfo is not None:
        value = value.astimezone(tz).replace(tzinfo=None)
    return value
