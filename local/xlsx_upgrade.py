"""`cxhub upgrade-hub` on a local .xlsx: read the hub's shape, plan (hub_schema.upgrade), and carry
the plan out with openpyxl into a temporary file that replaces the hub atomically, after a backup
copy beside it. The caller holds the job lock, as every writer of the hub does."""

from __future__ import annotations

import os
import shutil
import zipfile
from copy import copy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import Table, TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from hub.ports import HubBroken, HubLocked
from hub_schema import upgrade as schema_upgrade
from hub_schema.lists import LISTS
from hub_schema.tabs import LISTS_TAB_NAME, OPEN_COLUMNS, TABS, tab
from hub_schema.template import add_column, add_tab, protect
from hub_schema.widths import header_width
from local.xlsx_store import UNREADABLE

# Parts of a workbook openpyxl reads but does not write back: saving through it would drop them.
_DROPPED_PARTS = (
    "xl/charts/",
    "xl/drawings/",
    "xl/pivotTables/",
    "xl/pivotCache/",
    "xl/slicers/",
    "xl/media/",
)
_UNLOCKED = Protection(locked=False)


@dataclass(frozen=True)
class UpgradeResult:
    plan: schema_upgrade.UpgradePlan
    backup: Path | None  # None: nothing was changed (a dry run, or the hub was already current)


