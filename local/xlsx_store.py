"""The hub as a local .xlsx file: read with python-calamine (fast), written with openpyxl.

Writes hold a lock file so two writers never interleave, go to a temporary file first and
replace the hub atomically, so a crash mid-save never leaves half a workbook. A hub open in
Excel or LibreOffice (their owner/lock files are present) is treated as locked: writing
behind the back of someone editing would lose their changes or ours.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineError, CalamineWorkbook

from hub.ports import HubBroken, HubChanges, HubLocked, HubSchemaError, Row
from hub.tables import no_cycle_collection
from hub.text import looks_like_formula
from hub_schema.cells import (
    missing_columns_message,
    missing_tab_message,
    number_format,
    rows_from_columns,
    typed_columns,
)
from hub_schema.tabs import OPEN_COLUMNS, Column, Tab, tab
from hub_schema.template import build_template
from local.hub_cache import HubCache, Identity, KeptTab, identity_of, read_back
from local.xlsx_patch import NotPatchable, Written, patch, sheet_sizes

# What openpyxl raises on a file that is not a whole .xlsx (cut short, another format, no such file).
UNREADABLE = (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException)
log = logging.getLogger(__name__)
_OPEN = Protection(locked=False)


class XlsxHubStore:
    def __init__(
        self,
        path: Path | str,
        *,
        lock_timeout: float = 30.0,
        cache: HubCache | None = None,
        keep_with: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._lock = FileLock(str(self.path) + ".lock")
        # The columns of the last read (typed, per tab, key columns included) and the file they were
        # read from (mtime and size; with a cache, its content identity): updates are patched into
        # the rows the key columns name without reading the sheet again, and after this store's own
        # write the columns follow it, so the next read needs no parse (local.hub_cache).
        self.cache = cache
        # Columns to type and keep whenever their tab is parsed anyway (the parse is of the whole
        # sheet): the other columns the writing jobs read, so the next job finds them kept.
        self.keep_with = {name: tuple(cols) for name, cols in (keep_with or {}).items()}
        self._kept: dict[str, KeptTab] = {}
        self._kept_signature: tuple[int, int] | None = None
        self._kept_identity: Identity | None = None
        self._unsaved = False  # parsed columns not yet in the cache

    def ensure_exists(self) -> bool:
        """Create a blank hub if there is none. Returns True when one was created."""
        if self.path.exists():
            return False
        build_template(self.path)
        return True

    # -- reading ---------------------------------------------------------------------------
    def read_tables(
        self,
        tabs: Iterable[str],
        *,
        fresh: bool = False,
        columns: Mapping[str, Sequence[str]] | None = None,
    ) -> dict[str, list[Row]]:
        """The tabs' rows as typed dicts (only the columns asked for, where asked). A read for a
        write (`fresh`) keeps what it parsed in the cache, if the store has one."""
        if not self.path.exists():
            # The hub's fault, not the caller's: the writer keeps the queue uncounted, HTTP says 503.
            raise HubBroken(f"no hub at {self.path}; create one with: cxhub init --hub {self.path}")
        asked = {name: list(columns[name]) if columns and name in columns else None for name in tabs}
        with no_cycle_collection():  # ~20 % of a large read
            self._gather({name: _needed(name, cols) for name, cols in asked.items()}, fresh)
            return {
                name: rows_from_columns(self._kept[name].values, cols or list(tab(name).column_names))
                for name, cols in asked.items()
            }

    def _gather(self, need: Mapping[str, list[str]], fresh: bool) -> None:
        """Make self._kept hold these columns of the file as it is: those already held, else from
        the cache (same file), else parsed; a read for a write keeps what it parsed."""
        signature = _signature(self.path)
        identity = identity_of(self.path) if self.cache is not None else None
        if signature != self._kept_signature or identity != self._kept_identity:
            self._kept, self._kept_signature, self._kept_identity = {}, signature, identity
        missing = {n: c for n, c in need.items() if not _covers(self._kept.get(n), c)}
        if self.cache is not None and identity is not None and missing:
            self._take(self.cache.load(identity, missing, also=self.keep_with))
        parsed = self._parse({n: c for n, c in need.items() if not _covers(self._kept.get(n), c)})
        # A read for a write keeps what it parsed, with the write (or at close() if none comes):
        # the columns are then filed once, under the identity of the file the write makes.
        if parsed and fresh and self.cache is not None:
            self._unsaved = True

    def _keep_unsaved(self) -> None:
        """File the parsed columns no write took with it, if the hub is still the file they are of."""
        identity = self._kept_identity
        if self._unsaved and self.cache and identity and identity_of(self.path) == identity:
            self.cache.save(identity, self._kept)
        self._unsaved = False

    def _take(self, tabs: Mapping[str, KeptTab]) -> None:
        """Add columns to those kept for the current file."""
        for name, got in tabs.items():
            kept = self._kept.get(name)
            if kept is None or kept.header != got.header:
                self._kept[name] = got
            else:
                kept.values.update(got.values)
                kept.changed |= got.changed
                for column in got.values:  # what the cache holds of these columns is as `got` says
                    kept.written_from.pop(column, None)
                    kept.stored.pop(column, None)
                kept.stored.update(got.stored)

    def _parse(self, need: Mapping[str, list[str]]) -> dict[str, KeptTab]:
        """The columns of these tabs from the workbook itself."""
        if not need:
            return {}
        parsed = {}
        for name, rows in self._sheets(list(need)):
            cols = need[name]
            header = [str(h).strip() if h is not None else "" for h in rows[0]]
            also = [c for c in self.keep_with.get(name, ()) if c in header and c not in cols]
            values = typed_columns(tab(name), rows, self.path.name, [*cols, *also])
            parsed[name] = KeptTab(header, values, set(values))
            del rows  # not kept alive beside the next sheet's cells
        parsed = {name: parsed[name] for name in need}  # in the order asked, whichever came first
        self._take(parsed)
        return parsed

    def _sheets(self, names: list[str]) -> Iterator[tuple[str, list[list[Any]]]]:
        """Each tab's cells, as they are parsed. calamine parses a sheet without holding the GIL, so
        two threads parse two sheets at once, the largest first (the 100k hub's Interactions beside
        its Contacts, then Deals and Accounts: 2.4 -> 1.3 s wall, the same CPU-s), and the one parsed
        first is typed while they run. Each thread opens its own workbook (calamine refuses one shared
        by two threads), all of the one file the read holds open."""
        with self._held() as source:
            yield from self._parsed_sheets(names, source)

    @contextmanager
    def _held(self) -> Iterator[str]:
        """A path by which every workbook of one read opens the same file: the hub as it was when
        the read began, even if another process replaces it meanwhile (so no read is some tabs of
        one file and some of the next). On Linux the held file's /proc entry; elsewhere the path."""
        try:
            held = self.path.open("rb")
        except OSError as e:
            raise HubBroken(f"{self.path.name} cannot be read: {e.strerror}") from e
        with held:
            proc = Path(f"/proc/self/fd/{held.fileno()}")
            yield str(proc) if proc.exists() else str(self.path)

    def _parsed_sheets(self, names: list[str], source: str) -> Iterator[tuple[str, list[list[Any]]]]:
        book = self._open_for_reading(source)
        missing = [n for n in names if n not in book.sheet_names]
        if missing:
            raise HubSchemaError(missing_tab_message(self.path.name, missing[0], book.sheet_names))
        if len(names) == 1:
            yield names[0], self._sheet_rows(book, names[0])
            return
        # One workbook per worker thread, dropped when the read ends (the file is not left open:
        # Windows refuses to replace a hub a reader still holds).
        books: dict[int, CalamineWorkbook] = {}

        def load(name: str) -> list[list[Any]]:
            thread = threading.get_ident()
            if thread not in books:
                books[thread] = self._open_for_reading(source)
            return self._sheet_rows(books[thread], name)

        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="xlsx-read")
        try:
            queued = iter(self._largest_first(names, source))
            running = {pool.submit(load, n): n for n in islice(queued, 2)}
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    name = running.pop(future)
                    rows = future.result()
                    running.update({pool.submit(load, n): n for n in islice(queued, 1)})
                    yield name, rows
        finally:  # a failed or abandoned read waits for the sheet being parsed, parses no more
            pool.shutdown(wait=True, cancel_futures=True)
            books.clear()

    def _largest_first(self, names: list[str], source: str) -> list[str]:
        """The tabs by the size of their sheet's XML, largest first (as asked if the package's
        directory cannot say: the parse then reports what is wrong)."""
        try:
            with zipfile.ZipFile(source) as z:
                sizes = sheet_sizes(z)
        except (*UNREADABLE, IndexError):
            return names
        return sorted(names, key=lambda name: -sizes.get(name, 0))

    def _sheet_rows(self, book: CalamineWorkbook, name: str) -> list[list[Any]]:
        try:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except CalamineError as e:
            raise HubBroken(f"{self.path.name}: the {name!r} tab cannot be read ({e})") from e
        if not rows:
            raise HubSchemaError(f"{self.path.name}: the {name!r} tab has no header row")
        return rows

    def _open_for_reading(self, source: str | None = None) -> CalamineWorkbook:
        """The workbook at `source` (a read's _held() path), else at the hub's path."""
        try:
            return CalamineWorkbook.from_path(source or str(self.path))
        except CalamineError as e:
            raise HubBroken(
                f"{self.path.name} is not a readable workbook: the file is cut short or corrupt ({e}). "
                "Restore it from a backup or its version history; the queued submissions wait"
            ) from e

    def close(self) -> None:
        """Nothing is held open between runs; parsed columns not yet kept are kept now."""
        self._keep_unsaved()

    def size_bytes(self) -> int:
        return self.path.stat().st_size

    def version(self) -> str:
        """Changes whenever the file does (modified time and size): what the page cache keys on."""
        stat = self.path.stat()
        return f"{stat.st_mtime_ns}:{stat.st_size}"

    def measure_open(self, largest: str = "Interactions") -> float:
        """Seconds to open the workbook and read its largest sheet: the local stand-in for how long
        Excel takes to open the hub (the upgrade trigger)."""
        started = time.perf_counter()
        self._sheet_rows(self._open_for_reading(), largest)
        return time.perf_counter() - started

    # -- writing ---------------------------------------------------------------------------
    def apply(self, changes: HubChanges) -> None:
        if changes.is_empty():
            self._keep_unsaved()
            return
        try:
            with self._lock.acquire(timeout=self.lock_timeout):
                self._refuse_if_open_in_office()
                self._remove_stale_temp_files()
                tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
                followed = False
                try:
                    written = self._write(changes, tmp)
                    with open(tmp, "rb") as f:
                        os.fsync(f.fileno())
                    follow = self._follower(written, tmp)
                    os.replace(tmp, self.path)
                    followed = follow is not None and self._quietly(follow)
                except PermissionError as e:  # Windows: Excel holds the file open
                    raise HubLocked(f"{self.path.name} is open in another program; close it") from e
                finally:
                    tmp.unlink(missing_ok=True)
                    if not followed:
                        self._kept, self._kept_signature, self._kept_identity = {}, None, None
                        self._unsaved = False
        except Timeout as e:
            raise HubLocked(
                f"another CX Hub writer has held {self.path.name} for {self.lock_timeout:.0f}s"
            ) from e

    def _quietly(self, follow: Callable[[], None]) -> bool:
        """Run `follow`; a failure there never fails a write that is done: the next run parses."""
        try:
            follow()
        except Exception as e:
            log.warning("%s: kept columns dropped (%s); the next run parses the hub", self.path.name, e)
            return False
        return True

    def _follower(self, written: Written | None, tmp: Path) -> Callable[[], None] | None:
        """What keeps the read columns true after the hub is replaced by `tmp`: the rows written put
        into them, kept under the new file's identity. Called only after the replace, so a process
        killed before it leaves the cache naming the old file (not used for the new one). None when
        the columns cannot follow: no cache, an openpyxl write, or a hub changed since the read."""
        if self.cache is None or written is None or self._kept_identity is None:
            return None
        if identity_of(self.path) != self._kept_identity:
            return None
        new_identity = identity_of(tmp)
        cache, base = self.cache, self._kept_identity
        if new_identity is None:
            return None

        def follow() -> None:
            with no_cycle_collection():
                for name, rows in read_back(written).items():
                    if name in self._kept:
                        self._kept[name].follow(name, rows)
            touched = set(written.whole) | set(written.cells)
            self._kept_identity, self._kept_signature = new_identity, (new_identity[3], new_identity[2])
            cache.save(new_identity, self._kept, carry_from=base, written=touched)
            self._unsaved = False

        return follow

    def _write(self, changes: HubChanges, tmp: Path) -> Written | None:
        """The hub plus `changes` into `tmp`: only the changed sheets rewritten when the package
        allows it (seconds at 100k rows), else the whole workbook through openpyxl (None)."""
        try:
            return patch(str(self.path), str(tmp), changes, self._key_rows(changes))
        except NotPatchable as e:
            log.info("writing %s through openpyxl: %s", self.path.name, e)
        except zipfile.BadZipFile as e:
            raise HubBroken(f"{self.path.name} cannot be opened for writing ({e})") from e
        try:
            wb = load_workbook(self.path)
        except UNREADABLE as e:
            raise HubBroken(f"{self.path.name} cannot be opened for writing ({e})") from e
        for tab_name, rows in changes.appends.items():
            if rows:
                _append(wb[tab_name], tab(tab_name), rows)
        by_tab: dict[str, list] = {}
        for update in changes.updates:
            by_tab.setdefault(update.tab, []).append(update)
        for tab_name, updates in by_tab.items():
            _update(wb[tab_name], tab(tab_name), updates)
        wb.save(tmp)
        return None

    def _key_rows(self, changes: HubChanges) -> dict[str, dict[str, int]]:
        """Sheet rows of the keys to update: from the last read when the file has not changed since."""
        tabs = {u.tab for u in changes.updates}
        current = self._kept_signature == _signature(self.path)
        out: dict[str, dict[str, int]] = {}
        book = None
        for name in tabs:
            key = tab(name).key
            kept = self._kept.get(name) if current else None
            if kept is not None and key in kept.values:
                out[name] = _rows_by_key(kept.values[key])
                continue
            book = book or self._open_for_reading()
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            out[name] = _rows_by_key(_key_cells(tab(name), rows))
        return out

    def _remove_stale_temp_files(self) -> None:
        """A writer killed mid-save leaves its `.hub.xlsx.<pid>.tmp` behind. Every save happens
        under the lock this writer now holds, so any such file is left over (whatever its pid)."""
        for leftover in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            leftover.unlink(missing_ok=True)

    def _refuse_if_open_in_office(self) -> None:
        for owner in (f".~lock.{self.path.name}#", f"~${self.path.name}"):
            if (self.path.parent / owner).exists():
                raise HubLocked(
                    f"{self.path.name} is open in Excel or LibreOffice; close it and the queued "
                    "submissions will be written on the next run"
                )


