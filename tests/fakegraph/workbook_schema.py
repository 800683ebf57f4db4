"""The workbook API calls that change a workbook's shape (what `cxhub upgrade-hub` uses on
SharePoint): worksheets and tables listed and added, a table renamed, a table column added, named
items listed and added, cell protection of a range. Docs followed (learn.microsoft.com/graph/api):
worksheetcollection-add, tablecollection-add, table-update, tablecolumncollection-add (and Office
JS's TableColumnCollection.add: index null appends at the end), nameditem-add, formatprotection-update."""

from __future__ import annotations

import json
from typing import Any

from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from tests.fakegraph.common import _error


class WorkbookSchemaRoutes:
    """Worksheets, tables, table columns and named items added to a workbook, as Excel does."""

    # -- worksheets --------------------------------------------------------------------
    def _listed(self, m, query, headers, items):
        """A list route's answer: `items(book)` paged, once the session is checked."""
        denied = self._session_for(m["item"], headers)
        return denied or (200, self._page(items(self._book(m["item"])), query, m.string), {})

    def _worksheets_list(self, m, query, raw, headers):
        return self._listed(
            m, query, headers, lambda b: [_worksheet(ws, i) for i, ws in enumerate(b.worksheets)]
        )

    def _worksheet_add(self, m, query, raw, headers):
        """worksheetcollection-add: at the end of the workbook; a name in use is refused."""
        denied = self._writable(m["item"], headers)
        if denied:
            return denied
        book = self._book(m["item"])
        name = (json.loads(raw or b"{}") or {}).get("name") or f"Sheet{len(book.worksheets) + 1}"
        if name.casefold() in (s.casefold() for s in book.sheetnames):
            return 400, _error("itemAlreadyExists", f"A worksheet named {name} already exists."), {}
        ws = book.create_sheet(name)
        self._dirty(m["item"])
        return 200, _worksheet(ws, len(book.worksheets) - 1), {}

    def _worksheet_tables(self, m, query, raw, headers):
        ws, refused = self._sheet_for(m, headers, write=False)
        if refused:
            return refused
        value = [_table(t) for t in ws.tables.values()]
        return 200, self._page(value, query, m.string), {}

    # -- tables ------------------------------------------------------------------------
    def _table_add(self, m, query, raw, headers):
        """tablecollection-add: the address names the sheet; a table may not overlap another; with
        hasHeaders its first row's cells are the column names."""
        denied = self._writable(m["item"], headers)
        if denied:
            return denied
        body = json.loads(raw or b"{}")
        sheet, _, ref = str(body.get("address", "")).rpartition("!")
        ws = self._sheet(m["item"], sheet.strip("'").replace("''", "'"))
        if ws is None or not ref:
            return 400, _error("invalidArgument", "The address is not valid."), {}
        if ws.protection.sheet:
            return 403, _error("accessDenied", f"The worksheet {ws.title} is protected."), {}
        min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
        if any(
            _overlap(range_boundaries(t.ref), (min_col, min_row, max_col, max_row))
            for t in ws.tables.values()
        ):
            return 400, _error("invalidArgument", "A table can't overlap another table."), {}
        if not body.get("hasHeaders"):
            return 501, _error("notImplemented", "The fake adds tables with headers only."), {}
        names = [
            str(ws.cell(min_row, c).value or f"Column{c - min_col + 1}") for c in range(min_col, max_col + 1)
        ]
        taken = {t for w in self._book(m["item"]).worksheets for t in w.tables}
        number = next(n for n in range(1, 10_000) if f"Table{n}" not in taken)
        table = Table(
            displayName=f"Table{number}", ref=f"{get_column_letter(min_col)}{min_row}:{ref.split(':')[-1]}"
        )
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        table._initialise_columns()
        for column, name in zip(table.tableColumns, names, strict=True):
            column.name = name
        ws.add_table(table)
        self._dirty(m["item"])
        return 200, _table(table), {}

    def _table_patch(self, m, query, raw, headers):
        """table-update: renaming a table (the only property CX Hub changes)."""
        ws, table, refused = self._table_for(m, headers, write=True)
        if refused:
            return refused
        name = (json.loads(raw or b"{}") or {}).get("name")
        if name and name != table.displayName:
            if self._find_table(m["item"], name)[1] is not None:
                return 400, _error("invalidArgument", f"A table named {name} already exists."), {}
            del ws.tables[table.displayName]
            table.displayName = table.name = name
            ws.add_table(table)
            self._dirty(m["item"])
        return 200, _table(table), {}

    def _column_add(self, m, query, raw, headers):
        """tablecolumncollection-add: index null appends the column at the table's end (Office JS,
        ExcelApi 1.4; the Graph page says an index cannot append); values, when given, are the whole
        column, header first; name names it."""
        ws, table, refused = self._table_for(m, headers, write=True)
        if refused:
            return refused
        if ws.protection.sheet:
            return 403, _error("accessDenied", f"The worksheet {ws.title} is protected."), {}
        body = json.loads(raw or b"{}")
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        if body.get("index") is not None:
            return 501, _error("notImplemented", "The fake appends columns only (index null)."), {}
        values = body.get("values")
        col = max_col + 1
        if any(ws.cell(r, col).value not in (None, "") for r in range(min_row, max_row + 1)):
            return 400, _error("invalidOperation", "The cells right of the table are not empty."), {}
        if values is not None and len(values) != max_row - min_row + 1:
            return 400, _error("invalidArgument", "The values do not match the table's rows."), {}
        name = body.get("name") or (values[0][0] if values else None) or f"Column{col - min_col + 1}"
        for offset, row in enumerate(values or [[name]]):
            ws.cell(min_row + offset, col, row[0] if row else None)
        ws.cell(min_row, col, name)
        table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(col)}{max_row}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
        table.tableColumns.append(TableColumn(id=max(c.id for c in table.tableColumns) + 1, name=name))
        self._dirty(m["item"])
        return 200, {"id": str(col - min_col + 1), "index": col - min_col, "name": name}, {}

    # -- named items -------------------------------------------------------------------
    def _names_list(self, m, query, raw, headers):
        return self._listed(
            m, query, headers, lambda b: [_named(n, d.attr_text) for n, d in b.defined_names.items()]
        )

    def _name_add(self, m, query, raw, headers):
        """nameditem-add: a workbook-scoped name for a reference (a range or a formula)."""
        denied = self._writable(m["item"], headers)
        if denied:
            return denied
        book = self._book(m["item"])
        body = json.loads(raw or b"{}")
        name, reference = body.get("name"), str(body.get("reference") or "")
        if not name or name in book.defined_names:
            return 400, _error("invalidArgument", f"The name {name} is not valid or already exists."), {}
        book.defined_names[name] = DefinedName(
            name, attr_text=reference.lstrip("="), comment=body.get("comment")
        )
        self._dirty(m["item"])
        return 200, _named(name, reference.lstrip("=")), {}

    # -- range format ------------------------------------------------------------------
    def _range_format_patch(self, m, query, raw, headers):
        """rangeformat-update: columnWidth in points sets the width of the range's columns (Excel
        keeps it in characters: points / 0.75 pixels, 7 pixels a character after 5 of padding)."""
        ws, refused = self._sheet_for(m, headers, write=True)
        if refused:
            return refused
        body = json.loads(raw or b"{}")
        min_col, _, max_col, _ = range_boundaries(m["address"].rpartition("!")[2])
        if body.get("columnWidth") is not None:
            for c in range(min_col, max_col + 1):
                ws.column_dimensions[get_column_letter(c)].width = (body["columnWidth"] / 0.75 - 5) / 7
            self._dirty(m["item"])
        return 200, {"columnWidth": body.get("columnWidth")}, {}

    # -- cell protection ---------------------------------------------------------------
    def _cell_protection_patch(self, m, query, raw, headers):
        """formatprotection-update: lock or unlock a range's cells (refused on a protected sheet)."""
        ws, refused = self._sheet_for(m, headers, write=True)
        if refused:
            return refused
        if ws.protection.sheet:
            return 403, _error("accessDenied", f"The worksheet {ws.title} is protected."), {}
        body = json.loads(raw or b"{}")
        min_col, min_row, max_col, max_row = range_boundaries(m["address"].rpartition("!")[2])
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                ws.cell(r, c).protection = Protection(locked=bool(body.get("locked", True)))
        self._dirty(m["item"])
        return 200, {"locked": bool(body.get("locked", True)), "formulaHidden": False}, {}


def _worksheet(ws: Any, position: int) -> dict[str, Any]:
    return {
        "id": "{" + f"{position:08d}" + "}",
        "name": ws.title,
        "position": position,
        "visibility": "Visible",
    }


def _table(table: Any) -> dict[str, Any]:
    return {"id": "{" + table.displayName + "}", "name": table.displayName, "showHeaders": True}


def _named(name: str, formula: str) -> dict[str, Any]:
    return {"name": name, "type": "Range", "value": "=" + formula, "visible": True, "scope": "Workbook"}


def _overlap(one: tuple, other: tuple) -> bool:
    """Whether two (min_col, min_row, max_col, max_row) ranges share a cell."""
    a, b, c, d = one
    min_col, min_row, max_col, max_row = other
    return a <= max_col and min_col <= c and b <= max_row and min_row <= d
