"""Bringing a hub made by an older CX Hub up to this schema: the plan, worked out from what the hub
holds (pure; the local and the Graph adapters read the hub's shape and carry the plan out).

What an upgrade may do, and only that: add a missing tab (its table, header, widths, formats,
dropdowns and protection as the template makes them), add missing columns at the END of their
table (every reader and writer finds columns by header name: hub_schema.cells.rows_as_dicts, the
local patcher's table columns, the Graph store's header), add missing Lists columns and values,
point each dropdown at its growing list, and protect the machine tabs. Nothing staff added is
deleted, renamed or moved: a column CX Hub does not know is kept where it is. What cannot be done
safely is refused, naming the tab and the column, before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from hub_schema.lists import LISTS, list_name_to_defined_name
from hub_schema.tabs import LISTS_TAB_NAME, PROTECTED_TABS, TABS, Column, Tab
from hub_schema.template import growing_list

# The tabs of the first hubs (2026-11-22): every hub has them, so one missing was renamed or deleted
# and adding it empty would hide that. Tabs declared since (Price List, Campaigns, ...) are added.
FIRST_TABS = frozenset(
    {
        "Accounts",
        "Contacts",
        "Interactions",
        "Opportunities",
        "Tickets",
        "Deals",
        "Staff",
        "Review Queue",
        "Steward Log",
        "Rejected",
        "Audit",
        "Health",
        "Dashboard",
        LISTS_TAB_NAME,
    }
)

# An unknown header this much like a missing column's name is taken for that column, renamed:
# adding the column again would leave its values behind in the renamed one.
RENAMED_SIMILARITY = 0.85


class UpgradeRefused(Exception):
    """The hub cannot be upgraded safely as it stands; nothing was changed. Each problem names the
    tab and the column, and what to do by hand."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class TableShape:
    """One table of the hub as found: its sheet, its name, its header, how many rows it spans below
    the header, and how many empty columns lie to its right (None: as many as needed)."""

    sheet: str
    name: str
    header: tuple[str, ...]
    rows: int = 1
    free_right: int | None = None


@dataclass(frozen=True)
class HubShape:
    """What an upgrade needs to know of a hub: its sheets, the tables on them (by sheet name), the
    Lists table's values per column (blank cells kept as "" up to the last filled one), which
    sheets are protected and what each defined name refers to."""

    sheets: tuple[str, ...]
    tables: Mapping[str, TableShape]
    lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    protected: frozenset[str] = frozenset()
    names: Mapping[str, str] = field(default_factory=dict)
    tables_elsewhere: Mapping[str, str] = field(default_factory=dict)  # table name -> its sheet
    # Sheets without a table holding nothing below their first row: that row's values. A tab an
    # upgrade cut short left behind (Graph adds a tab in several calls) is finished, not refused.
    bare_sheets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class AddTab:
    """A tab older hubs lack; `sheet_exists` / `table`: what an earlier upgrade, cut short, made of
    it already (an empty sheet or one with the header; a table under Excel's default name)."""

    tab: Tab
    sheet_exists: bool = False
    table: str | None = None

    @property
    def name(self) -> str:
        return self.tab.name

    def describe(self, done: bool = False) -> str:
        verb = ("finished" if done else "finish") if self.sheet_exists else _add(done)
        return f"{verb} the {self.name!r} tab (its table, header, formats and dropdowns)"


@dataclass(frozen=True)
class AddColumns:
    tab: Tab
    columns: tuple[Column, ...]
    table: TableShape

    def describe(self, done: bool = False) -> str:
        names = ", ".join(repr(c.name) for c in self.columns)
        after = self.table.header[-1]
        return f"{_add(done)} {names} at the end of the {self.tab.name!r} table (after {after!r})"


@dataclass(frozen=True)
class AddListValues:
    """Values of a Lists column that the hub lacks, written below its last filled cell (`start`:
    their first row's offset below the header, 0-based); `new_column`: the column itself is new."""

    list_name: str
    values: tuple[str, ...]
    start: int
    new_column: bool

    def describe(self, done: bool = False) -> str:
        shown = ", ".join(repr(v) for v in self.values)
        if self.new_column:
            return f"{_add(done)} the {self.list_name!r} list to the Lists tab ({shown})"
        return f"{_add(done)} {shown} to the {self.list_name!r} list"