# -- helpers ---------------------------------------------------------------------------------
def _needed(name: str, columns: list[str] | None) -> list[str]:
    """The columns to read of a tab: those asked for (all when none are named) and its key, which
    locates the rows an update changes."""
    names = columns if columns is not None else list(tab(name).column_names)
    key = tab(name).key
    return names if key is None or key in names else [*names, key]


def _covers(kept: KeptTab | None, columns: list[str]) -> bool:
    return kept is not None and set(columns) <= kept.values.keys()


def _signature(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


def _key_cells(schema: Tab, rows: list[list[Any]]) -> list[Any]:
    """The key column's cells below the header, as read (calamine's row i is sheet row i + 1)."""
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    if schema.key not in header:
        return []
    at = header.index(schema.key)
    return [raw[at] if at < len(raw) else "" for raw in rows[1:]]


def _rows_by_key(cells: list[Any]) -> dict[str, int]:
    """Key -> sheet row number, from the key column's cells of sheet rows 2, 3, ... (as read, or
    typed: None for a blank)."""
    out: dict[str, int] = {}
    for number, value in enumerate(cells, start=2):
        if value is None:
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        key = str(value).strip()
        if key and key not in out:
            out[key] = number
    return out


def _table_for(ws: Worksheet, schema: Tab):
    table = ws.tables.get(schema.table_name)
    if table is None:
        raise HubSchemaError(f"the {schema.name!r} tab has no Excel table named {schema.table_name!r}")
    return table


def _header_columns(
    ws: Worksheet, schema: Tab, min_col: int, max_col: int, header_row: int
) -> dict[str, int]:
    header = {str(ws.cell(row=header_row, column=c).value).strip(): c for c in range(min_col, max_col + 1)}
    missing = [c for c in schema.column_names if c not in header]
    if missing:
        raise HubSchemaError(missing_columns_message("the hub", schema, missing, list(header)))
    return header


def _append(ws: Worksheet, schema: Tab, rows: list[Row]) -> None:
    table = _table_for(ws, schema)
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    columns = _header_columns(ws, schema, min_col, max_col, min_row)
    next_row = max_row + 1
    # Fill trailing blank rows of the table (the template's empty row, rows a steward cleared).
    while next_row - 1 > min_row and all(
        ws.cell(row=next_row - 1, column=c).value in (None, "") for c in range(min_col, max_col + 1)
    ):
        next_row -= 1
    open_columns = OPEN_COLUMNS.get(schema.name, ())
    for row in rows:
        for name, value in row.items():
            cell = ws.cell(row=next_row, column=columns[name])
            _write_cell(cell, schema.by_name[name], value)
            if name in open_columns:
                cell.protection = _OPEN  # people decide in this column, even on a protected sheet
        next_row += 1
    last_row = max(next_row - 1, min_row + 1)
    table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{last_row}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref


def _update(ws: Worksheet, schema: Tab, updates: list) -> None:
    if schema.key is None:
        raise HubSchemaError(f"rows of {schema.name!r} cannot be updated: it has no key column")
    table = _table_for(ws, schema)
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    columns = _header_columns(ws, schema, min_col, max_col, min_row)
    key_col = columns[schema.key]
    where = {
        str(ws.cell(row=r, column=key_col).value).strip(): r
        for r in range(min_row + 1, max_row + 1)
        if ws.cell(row=r, column=key_col).value not in (None, "")
    }
    for update in updates:
        row_no = where.get(update.key)
        if row_no is None:
            raise HubSchemaError(f"{schema.name}: no row with {schema.key} {update.key!r} to update")
        for name, value in update.values.items():
            _write_cell(ws.cell(row=row_no, column=columns[name]), schema.by_name[name], value)


def _write_cell(cell: Cell, column: Column, value: Any) -> None:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
        cell.value = value
        # Text is text: never let Excel (or openpyxl) take it for a formula.
        cell.data_type = "s"
        cell.quotePrefix = looks_like_formula(value)
        return
    cell.value = value
    code = number_format(column, value)
    if code is not None:
        cell.number_format = code
