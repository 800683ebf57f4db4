"""The hub as the customer pages read it: one snapshot per hub version, indexed once.

A page never calls the workbook per request: `SnapshotCache` asks the store for the hub's version
(local file: mtime and size; SharePoint: the drive item's eTag) and rebuilds only when it changed.
Building groups every row by its surviving account in one pass, so a search or a card is a dict
lookup plus a little sorting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from hub.customers.search import SearchIndex
from hub.matching import follow_merged_into
from hub.ports import Row
from hub.responses import known_moment
from hub_schema.cells import as_day

READS = ("Accounts", "Contacts", "Interactions", "Opportunities", "Tickets", "Deals", "Staff")


@dataclass
class AccountFacts:
    """Everything a card shows about one surviving account, gathered at build time."""

    row: Row
    contacts: list[Row] = field(default_factory=list)
    interactions: list[Row] = field(default_factory=list)  # hub order; newest() sorts on demand
    opportunities: list[Row] = field(default_factory=list)
    tickets: list[Row] = field(default_factory=list)
    deals: list[Row] = field(default_factory=list)  # hub order; latest_deals() sorts on demand
    divisions: set[str] = field(default_factory=set)
    last_contact: date | None = None

    # Sorting waits for the card that needs it: a build sorts nothing, a card sorts one account.
    def newest(self) -> list[Row]:
        return sorted(self.interactions, key=interaction_sort_key, reverse=True)

    def latest_deals(self) -> list[Row]:
        return sorted(
            self.deals,
            key=lambda d: (as_day(d.get("Invoice Date")) or date.min, str(d.get("Invoice No"))),
            reverse=True,
        )


def interaction_sort_key(row: Row) -> tuple[date, datetime, str]:
    """Newest first by day, then by time where known (an unknown time sorts first within its day)."""
    day = as_day(row.get("Date")) or date.min
    return day, known_moment(row) or datetime.min, str(row.get("Interaction ID") or "")


class HubSnapshot:
    def __init__(self, tables: Mapping[str, list[Row]], version: str = "") -> None:
        self.version = version
        self.accounts: dict[str, Row] = {
            str(a["Account ID"]).upper(): a for a in tables.get("Accounts", []) if a.get("Account ID")
        }
        self.staff_rows: list[Row] = list(tables.get("Staff", []))
        self.staff_names = {
            str(s["Email"]).lower(): str(s.get("Full Name") or s["Email"])
            for s in tables.get("Staff", [])
            if s.get("Email")
        }
        self._survivors: dict[str, str | None] = {}
        self.facts: dict[str, AccountFacts] = {
            key: AccountFacts(row) for key, row in self.accounts.items() if self.survivor(key) == key
        }
        # Every known ID (merged ones too) straight to its survivor's facts: one dict lookup a row.
        self._by_id: dict[str, AccountFacts] = {}
        for key in self.accounts:
            survivor = self.survivor(key)
            if survivor in self.facts:
                self._by_id[key] = self.facts[survivor]
        self._gather(tables)

    @cached_property
    def search_index(self) -> SearchIndex:
        """Built by the first search of this hub version (a card does not need it)."""
        return SearchIndex(
            (f.row for f in self.facts.values()), {key: f.contacts for key, f in self.facts.items()}
        )

    def survivor(self, account_id: str) -> str | None:
        """The account that stands for `account_id` today (merges followed), None when unknown."""
        key = account_id.upper()
        if key not in self._survivors:
            found, walked = follow_merged_into(self.accounts, key)
            self._survivors[key] = found or (sorted(walked)[0] if walked else None)
        return self._survivors[key]

    def _facts_of(self, account_id: object) -> AccountFacts | None:
        if not account_id:
            return None
        found = self._by_id.get(account_id) if isinstance(account_id, str) else None
        return found or self._by_id.get(str(account_id).strip().upper())

    def _gather(self, tables: Mapping[str, list[Row]]) -> None:
        for contact in tables.get("Contacts", []):
            if contact.get("Status") != "Merged" and (
                facts := self._facts_of(contact.get("Associated Account ID"))
            ):
                facts.contacts.append(contact)
        for name in ("Opportunities", "Tickets"):
            for row in tables.get(name, []):
                if facts := self._facts_of(row.get("Account ID")):
                    (facts.opportunities if name == "Opportunities" else facts.tickets).append(row)
                    if row.get("Division"):
                        facts.divisions.add(str(row["Division"]))
        by_erp = {
            str(f.row["ERP Customer ID"]).upper(): f
            for f in self.facts.values()
            if f.row.get("ERP Customer ID")
        }
        for deal in tables.get("Deals", []):
            facts = self._facts_of(deal.get("Account ID")) or by_erp.get(
                str(deal.get("ERP Customer ID") or "").upper()
            )
            if facts is not None:
                facts.deals.append(deal)
                if deal.get("Division"):
                    facts.divisions.add(str(deal["Division"]))
        for row in tables.get("Interactions", []):
            if facts := self._facts_of(row.get("Account ID")):
                facts.interactions.append(row)
                if row.get("Division"):
                    facts.divisions.add(str(row["Division"]))
        for facts in self.facts.values():
            facts.divisions |= {
                d.strip() for d in str(facts.row.get("Divisions") or "").split(";") if d.strip()
            }
            days = [d for d in (as_day(r.get("Date")) for r in facts.interactions) if d is not None]
            facts.last_contact = max(days, default=None)


class SnapshotCache:
    """One snapshot per hub version. `version()` is cheap (a stat, a metadata GET); `read()` reads the
    tabs the pages need. Safe to share between the threads of `cxhub serve`."""

    def __init__(
        self,
        version: Callable[[], str],
        read: Callable[[Iterable[str]], Mapping[str, list[Row]]],
    ) -> None:
        self._version = version
        self._read = read
        self._current: HubSnapshot | None = None
        self._lock = threading.Lock()

    def get(self) -> HubSnapshot:
        version = self._version()
        current = self._current
        if current is not None and current.version == version:
            return current
        with self._lock:  # one rebuild at a time; the others then find it built
            if self._current is None or self._current.version != version:
                self._current = HubSnapshot(self._read(READS), version)
            return self._current
