"""What the writer's rules report per message: recorded, duplicate, rejected or failed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from hub.ports import HubChanges

Status = Literal["recorded", "duplicate", "rejected", "failed"]


@dataclass
class Outcome:
    submission_id: str
    response_id: str | None
    status: Status
    interaction_id: str | None = None
    account_id: str | None = None
    account_name: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class BatchResult:
    changes: HubChanges
    outcomes: list[Outcome]


class WriterRejection(Exception):
    """A valid submission the hub cannot place (an unknown Account or Ticket ID)."""

    def __init__(self, field_key: str, message: str) -> None:
        super().__init__(message)
        self.field = field_key
        self.message = message


def failed_outcome(message: Mapping[str, Any], error: tuple[str, str]) -> Outcome:
    kind, text = error
    # notes carries only the exception type, which is safe to log; the text may quote data.
    return Outcome(
        str(message.get("submissionId")),
        message.get("responseId"),
        "failed",
        errors=[{"field": "message", "message": f"{kind}: {text}"}],
        notes=[kind],
    )
