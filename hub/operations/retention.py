"""Data protection (NDPA 2023): raw payloads of rejected submissions are not kept forever.

A Rejected row keeps its errors, dates and responder (what a steward needs to follow up); after the
retention period its raw payload, which may hold a customer's name, phone and email, is replaced by
a note saying when it was purged.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from hub.ports import Row, RowUpdate
from hub_schema.tabs import RAW_PAYLOAD_COLUMNS

PURGED = "[purged {day} after {days} days]"


def purge_rejected(rows: Iterable[Row], now: datetime, days: int) -> list[RowUpdate]:
    cutoff = now - timedelta(days=days)
    note = PURGED.format(day=now.date().isoformat(), days=days)
    updates = []
    for row in rows:
        received = row.get("Received At")
        if not isinstance(received, datetime) or received >= cutoff or not row.get("Rejected ID"):
            continue
        held = [c for c in RAW_PAYLOAD_COLUMNS if row.get(c) and not str(row[c]).startswith("[purged ")]
        if held:
            # Text rather than blanks: a blank in a Graph range PATCH means "leave the cell as it is".
            values = {c: (note if c == RAW_PAYLOAD_COLUMNS[0] else "-") for c in held}
            updates.append(RowUpdate("Rejected", str(row["Rejected ID"]), values))
    return updates
