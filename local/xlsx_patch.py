"""Write changes into a hub .xlsx by rewriting only the sheets that change.

Loading and saving a 100k-row workbook with openpyxl takes tens of seconds and most of a GB; a
writer batch or a governance run changes a few hundred rows. This patcher streams every part of
the package through unchanged except the changed sheets (rows appended before </sheetData>,
cells replaced in their rows), their table parts (ref and autoFilter ref), the sheet dimension,
and styles.xml when a number format or the quote prefix needs a cell style it lacks. New text
goes in as inline strings (sharedStrings.xml is left alone); a cell keeps the style of the cell
above it when that style shows the column's number format. Data validation, conditional
formatting, defined names and frozen panes live in parts or elements it never touches.

Anything it is not sure of (a formula in a cell to replace, a sheet it cannot find, rows below a
table, a key it cannot locate) raises NotPatchable and the store falls back to openpyxl.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

try:  # ISA-L: the same deflate format, several times faster (zlib when the wheel is missing)
    from isal import isal_zlib as _deflate
except ImportError:  # pragma: no cover - isal is a dependency; zlib keeps a broken install working
    import zlib as _deflate  # type: ignore[no-redef]
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

from hub.ports import HubChanges, Row, RowUpdate
from hub.text import looks_like_formula
from hub_schema.cells import number_format, to_excel_serial
from hub_schema.tabs import Tab, tab

# Excel's built-in number formats that hub_schema uses (ECMA-376 18.8.30).
_BUILTIN_FORMATS = {"0": 1, "#,##0.00": 4}
_ROW_START = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)\d+"[^>]*?(?:/>|>.*?</c>)', re.S)
_STYLE = re.compile(rb'\bs="(\d+)"')
_HAS_VALUE = re.compile(rb"<v>[^<]|<t[^>]*>[^<]|<f[ >]")
_QUOTE = {'"': "&quot;"}  # a format code in an attribute: the naira format quotes its symbol


class NotPatchable(Exception):
    """The package holds something this patcher does not rewrite safely; use openpyxl."""


@dataclass
class Written:
    """What one patch wrote, so the kept columns can follow (local.hub_cache): per tab, the rows
    written whole (appended, or blanked: no cells) and the cells replaced in other rows, each as
    sheet row -> column number -> the cell's XML; and the styles and workbook flags they read by."""

    whole: dict[str, dict[int, dict[int, bytes]]]
    cells: dict[str, dict[int, dict[int, bytes]]]
    styles: bytes
    workbook_pr: bytes


