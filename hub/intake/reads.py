"""What the writer reads for a batch: for the big tables only the columns its messages need (on Graph
each column is one request, so a batch that closes nothing reads two columns of Interactions)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hub.promises import LOST, PROMISE_COLUMNS
from hub_schema.columns import ACCOUNT_ID, CONTACT_ID, INTERACTION_ID

# What the writer reads; for the big tables only the columns it needs (a remote store reads less).
READ_COLUMNS = {
    "Interactions": (INTERACTION_ID, "Source Response ID"),
    "Audit": ("Audit ID",),
}
# A batch that closes promised actions also needs who and what each interaction is about.
FOLLOW_UP_COLUMNS = (ACCOUNT_ID, CONTACT_ID, "Action Status")


def read_columns(messages: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    """The columns a batch needs: one request per column on Graph, so only what is used."""
    answers = [m.get("values") or {} for m in messages]
    extra: tuple[str, ...] = FOLLOW_UP_COLUMNS if any(a.get("follow_up_of") for a in answers) else ()
    if any(a.get("opportunity_stage") == LOST for a in answers):
        extra += tuple(c for c in PROMISE_COLUMNS if c not in extra)  # its open promises are closed
    return READ_COLUMNS | {"Interactions": READ_COLUMNS["Interactions"] + extra}
