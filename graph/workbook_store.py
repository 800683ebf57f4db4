"""The hub as a SharePoint workbook behind Microsoft Graph: the same HubStore port as the local file.

Reads for timer jobs download the file once (`/content`, cached by eTag) and parse it with
calamine; the writer reads through the workbook API inside its session instead, because the
downloaded file can lag workbook-API writes by tens of seconds and the writer's idempotency and ID
allocation must see its own last batch. Writes: one rows/add per table per batch, updates as
PATCHes of covering ranges (null leaves a cell untouched), referenced tables first and
Interactions (the idempotency marker) last, so a batch cut off half-way is completed, not
duplicated, by the next run.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import time
from collections.abc import Awaitable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from msgraph.generated.drives.item.items.item.workbook.create_session import create_session_post_request_body
from msgraph.generated.drives.item.items.item.workbook.tables.item.rows.add import add_post_request_body
from msgraph.generated.drives.item.items.item.workbook.worksheets.item.protection.protect import (
    protect_post_request_body,
)
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.workbook_range import WorkbookRange
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from graph import errors
from graph.client import (
    AmbiguousWrite,
    GraphCallError,
    GraphClient,
    ServiceError,
    SessionExpired,
    SessionInvalid,
    Throttled,
    WorkbookLocked,
)
from graph.workbook_api import origin, values_of, with_select, with_top
from graph.workbook_protection import PROTECTION_OPTIONS
from hub.ports import HubChanges, HubLocked, HubSchemaError, HubUnavailable, Row, RowUpdate, TabColumns
from hub_schema.cells import rows_as_dicts, to_api_value
from hub_schema.tabs import PROTECTED_TABS, TABS, Tab, tab

log = logging.getLogger(__name__)

# Tables others point at go first; Interactions, which marks a submission as done, goes last.
WRITE_ORDER = [t.name for t in TABS if t.name != "Interactions"] + ["Interactions"]
MAX_ROWS_PER_ADD = 2_000  # keeps each rows/add well under the ~4 MB request guidance
COLUMN_FIELDS = ("name", "index")  # what a column listing is read for
RANGE_FIELDS = ("address", "values")  # what a range read is for
MAX_GAP = 20  # updated rows this close together share one PATCH (nulls in between change nothing)


@dataclass
class _Layout:
    """Where a table sits on its sheet, learned from the last read in this session."""

    sheet: str
    first_col: int  # 1-based column of the table's first column
    header_row: int  # sheet row of the header
    header: list[str]
    keys: dict[str, int]  # key value (upper) -> sheet row


class GraphHubStore:
    def __init__(
        self,
        client: GraphClient,
        drive_id: str,
        item_id: str,
        *,
        rows_per_add: int = MAX_ROWS_PER_ADD,
        lean_reads: bool = True,
    ) -> None:
        self.client = client
        self.rows_per_add = rows_per_add  # 1 gives the per-row approach (bench/ compares the two)
        self.lean_reads = lean_reads  # False: reads without $select, as before (bench/ compares)
        self.drive_id = drive_id
        self.item_id = item_id
        self._session: str | None = None
        self._layouts: dict[str, _Layout] = {}
        self._headers: dict[str, list[str]] = {}
        self._cache: tuple[str, bytes] | None = None  # (eTag, content)

    # -- plumbing ----------------------------------------------------------------------
    @property
    def _item(self):
        return self.client.sdk.drives.by_drive_id(self.drive_id).items.by_drive_item_id(self.item_id)

    @property
    def _wb(self):
        return self._item.workbook

    def _config(self) -> RequestConfiguration:
        config: RequestConfiguration = RequestConfiguration()
        config.headers.add("workbook-session-id", self._ensure_session())
        return config

    def _ensure_session(self) -> str:
        if self._session is None:
            body = create_session_post_request_body.CreateSessionPostRequestBody(persist_changes=True)
            info = self.client.call(
                "createSession", lambda: self._wb.create_session.post(body), idempotent=True
            )
            assert info is not None and info.id
            self._session = info.id
        return self._session

    def _in_session(self, name: str, make, *, idempotent: bool):
        """A workbook call that survives one recreatable session loss; every lock, throttle or
        unusable-session answer becomes HubLocked / HubUnavailable, so the writer puts the batch
        back for the next run instead of failing."""
        return self._guarded(lambda: self.client.call(name, make, idempotent=idempotent), idempotent)

    def _guarded(self, run, idempotent: bool):
        for attempt in (1, 2):
            try:
                return run()
            except SessionExpired as e:
                # invalidSessionReCreatable: "try to recreate a session and resume the work".
                self._session = None
                if attempt == 2:
                    raise HubUnavailable(f"the workbook session keeps expiring ({_code(e)})") from e
            except WorkbookLocked as e:
                raise HubLocked(_locked_text(e)) from e
            except SessionInvalid as e:
                # Not to be used again, nor recreated the same way now: the next run starts afresh.
                self._session = None
                raise HubUnavailable(f"the Excel service closed the workbook session ({_code(e)})") from e
            except AmbiguousWrite:
                if not idempotent:
                    raise  # the caller checks what landed before writing again
                raise HubUnavailable("Microsoft Graph keeps timing out") from None
            except (Throttled, ServiceError) as e:
                if isinstance(e, ServiceError):
                    self._session = None  # "further access to the session is not expected"
                raise HubUnavailable(f"Microsoft Graph is not answering ({e.status} {_code(e)})") from e
            except GraphCallError as e:
                if e.kind == errors.CONFLICT:  # a bare 409 on a workbook call: its state is held
                    raise HubLocked(_locked_text(e)) from e
                if e.status is None:
                    raise HubUnavailable(f"Microsoft Graph is not answering ({_code(e)})") from e
                raise
        raise AssertionError("unreachable")

    def ensure_exists(self) -> bool:
        """The hub must already be on SharePoint (cxhub provision puts it there): never created here."""
        try:
            self.client.call("item", lambda: self._item.get(), idempotent=True)
        except GraphCallError as e:
            raise HubSchemaError(
                f"the hub workbook {self.item_id} is not reachable in drive {self.drive_id} ({e.status}); "
                "check CXHUB_HUB_DRIVE_ID / CXHUB_HUB_ITEM_ID and the app's site permission"
            ) from e
        return False

    def close(self) -> None:
        log.info("graph requests this run: %s", json.dumps(self.client.stats.summary()))
        if self._session is None:
            return
        sid, self._session = self._session, None
        config: RequestConfiguration = RequestConfiguration()
        config.headers.add("workbook-session-id", sid)
        try:
            self.client.call(
                "closeSession",
                lambda: self._wb.close_session.post(request_configuration=config),
                idempotent=True,
            )
        except Exception as e:  # an unclosed session simply expires
            log.info("closeSession failed (%s); the session will expire by itself", type(e).__name__)

    # -- reading -------------------------------------------------------------------------
    def read_tables(
        self, tabs: Iterable[str], *, fresh: bool = False, columns: TabColumns | None = None
    ) -> dict[str, list[Row]]:
        """Rows by tab. fresh=True reads through the workbook API in the session (the writer);
        otherwise from the downloaded file, cached by eTag (timer jobs)."""
        if fresh:
            return {name: self._read_fresh(tab(name), (columns or {}).get(name)) for name in tabs}
        book = CalamineWorkbook.from_filelike(io.BytesIO(self.download()))
        out = {}
        for name in tabs:
            if name not in book.sheet_names:
                raise HubSchemaError(f"the hub workbook has no {name!r} tab")
            wanted = list(columns[name]) if columns and name in columns else None  # only these are typed
            rows = book.get_sheet_by_name(name).to_python()
            out[name] = rows_as_dicts(tab(name), rows, "the hub workbook", wanted)
        return out

    def version(self) -> str:
        """The hub file's eTag (one metadata GET, no workbook call): what the page cache keys on."""
        meta = self.client.call("item", lambda: self._item.get(), idempotent=True)
        return str(meta.e_tag) if meta and meta.e_tag else ""

    def download(self) -> bytes:
        meta = self.client.call("item", lambda: self._item.get(), idempotent=True)
        etag = meta.e_tag if meta else None
        if self._cache and etag and self._cache[0] == etag:
            return self._cache[1]
        data = self.client.call("content", lambda: self._item.content.get(), idempotent=True)
        if etag and data is not None:
            self._cache = (etag, data)
        return data or b""

    def measure_open(self, largest: str = "Interactions", block: int = 1000) -> float:
        """Seconds for the Excel service to open the hub and serve the first block of its largest
        table, in a session of its own that changes nothing (persistChanges false)."""
        started = time.perf_counter()
        body = create_session_post_request_body.CreateSessionPostRequestBody(persist_changes=False)
        info = self.client.call("createSession", lambda: self._wb.create_session.post(body), idempotent=True)
        config: RequestConfiguration = RequestConfiguration()
        assert info is not None and info.id
        config.headers.add("workbook-session-id", info.id)
        rows = self._wb.tables.by_workbook_table_id(tab(largest).table_name).rows
        try:
            self.client.call(
                "rows",
                lambda: rows.get(request_configuration=with_top(config, block)),
                idempotent=True,
            )
        finally:
            # An unclosed non-persistent session simply expires.
            with contextlib.suppress(GraphCallError):
                self.client.call(
                    "closeSession",
                    lambda: self._wb.close_session.post(request_configuration=config),
                    idempotent=True,
                )
        return time.perf_counter() - started

    def size_bytes(self) -> int:
        meta = self.client.call("item", lambda: self._item.get(), idempotent=True)
        return int(meta.size or 0) if meta else 0

    def _read_fresh(self, schema: Tab, only: Sequence[str] | None) -> list[Row]:
        table = self._wb.tables.by_workbook_table_id(schema.table_name)
        if only:
            return self._read_columns(schema, only)
        result = self._in_session(
            f"read {schema.table_name}", lambda: self._get_range(table.range), idempotent=True
        )
        values = values_of(result)
        self._remember(schema, result.address, values)
        return rows_as_dicts(schema, values, "the hub workbook")

    def _read_columns(self, schema: Tab, only: Sequence[str]) -> list[Row]:
        table = self._wb.tables.by_workbook_table_id(schema.table_name)
        wanted = list(dict.fromkeys([*(c for c in [schema.key] if c), *only]))
        columns: dict[str, list[Any]] = {}
        for name in wanted:
            result = self._in_session(
                f"read {schema.table_name}.{name}",
                lambda name=name: self._get_range(
                    table.columns.by_workbook_table_column_id(name).data_body_range
                ),
                idempotent=True,
            )
            columns[name] = [r[0] if r else "" for r in values_of(result)]
            if name == schema.key and result.address:
                # The key column's address places the whole table: remember it for updates.
                header = self._header(schema)
                sheet, col, first_row = origin(result.address)
                keys = {str(v).strip().upper(): first_row + i for i, v in enumerate(columns[name]) if v != ""}
                self._layouts[schema.name] = _Layout(
                    sheet, col - header.index(name), first_row - 1, header, keys
                )
        rows = [list(cells) for cells in zip(*columns.values(), strict=True)] if columns else []
        return rows_as_dicts(schema, [wanted, *rows], "the hub workbook", columns=wanted)

    def _get_range(self, builder) -> Awaitable[WorkbookRange | None]:
        """GET a range with only its address and values: without $select Graph sends text,
        formulas (three ways), number formats and value types too, several times the values.
        range-get documents the OData query parameters; the SDK's builder has no $select."""
        info = builder.to_get_request_information()
        if self.lean_reads:
            info.url_template = info.url_template + "{?%24select}"
            info.query_parameters["%24select"] = list(RANGE_FIELDS)
        info.headers.add("workbook-session-id", self._ensure_session())
        return self.client.adapter.send_async(
            info, WorkbookRange, {"XXX": ODataError.create_from_discriminator_value}
        )

    def _header(self, schema: Tab) -> list[str]:
        """The table's column names in sheet order (cached: admins rarely add columns mid-run)."""
        if schema.name not in self._headers:
            columns = self._wb.tables.by_workbook_table_id(schema.table_name).columns
            listed = self._guarded(
                lambda: self.client.all_pages(
                    f"columns {schema.table_name}",
                    columns,
                    with_select(self._config(), COLUMN_FIELDS if self.lean_reads else ()),
                ),
                True,
            )
            ordered = sorted(listed, key=lambda c: c.index or 0)
            self._headers[schema.name] = [str(c.name).strip() for c in ordered]
        return self._headers[schema.name]

    def _remember(self, schema: Tab, address: str | None, values: list[list[Any]]) -> None:
        if not address or not values:
            return
        sheet, first_col, header_row = origin(address)
        header = [str(h).strip() for h in values[0]]
        self._headers[schema.name] = header
        keys: dict[str, int] = {}
        if schema.key and schema.key in header:
            k = header.index(schema.key)
            keys = {
                str(r[k]).strip().upper(): header_row + 1 + i for i, r in enumerate(values[1:]) if r[k] != ""
            }
        self._layouts[schema.name] = _Layout(sheet, first_col, header_row, header, keys)

    def _layout(self, schema: Tab) -> _Layout:
        """Where the table's rows are; learned from its key column when not read in full."""
        if schema.name not in self._layouts:
            if schema.key:
                self._read_columns(schema, [schema.key])
            else:
                self._read_fresh(schema, None)
        return self._layouts[schema.name]

    # -- writing -------------------------------------------------------------------------
    def apply(self, changes: HubChanges) -> None:
        if changes.is_empty():
            return
        updates_by_tab: dict[str, list[RowUpdate]] = {}
        for update in changes.updates:
            updates_by_tab.setdefault(update.tab, []).append(update)
        for name in WRITE_ORDER:
            if name == "Interactions":
                for tab_name, updates in updates_by_tab.items():
                    with self._unprotected(tab_name):
                        self._update(tab(tab_name), updates)
            rows = changes.appends.get(name)
            if rows:
                with self._unprotected(name):
                    self._append(tab(name), rows)

    @contextlib.contextmanager
    def _unprotected(self, sheet: str) -> Iterator[None]:
        """Lift a protected tab's protection for our own write and put it back after, even when the
        write fails. Excel refuses writes to locked cells of a protected sheet, and the workbook API
        cannot pause protection: unprotect (a no-op on an unprotected sheet) -> write -> protect.
        Protecting every time also puts back a protection a steward lifted and forgot."""
        if sheet not in PROTECTED_TABS:
            yield
            return
        protection = self._wb.worksheets.by_workbook_worksheet_id(sheet).protection
        self._in_session(
            f"unprotect {sheet}", lambda: protection.unprotect.post(self._config()), idempotent=True
        )
        try:
            yield
        finally:
            body = protect_post_request_body.ProtectPostRequestBody(options=PROTECTION_OPTIONS)
            try:
                self._in_session(
                    f"protect {sheet}", lambda: protection.protect.post(body, self._config()), idempotent=True
                )
            except Exception as e:  # the write's own error (if any) says more; the next write protects
                log.warning("could not protect %s again after writing: %s", sheet, type(e).__name__)

    def _append(self, schema: Tab, rows: list[Row]) -> None:
        header = self._header(schema)
        missing = [c for c in schema.column_names if c not in header]
        if missing:
            raise HubSchemaError(f"the {schema.table_name} table lacks column(s) {', '.join(missing)}")
        for start in range(0, len(rows), self.rows_per_add):
            chunk = rows[start : start + self.rows_per_add]
            self._add_rows(schema, header, chunk)

    def _add_rows(self, schema: Tab, header: list[str], rows: list[Row]) -> None:
        values = [[_cell(schema, name, row.get(name)) for name in header] for row in rows]
        body = add_post_request_body.AddPostRequestBody(additional_data={"values": values})
        table = self._wb.tables.by_workbook_table_id(schema.table_name)
        try:
            self._in_session(
                f"add {schema.table_name}",
                lambda: table.rows.add.post(body, self._config()),
                idempotent=False,
            )
        except AmbiguousWrite:
            # The rows may be in already (504 after applying): add only those that are not.
            if not schema.key:
                raise
            present = {
                str(r[schema.key]).upper() for r in self._read_columns(schema, [schema.key]) if r[schema.key]
            }
            remaining = [r for r in rows if str(r[schema.key]).upper() not in present]
            log.warning(
                "rows/add on %s timed out; %d of %d rows were written, adding the rest",
                schema.table_name,
                len(rows) - len(remaining),
                len(rows),
            )
            if remaining:
                self._add_rows(schema, header, remaining)
            return
        # New rows extend the table: forget where it ends so the next read learns it again.
        self._layouts.pop(schema.name, None)

    def _update(self, schema: Tab, updates: list[RowUpdate]) -> None:
        layout = self._layout(schema)
        targets = []
        for update in updates:
            row = layout.keys.get(update.key.upper())
            if row is None:
                raise HubSchemaError(f"{schema.name}: no row with {schema.key} {update.key!r} to update")
            targets.append((row, update))
        targets.sort(key=lambda t: t[0])
        runs: list[list[tuple[int, RowUpdate]]] = []
        for target in targets:
            if runs and target[0] - runs[-1][-1][0] <= MAX_GAP:
                runs[-1].append(target)
            else:
                runs.append([target])
        for run in runs:
            self._patch_run(schema, layout, run)

    def _patch_run(self, schema: Tab, layout: _Layout, run: list[tuple[int, RowUpdate]]) -> None:
        cols = sorted({layout.header.index(name) for _, u in run for name in u.values})
        first_row, last_row = run[0][0], run[-1][0]
        lo, hi = cols[0], cols[-1]
        grid: list[list[Any]] = [[None] * (hi - lo + 1) for _ in range(last_row - first_row + 1)]
        for row, update in run:
            for name, value in update.values.items():
                grid[row - first_row][layout.header.index(name) - lo] = _cell(schema, name, value)
        address = (
            f"{get_column_letter(layout.first_col + lo)}{first_row}:"
            f"{get_column_letter(layout.first_col + hi)}{last_row}"
        )
        builder = self._wb.worksheets.by_workbook_worksheet_id(layout.sheet).range_with_address(address)

        async def patch(session: str) -> None:
            # msgraph-sdk has no PATCH for range(address=...); same URL template, our body.
            info = RequestInformation(Method.PATCH, builder.url_template, builder.path_parameters)
            info.headers.add("workbook-session-id", session)
            info.set_stream_content(json.dumps({"values": grid}).encode(), "application/json")
            await self.client.adapter.send_no_response_content_async(
                info, {"XXX": ODataError.create_from_discriminator_value}
            )

        # Writing the same values twice is harmless, so a PATCH may be retried after a timeout.
        # The session is made before the coroutine runs: creating one is itself a Graph call, which
        # cannot start inside the event loop that is running the PATCH (after a session expired).
        self._in_session(f"patch {schema.table_name}", lambda: patch(self._ensure_session()), idempotent=True)

    # -- schema check ------------------------------------------------------------------
    def check_schema(self) -> list[str]:
        """Problems between the workbook's tables and hub_schema, in words; empty when they match."""
        problems = []
        listed = self.client.all_pages("tables", self._wb.tables)
        names = {t.name for t in listed}
        for schema in TABS:
            if schema.table_name not in names:
                problems.append(f"table {schema.table_name} (tab {schema.name}) is missing")
                continue
            cols = self.client.all_pages(
                f"columns {schema.table_name}",
                self._wb.tables.by_workbook_table_id(schema.table_name).columns,
                with_select(RequestConfiguration(), COLUMN_FIELDS),
            )
            have = {c.name for c in cols}
            missing = [c for c in schema.column_names if c not in have]
            if missing:
                problems.append(f"table {schema.table_name} lacks column(s) {', '.join(missing)}")
        return problems


def _code(e: GraphCallError) -> str:
    return e.inner or e.code or str(e.status)


def _locked_text(e: GraphCallError) -> str:
    return (
        f"the hub workbook is locked for editing ({_code(e)}); "
        "queued submissions stay queued for the next run"
    )


def _cell(schema: Tab, name: str, value: Any) -> Any:
    column = schema.by_name.get(name)
    if column is None:  # a column the admin added: leave it blank
        return ""
    return to_api_value(column, value)
