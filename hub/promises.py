"""A lost sale is not chased: the open promises on an opportunity marked Lost are cancelled, each with
an Audit row. The writer applies it when the Form marks the sale Lost (hub.intake.recorder); the
nightly governance run when a steward set Stage to Lost in the workbook (hub.governance.nightly)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hub.ports import Row
from hub.tables import Table
from hub_schema.columns import INTERACTION_ID, OPPORTUNITY_ID

LOST = "Lost"
ACTION_STATUS = "Action Status"
# The Interactions columns the rule reads (a remote store reads only these).
PROMISE_COLUMNS = (OPPORTUNITY_ID, ACTION_STATUS)


def cancel_promises_on(
    interactions: Table, opportunity_id: str, audit: Callable[..., None], why: str
) -> list[Row]:
    """Cancel the open promises on `opportunity_id`, one Audit row each ("why" ends its reason)."""
    return cancel_promises_on_each(interactions, [opportunity_id], audit, why)


def cancel_promises_on_each(
    interactions: Table, opportunity_ids: Iterable[str], audit: Callable[..., None], why: str
) -> list[Row]:
    """cancel_promises_on for each opportunity in turn, the interactions read once: the open ones
    grouped by opportunity first (the nightly run cancels on every sale marked Lost, and a scan of
    100k interactions per lost sale grew with the product of the two)."""
    open_on: dict[str, list[Row]] = {}
    for row in [*interactions.rows, *interactions.new]:
        if row.get(ACTION_STATUS) == "Open":
            open_on.setdefault(str(row.get(OPPORTUNITY_ID) or "").upper(), []).append(row)
    cancelled = []
    for opportunity_id in opportunity_ids:
        # pop: an opportunity named twice (or in two cases) finds its promises cancelled already
        for row in open_on.pop(opportunity_id.upper(), []):
            interactions.set(str(row[INTERACTION_ID]), {ACTION_STATUS: "Cancelled"})
            audit(
                "Action cancelled",
                str(row[INTERACTION_ID]),
                before="Open",
                after="Cancelled",
                reason=f"{opportunity_id} {why}; its open promises are not reminded",
            )
            cancelled.append(row)
    return cancelled


def lost_opportunities(opportunities: list[Row]) -> list[str]:
    """The IDs of the opportunities whose Stage is Lost."""
    return [str(o[OPPORTUNITY_ID]) for o in opportunities if o.get("Stage") == LOST and o.get(OPPORTUNITY_ID)]
