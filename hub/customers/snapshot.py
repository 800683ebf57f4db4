"""The hub as the customer pages read it: one snapshot per hub version, indexed once.

A page never calls the workbook per request: `SnapshotCache` asks the store for the hub's version
(local file: mtime and size; SharePoint: the drive item's eTag) and rebuilds only when it changed.
Building groups every row by its surviving account in one pass, so a search or a card is a dict
lookup plus a little sorting.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Protocol

from hub.customers.search import SearchIndex
from hub.matching import follow_merged_into
from hub.ports import Row, TabColumns
from hub.responses import TIME_KNOWN, known_moment
from hub_schema.cells import as_day
from hub_schema.columns import (
    ACCOUNT_ID,
    COMPANY_NAME,
    DIVISION,
    FULL_NAME,
    INTERACTION_ID,
    OPPORTUNITY_ID,
    TICKET_ID,
)

# Only the columns the card and the search show (hub_schema.cells coerces just these): most of a
# 100k-row Interactions tab is columns the pages never read.
COLUMNS: dict[str, tuple[str, ...]] = {
    "Accounts": (
        ACCOUNT_ID, COMPANY_NAME, "Industry", "Address", "Main Phone Number", "ERP Customer ID",
        "Account Owner", "Account Type", "Divisions", "Status", "Merged Into", "Owner Basis",
        "Owner Override",
    ),
    "Contacts": (FULL_NAME, "Job Title", "Email", "Mobile Number", "Associated Account ID", "Status"),
    "Interactions": (
        INTERACTION_ID, "Date", ACCOUNT_ID, "Channel", "Notes", "Next Action", "Action Due Date",
        "Logged By", DIVISION, "Direction", "Type", "Action Status", TIME_KNOWN, "Action Owner",
    ),
    "Opportunities": (OPPORTUNITY_ID, ACCOUNT_ID, DIVISION, "Product", "Stage", "Value"),
    "Tickets": (TICKET_ID, ACCOUNT_ID, DIVISION, "Category", "Status", "Opened"),
    "Deals": (
        "Invoice No", "ERP Customer ID", ACCOUNT_ID, "Salesperson", "Amount", "Invoice Date",
        DIVISION, "Status",
    ),
    "Staff": ("Email", FULL_NAME, DIVISION, "Role", "Manager Email", "Active"),
}  # fmt: skip
READS = tuple(COLUMNS)
SNAPSHOT_FORMAT = 1  # bump when HubSnapshot's fields change: a kept snapshot of another format is ignored
REFRESH_WAIT_S = 1.5  # a request waits this long for a changed hub, then is answered from the last one

log = logging.getLogger(__name__)


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
    return day, known_moment(row) or datetime.min, str(row.get(INTERACTION_ID) or "")


class HubSnapshot:
    def __init__(self, tables: Mapping[str, list[Row]], version: str = "") -> None:
        self.version = version
        self.format = SNAPSHOT_FORMAT  # an instance field: a kept (pickled) snapshot carries its own
        self.accounts: dict[str, Row] = {
            str(a[ACCOUNT_ID]).upper(): a for a in tables.get("Accounts", []) if a.get(ACCOUNT_ID)
        }
        self.staff_rows: list[Row] = list(tables.get("Staff", []))
        self.staff_names = {
            str(s["Email"]).lower(): str(s.get(FULL_NAME) or s["Email"])
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
        """Built with the snapshot by SnapshotCache (and kept with it); lazily elsewhere."""
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
        """Every row under the account it belongs to today: one pass over each tab."""
        self._gather_contacts(tables.get("Contacts", []))
        self._gather_records(tables.get("Opportunities", []), "opportunities")
        self._gather_records(tables.get("Tickets", []), "tickets")
        self._gather_deals(tables.get("Deals", []))
        self._gather_interactions(tables.get("Interactions", []))
        for facts in self.facts.values():
            facts.divisions |= {
                d.strip() for d in str(facts.row.get("Divisions") or "").split(";") if d.strip()
            }

    def _gather_contacts(self, rows: list[Row]) -> None:
        for contact in rows:
            if contact.get("Status") != "Merged" and (
                facts := self._facts_of(contact.get("Associated Account ID"))
            ):
                facts.contacts.append(contact)

    def _gather_records(self, rows: list[Row], kind: str) -> None:
        for row in rows:
            if facts := self._facts_of(row.get(ACCOUNT_ID)):
                getattr(facts, kind).append(row)
                if row.get(DIVISION):
                    facts.divisions.add(str(row[DIVISION]))

    def _gather_deals(self, rows: list[Row]) -> None:
        """An invoice belongs to its Account ID, else to the account with its ERP customer number."""
        by_erp = {
            str(f.row["ERP Customer ID"]).upper(): f
            for f in self.facts.values()
            if f.row.get("ERP Customer ID")
        }
        for deal in rows:
            facts = self._facts_of(deal.get(ACCOUNT_ID)) or by_erp.get(
                str(deal.get("ERP Customer ID") or "").upper()
            )
            if facts is not None:
                facts.deals.append(deal)
                if deal.get(DIVISION):
                    facts.divisions.add(str(deal[DIVISION]))

    def _gather_interactions(self, rows: list[Row]) -> None:
        for row in rows:
            if facts := self._facts_of(row.get(ACCOUNT_ID)):
                facts.interactions.append(row)
                if row.get(DIVISION):
                    facts.divisions.add(str(row[DIVISION]))
                day = as_day(row.get("Date"))
                if day is not None and (facts.last_contact is None or day > facts.last_contact):
                    facts.last_contact = day


class Keep(Protocol):
    """Where the last snapshot outlives the process (local.pickle_keep): a restarted worker answers
    from it at once, and re-reads the hub in the background only if the hub changed meanwhile."""

    def load(self) -> object | None: ...

    def save(self, value: object) -> None: ...


class SnapshotCache:
    """One snapshot per hub version. `version()` is cheap (a stat, a metadata GET); `read(columns)`
    reads the tabs and columns the pages need. Safe to share between the threads of `cxhub serve`.

    When the version changes, a thread reads and indexes the hub again (seconds on a 100k-row hub:
    parsing the sheet XML alone is most of it). A request waits for it at most `wait` seconds, then
    is answered from the snapshot being replaced, and `behind()` says so for the page to tell. Only
    a process with no snapshot of this hub, not even one kept for its current version, waits for
    the whole read.
    """

    def __init__(
        self,
        version: Callable[[], str],
        read: Callable[[TabColumns], Mapping[str, list[Row]]],
        *,
        wait: float | None = REFRESH_WAIT_S,
        keep: Keep | None = None,
    ) -> None:
        self._version = version
        self._read = read
        self._wait = wait
        self._keep = keep
        self._current: HubSnapshot | None = None
        self._wanted = ""  # the hub version the last request saw
        self._restored = keep is None
        self._lock = threading.Lock()
        self._building: _Build | None = None
        self._error: Exception | None = None
        self.builds = 0  # hub reads so far (what the Graph tests count against)

    def get(self) -> HubSnapshot:
        version = self._wanted = self._version()
        current = self._current or self._restore(version)
        if current is not None and current.version == version:
            return current
        build = self._build(version)
        if build.version != version and build.ready.is_set():  # an older read, only being kept
            build.finished.wait()
            build = self._build(version)
        # Only the first moments of a read are waited for; later requests get the last snapshot at once.
        if current is None or self._wait is None:
            build.ready.wait()
        else:
            build.ready.wait(max(0.0, build.started + self._wait - time.monotonic()))
        latest = self._current
        if latest is None:
            raise self._error or RuntimeError("the customer pages could not read the hub")
        return latest

    def behind(self) -> bool:
        """True while the hub the last request saw is still being read (the page shows the one before)."""
        current = self._current
        return current is None or current.version != self._wanted

    def settle(self, timeout: float | None = None) -> None:
        """Wait for the read under way, if any, to end (and its snapshot to be kept)."""
        build = self._building
        if build is not None:
            build.finished.wait(timeout)

    def _restore(self, version: str) -> HubSnapshot | None:
        """The kept snapshot, if it is of this very hub version (one of another version might be of
        another file at the same place: never shown, not even while the hub is read)."""
        with self._lock:
            if not self._restored and self._keep is not None:
                self._restored = True
                kept = self._keep.load()
                if (
                    isinstance(kept, HubSnapshot)
                    and getattr(kept, "format", None) == SNAPSHOT_FORMAT
                    and kept.version == version
                ):
                    self._current = kept
            return self._current

    def _build(self, version: str) -> _Build:
        """The read under way, starting one for `version` if none is."""
        with self._lock:
            if self._building is None:
                self._building = _Build(version)
                threading.Thread(
                    target=self._run, args=(version, self._building), name="customer-snapshot", daemon=True
                ).start()
            return self._building

    def _run(self, version: str, build: _Build) -> None:
        snapshot = None
        try:
            snapshot = HubSnapshot(self._read(COLUMNS), version)
            snapshot.search_index  # noqa: B018  (built before use: a search never waits for it)
            self._current, self._error = snapshot, None
            self.builds += 1
        except Exception as e:  # the waiting request raises it (a broken hub is a 503 page)
            log.warning("customer pages: reading the hub failed: %s", e)
            self._error = e
        finally:
            build.ready.set()
        try:
            if snapshot is not None and self._keep is not None:
                self._keep.save(snapshot)
        finally:
            with self._lock:
                self._building = None
            build.finished.set()


@dataclass
class _Build:
    version: str
    ready: threading.Event = field(default_factory=threading.Event)  # the new snapshot is in use
    finished: threading.Event = field(default_factory=threading.Event)  # ... and kept
    started: float = field(default_factory=time.monotonic)
