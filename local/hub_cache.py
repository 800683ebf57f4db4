"""The local hub's parsed columns, kept between runs so a writer batch does not parse the hub again.

Parsing the three big tabs of a 100k-interaction hub costs seconds; the writer changes a few hundred
rows. The store keeps what its writing jobs read (typed values per column, per tab: see
hub_schema.cells.typed_columns) in a private folder, under the hub file's content identity: its size
and modified time and, from the zip central directory, each part's name, CRC-32 and size. After the
store's own write it updates those columns with the rows it wrote and files them under the new
file's identity, so the next run reads them instead of the workbook. A file changed by anyone else
(Excel, another tool, a copy put in its place) has another identity, and the kept columns are not
used: the hub is parsed again.

Layout: one folder per hub (named from its resolved path) in a folder private to this user (0700),
holding manifest.pickle (the identity, and for each tab its header and the files of each kept
column) and the columns' files (0600). A column is kept in segments, each file a run of its values
with their count: a save after rows were only appended writes just the new values as one more
segment (a writer batch appends a hundred rows to columns of 100k), any other change rewrites the
column whole, and so does the save that would make it more than MAX_SEGMENTS. Files are written
first and the manifest replaces the old one last, atomically: a process killed at any point
leaves either the old manifest (naming the old file's identity, so it is ignored once the hub is
replaced; its segments are still there) or the new one. Anything unreadable, not private, not the
count its manifest says or of another format is treated as absent. Pickle runs code when loaded, so loading
accepts only the types a cell can hold.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import pickle
import stat
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from python_calamine import CalamineWorkbook

from hub_schema.cells import typed_columns
from hub_schema.tabs import TABS, tab
from local.pickle_keep import no_cycle_collection
from local.xlsx_patch import Written

log = logging.getLogger(__name__)

FORMAT = 2  # 2: each column a list of (file, count) segments
MANIFEST = "manifest.pickle"
MAX_SEGMENTS = 16  # a column in more files is rewritten whole at the next save (loads stay cheap)
KEEP_HUBS = 8  # hubs whose columns are kept (tests and benches make many; a machine has one or two)

Identity = tuple[Any, ...]


def _schema_fingerprint() -> str:
    """The tabs' columns and types: kept values typed under another schema are not used."""
    text = repr([(t.name, [(c.name, c.type) for c in t.columns]) for t in TABS])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


SCHEMA = _schema_fingerprint()


