"""`cxhub upgrade-hub` on SharePoint: the hub's shape read, and the plan (hub_schema.upgrade)
carried out, through the Excel workbook API in the hub store's workbook session.

Each step is a few calls (worksheets/add, tables/add, tables/{id}/columns/add with index null to
append, range PATCHes for headers, number formats and list values, names/add, protect). Nothing
here is one transaction: a run cut off by throttling or an outage leaves a hub the next run reads
again and plans from, so rerunning completes it (a half-made tab is finished, a column already added
is not planned again). What the workbook API cannot do is returned as steps for an admin in Excel:
list validation on a new column (no data validation in Graph v1.0) and a dropdown name whose formula
must change (a named item's reference cannot be updated)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from openpyxl.utils import get_column_letter, range_boundaries

from graph.workbook_api import origin
from graph.workbook_store import GraphHubStore
from hub_schema import upgrade as schema_upgrade
from hub_schema.lists import list_name_to_defined_name
from hub_schema.tabs import LISTS_TAB_NAME, NUMBER_FORMATS, OPEN_COLUMNS, PROTECTED_TABS, TABS, Column, Tab

WB = "{+baseurl}/drives/{drive%2Did}/items/{driveItem%2Did}/workbook"
RANGE = WB + "/worksheets/{sheet}/range(address='{address}')"
FORMAT_ROWS = 10_000  # rows per number-format PATCH (each cell's code travels: keep requests small)
RIGHT_LOOKED_AT = 20  # columns right of a table read to see whether it can grow (no table gains more)


class GraphHubUpgrade:
    def __init__(self, store: GraphHubStore) -> None:
        self.store = store

    # -- calls ---------------------------------------------------------------------------
    def _call(
        self,
        name: str,
        method: Method,
        template: str,
        params: dict[str, str] | None = None,
        body: Any = None,
        select: str | None = None,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """One workbook call in the store's session, with its retry policy; the JSON answer."""
        info = RequestInformation(method, template + ("{?%24select}" if select else ""))
        info.path_parameters = {**self.store._wb.path_parameters, **(params or {})}
        if select:
            info.query_parameters["%24select"] = select
        if body is not None:
            info.set_stream_content(json.dumps(body).encode(), "application/json")

        async def send(session: str) -> bytes | None:
            info.headers.add("workbook-session-id", session)
            errors = {"XXX": ODataError.create_from_discriminator_value}
            return await self.store.client.adapter.send_primitive_async(info, "bytes", errors)

        # The session is made before the coroutine runs (creating one is a Graph call of its own).
        raw = self.store._in_session(name, lambda: send(self.store._ensure_session()), idempotent=idempotent)
        return json.loads(raw) if raw else {}

    def _list(self, name: str, template: str, params: dict[str, str] | None = None, select: str = "") -> list:
        return list(self._call(name, Method.GET, template, params, select=select or None).get("value", []))

    def _post(self, name: str, path: str, params: dict[str, str] | None, body: Any) -> dict[str, Any]:
        """A call that adds something: not resent after a timeout (it may have landed); the next
        run's plan sees whether it did."""
        return self._call(name, Method.POST, WB + path, params, body, idempotent=False)

    def _table_range(self, table: str, select: str = "address") -> tuple[tuple[int, int, int, int], dict]:
        """A table's (first column, header row, last column, last row) on its sheet, and the answer."""
        path = WB + "/tables/{table}/range()"
        answer = self._call(f"range {table}", Method.GET, path, {"table": table}, select=select)
        return _bounds(str(answer["address"]))[1:], answer

    def _patch_range(self, sheet: str, address: str, body: dict[str, Any]) -> None:
        params = {"sheet": sheet, "address": address}
        self._call(f"patch {sheet}", Method.PATCH, RANGE, params, body)

    # -- the hub's shape -----------------------------------------------------------------
    def read_shape(self) -> schema_upgrade.HubShape:
        sheets = [
            str(w["name"]) for w in self._list("worksheets", WB + "/worksheets", select="name,position")
        ]
        expected = {t.name: t.table_name for t in TABS} | {LISTS_TAB_NAME: LISTS_TAB_NAME}
        tables: dict[str, schema_upgrade.TableShape] = {}
        elsewhere: dict[str, str] = {}
        bare: dict[str, tuple[str, ...]] = {}
        for sheet in sheets:
            params = {"sheet": sheet}
            found = [
                str(t["name"])
                for t in self._list("tables", WB + "/worksheets/{sheet}/tables", params, "name")
            ]
            elsewhere |= {name: sheet for name in found if expected.get(sheet) != name}
            if sheet not in expected:
                continue  # a tab of the staff's own: only the tables on it matter
            name = expected[sheet] if expected[sheet] in found else (found[0] if found else None)
            if name is not None:
                tables[sheet] = self._table_shape(sheet, name)
            elif (first_row := self._bare_row(sheet)) is not None:
                bare[sheet] = first_row
        lists = self._lists(tables[LISTS_TAB_NAME]) if LISTS_TAB_NAME in tables else {}
        protection = WB + "/worksheets/{sheet}/protection"
        protected = frozenset(
            s
            for s in sheets
            if s in PROTECTED_TABS
            and self._call("protection", Method.GET, protection, {"sheet": s}).get("protected")
        )
        names = {
            str(n["name"]): str(n.get("value") or "")
            for n in self._list("names", WB + "/names", None, "name,value")
        }
        return schema_upgrade.HubShape(tuple(sheets), tables, lists, protected, names, elsewhere, bare)

    def _table_shape(self, sheet: str, name: str) -> schema_upgrade.TableShape:
        path = WB + "/tables/{table}/columns"
        columns = self._list(f"columns {name}", path, {"table": name}, "name,index")
        header = tuple(str(c["name"]).strip() for c in sorted(columns, key=lambda c: c.get("index") or 0))
        (_, header_row, last_col, last_row), _ = self._table_range(name)
        free = self._free_right(sheet, last_col, header_row, last_row)
        return schema_upgrade.TableShape(sheet, name, header, last_row - header_row, free)

    def _used(self, sheet: str, select: str) -> dict[str, Any]:
        used = WB + "/worksheets/{sheet}/usedRange(valuesOnly=true)"
        return self._call(f"used {sheet}", Method.GET, used, {"sheet": sheet}, select=select)

    def _free_right(self, sheet: str, last_col: int, first_row: int, last_row: int) -> int | None:
        """Empty columns right of a table over its rows (None: nothing at all right of it)."""
        used_last = _bounds(str(self._used(sheet, "address")["address"]))[3]
        if used_last <= last_col:
            return None
        width = min(used_last - last_col, RIGHT_LOOKED_AT)
        address = (
            f"{get_column_letter(last_col + 1)}{first_row}:{get_column_letter(last_col + width)}{last_row}"
        )
        values = self._call(
            f"right of {sheet}", Method.GET, RANGE, {"sheet": sheet, "address": address}, select="values"
        )
        grid = values.get("values") or []
        free = 0
        while free < width and all(row[free] in (None, "") for row in grid):
            free += 1
        return None if free == width == used_last - last_col else free

    def _bare_row(self, sheet: str) -> tuple[str, ...] | None:
        """A sheet without a table: its first row when nothing is below it, else None."""
        used = self._used(sheet, "address,values")
        if _bounds(str(used["address"]))[4] > 1:
            return None
        cells = [str(v).strip() for v in (used.get("values") or [[]])[0]]
        while cells and not cells[-1]:
            cells.pop()
        return tuple(cells)

    def _lists(self, shape: schema_upgrade.TableShape) -> dict[str, tuple[str, ...]]:
        grid = self._table_range(shape.name, "address,values")[1].get("values") or []
        out: dict[str, tuple[str, ...]] = {}
        for i, name in enumerate(shape.header):
            cells = [str(row[i]).strip() if i < len(row) and row[i] is not None else "" for row in grid[1:]]
            while cells and not cells[-1]:
                cells.pop()
            out[name] = tuple(cells)
        return out

    # -- carrying the plan out -----------------------------------------------------------
    def apply(self, plan: schema_upgrade.UpgradePlan) -> list[str]:
        """Carry `plan` out; what is left for an admin to do in Excel, in words."""
        by_hand: list[str] = []
        for step in plan.steps:
            if isinstance(step, schema_upgrade.AddTab):
                self._add_tab(step)
                by_hand += _dropdowns_by_hand(step.tab, step.tab.columns)
            elif isinstance(step, schema_upgrade.AddColumns):
                self._add_columns(step)
                by_hand += _dropdowns_by_hand(step.tab, step.columns)
            elif isinstance(step, schema_upgrade.AddListValues):
                self._add_list_values(step)
            elif isinstance(step, schema_upgrade.SetDropdownSource):
                # a new name (upgrade_workbook keeps only those)
                body = {"name": step.defined_name, "reference": "=" + step.formula, "comment": step.list_name}
                self._post(f"name {step.defined_name}", "/names/add", None, body)
            elif isinstance(step, schema_upgrade.ProtectTab):
                self._protect(step.name)
        return by_hand

    def _add_tab(self, step: schema_upgrade.AddTab) -> None:
        tab, sheet = step.tab, step.name
        if not step.sheet_exists:
            self._post(f"add {sheet}", "/worksheets/add", None, {"name": sheet})
        with self.store._unprotected(sheet):
            table = step.table
            if table is None:
                last = get_column_letter(len(tab.columns))
                self._patch_range(sheet, f"A1:{last}1", {"values": [list(tab.column_names)]})
                self._number_formats(sheet, tab.columns, 1, 2, 2)
                self._widths(sheet, tab.columns, 1)
                body = {"address": f"{_quoted(sheet)}!A1:{last}2", "hasHeaders": True}
                table = str(self._post(f"table {sheet}", "/tables/add", None, body)["name"])
            # Renamed last: until then the next run sees the tab unfinished and finishes it.
            path = WB + "/tables/{table}"
            self._call(f"name {table}", Method.PATCH, path, {"table": table}, {"name": tab.table_name})

    def _add_columns(self, step: schema_upgrade.AddColumns) -> None:
        sheet, table = step.tab.name, step.table.name
        with self.store._unprotected(sheet):
            for column in step.columns:
                body = {"index": None, "name": column.name}  # null: at the end (ExcelApi 1.4)
                self._post(f"column {table}", "/tables/{table}/columns/add", {"table": table}, body)
            (_, header_row, last_col, last_row), _ = self._table_range(table)
            first_new, rows = (
                last_col - len(step.columns) + 1,
                (header_row + 1, max(last_row, header_row + 1)),
            )
            self._number_formats(sheet, step.columns, first_new, *rows)
            self._widths(sheet, step.columns, first_new)
            for i, column in enumerate(step.columns):
                if column.name in OPEN_COLUMNS.get(sheet, ()):
                    self._unlock(sheet, first_new + i, *rows)

    def _number_formats(
        self, sheet: str, columns: tuple[Column, ...], first_col: int, first_row: int, last_row: int
    ) -> None:
        """Each typed column's number format on its rows, so dates show as dates (rows a writer adds
        later take the format of the row above)."""
        for i, column in enumerate(columns):
            code = NUMBER_FORMATS.get(column.type)
            letter = get_column_letter(first_col + i)
            for start in range(first_row, last_row + 1, FORMAT_ROWS) if code else ():
                end = min(start + FORMAT_ROWS - 1, last_row)
                formats = {"numberFormat": [[code]] * (end - start + 1)}
                self._patch_range(sheet, f"{letter}{start}:{letter}{end}", formats)

    def _add_list_values(self, step: schema_upgrade.AddListValues) -> None:
        params = {"table": LISTS_TAB_NAME}
        with self.store._unprotected(LISTS_TAB_NAME):
            if step.new_column:
                body = {"index": None, "name": step.list_name}
                self._post("column Lists", "/tables/{table}/columns/add", params, body)
            (first_col, header_row, _, last_row), read = self._table_range(LISTS_TAB_NAME, "address,values")
            header = [str(h).strip() for h in (read.get("values") or [[]])[0]]
            needed = step.start + len(step.values) - (last_row - header_row)
            if needed > 0:  # the table grows by blank rows first: the values then go inside it
                blank = {"index": None, "values": [[""] * len(header)] * needed}
                self._post("rows Lists", "/tables/{table}/rows/add", params, blank)
            letter = get_column_letter(first_col + header.index(step.list_name))
            top = header_row + 1 + step.start
            address = f"{letter}{top}:{letter}{top + len(step.values) - 1}"
            self._patch_range(LISTS_TAB_NAME, address, {"values": [[v] for v in step.values]})

    def _protect(self, sheet: str) -> None:
        """Protect a machine tab (as the store does after each of its writes), its open columns'
        cells unlocked first: rows written before the hub knew protection have them locked."""
        open_columns = OPEN_COLUMNS.get(sheet, ())
        with self.store._unprotected(sheet):
            if not open_columns or sheet == LISTS_TAB_NAME:
                return
            table = next(t.table_name for t in TABS if t.name == sheet)
            header = self._table_shape(sheet, table).header
            (first_col, header_row, _, last_row), _ = self._table_range(table)
            for i, name in enumerate(header):
                if name in open_columns:
                    self._unlock(sheet, first_col + i, header_row + 1, max(last_row, header_row + 1))

    def _widths(self, sheet: str, columns: tuple[Column, ...], first_col: int) -> None:
        """Each column as wide as the template makes it (rangeformat-update takes points: Excel's
        character width w is 7w + 5 pixels of Calibri 11, a pixel 0.75 point)."""
        for i, column in enumerate(columns):
            params = {"sheet": sheet, "address": f"{get_column_letter(first_col + i)}1"}
            points = round((7 * column.display_width + 5) * 0.75, 2)
            self._call(f"width {sheet}", Method.PATCH, RANGE + "/format", params, {"columnWidth": points})

    def _unlock(self, sheet: str, column: int, first_row: int, last_row: int) -> None:
        """Unlock a column's cells on those rows (people decide in it even on a protected tab)."""
        letter = get_column_letter(column)
        params = {"sheet": sheet, "address": f"{letter}{first_row}:{letter}{last_row}"}
        self._call(f"unlock {sheet}", Method.PATCH, RANGE + "/format/protection", params, {"locked": False})


