"""Builders for test data: Form bodies as the Power Automate flow sends them."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import Any

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # 10:30 in Lagos
_ids = itertools.count(1)

GOOD_ANSWERS: dict[str, Any] = {
    "division": "Motors",
    "company_name": "Dangote Industries Ltd",
    "contact_name": "Chinedu Okafor",
    "contact_email": "chinedu.okafor@dangote.example",
    "contact_phone": "0803 123 4567",
    "channel": "WhatsApp",
    "direction": "Inbound",
    "interaction_type": "Inquiry",
    "occurred_at": "20/11/2026 09:15",
    "notes": "Asked for the price of ten Hilux pickups.",
}


def body(
    answers: dict[str, Any] | None = None, *, drop: tuple[str, ...] = (), **envelope: Any
) -> dict[str, Any]:
    """A valid submission body; `answers` entries override (None removes), `drop` removes."""
    merged = {**GOOD_ANSWERS, **(answers or {})}
    merged = {k: v for k, v in merged.items() if v is not None and k not in drop}
    out: dict[str, Any] = {
        "responseId": f"resp-{next(_ids):05d}",
        "submittedAt": "2026-11-20T09:20:00Z",
        "responder": "ada.okafor@mikano.example",
        "answers": merged,
    }
    out.update(envelope)
    return out


def raw(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()