@dataclass(frozen=True)
class SetDropdownSource:
    """Point a dropdown's defined name at its growing list (older hubs had a fixed range)."""

    list_name: str
    formula: str
    was: str | None

    @property
    def defined_name(self) -> str:
        return list_name_to_defined_name(self.list_name)

    def describe(self, done: bool = False) -> str:
        return self.defined_name


@dataclass(frozen=True)
class ProtectTab:
    name: str

    def describe(self, done: bool = False) -> str:
        return self.name


Step = AddTab | AddColumns | AddListValues | SetDropdownSource | ProtectTab


@dataclass(frozen=True)
class UpgradePlan:
    steps: tuple[Step, ...]

    @property
    def empty(self) -> bool:
        return not self.steps

    def lines(self, done: bool = False) -> list[str]:
        """One line per step, the dropdowns and the protected tabs each summed up in one."""
        lines = [s.describe(done) for s in self.steps if not isinstance(s, SetDropdownSource | ProtectTab)]
        sources = [s for s in self.steps if isinstance(s, SetDropdownSource)]
        if sources:
            verb = "pointed" if done else "point"
            lines.append(
                f"{verb} {len(sources)} dropdown(s) at their growing lists (a value a steward adds to a "
                f"list joins its dropdown): {', '.join(s.describe(done) for s in sources)}"
            )
        protect = [s.name for s in self.steps if isinstance(s, ProtectTab)]
        if protect:
            verb = "protected" if done else "protect"
            lines.append(
                f"{verb} the machine tabs {', '.join(map(repr, protect))} (no password; the columns "
                "people decide in stay open)"
            )
        return lines

    def lists_rows_needed(self, shape_rows: int) -> int:
        """Rows the Lists table must span below its header for the list values to fit."""
        ends = [s.start + len(s.values) for s in self.steps if isinstance(s, AddListValues)]
        return max([shape_rows, *ends])


def plan_upgrade(shape: HubShape) -> UpgradePlan:
    """The steps that bring `shape` to the schema, in the order to apply them; UpgradeRefused
    (listing every problem) when any part cannot be upgraded without losing or moving data."""
    problems: list[str] = []
    steps: list[Step] = []
    for schema in TABS:
        steps += _tab_steps(shape, schema, problems)
    steps += _lists_steps(shape, problems)
    steps += [ProtectTab(name) for name in PROTECTED_TABS if name not in shape.protected]
    if problems:
        raise UpgradeRefused(problems)
    return UpgradePlan(tuple(steps))


def _tab_steps(shape: HubShape, schema: Tab, problems: list[str]) -> list[Step]:
    if schema.name not in shape.sheets:
        elsewhere = shape.tables_elsewhere.get(schema.table_name)
        if elsewhere is not None:
            problems.append(
                f"the {schema.table_name!r} table is on a tab named {elsewhere!r}: "
                f"rename that tab back to {schema.name!r}"
            )
            return []
        if schema.name in FIRST_TABS:
            problems.append(_lost_tab(schema.name, shape.sheets))
            return []
        return [AddTab(schema)]
    table = shape.tables.get(schema.name)
    if schema.name not in FIRST_TABS and _unfinished(shape, schema, table):
        return [AddTab(schema, True, table.name if table else None)]
    if table is None or table.name != schema.table_name:
        found = f"it has the table {table.name!r}" if table else "it has no table"
        problems.append(
            f"the {schema.name!r} tab has no Excel table named {schema.table_name!r} ({found}): "
            "rename the table back (Table Design > Table Name) or restore the hub"
        )
        return []
    required = {c.name for c in schema.columns if c.required}
    missing = _missing_columns(schema.name, table, schema.column_names, schema.key, required, problems)
    if not missing:
        return []
    if table.free_right is not None and table.free_right < len(missing):
        problems.append(
            f"the {schema.name!r} tab has cells filled right of its table, where "
            f"{len(missing)} column(s) must be added: move them at least {len(missing)} column(s) "
            "further right"
        )
        return []
    return [AddColumns(schema, tuple(schema.by_name[n] for n in missing), table)]