@dataclass
class _Styles:
    """cellXfs of styles.xml: the cell style index for (number format, quote prefix)."""

    xml: bytes
    formats: dict[int, str]  # numFmtId -> format code (custom ones)
    xfs: list[tuple[int, bool]]  # per cell style: (numFmtId, quotePrefix)
    added: list[bytes] = field(default_factory=list)
    added_formats: list[bytes] = field(default_factory=list)
    # index() answers per (code, quote, above): asked once per cell written, thousands of times
    # per run, and an answer never changes (styles are only ever added at the end).
    _answers: dict[tuple[str | None, bool, int | None], int] = field(default_factory=dict)

    @classmethod
    def parse(cls, xml: bytes) -> _Styles:
        formats = {
            int(i): _unescape(code.decode())
            for i, code in re.findall(rb'<numFmt\b[^>]*numFmtId="(\d+)"[^>]*formatCode="([^"]*)"', xml)
        }
        block = re.search(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", xml, re.S)
        if block is None:
            raise NotPatchable("styles.xml has no cellXfs")
        xfs = []
        for xf in re.findall(rb"<xf\b[^>]*>", block.group(1)):
            num = re.search(rb'numFmtId="(\d+)"', xf)
            xfs.append((int(num.group(1)) if num else 0, b'quotePrefix="1"' in xf))
        return cls(xml, formats, xfs)

    def format_id(self, code: str | None) -> int:
        if code is None:
            return 0
        found = [i for i, c in self.formats.items() if _same_format(c, code)]
        if found:
            return found[0]
        if code in _BUILTIN_FORMATS:
            return _BUILTIN_FORMATS[code]
        new_id = max([163, *self.formats]) + 1
        self.formats[new_id] = code
        attribute = escape(code, _QUOTE)
        self.added_formats.append(f'<numFmt numFmtId="{new_id}" formatCode="{attribute}"/>'.encode())
        return new_id

    def index(self, code: str | None, quote: bool, above: int | None) -> int:
        """The style of the cell above when it shows this format, else a plain one with it."""
        key = (code, quote, above)
        if key not in self._answers:
            self._answers[key] = self._index(code, quote, above)
        return self._answers[key]

    def _index(self, code: str | None, quote: bool, above: int | None) -> int:
        want = (self.format_id(code), quote)
        if above is not None and above < len(self.xfs) and self.xfs[above] == want:
            return above
        if want in self.xfs:
            return self.xfs.index(want)
        self.xfs.append(want)
        quote_attr = ' quotePrefix="1"' if quote else ""
        fmt_attr = ' applyNumberFormat="1"' if want[0] else ""
        plain = f'numFmtId="{want[0]}" fontId="0" fillId="0" borderId="0" xfId="0"'
        self.added.append(f"<xf {plain}{fmt_attr}{quote_attr}/>".encode())
        return len(self.xfs) - 1

    def rendered(self) -> bytes | None:
        if not self.added:
            return None

        def grow(m: re.Match[bytes]) -> bytes:
            opening = re.sub(rb'count="\d+"', f'count="{len(self.xfs)}"'.encode(), m.group(1))
            return opening + m.group(2) + b"".join(self.added) + b"</cellXfs>"

        xml = re.sub(rb"(<cellXfs\b[^>]*>)(.*?)</cellXfs>", grow, self.xml, count=1, flags=re.S)
        if self.added_formats:
            formats = b"".join(self.added_formats)
            if b"</numFmts>" in xml:
                xml = xml.replace(b"</numFmts>", formats + b"</numFmts>", 1)
                xml = re.sub(
                    rb'(<numFmts\b[^>]*count=")\d+"',
                    lambda m: m.group(1) + str(len(self.formats)).encode() + b'"',
                    xml,
                    count=1,
                )
            else:  # numFmts comes first in styleSheet (CT_Stylesheet sequence)
                block = b'<numFmts count="%d">' % len(self.added_formats) + formats + b"</numFmts>"
                xml = re.sub(rb"(<styleSheet\b[^>]*>)", lambda m: m.group(1) + block, xml, count=1)
        return xml


def _same_format(a: str, b: str) -> bool:
    """Format codes as Excel and LibreOffice write them ("yyyy\\-mm\\-dd" is "yyyy-mm-dd")."""

    def plain(code: str) -> str:
        return code.replace("\\", "").replace('"', "").casefold()

    return plain(a) == plain(b)


def patch(source: str, target: str, changes: HubChanges, row_of: Mapping[str, Mapping[str, int]]) -> Written:
    """Write `source` plus `changes` to `target`. row_of[tab][key] is the sheet row of a keyed row
    (from the read the changes were computed from). Raises NotPatchable."""
    with zipfile.ZipFile(source) as zin:
        parts = _sheet_parts(zin)
        styles = _Styles.parse(zin.read("xl/styles.xml"))
        by_tab: dict[str, tuple[list[Row], list[RowUpdate]]] = {}
        for name, rows in changes.appends.items():
            if rows:
                by_tab.setdefault(name, ([], []))[0].extend(rows)
        for update in changes.updates:
            by_tab.setdefault(update.tab, ([], []))[1].append(update)
        replaced: dict[str, bytes] = {}
        written = Written({}, {}, b"", b"")
        cache: list[list[str]] = []

        def strings() -> list[str]:
            if not cache:
                cache.append(_shared_strings(zin))
            return cache[0]

        for name, (appends, updates) in by_tab.items():
            if name not in parts:
                raise NotPatchable(f"no sheet part for {name!r}")
            sheet_part, table_part = parts[name]
            sheet = _Sheet(_read_member(zin, sheet_part), zin.read(table_part), tab(name), styles)
            sheet.check_header(strings)
            if updates:
                sheet.update(updates, row_of.get(name, {}))
            if appends:
                sheet.append(appends)
            replaced[sheet_part], replaced[table_part] = sheet.rendered()
            written.whole[name], written.cells[name] = sheet.whole, sheet.cells
        new_styles = styles.rendered()
        if new_styles is not None:
            replaced["xl/styles.xml"] = new_styles
        written.styles = new_styles or styles.xml
        flags = re.search(rb"<workbookPr\b[^>]*>", zin.read("xl/workbook.xml"))
        written.workbook_pr = flags.group(0) if flags else b""
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for info in zin.infolist():
                if info.filename in replaced:
                    _write_member(zout, info, replaced[info.filename])
                else:
                    _copy_member(zin, zout, info)
    return written


def _read_member(zin: zipfile.ZipFile, name: str) -> bytes:
    """A part's content (inflated by ISA-L when installed: a 33 MB sheet in 0.05 instead of 0.12
    CPU-s), its size and CRC-32 checked against the central directory."""
    info = zin.getinfo(name)
    if info.compress_type != zipfile.ZIP_DEFLATED:
        return zin.read(name)
    data = _deflate.decompress(b"".join(_stored_bytes(zin, info)), wbits=-15)
    if len(data) != info.file_size or _deflate.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"{name}: its size or CRC-32 is not the one recorded")
    return data


