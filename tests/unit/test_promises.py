"""Lost sales close their open promises: the nightly pass over every lost sale reads the interactions once."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.promises import ACTION_STATUS, cancel_promises_on_each
from hub.tables import Table
from hub_schema.columns import INTERACTION_ID, OPPORTUNITY_ID


def _cancel_scanning_each_time(interactions, opportunity_ids, audit, why):
    """The pass as it was: every lost sale a scan of all the interactions."""
    cancelled = []
    for opportunity_id in opportunity_ids:
        wanted = opportunity_id.upper()
        found = [
            r
            for r in [*interactions.rows, *interactions.new]
            if str(r.get(OPPORTUNITY_ID) or "").upper() == wanted and r.get(ACTION_STATUS) == "Open"
        ]
        for row in found:
            interactions.set(str(row[INTERACTION_ID]), {ACTION_STATUS: "Cancelled"})
            reason = f"{opportunity_id} {why}; its open promises are not reminded"
            audit(
                "Action cancelled", str(row[INTERACTION_ID]), before="Open", after="Cancelled", reason=reason
            )
        cancelled += found
    return cancelled


_OPPORTUNITY = st.sampled_from(["OPP-000001", "opp-000001", "OPP-000002", "OPP-000003", "", None, 7])
_ROW = st.tuples(_OPPORTUNITY, st.sampled_from(["Open", "Open", "Done", "Cancelled", None]))


def _run(cancel, rows, appended, lost):
    interactions = Table(
        "Interactions",
        [
            {INTERACTION_ID: f"INT-{i:06d}", OPPORTUNITY_ID: o, ACTION_STATUS: s}
            for i, (o, s) in enumerate(rows)
        ],
    )
    for i, (o, s) in enumerate(appended, start=len(rows)):
        interactions.add({INTERACTION_ID: f"INT-{i:06d}", OPPORTUNITY_ID: o, ACTION_STATUS: s})
    calls = []
    cancelled = cancel(interactions, lost, lambda *a, **k: calls.append((a, k)), "is marked Lost")
    return [r[INTERACTION_ID] for r in cancelled], calls, interactions.changed, interactions.new


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_ROW, max_size=25),
    st.lists(_ROW, max_size=5),
    st.lists(st.sampled_from(["OPP-000001", "opp-000001", "OPP-000002", "OPP-000009", "7"]), max_size=6),
)
def test_lost_sales_cancel_the_promises_a_scan_per_sale_cancelled(rows, appended, lost):
    """Cancelling on every lost sale with the open interactions grouped once cancels the same promises, in the
    same order, with the same Audit rows, as scanning all interactions for each sale did (repeated sales and
    IDs in another case included)."""
    assert _run(cancel_promises_on_each, rows, appended, lost) == _run(
        _cancel_scanning_each_time, rows, appended, lost
    )
