"""Account ownership (Owner by largest invoice): the data decides who owns an account, not people.

Owner = the salesperson of the largest non-cancelled ERP invoice dated within the 12 months up to
the run date; ties go to the most recent. Variant "latest": the most recent such invoice (ties:
the largest). No qualifying invoice: the owner stays. A filled Owner Override always wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from hub.matching import AccountIndex
from hub.names import normalise_person_name
from hub.ports import Row
from hub_schema.cells import as_day
from hub_schema.columns import ACCOUNT_ID

OwnerRule = Literal["largest", "latest"]
NOT_QUALIFYING = frozenset({"Cancelled", "Credit Note"})


@dataclass(frozen=True)
class OwnerChange:
    account_id: str
    before: str | None
    after: str
    basis: str  # "INV-4411, ₦12,500,000, 2026-03-02" or "Owner Override"


@dataclass
class OwnershipResult:
    changes: list[OwnerChange] = field(default_factory=list)
    overridden: list[str] = field(default_factory=list)  # accounts whose owner comes from Owner Override
    unmapped_salespeople: dict[str, int] = field(default_factory=dict)  # ERP name -> accounts affected
    basis_updates: dict[str, str] = field(default_factory=dict)  # same owner, newer evidence


def naira(amount: float) -> str:
    return f"₦{amount:,.0f}" if amount == int(amount) else f"₦{amount:,.2f}"


def salesperson_emails(staff: Iterable[Row]) -> dict[str, str]:
    """ERP salesperson name (normalised) -> staff email, from the Staff tab."""
    out: dict[str, str] = {}
    for row in staff:
        name, email = row.get("ERP Salesperson Name"), row.get("Email")
        if name and email:
            out[normalise_person_name(str(name))] = str(email).lower()
    return out


def compute_owners(
    accounts: AccountIndex,
    deals: Iterable[Row],
    staff: Iterable[Row],
    as_of: date,
    rule: OwnerRule = "largest",
) -> OwnershipResult:
    result = OwnershipResult()
    best = _deciding_invoices(accounts, deals, as_of, rule)
    emails = salesperson_emails(staff)
    for account_id, row in accounts.rows.items():
        if row.get("Status") == "Merged":
            continue
        current = str(row.get("Account Owner") or "").lower() or None
        override = str(row.get("Owner Override") or "").strip().lower()
        if override:
            result.overridden.append(account_id)
            if override != current:
                result.changes.append(OwnerChange(account_id, current, override, "Owner Override"))
        elif account_id in best:  # without a qualifying invoice the owner stays
            _apply_invoice(result, account_id, row, current, best[account_id], emails)
    return result


def _qualifies(deal: Row, since: date, as_of: date) -> bool:
    """A positive, dated invoice of the twelve months to `as_of` that is not cancelled or a credit."""
    when = as_day(deal.get("Invoice Date"))
    amount = deal.get("Amount")
    if when is None or not isinstance(amount, int | float) or amount <= 0:
        return False
    return deal.get("Status") not in NOT_QUALIFYING and since < when <= as_of


def _deciding_invoices(
    accounts: AccountIndex, deals: Iterable[Row], as_of: date, rule: OwnerRule
) -> dict[str, Row]:
    """Per account, the invoice the rule picks: the largest (or the latest) qualifying one."""
    since = _twelve_months_before(as_of)
    best: dict[str, tuple[tuple, Row]] = {}
    for deal in deals:
        if not _qualifies(deal, since, as_of):
            continue
        account_id = _account_of(accounts, deal)
        if account_id is None:
            continue
        amount, when = deal["Amount"], as_day(deal.get("Invoice Date"))
        # Sort key: the rule's order, then the invoice number so the choice never depends on row order.
        rank = (amount, when) if rule == "largest" else (when, amount)
        key = (*rank, str(deal.get("Invoice No") or ""))
        if account_id not in best or key > best[account_id][0]:
            best[account_id] = (key, deal)
    return {account_id: deal for account_id, (_, deal) in best.items()}


def _apply_invoice(
    result: OwnershipResult,
    account_id: str,
    row: Row,
    current: str | None,
    deal: Row,
    emails: Mapping[str, str],
) -> None:
    name = str(deal.get("Salesperson") or "").strip()
    email = emails.get(normalise_person_name(name)) if name else None
    if email is None:
        label = name or "(no salesperson on the invoice)"
        result.unmapped_salespeople[label] = result.unmapped_salespeople.get(label, 0) + 1
        return
    basis = f"{deal['Invoice No']}, {naira(float(deal['Amount']))}, {as_day(deal['Invoice Date'])}"
    if email != current:
        result.changes.append(OwnerChange(account_id, current, email, basis))
    elif row.get("Owner Basis") != basis:
        result.basis_updates[account_id] = basis


def _account_of(accounts: AccountIndex, deal: Row) -> str | None:
    if deal.get(ACCOUNT_ID):
        found = accounts.by_id(str(deal[ACCOUNT_ID]))
        if found:
            return found
    if deal.get("ERP Customer ID"):
        return accounts.by_erp(str(deal["ERP Customer ID"]))
    return None


def _twelve_months_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
