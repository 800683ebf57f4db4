"""The Excel workbook API: sessions, tables, columns, rows, ranges, on real .xlsx files."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from tests.fakegraph.common import Session, _api_value, _error, _error_chain, _range, _set_cell


class WorkbookRoutes:
    """The Excel workbook API: sessions, tables, columns, rows, ranges, on real .xlsx files."""

    # -- workbook ----------------------------------------------------------------------
    def _book(self, item_id: str):
        if item_id not in self._books:
            self._books[item_id] = load_workbook(self.items[item_id].path)
        return self._books[item_id]

    def _flush(self, item_id: str) -> None:
        book = self._books.get(item_id)
        if book is not None and getattr(book, "_cxhub_dirty", False):
            book.save(self.items[item_id].path)
            book._cxhub_dirty = False

    def _dirty(self, item_id: str) -> None:
        self._book(item_id)._cxhub_dirty = True
        self.items[item_id].version += 1

    def _session_for(self, item_id: str, headers) -> tuple | None:
        """None when the call may go ahead; otherwise the error response."""
        sid = headers.get("workbook-session-id")
        if sid is None:
            return None  # sessionless calls work (slowly) on the real service
        session = self.sessions.get(sid)
        if (
            session is None
            or session.item != item_id
            or time.time() - session.last_used > self.session_idle_seconds
        ):
            self.sessions.pop(sid, None)
            status, codes = self.expired_session
            return status, _error_chain(codes, "The session is not found or has expired."), {}
        session.last_used = time.time()
        return None

    def _writable(self, item_id: str, headers) -> tuple | None:
        denied = self._session_for(item_id, headers)
        if denied:
            return denied
        if self.locked_by:
            return (
                409,
                _error(
                    "conflict",
                    f"The file is locked for editing by {self.locked_by}.",
                    "EditModeCannotAcquireLock",
                ),
                {},
            )
        return None

    def _create_session(self, m, query, raw, headers):
        if self._item(m["item"]) is None:
            return 404, _error("itemNotFound", "Item not found"), {}
        body = json.loads(raw or b"{}")
        sid = "cluster=FAKE&session=" + uuid.uuid4().hex
        self.sessions[sid] = Session(sid, m["item"], time.time(), bool(body.get("persistChanges")))
        return 201, {"id": sid, "persistChanges": bool(body.get("persistChanges"))}, {}

    def _refresh_session(self, m, query, raw, headers):
        denied = self._session_for(m["item"], headers)
        return denied or (204, None, {})

    def _close_session(self, m, query, raw, headers):
        self.sessions.pop(headers.get("workbook-session-id", ""), None)
        return 204, None, {}

    def _table_for(self, m, headers, *, write: bool):
        """The table a table route names, once the request may read (or, with `write`, change) the
        workbook: (sheet, table, None), or (None, None, the refusal or 404 to answer)."""
        denied = (self._writable if write else self._session_for)(m["item"], headers)
        if denied:
            return None, None, denied
        ws, table = self._find_table(m["item"], m["table"])
        if table is None:
            return None, None, (404, _error("itemNotFound", f"Table {m['table']} not found"), {})
        return ws, table, None

    def _sheet_for(self, m, headers, *, write: bool):
        """The worksheet a sheet route names, once the request may read (or, with `write`, change)
        the workbook: (sheet, None), or (None, the refusal or 404 to answer)."""
        denied = (self._writable if write else self._session_for)(m["item"], headers)
        ws = None if denied else self._sheet(m["item"], m["sheet"])
        if denied or ws is None:
            return None, denied or (404, _error("itemNotFound", f"Worksheet {m['sheet']} not found"), {})
        return ws, None

    def _find_table(self, item_id: str, name: str):
        book = self._book(item_id)
        for ws in book.worksheets:
            if name in ws.tables:
                return ws, ws.tables[name]
        return None, None

    def _tables_list(self, m, query, raw, headers):
        book = self._book(m["item"])
        value = [
            {"id": f"{{{i}}}", "name": t, "showHeaders": True, "worksheet": ws.title}
            for i, (ws, t) in enumerate((ws, t) for ws in book.worksheets for t in ws.tables)
        ]
        return 200, self._page(value, query, m.string), {}

    def _columns_list(self, m, query, raw, headers):
        """workbookTableColumn: id, index, name and values (the whole column, header first)
        unless $select leaves values out, as Graph does."""
        ws, table, refused = self._table_for(m, headers, write=False)
        if refused:
            return refused
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        select = [f.strip() for f in query["$select"].split(",")] if "$select" in query else None
        value = []
        for c in range(min_col, max_col + 1):
            column: dict[str, Any] = {"id": str(c - min_col + 1), "index": c - min_col}
            column["name"] = ws.cell(min_row, c).value
            if select is None or "values" in select:
                column["values"] = [[_api_value(ws.cell(r, c))] for r in range(min_row, max_row + 1)]
            value.append({k: v for k, v in column.items() if select is None or k in select})
        return 200, self._page(value, query, m.string), {}

    def _rows_add(self, m, query, raw, headers):
        ws, table, refused = self._table_for(m, headers, write=True)
        if refused:
            return refused
        if ws.protection.sheet:
            return _protected(ws.title)
        body = json.loads(raw)
        values = body["values"]
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        if any(len(r) != max_col - min_col + 1 for r in values):
            return (
                400,
                _error("invalidArgument", "The number of values does not match the table's columns."),
                {},
            )
        nxt = max_row + 1
        while nxt - 1 > min_row and all(
            ws.cell(nxt - 1, c).value in (None, "") for c in range(min_col, max_col + 1)
        ):
            nxt -= 1
        first = nxt
        for row in values:
            for offset, value in enumerate(row):
                _set_cell(ws, nxt, min_col + offset, value)
            nxt += 1
        table.ref = (
            f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max(nxt - 1, min_row + 1)}"
        )
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
        self._dirty(m["item"])
        # tablerow-add: "If successful, this method returns a 200 OK response code".
        return (
            200,
            {"@odata.context": "$metadata#workbookTableRow", "index": first - min_row - 1, "values": values},
            {},
        )

    def _table_values(self, ws, table, with_header: bool) -> list[list[Any]]:
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        start = min_row if with_header else min_row + 1
        return [
            [_api_value(ws.cell(r, c)) for c in range(min_col, max_col + 1)]
            for r in range(start, max_row + 1)
        ]

    def _rows_list(self, m, query, raw, headers):
        ws, table, refused = self._table_for(m, headers, write=False)
        if refused:
            return refused
        rows = self._table_values(ws, table, with_header=False)
        skip, top = int(query.get("$skip", 0)), int(query.get("$top", len(rows) or 1))
        value = [{"index": skip + i, "values": [r]} for i, r in enumerate(rows[skip : skip + top])]
        return 200, {"value": value}, {}

    def _table_range(self, m, query, raw, headers):
        ws, table, refused = self._table_for(m, headers, write=False)
        if refused:
            return refused
        values = self._table_values(ws, table, with_header=True)
        return 200, _range(ws.title, table.ref, values, query.get("$select")), {}

    def _column_body(self, m, query, raw, headers):
        ws, table, refused = self._table_for(m, headers, write=False)
        if refused:
            return refused
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        names = [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
        if m["column"] not in names:
            return 404, _error("itemNotFound", f"Column {m['column']} not found"), {}
        col = min_col + names.index(m["column"])
        values = [[_api_value(ws.cell(r, col))] for r in range(min_row + 1, max_row + 1)]
        letter = get_column_letter(col)
        return (
            200,
            _range(ws.title, f"{letter}{min_row + 1}:{letter}{max_row}", values, query.get("$select")),
            {},
        )

    def _used_range(self, m, query, raw, headers):
        denied = self._session_for(m["item"], headers)
        if denied:
            return denied
        ws = self._book(m["item"])[m["sheet"]]
        # valuesOnly=true: "considers only cells with values as used cells (ignores formatting)".
        filled = [(c.row, c.column) for row in ws.iter_rows() for c in row if c.value not in (None, "")]
        if filled:
            rows, cols = [r for r, _ in filled], [c for _, c in filled]
            dimensions = (
                f"{get_column_letter(min(cols))}{min(rows)}:{get_column_letter(max(cols))}{max(rows)}"
            )
        else:
            dimensions = "A1"
        if query.get("$select") == "address":  # what a pager asks first: how big is the sheet
            return 200, _range(ws.title, dimensions, [], "address"), {}
        min_col, min_row, max_col, max_row = range_boundaries(dimensions if ":" in dimensions else "A1:A1")
        grid = ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col)
        values = [[_api_value(c) for c in row] for row in grid]
        return 200, _range(ws.title, dimensions, values, query.get("$select")), {}

    def _range_get(self, m, query, raw, headers):
        denied = self._session_for(m["item"], headers)
        if denied:
            return denied
        ws = self._book(m["item"])[m["sheet"]]
        min_col, min_row, max_col, max_row = range_boundaries(m["address"])
        rows = ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col)
        return (
            200,
            _range(
                ws.title, m["address"], [[_api_value(c) for c in row] for row in rows], query.get("$select")
            ),
            {},
        )

    def _range_patch(self, m, query, raw, headers):
        denied = self._writable(m["item"], headers)
        if denied:
            return denied
        ws = self._book(m["item"])[m["sheet"]]
        if ws.protection.sheet:
            return _protected(ws.title)
        min_col, min_row, max_col, max_row = range_boundaries(m["address"])
        body = json.loads(raw)
        values, formats = body.get("values"), body.get("numberFormat")
        for grid in (g for g in (values, formats) if g is not None):
            if len(grid) != max_row - min_row + 1 or any(len(r) != max_col - min_col + 1 for r in grid):
                return 400, _error("invalidArgument", "The values do not match the size of the range."), {}
        for r_off, row in enumerate(values or []):
            for c_off, value in enumerate(row):
                if value is not None:  # null leaves the cell as it is
                    _set_cell(ws, min_row + r_off, min_col + c_off, value)
        for r_off, row in enumerate(formats or []):
            for c_off, code in enumerate(row):
                if code is not None:
                    ws.cell(min_row + r_off, min_col + c_off).number_format = code
        self._dirty(m["item"])
        return 200, _range(ws.title, m["address"], values or []), {}

    # -- worksheet protection ----------------------------------------------------------------
    def _sheet(self, item_id: str, name: str):
        book = self._book(item_id)
        return book[name] if name in book.sheetnames else None

    def _protection_get(self, m, query, raw, headers):
        ws, refused = self._sheet_for(m, headers, write=False)
        if refused:
            return refused
        options = {"allowAutoFilter": not ws.protection.autoFilter, "allowSort": not ws.protection.sort}
        return 200, {"protected": bool(ws.protection.sheet), "options": options}, {}

    def _protect(self, m, query, raw, headers):
        """worksheetprotection-protect: "It throws if the worksheet has been protected"."""
        ws, refused = self._sheet_for(m, headers, write=True)
        if refused:
            return refused
        if ws.protection.sheet:
            return 400, _error("invalidOperation", "The worksheet is already protected."), {}
        options = (json.loads(raw or b"{}") or {}).get("options") or {}
        ws.protection.sheet = True
        ws.protection.autoFilter = not options.get("allowAutoFilter", False)
        ws.protection.sort = not options.get("allowSort", False)
        ws.protection.formatColumns = not options.get("allowFormatColumns", False)
        self._dirty(m["item"])
        return 200, None, {}

    def _unprotect(self, m, query, raw, headers):
        """worksheetprotection-unprotect: no body; lifting an unprotected sheet's protection does nothing."""
        ws, refused = self._sheet_for(m, headers, write=True)
        if refused:
            return refused
        ws.protection.sheet = False
        self._dirty(m["item"])
        return 200, None, {}


def _protected(sheet: str) -> tuple:
    # Excel refuses to change locked cells of a protected sheet (the workbook API has no way to
    # pause protection for one call); the code is the one Office's JavaScript API gives.
    return (
        403,
        _error(
            "accessDenied", f"The cell or chart you're trying to change is on a protected sheet ({sheet})."
        ),
        {},
    )