def identity_of(path: Path) -> Identity | None:
    """The hub file's content identity: size, modified time, and each zip part's name, CRC-32 and
    size from the central directory (a few KB read). None when it is not a readable zip."""
    try:
        with path.open("rb") as f:
            info = os.fstat(f.fileno())
            with zipfile.ZipFile(f) as z:
                parts = tuple((i.filename, i.CRC, i.file_size) for i in z.infolist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return None
    return (FORMAT, SCHEMA, info.st_size, info.st_mtime_ns, parts)


@dataclass
class KeptTab:
    """One tab's kept columns: its header as read and typed values per data row (index i is sheet
    row i + 2, blank rows included as None)."""

    header: list[str]
    values: dict[str, list[Any]]
    changed: set[str] = field(default_factory=set)  # columns to write at the next save
    # How many of each column's values the cache holds as they are here (set when loaded or saved),
    # and the first value follow() wrote since: from there on is all a save needs to add.
    stored: dict[str, int] = field(default_factory=dict)
    written_from: dict[str, int] = field(default_factory=dict)

    def length(self) -> int:
        return max((len(v) for v in self.values.values()), default=0)

    def follow(self, name: str, read: list[tuple[int, list[Any], set[int] | None]]) -> None:
        """Take in the rows a write put in this tab, as read back: (sheet row, its cells as read,
        the columns written or None for the whole row)."""
        if not read:
            return
        names = list(self.values)
        typed = typed_columns(tab(name), [self.header, *(cells for _, cells, _ in read)], name, names)
        at = {n: self.header.index(n) + 1 for n in names}  # sheet column of each kept column
        need = max(number for number, _, _ in read) - 1
        for column in names:
            values = self.values[column]
            if len(values) < need:
                values.extend([None] * (need - len(values)))
            first = len(values)
            for (number, _, columns), value in zip(read, typed[column], strict=True):
                if columns is None or at[column] in columns:
                    values[number - 2] = value
                    first = min(first, number - 2)
            if column not in self.changed or column in self.written_from:
                self.written_from[column] = min(first, self.written_from.get(column, first))
            self.changed.add(column)

    def appended_only(self, column: str) -> bool:
        """True when the cache holds this column as it is here up to its stored count, and only
        values after that count have changed since (rows appended)."""
        stored = self.stored.get(column)
        return stored is not None and self.written_from.get(column, -1) >= stored


class HubCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def for_hub(cls, hub: Path, root: Path | None = None) -> HubCache:
        root = root or default_root()
        name = hashlib.sha256(str(hub.resolve()).encode()).hexdigest()[:16]
        return cls(root / name)

    # -- reading ---------------------------------------------------------------------------
    def load(
        self,
        identity: Identity,
        wanted: Mapping[str, Iterable[str]],
        also: Mapping[str, Iterable[str]] | None = None,
    ) -> dict[str, KeptTab]:
        """The kept columns of the tabs asked for, for a hub of this identity: a tab only when every
        column asked for is kept (with those of `also` that are kept too); nothing when the kept
        columns belong to another file."""
        manifest = self._manifest()
        if manifest is None or manifest.get("identity") != identity:
            return {}
        out: dict[str, KeptTab] = {}
        for name, asked in wanted.items():
            entry = manifest["tabs"].get(name)
            if entry is None or not set(asked) <= entry["columns"].keys():
                continue
            extra = [c for c in (also or {}).get(name, ()) if c in entry["columns"] and c not in asked]
            columns = [*asked, *extra]
            values = {}
            for column in columns:
                loaded = self._load_column(entry["columns"][column])
                if loaded is None:
                    return {}  # a file gone or damaged: parse rather than trust the rest
                values[column] = loaded
            out[name] = KeptTab(list(entry["header"]), values, stored={c: len(v) for c, v in values.items()})
        return out

    def _load_column(self, segments: list[tuple[str, int]]) -> list[Any] | None:
        """A column's values from its segments; None when one is missing, damaged or not its count."""
        values: list[Any] = []
        for name, count in segments:
            part = self._load(name)
            if not isinstance(part, list) or len(part) != count:
                return None
            values += part
        return values

    def kept(self, identity: Identity) -> dict[str, set[str]]:
        """The columns kept per tab for a hub of this identity (for tests and the bench)."""
        manifest = self._manifest()
        if manifest is None or manifest.get("identity") != identity:
            return {}
        return {name: set(entry["columns"]) for name, entry in manifest["tabs"].items()}

    def _manifest(self) -> dict | None:
        loaded = self._load(MANIFEST)
        if not isinstance(loaded, dict) or loaded.get("format") != FORMAT:
            return None
        return loaded

    def _load(self, name: str) -> Any:
        path = self.folder / name
        try:
            with path.open("rb") as f:
                if not (_private(os.fstat(f.fileno())) and _private(self.folder.stat())):
                    log.warning("ignoring %s: it is not private to this user", path)
                    return None
                with no_cycle_collection():
                    return _CellUnpickler(f).load()
        except FileNotFoundError:
            return None
        except Exception as e:  # cut short, damaged, an old format: the same as not kept
            log.warning("ignoring %s: %s", path, e)
            return None

    # -- writing ---------------------------------------------------------------------------
    def save(
        self,
        identity: Identity,
        tabs: Mapping[str, KeptTab],
        *,
        carry_from: Identity | None = None,
        written: Iterable[str] = (),
    ) -> None:
        """Keep `tabs` for the hub of `identity`. The columns already kept for `carry_from` (the file
        before this store's write) or for `identity` itself stay kept, except in the tabs `written`
        (only the columns in `tabs` followed the write); the files of columns not marked changed
        are reused rather than written again."""
        try:
            _private_folder(self.folder.parent)
            _private_folder(self.folder)
            with FileLock(str(self.folder / ".lock"), mode=0o600).acquire(timeout=5):
                self._save(identity, tabs, carry_from, set(written))
        except (OSError, Timeout) as e:  # a full disk costs the next run a parse, nothing more
            log.warning("could not keep the hub's columns in %s: %s", self.folder, e)
            return
        self._forget_other_hubs()

    def _save(
        self,
        identity: Identity,
        tabs: Mapping[str, KeptTab],
        carry_from: Identity | None,
        written: set[str],
    ) -> None:
        old = self._manifest()
        base: dict[str, Any] = {}
        if old is not None and old.get("identity") in (identity, carry_from):
            base = old["tabs"]
        new_tabs: dict[str, Any] = {}
        for name, entry in base.items():
            if name not in written:
                new_tabs[name] = {"header": entry["header"], "columns": dict(entry["columns"])}
        for name, kept in tabs.items():
            entry = new_tabs.setdefault(name, {"header": kept.header, "columns": {}})
            if entry["header"] != kept.header:
                entry = new_tabs[name] = {"header": kept.header, "columns": {}}
            before = base.get(name, {"header": None, "columns": {}})
            for column, values in kept.values.items():
                if column in entry["columns"] and column not in kept.changed:
                    continue
                entry["columns"][column] = self._segments(kept, column, before, values)
                kept.stored[column] = len(values)
                kept.written_from.pop(column, None)
            kept.changed.clear()
        self._write({"format": FORMAT, "identity": identity, "tabs": new_tabs}, MANIFEST)
        used = {f for entry in new_tabs.values() for s in entry["columns"].values() for f, _ in s}
        for path in self.folder.glob("*.pickle"):
            if path.name != MANIFEST and path.name not in used:
                path.unlink(missing_ok=True)

    def _segments(self, kept: KeptTab, column: str, before: dict, values: list[Any]) -> list[tuple[str, int]]:
        """The column's files after this save: those kept before plus one of the values appended,
        when only that happened and the files hold what this tab loaded; else one file of it all."""
        old = before["columns"].get(column)
        if (
            old is not None
            and before["header"] == kept.header
            and kept.appended_only(column)
            and sum(count for _, count in old) == kept.stored[column]
            and len(old) < MAX_SEGMENTS
        ):
            tail = values[kept.stored[column] :]
            return [*old, (self._write(tail), len(tail))] if tail else list(old)
        return [(self._write(values), len(values))]

    def _write(self, value: Any, name: str | None = None) -> str:
        name = name or f"{uuid.uuid4().hex}.pickle"
        tmp = self.folder / f".{name}.{os.getpid()}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f, no_cycle_collection():
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.folder / name)
        finally:
            tmp.unlink(missing_ok=True)
        return name

    def clear(self) -> None:
        """Drop what is kept for this hub (written through a path the columns cannot follow)."""
        (self.folder / MANIFEST).unlink(missing_ok=True)

    def _forget_other_hubs(self) -> None:
        """Keep the columns of the KEEP_HUBS hubs used last; tests and benches make many."""
        try:
            others = sorted(
                (p for p in self.folder.parent.iterdir() if p.is_dir() and p != self.folder),
                key=lambda p: p.stat().st_mtime,
                reverse=True,
            )
        except OSError:
            return
        for old in others[KEEP_HUBS - 1 :]:
            for path in old.glob("*"):
                path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                old.rmdir()