def _missing_columns(
    tab_name: str,
    table: TableShape,
    expected: tuple[str, ...],
    key: str | None,
    required: set[str],
    problems: list[str],
) -> list[str]:
    """The expected columns the table lacks, in schema order; a problem for each header that stops
    them being added safely: a duplicate, a column that looks renamed, a missing key or required
    column (every column added to an existing tab since the first hub is optional, so a missing
    required one was renamed or deleted, not never there)."""
    header = [h.strip() for h in table.header]
    seen: set[str] = set()
    for name in header:
        if name and _folded(name) in seen:
            problems.append(f"the {tab_name!r} table's header names {name!r} twice: rename one of them")
        seen.add(_folded(name))
    missing = [c for c in expected if c not in header]
    unknown = [h for h in header if h and h not in expected]
    for name in missing:
        renamed = _looks_like(name, unknown)
        if renamed is not None:
            problems.append(
                f"the {tab_name!r} table has no {name!r} column but has {renamed!r}, which looks like it "
                f"renamed: rename {renamed!r} back to {name!r} (adding it would leave its values behind)"
            )
        elif name == key:
            problems.append(
                f"the {tab_name!r} table has lost its key column {key!r}, which identifies its rows: "
                "rename its column back or restore the hub from its version history"
            )
        elif name in required:
            problems.append(
                f"the {tab_name!r} table has lost its required column {name!r} (every hub had it): "
                "rename its column back or restore the hub from its version history"
            )
    return missing


def _unfinished(shape: HubShape, schema: Tab, table: TableShape | None) -> bool:
    """The tab as an upgrade cut short leaves it: a bare sheet (empty or with just the header), or
    the header's table still under the name Excel gave it."""
    if table is None:
        return shape.bare_sheets.get(schema.name) in ((), schema.column_names)
    return table.name != schema.table_name and table.header == schema.column_names


def _lost_tab(name: str, sheets: tuple[str, ...]) -> str:
    return (
        f"the hub has no {name!r} tab, which every hub has had (tabs found: {', '.join(map(repr, sheets))}): "
        "rename it back or restore the hub from its version history"
    )


def columns_upgradable(schema: Tab, header: list[str]) -> bool:
    """Whether the columns `schema` misses from `header` are ones an upgrade adds (the broken-hub
    message then says to run it): the same test the plan makes for this table."""
    problems: list[str] = []
    table = TableShape(schema.name, schema.table_name, tuple(header))
    required = {c.name for c in schema.columns if c.required}
    _missing_columns(schema.name, table, schema.column_names, schema.key, required, problems)
    return not problems


def _looks_like(name: str, candidates: list[str]) -> str | None:
    folded = _folded(name)
    for candidate in candidates:
        other = _folded(candidate)
        if other == folded or SequenceMatcher(None, folded, other).ratio() >= RENAMED_SIMILARITY:
            return candidate
    return None


def _folded(name: str) -> str:
    return re.sub(r"[\W_]+", "", name).casefold()


def _lists_steps(shape: HubShape, problems: list[str]) -> list[Step]:
    if LISTS_TAB_NAME not in shape.sheets:
        problems.append(_lost_tab(LISTS_TAB_NAME, shape.sheets))
        return []
    table = shape.tables.get(LISTS_TAB_NAME)
    if table is None or table.name != LISTS_TAB_NAME:
        problems.append(
            f"the {LISTS_TAB_NAME!r} tab has no Excel table named {LISTS_TAB_NAME!r}: rename the table "
            "back or restore the hub"
        )
        return []
    missing = _missing_columns(LISTS_TAB_NAME, table, tuple(LISTS), None, set(), problems)
    if missing and table.free_right is not None and table.free_right < len(missing):
        problems.append(
            f"the {LISTS_TAB_NAME!r} tab has cells filled right of its table, where {len(missing)} "
            "list(s) must be added: move them further right"
        )
    steps: list[Step] = []
    for list_name, values in LISTS.items():
        cells = shape.lists.get(list_name, ())
        have = {c.strip().casefold() for c in cells}
        lacking = tuple(v for v in values if v.casefold() not in have)
        if lacking:
            steps.append(AddListValues(list_name, lacking, len(cells), list_name in missing))
    for list_name in LISTS:
        formula = growing_list(list_name)
        was = shape.names.get(list_name_to_defined_name(list_name))
        if was is None or _formula(was) != _formula(formula):
            steps.append(SetDropdownSource(list_name, formula, was))
    return steps


def _add(done: bool) -> str:
    return "added" if done else "add"


def _formula(text: str) -> str:
    return text.lstrip("=").replace(" ", "").casefold()
