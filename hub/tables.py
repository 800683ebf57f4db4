"""A batch's working copy of one hub tab: its rows, what the batch appends, what it changes."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from hub.ports import HubChanges, Row, RowUpdate
from hub_schema.columns import DIVISION
from hub_schema.tabs import tab


class Table:
    """Rows of one tab plus what this batch appended to it and changed in it."""

    def __init__(self, name: str, rows: list[Row]) -> None:
        self.schema = tab(name)
        self._columns = frozenset(self.schema.column_names)
        self._blank = self.schema.blank_row()
        self.rows = rows
        self.new: list[Row] = []
        self._new_ids: set[int] = set()
        self.changed: dict[str, Row] = {}
        key = self.schema.key
        self.by_key: dict[str, Row] = (
            {(v if type(v) is str else str(v)).upper(): r for r in rows if (v := r.get(key))} if key else {}
        )
        # Counted when first needed, from the keys as read (most tabs a run reads never get a row:
        # 0.11 CPU-s of a governance run on a 100k hub); add() counts it before its row's key joins.
        self._next: int | None = None

    def _next_number(self) -> int:
        if self._next is None:
            self._next = next_number(self.by_key, self.schema.id_prefix)
        return self._next

    def allocate(self) -> str:
        assert self.schema.id_prefix
        number = self._next_number()
        self._next = number + 1
        return f"{self.schema.id_prefix}-{number:06d}"

    def add(self, values: Mapping[str, Any]) -> Row:
        unknown = values.keys() - self._columns
        if unknown:
            raise KeyError(f"{self.schema.name} has no column(s) {sorted(unknown)}")
        row = self._blank | dict(values)
        self.new.append(row)
        self._new_ids.add(id(row))
        if self.schema.key:
            self._next_number()
            self.by_key[str(row[self.schema.key]).upper()] = row
        return row

    def set(self, key: str, values: Mapping[str, Any]) -> None:
        row = self.by_key[key.upper()]
        diff = {k: v for k, v in values.items() if row.get(k) != v}
        if not diff:
            return
        unknown = diff.keys() - self._columns
        if unknown:
            raise KeyError(f"{self.schema.name} has no column(s) {sorted(unknown)}")
        row.update(diff)
        if id(row) not in self._new_ids:  # rows appended in this batch are written whole
            self.changed.setdefault(key.upper(), {}).update(diff)


def next_number(by_key: Mapping[str, Row], prefix: str | None) -> int:
    """One more than the highest number of the keys written PREFIX-<digits> (1 when none is)."""
    if not prefix or "-" in prefix:
        return 1  # a key's prefix is what comes before its first '-': a prefix with one never matches
    head = prefix + "-"
    size = len(head)
    # Filtered and converted by C loops (100k Interaction IDs: 0.10 -> 0.07 CPU-s in every writer
    # batch); isdecimal is what int() reads (isdigit also takes superscripts, which int() refuses).
    numbers = [key[size:] for key in by_key if key.startswith(head)]
    return max(map(int, filter(str.isdecimal, numbers)), default=0) + 1


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector: a hub's rows are a million small objects and no cycles,
    and its passes over them cost a fifth of a large read or of recording a batch."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def changes_of(tables: Mapping[str, Table]) -> HubChanges:
    """What a run's working tables add and change, as one set of hub changes."""
    changes = HubChanges()
    for name, table in tables.items():
        if table.new:
            changes.appends[name] = table.new
        key_column = table.schema.key
        for key, values in table.changed.items():
            assert key_column is not None  # only keyed tables record changes (Table.set)
            changes.updates.append(RowUpdate(name, str(table.by_key[key][key_column]), values))
    return changes


def add_audit(
    audit: Table,
    at: Any,
    actor: str,
    action: str,
    record: str,
    *,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> None:
    """One Audit row: every change the automation makes says who (which job), what and why."""
    audit.add(
        {
            "Audit ID": audit.allocate(),
            "At": at,
            "Actor": actor,
            "Action": action,
            "Record": record,
            "Before": before,
            "After": after,
            "Reason": reason,
        }
    )


def review_key(a: object, b: object) -> str:
    """Order-free key of what a Review Queue item is about: 'ACC-000001|ACC-000007'."""
    return "|".join(sorted(str(x or "").strip().upper() for x in (a, b)))


def first_division(divisions: Any) -> str | None:
    """An account's first division ("Motors; Power" -> "Motors"): the one its steward looks after."""
    return str(divisions or "").split(";")[0].strip() or None


def records_division(accounts: Table | None, contacts: Table | None, records: Iterable[Any]) -> str | None:
    """The division a Review Queue item belongs to: its first account's (a contact's through its
    account), so each division's steward sees their own items."""
    if accounts is None:
        return None
    ids = [str(r or "").strip().upper() for r in records if r]
    for record in ids:
        account = accounts.by_key.get(record)
        if account is None and contacts is not None and (contact := contacts.by_key.get(record)):
            account = accounts.by_key.get(str(contact.get("Associated Account ID") or "").upper())
        if account is not None and (division := first_division(account.get("Divisions"))):
            return division
    return None


class ReviewQueue:
    """The Review Queue as one run sees it: every question already asked (open or decided, so a
    "Not duplicate" is never asked again) and the items this run raises, each with its division."""

    def __init__(self, table: Table, accounts: Table | None = None, contacts: Table | None = None) -> None:
        self.table = table
        self.accounts = accounts
        self.contacts = contacts
        self.keys = {
            str(r.get("Match Key") or review_key(r.get("Record A"), r.get("Record B"))) for r in table.rows
        }

    def raise_item(
        self,
        at: Any,
        kind: str,
        record_a: str,
        record_b: str | None,
        score: float,
        reason: str,
        key: str | None = None,
        division: str | None = None,
    ) -> bool:
        """Add an item unless the same question was asked before; True when added."""
        key = key or review_key(record_a, record_b)
        if key in self.keys:
            return False
        self.keys.add(key)
        self.table.add(
            {
                "Review ID": self.table.allocate(),
                "Raised": at,
                "Kind": kind,
                "Record A": record_a,
                "Record B": record_b,
                "Score": score,
                "Reason": reason,
                "Match Key": key,
                DIVISION: division or records_division(self.accounts, self.contacts, (record_a, record_b)),
            }
        )
        return True