def upgrade_xlsx(path: Path, *, dry_run: bool = False, now: datetime | None = None) -> UpgradeResult:
    """Plan the upgrade of the hub at `path` and, unless `dry_run`, apply it: UpgradeRefused (nothing
    changed) when it cannot be done safely; HubBroken when the file is not a readable workbook."""
    path = Path(path)
    _refuse_while_open(path)
    book = _load(path)
    plan = schema_upgrade.plan_upgrade(read_shape(book))
    if dry_run or plan.empty:
        return UpgradeResult(plan, None)
    _refuse_losing_parts(path)
    apply_plan(book, plan)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.bak-{stamp}")
    shutil.copy2(path, backup)
    # The name the local store clears if a crash leaves it behind (".<hub>.<pid>.tmp").
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        book.save(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return UpgradeResult(plan, backup)


def _refuse_while_open(path: Path) -> None:
    if not path.exists():
        raise HubBroken(f"no hub at {path}; make one with: cxhub init --hub {path}")
    owners = [path.parent / f".~lock.{path.name}#", path.parent / f"~${path.name}"]
    if any(owner.exists() for owner in owners):
        raise HubLocked(f"{path.name} is open in Excel or LibreOffice; close it, then upgrade")


def _load(path: Path) -> Workbook:
    try:
        return load_workbook(path)
    except UNREADABLE as e:
        raise HubBroken(f"{path.name} is not a readable workbook ({e}); restore it from a backup") from e


def _refuse_losing_parts(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        found = sorted({p for n in z.namelist() for p in _DROPPED_PARTS if n.startswith(p)})
    if found:
        raise schema_upgrade.UpgradeRefused(
            [
                f"{path.name} holds charts, pictures or pivot tables ({', '.join(found)}) that a local "
                "upgrade would not keep: add the columns by hand, or upgrade the hub on SharePoint "
                "(cxhub upgrade-hub with the Graph settings)"
            ]
        )


# -- the hub's shape ---------------------------------------------------------------------------
def read_shape(book: Workbook) -> schema_upgrade.HubShape:
    expected = {t.name: t.table_name for t in TABS} | {LISTS_TAB_NAME: LISTS_TAB_NAME}
    tables: dict[str, schema_upgrade.TableShape] = {}
    elsewhere: dict[str, str] = {}
    for ws in book.worksheets:
        for name in ws.tables:
            if expected.get(ws.title) != name:
                elsewhere[name] = ws.title
        name = expected.get(ws.title)
        table = ws.tables.get(name) if name else None
        if table is None and ws.tables:
            table = next(iter(ws.tables.values()))
        if table is not None:
            tables[ws.title] = _table_shape(ws, table)
    lists = _lists(book[LISTS_TAB_NAME], tables[LISTS_TAB_NAME]) if LISTS_TAB_NAME in tables else {}
    return schema_upgrade.HubShape(
        sheets=tuple(book.sheetnames),
        tables=tables,
        lists=lists,
        protected=frozenset(ws.title for ws in book.worksheets if ws.protection.sheet),
        names={name: str(dn.attr_text) for name, dn in book.defined_names.items()},
        tables_elsewhere=elsewhere,
        bare_sheets={ws.title: _first_row(ws) for ws in book.worksheets if not ws.tables and ws.max_row <= 1},
    )


def _first_row(ws: Worksheet) -> tuple[str, ...]:
    cells = [_text(c.value) for c in ws[1]]
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells)


def _table_shape(ws: Worksheet, table: Table) -> schema_upgrade.TableShape:
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    header = tuple(_text(ws.cell(min_row, c).value) for c in range(min_col, max_col + 1))
    return schema_upgrade.TableShape(
        ws.title, table.displayName, header, max_row - min_row, _free_right(ws, table)
    )


def _free_right(ws: Worksheet, table: Table) -> int | None:
    """Empty columns right of the table over its rows (None: nothing right of it at all). Only the
    cells the sheet holds are looked at: asking openpyxl for a cell creates it (and would write it)."""
    _, min_row, max_col, max_row = range_boundaries(table.ref)
    if ws.max_column <= max_col:
        return None
    filled = [
        col
        for (row, col), cell in ws._cells.items()
        if col > max_col and min_row <= row <= max_row and cell.value not in (None, "")
    ]
    return min(filled) - max_col - 1 if filled else None


def _lists(ws: Worksheet, shape: schema_upgrade.TableShape) -> dict[str, tuple[str, ...]]:
    """Each list's cells below the header, up to its last filled one (blank ones kept as "")."""
    min_col, min_row, _, max_row = range_boundaries(ws.tables[shape.name].ref)
    out: dict[str, tuple[str, ...]] = {}
    for offset, name in enumerate(shape.header):
        cells = [_text(ws.cell(r, min_col + offset).value) for r in range(min_row + 1, max_row + 1)]
        while cells and not cells[-1]:
            cells.pop()
        out[name] = tuple(cells)
    return out


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


# -- carrying the plan out ---------------------------------------------------------------------
def apply_plan(book: Workbook, plan: schema_upgrade.UpgradePlan) -> None:
    for step in plan.steps:
        if isinstance(step, schema_upgrade.AddTab):
            _add_tab(book, step)
        elif isinstance(step, schema_upgrade.AddColumns):
            ws = book[step.tab.name]
            for column in step.columns:
                col, last_row = _grow_table(ws, ws.tables[step.table.name], column.name)
                add_column(ws, step.tab.name, col, column, last_row)
        elif isinstance(step, schema_upgrade.AddListValues):
            _add_list_values(book[LISTS_TAB_NAME], step)
        elif isinstance(step, schema_upgrade.SetDropdownSource):
            book.defined_names[step.defined_name] = DefinedName(step.defined_name, attr_text=step.formula)
        elif isinstance(step, schema_upgrade.ProtectTab):
            _protect(book[step.name], step.name)


def _add_tab(book: Workbook, step: schema_upgrade.AddTab) -> None:
    if step.sheet_exists:  # begun by someone or something else: finished in place
        ws = book[step.name]
        if step.table is None:
            add_tab(ws, step.tab)
        else:
            table = ws.tables[step.table]
            del ws.tables[step.table]
            table.displayName = table.name = step.tab.table_name
            ws.add_table(table)
        return
    # Where the template puts it: after the tab that comes before it there, when the hub has it.
    order = [t.name for t in TABS]
    before = [n for n in order[: order.index(step.name)] if n in book.sheetnames]
    index = book.sheetnames.index(before[-1]) + 1 if before else 0
    add_tab(book.create_sheet(step.name, index), step.tab)


def _grow_table(ws: Worksheet, table: Table, header: str | None, rows: int = 0) -> tuple[int, int]:
    """The table widened by a column named `header` at its right end (None: no new column) and at
    least `rows` rows long below its header: (the new or last column, the last row)."""
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    max_row = max(max_row, min_row + rows)
    if header is not None:
        max_col += 1
        ids = [c.id for c in table.tableColumns]
        table.tableColumns.append(TableColumn(id=max(ids, default=0) + 1, name=header))
    table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref
    return max_col, max_row


def _add_list_values(ws: Worksheet, step: schema_upgrade.AddListValues) -> None:
    table = ws.tables[LISTS_TAB_NAME]
    min_col, min_row, max_col, _ = range_boundaries(table.ref)
    needed = step.start + len(step.values)
    if step.new_column:
        col, _ = _grow_table(ws, table, step.list_name, needed)
        ws.cell(min_row, col, step.list_name).font = copy(ws.cell(min_row, min_col).font)
    else:
        names = [_text(ws.cell(min_row, c).value) for c in range(min_col, max_col + 1)]
        col = min_col + names.index(step.list_name)
        _grow_table(ws, table, None, needed)
    for offset, value in enumerate(step.values):
        ws.cell(min_row + 1 + step.start + offset, col, value)
    longest = max(len(v) for v in (*step.values, *LISTS[step.list_name]))
    letter = get_column_letter(col)
    ws.column_dimensions[letter].width = max(
        ws.column_dimensions[letter].width or 0, header_width(step.list_name), longest + 3
    )


def _protect(ws: Worksheet, name: str) -> None:
    """Protect the tab, first unlocking the cells people decide in (rows written before the hub
    knew protection have them locked, as every cell is by default)."""
    protect(ws)
    open_columns = OPEN_COLUMNS.get(name, ())
    if not open_columns or name == LISTS_TAB_NAME:
        return
    table = ws.tables.get(tab(name).table_name)
    if table is None:
        return
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    for c in range(min_col, max_col + 1):
        if _text(ws.cell(min_row, c).value) in open_columns:
            for r in range(min_row + 1, max_row + 1):
                ws.cell(r, c).protection = _UNLOCKED