def _write_member(zout: zipfile.ZipFile, like: zipfile.ZipInfo, data: bytes) -> None:
    """A changed part, deflated at level 1 (by ISA-L when installed: a 33 MB sheet in 0.06 instead
    of 0.26 CPU-s, and smaller)."""
    out = zipfile.ZipInfo(like.filename, date_time=like.date_time)
    compressed = _deflate.compress(data, 1, wbits=-15)
    out.compress_type, out.CRC = zipfile.ZIP_DEFLATED, _deflate.crc32(data)
    out.compress_size, out.file_size = len(compressed), len(data)
    _put_member(zout, out, iter([compressed]))


def _copy_member(zin: zipfile.ZipFile, zout: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """An unchanged part, copied compressed as it is: no inflating and deflating of a large sheet."""
    out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    out.compress_type, out.CRC = info.compress_type, info.CRC
    out.compress_size, out.file_size = info.compress_size, info.file_size
    out.external_attr, out.create_system = info.external_attr, info.create_system
    out.flag_bits = info.flag_bits & ~0x08  # sizes are in the header: no data descriptor follows
    _put_member(zout, out, _stored_bytes(zin, info))


def _stored_bytes(zin: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's bytes as stored (compressed), in chunks."""
    assert zin.fp is not None
    zin.fp.seek(info.header_offset)
    header = zin.fp.read(30)
    if header[:4] != b"PK\x03\x04":
        raise NotPatchable(f"bad local header for {info.filename}")
    name_len, extra_len = int.from_bytes(header[26:28], "little"), int.from_bytes(header[28:30], "little")
    zin.fp.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    while left:
        chunk = zin.fp.read(min(left, 1 << 24))
        if not chunk:
            raise NotPatchable(f"{info.filename} is cut short")
        yield chunk
        left -= len(chunk)


def _put_member(zout: zipfile.ZipFile, out: zipfile.ZipInfo, chunks: Iterator[bytes]) -> None:
    """Write a part whose CRC and sizes are known, already compressed.

    zipfile has no public raw write; this writes the local header and the stored bytes the way
    ZipFile.write does for a directory entry, and registers the entry for the central directory.
    """
    assert zout.fp is not None
    out.header_offset = zout.fp.tell()
    zip64 = max(out.file_size, out.compress_size) >= zipfile.ZIP64_LIMIT
    zout.fp.write(out.FileHeader(zip64))
    for chunk in chunks:
        zout.fp.write(chunk)
    zout.filelist.append(out)
    zout.NameToInfo[out.filename] = out
    zout.start_dir = zout.fp.tell()  # type: ignore[attr-defined]
    zout._didModify = True  # type: ignore[attr-defined]


def sheet_sizes(zin: zipfile.ZipFile) -> dict[str, int]:
    """Tab name -> the size of its sheet's XML, from the zip directory (the tabs with one table)."""
    return {name: zin.getinfo(sheet).file_size for name, (sheet, _) in _sheet_parts(zin).items()}


def _sheet_parts(zin: zipfile.ZipFile) -> dict[str, tuple[str, str]]:
    """Tab name -> (sheet part, its table part), from workbook.xml and the relationships."""
    workbook = zin.read("xl/workbook.xml")
    rels = _relationships(zin, "xl/_rels/workbook.xml.rels", "xl")
    out = {}
    for attrs in re.findall(rb"<sheet\b([^>]*)/?>", workbook):
        name = re.search(rb'\bname="([^"]*)"', attrs)
        rid = re.search(rb'\br:id="([^"]*)"', attrs)
        if not (name and rid) or rid.group(1).decode() not in rels:
            continue
        sheet_part = rels[rid.group(1).decode()]
        folder, base = sheet_part.rsplit("/", 1)
        sheet_rels = f"{folder}/_rels/{base}.rels"
        if sheet_rels not in zin.namelist():
            continue
        tables = [t for t in _relationships(zin, sheet_rels, folder).values() if "/tables/" in t]
        if len(tables) == 1:
            out[_unescape(name.group(1).decode())] = (sheet_part, tables[0])
    return out


def _relationships(zin: zipfile.ZipFile, rels_part: str, base: str) -> dict[str, str]:
    out = {}
    for attrs in re.findall(rb"<Relationship\b([^>]*)/?>", zin.read(rels_part)):
        rid = re.search(rb'\bId="([^"]*)"', attrs)
        target = re.search(rb'\bTarget="([^"]*)"', attrs)
        if rid and target:
            path = target.group(1).decode()
            resolved = path.lstrip("/") if path.startswith("/") else str(PurePosixPath(base) / path)
            out[rid.group(1).decode()] = _normalise(resolved)
    return out


def _normalise(path: str) -> str:
    parts: list[str] = []
    for piece in path.split("/"):
        if piece == "..":
            parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def _unescape(text: str) -> str:
    return (
        text.replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


class _Sheet:
    def __init__(self, xml: bytes, table_xml: bytes, schema: Tab, styles: _Styles) -> None:
        self.xml, self.table_xml, self.schema, self.styles = xml, table_xml, schema, styles
        ref = re.search(rb'<table\b[^>]*\bref="([A-Z]+\d+:[A-Z]+\d+)"', table_xml)
        opening = xml.find(b"<sheetData")
        if ref is None or opening < 0 or xml.rfind(b"</sheetData>") < 0:
            raise NotPatchable(f"{schema.name}: no table ref or sheetData")
        if xml.startswith(b"<sheetData/>", opening):
            raise NotPatchable(f"{schema.name}: empty sheetData")
        self.min_col, self.min_row, self.max_col, self.max_row = range_boundaries(ref.group(1).decode())
        names = [
            _unescape(n.decode()) for n in re.findall(rb'<tableColumn\b[^>]*\bname="([^"]*)"', table_xml)
        ]
        if len(names) != self.max_col - self.min_col + 1:
            raise NotPatchable(f"{schema.name}: table columns do not match its ref")
        self.names = [n.strip() for n in names]
        self.column_of = {n: self.min_col + i for i, n in enumerate(self.names)}
        # Per schema column, once: its sheet column, that column's letter and its schema column (a
        # 100k-row append asks for each of them millions of times; the format depends on the value).
        self._place = {
            c.name: (col, get_column_letter(col), c)
            for c in schema.columns
            if (col := self.column_of.get(c.name)) is not None
        }
        missing = [c for c in schema.column_names if c not in self.column_of]
        if missing:
            raise NotPatchable(f"{schema.name}: table lacks {missing}")
        self.rows: dict[int, bytes] = {}  # rewritten or new rows by number
        self.whole: dict[int, dict[int, bytes]] = {}  # rows written whole: column -> cell XML
        self.cells: dict[int, dict[int, bytes]] = {}  # cells replaced in other rows
        self._spans = _Spans(xml)
        self._strings: Callable[[], list[str]] = list

    def check_header(self, shared_strings: Callable[[], list[str]]) -> None:
        """The header cells must say what the table's columns say (Excel keeps them in step; a
        file edited by another tool may not, and then openpyxl's path reports the header)."""
        self._strings = shared_strings
        found = {
            column_index_from_string(m.group(1).decode()): self._text(m.group(0))
            for m in _CELL.finditer(self._row_xml(self.min_row) or b"")
        }
        header = [found.get(self.min_col + i, "") for i in range(len(self.names))]
        if header != self.names:
            raise NotPatchable(f"{self.schema.name}: header cells differ from the table's columns")

    def _text(self, cell: bytes) -> str:
        """A cell's value as text: inline, plain or a shared string."""
        kind = re.search(rb'\bt="(\w+)"', cell[: cell.find(b">") + 1])
        if kind and kind.group(1) == b"s":
            strings = self._strings()
            index = re.search(rb"<v>(\d+)</v>", cell)
            return (
                strings[int(index.group(1))].strip() if index and int(index.group(1)) < len(strings) else ""
            )
        return _unescape(b"".join(re.findall(rb"<(?:t|v)\b[^>]*>([^<]*)</(?:t|v)>", cell)).decode()).strip()

    def _row_xml(self, number: int) -> bytes | None:
        if number in self.rows:
            return self.rows[number]
        span = self._spans.get(number)
        return self.xml[span[0] : span[1]] if span else None

    def _styles_of(self, row: bytes | None) -> dict[int, int]:
        """Column -> cell style index of the cells of one row."""
        return {col: _style_of(cell) for col, cell in _cells(row).items()}

    def _cell(self, number: int, column_name: str, value: Any, styles: dict[int, int]) -> tuple[int, bytes]:
        col, letter, column = self._place[column_name]
        ref = f"{letter}{number}"
        if type(value) is str:  # most cells: text has no number format (number_format), only a quote
            style = self.styles.index(None, looks_like_formula(value), styles.get(col))
        else:
            quote = isinstance(value, str) and looks_like_formula(value)
            style = self.styles.index(number_format(column, value), quote, styles.get(col))
        s_attr = f' s="{style}"' if style else ""
        if value is None:
            return col, f'<c r="{ref}"{s_attr}/>'.encode()
        if isinstance(value, str):
            text = value
            if ILLEGAL_CHARACTERS_RE.search(text):
                text = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
            space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
            return (
                col,
                f'<c r="{ref}"{s_attr} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'.encode(),
            )
        if isinstance(value, bool):
            return col, f'<c r="{ref}"{s_attr} t="b"><v>{int(value)}</v></c>'.encode()
        if isinstance(value, date):
            return col, f'<c r="{ref}"{s_attr}><v>{to_excel_serial(value)!r}</v></c>'.encode()
        if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
            return col, f'<c r="{ref}"{s_attr}><v>{value!r}</v></c>'.encode()
        return self._cell(number, column_name, str(value), styles)

    def append(self, rows: list[Row]) -> None:
        next_row = self.max_row + 1
        # Fill trailing blank rows of the table (the template's empty row, rows a steward cleared).
        while next_row - 1 > self.min_row and not _has_value(self._row_xml(next_row - 1)):
            next_row -= 1
        below = self._spans.after(self.max_row)
        if any(r >= next_row and _has_value(self._row_xml(r)) for r in below):
            raise NotPatchable(f"{self.schema.name}: something is written below the table")
        # New cells take the style of the last row above them, where it shows the right format; the
        # first row keeps the template's own (its unlocked open columns, hub_schema OPEN_COLUMNS).
        above = self._styles_of(self._row_xml(next_row - 1 if next_row - 1 > self.min_row else next_row))
        for r in [r for r in self._spans.after(next_row - 1) if r not in self.rows]:
            self.rows[r] = b""  # blank rows in the way: replaced by the new ones
            self.whole[r] = {}
        for values in rows:
            cells = [self._cell(next_row, name, value, above) for name, value in values.items()]
            cells.sort()
            self.whole[next_row] = dict(cells)
            self.rows[next_row] = f'<row r="{next_row}">'.encode() + b"".join(c for _, c in cells) + b"</row>"
            next_row += 1
        self.max_row = max(next_row - 1, self.min_row + 1)

    def update(self, updates: list[RowUpdate], row_of: Mapping[str, int]) -> None:
        self._spans.find(row_of[u.key] for u in updates if u.key in row_of)  # one pass for all
        for update in updates:
            number = row_of.get(update.key)
            row = self._row_xml(number) if number else None
            if number is None or row is None or not (self.min_row < number <= self.max_row):
                raise NotPatchable(f"{self.schema.name}: row of {update.key!r} not known")
            cells = _cells(row)
            key_cell = cells.get(self.column_of[str(self.schema.key)], b"")
            if self._text(key_cell) != update.key:  # the row moved since the read: do not guess
                raise NotPatchable(f"{self.schema.name}: row {number} no longer holds {update.key!r}")
            # A replaced cell keeps its style (only the cells replaced are asked).
            own = {c: _style_of(cells[c]) for name in update.values if (c := self._place[name][0]) in cells}
            for name, value in update.values.items():
                col, xml = self._cell(number, name, value, own)
                if b"<f" in cells.get(col, b""):
                    raise NotPatchable(f"{self.schema.name}: a formula in a cell to replace")
                cells[col] = xml
                self.cells.setdefault(number, {})[col] = xml
            opening = re.sub(rb'\s+spans="[^"]*"', b"", row[: row.find(b">") + 1]).rstrip(b"/>") + b">"
            self.rows[number] = opening + b"".join(cells[c] for c in sorted(cells)) + b"</row>"

    def rendered(self) -> tuple[bytes, bytes]:
        xml, spans = self.xml, self._spans
        view = memoryview(xml)  # pieces of a 33 MB sheet joined once, not copied first
        replaced = sorted(n for n in self.rows if spans.get(n) is not None)
        new = sorted(n for n in self.rows if spans.get(n) is None)
        at = xml.find(b"<sheetData")  # the dimension is in the head, before the rows
        pieces: list[bytes | memoryview] = [xml[:at]]
        for n in replaced:
            start, end = spans.get(n) or (0, 0)
            pieces += [view[at:start], self.rows[n]]
            at = end
        close = spans.close
        kept = spans.last_kept({n for n in replaced if self.rows[n] == b""})
        if new and new[0] < kept:
            raise NotPatchable(f"{self.schema.name}: new rows between existing ones")
        if at > close:
            raise NotPatchable(f"{self.schema.name}: rows after sheetData")
        last = get_column_letter(self.max_col)
        first = get_column_letter(self.min_col)
        table_ref = f"{first}{self.min_row}:{last}{self.max_row}".encode()
        last_row = max(kept, new[-1] if new else 0, 1)
        dimension = f"A1:{last}{last_row}".encode()
        pieces[0] = re.sub(
            rb'(<dimension\b[^>]*\bref=")[^"]*"', lambda m: m.group(1) + dimension + b'"', pieces[0], count=1
        )
        pieces += [view[at:close], *(self.rows[n] for n in new), view[close:]]
        body = b"".join(pieces)
        table = re.sub(
            rb'(<table\b[^>]*\bref=")[^"]*"', lambda m: m.group(1) + table_ref + b'"', self.table_xml, count=1
        )
        table = re.sub(
            rb'(<autoFilter\b[^>]*\bref=")[^"]*"', lambda m: m.group(1) + table_ref + b'"', table, count=1
        )
        return body, table


class _Spans:
    """Where the row elements of sheetData lie, found when asked rather than all 100k at once: a
    row by its opening tag as Excel, LibreOffice and openpyxl write it (`<row r="N"`), ending where
    the next row begins (sheetData holds nothing but rows). Rows that cannot be found that way
    make it scan the whole sheet (_row_spans), as it always did."""

    def __init__(self, xml: bytes) -> None:
        self.xml = xml
        self.close = xml.rfind(b"</sheetData>")
        self._at: dict[int, tuple[int, int]] = {}
        self._all: dict[int, tuple[int, int]] | None = None
        self._last: int | None = None

    def _whole(self) -> dict[int, tuple[int, int]]:
        if self._all is None:
            self._all = _row_spans(self.xml)
        return self._all

    def last(self) -> int:
        """The number of the last row element (0 when there is none)."""
        if self._all is not None:
            return max(self._all, default=0)
        if self._last is None:
            at = self.xml.rfind(b"<row", 0, self.close)
            found = _ROW_START.match(self.xml, at) if at >= 0 else None
            self._last = int(found.group(1)) if found else (max(self._whole(), default=0) if at >= 0 else 0)
        return self._last

    def get(self, number: int) -> tuple[int, int] | None:
        if self._all is not None:
            return self._all.get(number)
        if number not in self._at:
            if number > self.last() or number < 1:
                return None
            self.find([number])
            if self._all is not None:
                return self._all.get(number)
        return self._at.get(number)

    def find(self, numbers: Iterable[int]) -> None:
        """Locate these rows, in one pass from the top (rows are in ascending order); the last rows
        of a sheet from the bottom."""
        last = self.last()
        wanted = sorted(n for n in set(numbers) if 0 < n <= last and n not in self._at)
        position = 0
        for number in wanted:
            tag = b'<row r="%d"' % number
            near_end = number > last - 64
            at = (
                self.xml.rfind(tag, position, self.close)
                if near_end
                else self.xml.find(tag, position, self.close)
            )
            if at < 0:
                self._whole()
                return
            end = self.xml.find(b"<row", at + 4, self.close)
            self._at[number] = (at, self.close if end < 0 else end)
            position = at + 4

    def after(self, number: int) -> list[int]:
        """The numbers of the rows below row `number`, in order."""
        if self.last() <= number:
            return []
        span = self.get(number) if self._all is None else None
        if span is None:
            return sorted(n for n in self._whole() if n > number)
        starts = [(int(m.group(1)), m.start()) for m in _ROW_START.finditer(self.xml, span[1], self.close)]
        ends = [start for _, start in starts[1:]] + [self.close]
        for (n, start), end in zip(starts, ends, strict=True):
            self._at[n] = (start, end)
        return [n for n, _ in starts]

    def last_kept(self, removed: set[int]) -> int:
        """The number of the last row that stays when the rows `removed` (a tail of the sheet) go."""
        if not removed:
            return self.last()
        first = min(removed)
        span = self.get(first)
        if span is None or not set(self.after(first)) <= removed:
            return max((n for n in self._whole() if n not in removed), default=0)
        at = self.xml.rfind(b"<row", 0, span[0])
        found = _ROW_START.match(self.xml, at) if at >= 0 else None
        return int(found.group(1)) if found else 0


def _row_spans(xml: bytes) -> dict[int, tuple[int, int]]:
    """Row number -> (start, end) of its element. sheetData holds nothing but rows, so a row ends
    where the next begins (or at </sheetData>): one cheap scan for the starts, none for the ends."""
    starts = [(int(m.group(1)), m.start()) for m in _ROW_START.finditer(xml)]
    close = xml.rfind(b"</sheetData>")
    ends = [start for _, start in starts[1:]] + [close]
    spans = {}
    for (number, start), end in zip(starts, ends, strict=True):
        if end < start or (number in spans):
            raise NotPatchable("rows out of order")
        spans[number] = (start, end)
    return spans


def _shared_strings(zin: zipfile.ZipFile) -> list[str]:
    """sharedStrings.xml as a list (only read when a header cell is a shared string)."""
    if "xl/sharedStrings.xml" not in zin.namelist():
        return []
    xml = zin.read("xl/sharedStrings.xml")
    return [
        _unescape(b"".join(re.findall(rb"<t\b[^>]*>([^<]*)</t>", item)).decode())
        for item in re.findall(rb"<si>(.*?)</si>", xml, re.S)
    ]


def _cells(row: bytes | None) -> dict[int, bytes]:
    """Column number -> the cell's XML, for the cells of one row."""
    return {column_index_from_string(m.group(1).decode()): m.group(0) for m in _CELL.finditer(row or b"")}


def _style_of(cell: bytes) -> int:
    style = _STYLE.search(cell[: cell.find(b">") + 1])
    return int(style.group(1)) if style else 0


def _has_value(row: bytes | None) -> bool:
    return bool(row) and _HAS_VALUE.search(row) is not None  # type: ignore[arg-type]
