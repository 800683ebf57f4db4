"""Applying the steward's "Merge" decisions (Merge keeps everything): nothing is deleted, nothing is lost.

The loser is kept with Status Merged and Merged Into; its children (contacts, interactions,
opportunities, tickets, deals) are re-pointed to the survivor; blanks in the survivor are filled
from the loser. Which record survives is decided by data, not by the order on the review item: the
one carrying an ERP Customer ID (ERP is king), else the older one (lower number).

Children are re-pointed for every merged record on every run, not only the newly decided ones, so a
row written while a merge was being applied (or read from a lagging copy) is caught next time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.matching import follow_merged_into
from hub.tables import Table
from hub_schema.columns import ACCOUNT_ID, COMPANY_NAME, CONTACT_ID, CONTACT_NAME, FULL_NAME
from hub_schema.lists import LISTS

# Which columns point at an account or a contact, per tab.
ACCOUNT_REFS = {
    "Contacts": "Associated Account ID",
    "Interactions": ACCOUNT_ID,
    "Opportunities": ACCOUNT_ID,
    "Tickets": ACCOUNT_ID,
    "Deals": ACCOUNT_ID,
}
CONTACT_REFS = {"Interactions": CONTACT_ID, "Opportunities": CONTACT_ID, "Tickets": CONTACT_ID}
# The names people read beside those IDs: (ID column, parent tab, the parent's name column, the name column).
NAME_COLUMNS = {
    "Interactions": (
        (ACCOUNT_ID, "Accounts", COMPANY_NAME, COMPANY_NAME),
        (CONTACT_ID, "Contacts", FULL_NAME, CONTACT_NAME),
    ),
    "Opportunities": ((ACCOUNT_ID, "Accounts", COMPANY_NAME, COMPANY_NAME),),
    "Tickets": ((ACCOUNT_ID, "Accounts", COMPANY_NAME, COMPANY_NAME),),
}
ACCOUNT_FILL = ("Industry", "Address", "Main Phone Number", "ERP Customer ID", "Account Owner", "Owner Basis")
CONTACT_FILL = ("Job Title", "Email", "Mobile Number")

Audit = Callable[..., None]


@dataclass
class MergeResult:
    applied: list[tuple[str, str]] = field(default_factory=list)  # (loser, survivor)
    repointed: dict[str, int] = field(default_factory=dict)  # tab -> rows re-pointed
    skipped: list[str] = field(default_factory=list)  # review IDs that could not be applied, and why
    renamed: dict[str, int] = field(default_factory=dict)  # tab -> rows whose names were refreshed


def apply_merges(t: Mapping[str, Table], now: datetime, audit: Audit) -> MergeResult:
    result = MergeResult()
    reviews = t["Review Queue"]
    for row in list(reviews.rows):
        if row.get("Decision") != "Merge" or row.get("Applied At"):
            continue
        review_id = str(row["Review ID"])
        kind = row.get("Kind") or (
            "Contact" if str(row.get("Record A", "")).upper().startswith("CON") else "Account"
        )
        table = t["Accounts"] if kind == "Account" else t["Contacts"]
        a, b = (_final(table, str(row.get(x) or "")) for x in ("Record A", "Record B"))
        if a is None or b is None:
            result.skipped.append(
                f"{review_id}: record {row.get('Record A')} or {row.get('Record B')} not found"
            )
            continue
        if a != b:
            survivor, loser = _survivor(table, a, b)
            filled = _merge_rows(table, survivor, loser, kind)
            result.applied.append((loser, survivor))
            audit(
                f"Merge {kind.lower()}",
                loser,
                before=loser,
                after=survivor,
                reason=f"{review_id} decided by {row.get('Decided By') or 'the data steward'}; "
                f"{loser} kept as Merged into {survivor}"
                + (f"; filled from {loser}: {', '.join(filled)}" if filled else ""),
            )
        reviews.set(review_id, {"Applied At": now})
    result.repointed = _repoint(t, "Accounts", ACCOUNT_REFS) | _repoint_contacts(t)
    result.renamed = refresh_names(t)
    return result


def refresh_names(t: Mapping[str, Table]) -> dict[str, int]:
    """Every Company Name and Contact Name beside an ID made to say what the account or contact it
    points at is called today: after a merge re-pointed the row, an ERP import renamed the account,
    or on rows written before the name columns existed."""
    counts: dict[str, int] = {}
    for tab_name, pairs in NAME_COLUMNS.items():
        child = t.get(tab_name)
        if child is None or not child.schema.key:
            continue
        lookups = [
            (ref, _names_by_reference(t[parent], source), target) for ref, parent, source, target in pairs
        ]
        for row in child.rows + child.new:
            values = {}
            for ref_column, name_of, target in lookups:
                name = name_of(row.get(ref_column))
                if name and row.get(target) != name:
                    values[target] = name
            if values:
                child.set(str(row[child.schema.key]), values)
                counts[tab_name] = counts.get(tab_name, 0) + 1
    return counts


def _names_by_reference(parent: Table, source: str) -> Callable[[Any], Any]:
    """The `source` name of the parent row an ID cell points at (None when none), each ID text
    looked up once: 100k interactions point at 20k accounts."""
    names = {key: row.get(source) for key, row in parent.by_key.items()}
    known: dict[str, Any] = {}

    def name_of(reference: Any) -> Any:
        if type(reference) is str and reference in known:
            return known[reference]
        name = names.get(str(reference or "").strip().upper())
        if type(reference) is str:
            known[reference] = name
        return name

    return name_of


def _final(table: Table, record_id: str) -> str | None:
    """Follow Merged Into to the record that survives today."""
    return follow_merged_into(table.by_key, record_id.strip().upper())[0]


def _survivor(table: Table, a: str, b: str) -> tuple[str, str]:
    erp_a, erp_b = (bool(table.by_key[x].get("ERP Customer ID")) for x in (a, b))
    if erp_a != erp_b:
        return (a, b) if erp_a else (b, a)
    return (a, b) if _number(a) <= _number(b) else (b, a)


def _number(record_id: str) -> tuple[int, str]:
    _, _, tail = record_id.partition("-")
    return (int(tail) if tail.isdigit() else 10**9, record_id)


def _merge_rows(table: Table, survivor: str, loser: str, kind: str) -> list[str]:
    keep, gone = table.by_key[survivor], table.by_key[loser]
    fill: dict[str, Any] = {
        col: gone[col]
        for col in (ACCOUNT_FILL if kind == "Account" else CONTACT_FILL)
        if not keep.get(col) and gone.get(col)
    }
    if kind == "Account":
        divisions = {
            d.strip() for r in (keep, gone) for d in str(r.get("Divisions") or "").split(";") if d.strip()
        }
        joined = "; ".join(d for d in LISTS["Divisions"] if d in divisions) or None
        if joined != keep.get("Divisions"):
            fill["Divisions"] = joined
    if fill:
        table.set(survivor, fill)
    table.set(loser, {"Status": "Merged", "Merged Into": survivor})
    return sorted(k for k in fill if k != "Divisions")


def _repoint(t: Mapping[str, Table], parent: str, refs: Mapping[str, str]) -> dict[str, int]:
    moved = _moved(t[parent])
    counts: dict[str, int] = {}
    if not moved:
        return counts
    for tab_name, column in refs.items():
        child = t.get(tab_name)
        if child is None or not child.schema.key:
            continue
        key_col = child.schema.key
        for row in child.rows + child.new:
            ref = str(row.get(column) or "").upper()
            if ref in moved:
                child.set(str(row[key_col]), {column: moved[ref]})
                counts[tab_name] = counts.get(tab_name, 0) + 1
    return counts


def _moved(table: Table) -> dict[str, str]:
    """Record -> the record that survives it, for the records that lead elsewhere: only a merged
    record (or an ID with spaces around it) can, so only those are followed."""
    leading = [
        k for k, row in table.by_key.items() if row.get("Status") == "Merged" or k != k.strip().upper()
    ]
    return {k: s for k in leading if (s := _final(table, k)) is not None and s != k}


def _repoint_contacts(t: Mapping[str, Table]) -> dict[str, int]:
    return {f"{k} (contact)": v for k, v in _repoint(t, "Contacts", CONTACT_REFS).items()}