def default_root() -> Path:
    return Path(tempfile.gettempdir()) / f"cxhub-hub-{getattr(os, 'getuid', lambda: 0)()}"


def _private_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, exist_ok=True)
    if not _private(folder.stat()):
        raise OSError(f"{folder} is not private to this user")


def _private(info: os.stat_result) -> bool:
    """Owned by this user, and no one else may read or write it (it holds customer data)."""
    owner = getattr(os, "getuid", lambda: info.st_uid)()
    return info.st_uid == owner and not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)


_CELL_TYPES = {("datetime", t.__name__): t for t in (date, datetime, time, timedelta)}


class _CellUnpickler(pickle.Unpickler):
    """Only the types a kept cell can hold (besides str, numbers, None, lists and dicts, which need
    no class): a file that names any other class is refused, never run."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _CELL_TYPES:
            return _CELL_TYPES[(module, name)]
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell type")


def read_back(written: Written) -> dict[str, list[tuple[int, list[Any], set[int] | None]]]:
    """The cells a patch wrote, as calamine reads them from the hub (the same styles, so dates are
    dates): a small workbook of only those rows, parsed. Per tab: (sheet row, the row's cells from
    column A, the column numbers written or None for a whole row)."""
    order: dict[str, list[tuple[int, dict[int, bytes], set[int] | None]]] = {}
    for name in written.whole.keys() | written.cells.keys():
        rows: list[tuple[int, dict[int, bytes], set[int] | None]] = [
            (n, cells, None) for n, cells in written.whole.get(name, {}).items()
        ]
        rows += [(n, cells, set(cells)) for n, cells in written.cells.get(name, {}).items()]
        if rows:
            order[name] = sorted(rows, key=lambda r: r[0])
    if not order:
        return {}
    names = list(order)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        count = len(order)
        sheets = "".join(f'<sheet name="s{i}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(count))
        z.writestr(
            "xl/workbook.xml",
            _WORKBOOK.replace(b"{pr}", written.workbook_pr).replace(b"{sheets}", sheets.encode()),
        )
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" Type="{_SHEET_TYPE}" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(names))
        )
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.replace(b"{sheets}", rels.encode()))
        z.writestr("xl/styles.xml", written.styles)
        for i, name in enumerate(names):
            body = b"".join(_renumbered(j + 1, cells) for j, (_, cells, _) in enumerate(order[name]))
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", _SHEET.replace(b"{rows}", body))
    book = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue()))
    out: dict[str, list[tuple[int, list[Any], set[int] | None]]] = {}
    for i, name in enumerate(names):
        parsed = book.get_sheet_by_name(f"s{i}").to_python(skip_empty_area=False)
        out[name] = [
            (number, list(parsed[j]) if j < len(parsed) else [], columns)
            for j, (number, _, columns) in enumerate(order[name])
        ]
    return out


def _renumbered(number: int, cells: dict[int, bytes]) -> bytes:
    """A written row's cells (as the patcher writes them: `<c r="AB123" ...`) as row `number`."""
    row = b"%d" % number
    pieces = []
    for column in sorted(cells):
        cell = cells[column]
        start = cell.find(b' r="') + 4
        end = cell.find(b'"', start)
        if start < 4 or end < 0:
            raise ValueError(f"a written cell without a reference: {cell[:40]!r}")
        pieces.append(cell[:start] + cell[start:end].rstrip(b"0123456789") + row + cell[end:])
    return b'<row r="%b">%b</row>' % (row, b"".join(pieces))


_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_TYPE = _REL.decode() + "/worksheet"
_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
    b'"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
    b'main+xml"/></Types>'
)
_ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/relationships"><Relationship Id="rId1" Type="' + _REL + b'/officeDocument" Target='
    b'"xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="' + _MAIN + b'" xmlns:r="' + _REL + b'">'
    b"{pr}<sheets>{sheets}</sheets></workbook>"
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/relationships">{sheets}<Relationship Id="rIdS" Type="' + _REL + b'/styles" Target='
    b'"styles.xml"/></Relationships>'
)
_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="' + _MAIN + b'">'
    b"<sheetData>{rows}</sheetData></worksheet>"
)