def _bounds(address: str) -> tuple[str, int, int, int, int]:
    """'Sheet'!B2:D9 -> (sheet, first column, first row, last column, last row)."""
    sheet, first_col, first_row = origin(address)
    ref = address.rpartition("!")[2].replace("$", "")
    _, _, last_col, last_row = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
    return sheet, first_col, first_row, last_col, last_row


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _dropdowns_by_hand(tab: Tab, columns: tuple[Column, ...]) -> Iterator[str]:
    for column in columns:
        if column.enum:
            yield (
                f"{tab.name} tab, column {column.name!r}: Data > Data Validation > List, source "
                f"={list_name_to_defined_name(column.enum)} (the workbook API cannot set a dropdown)"
            )


def upgrade_workbook(
    store: GraphHubStore, *, dry_run: bool, backup: Path | None
) -> tuple[schema_upgrade.UpgradePlan, list[str]]:
    """Plan and (unless `dry_run`) carry out the upgrade of the SharePoint hub: (the plan, what is
    left for an admin in Excel). Before the first write the hub as it is is downloaded to `backup`
    (SharePoint keeps its previous versions too)."""
    upgrade = GraphHubUpgrade(store)
    whole = schema_upgrade.plan_upgrade(upgrade.read_shape())
    # A dropdown name that exists with another formula cannot be changed here (every run would plan
    # it again): it is said once per run as a step for Excel, not planned.
    by_hand = [
        f"Formulas > Name Manager: let {s.defined_name} refer to ={s.formula} (it refers to {s.was}; "
        "the workbook API cannot change a name's formula)"
        for s in whole.steps
        if isinstance(s, schema_upgrade.SetDropdownSource) and s.was is not None
    ]
    plan = schema_upgrade.UpgradePlan(
        tuple(s for s in whole.steps if not (isinstance(s, schema_upgrade.SetDropdownSource) and s.was))
    )
    if dry_run or plan.empty:
        return plan, by_hand
    if backup is not None:
        backup.write_bytes(store.download())
    return plan, upgrade.apply(plan) + by_hand
