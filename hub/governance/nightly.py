"""The nightly governance run (Owner by largest invoice, Duplicates to the steward,
Merge keeps everything), pure: hub rows in, hub changes out.

Order matters: merges first (so ownership and the duplicate search see merged accounts), then
ownership, then new duplicate candidates for the steward.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hub.governance.duplicates import Candidate, account_candidates, contact_candidates
from hub.governance.merges import MergeResult, apply_merges
from hub.governance.ownership import OwnershipResult, compute_owners
from hub.governance.rules import GovernanceRules
from hub.matching import AccountIndex
from hub.ports import HubChanges, Row
from hub.promises import PROMISE_COLUMNS, cancel_promises_on_each, lost_opportunities
from hub.tables import ReviewQueue, Table, add_audit, changes_of
from hub_schema.columns import (
    ACCOUNT_ID,
    COMPANY_NAME,
    CONTACT_ID,
    CONTACT_NAME,
    INTERACTION_ID,
    OPPORTUNITY_ID,
    TICKET_ID,
)
from hub_schema.tabs import RECORD_TABS

ACTOR = "CX Hub governance"
READS = (*RECORD_TABS, "Deals", "Staff", "Review Queue", "Audit")
# The big tables are read for the columns the rules use only (a remote store then reads less).
READ_COLUMNS = {
    # Opportunity ID and Action Status: promises on a sale marked Lost are cancelled (hub.promises).
    "Interactions": (INTERACTION_ID, ACCOUNT_ID, CONTACT_ID, COMPANY_NAME, CONTACT_NAME, *PROMISE_COLUMNS),
    "Opportunities": (OPPORTUNITY_ID, ACCOUNT_ID, CONTACT_ID, COMPANY_NAME, "Stage"),
    "Tickets": (TICKET_ID, ACCOUNT_ID, CONTACT_ID, COMPANY_NAME),
    "Audit": ("Audit ID",),
}


@dataclass
class GovernanceResult:
    """The nightly run's changes to write, with what they add up to for the job's summary line."""

    changes: HubChanges
    merges: MergeResult
    ownership: OwnershipResult
    raised: list[Candidate]
    already_known: int  # candidates whose pair is already in the Review Queue (open or decided)
    promises_cancelled: int = 0  # open promises on sales marked Lost in the workbook

    def summary(self) -> dict[str, Any]:
        return {
            "merges applied": len(self.merges.applied),
            "rows re-pointed": sum(self.merges.repointed.values()),
            "names refreshed": sum(self.merges.renamed.values()),
            "owners changed": len(self.ownership.changes),
            "owner overrides": len(self.ownership.overridden),
            "unmapped salespeople": len(self.ownership.unmapped_salespeople),
            "candidates raised": len(self.raised),
            "candidates already in the queue": self.already_known,
            "promises cancelled (lost sales)": self.promises_cancelled,
        }


def govern(
    tables: Mapping[str, list[Row]], now: datetime, as_of: date, rules: GovernanceRules
) -> GovernanceResult:
    t = {name: Table(name, list(map(dict, tables.get(name, [])))) for name in READS}

    def audit(action: str, record: str, *, before: Any = None, after: Any = None, reason: str = "") -> None:
        add_audit(t["Audit"], now, ACTOR, action, record, before=before, after=after, reason=reason)

    merges = apply_merges(t, now, audit)
    # A sale set to Lost in the workbook: its open promises close too (the Form's Lost closes them
    # in the writer).
    lost = lost_opportunities(t["Opportunities"].rows)
    cancelled = cancel_promises_on_each(t["Interactions"], lost, audit, "is marked Lost")

    accounts = AccountIndex(t["Accounts"].rows)
    ownership = compute_owners(accounts, t["Deals"].rows, t["Staff"].rows, as_of, rules.owner_rule)
    for change in ownership.changes:
        t["Accounts"].set(change.account_id, {"Account Owner": change.after, "Owner Basis": change.basis})
        audit(
            "Owner changed",
            change.account_id,
            before=change.before,
            after=change.after,
            reason=change.basis
            if change.basis == "Owner Override"
            else f"largest ERP invoice in the 12 months to {as_of}: {change.basis}"
            if rules.owner_rule == "largest"
            else f"latest ERP invoice in the 12 months to {as_of}: {change.basis}",
        )
    for account_id, basis in ownership.basis_updates.items():
        t["Accounts"].set(account_id, {"Owner Basis": basis})

    reviews = ReviewQueue(t["Review Queue"], t["Accounts"], t["Contacts"])
    raised, already = [], 0
    candidates = account_candidates(
        t["Accounts"].rows, t["Contacts"].rows, rules.duplicates
    ) + contact_candidates(t["Contacts"].rows, rules.duplicates)
    for c in candidates:
        if reviews.raise_item(now, c.kind, c.a, c.b, c.score, c.reason(rules.duplicates)):
            raised.append(c)
        else:
            already += 1
    return GovernanceResult(changes_of(t), merges, ownership, raised, already, len(cancelled))
