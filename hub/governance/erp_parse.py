"""An ERP export (CSV or .xlsx, as bytes) read into canonical rows plus one error per bad line.

Pure: nothing here touches the hub. Columns are found through the profiles of
hub_schema/erp_mappings.toml, so a renamed ERP column is a configuration change, not a code one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from hub.governance.erp_csv import Record as _Record
from hub.governance.erp_csv import csv_records, decode
from hub.governance.erp_limits import (
    DEFAULT_LIMITS,
    ErpFileError,
    ErpLimits,
    check_size,
    check_xlsx_package,
    long_cell,
)
from hub.governance.erp_xlsx import read_first_sheet
from hub.text import PLACEHOLDERS, clean_text
from hub_schema.cells import from_excel_serial
from hub_schema.erp import FIELD_TYPES, KINDS, REQUIRED, FieldType, Mappings, Profile, header_key

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
__all__ = ["ErpFileError", "ErpLimits", "ErpRow", "ErpRowError", "ParsedFile", "parse_export"]


@dataclass(frozen=True)
class ErpRow:
    line: int  # 1-based physical line number in the file (CSV) or sheet row number (xlsx)
    values: dict[str, Any]  # canonical field -> str | float | datetime.date | None (every field of the kind)
    raw: str  # the original line text (CSV) or the row's cells joined with ";" (xlsx)


@dataclass(frozen=True)
class ErpRowError:
    file: str
    line: int
    reason: str  # for a person: "amount '12,5x0' is not a number", "invoice_date missing", ...
    raw: str


@dataclass
class ParsedFile:
    file: str
    kind: str
    profile: str
    rows: list[ErpRow]
    errors: list[ErpRowError]
    unmapped_headers: list[str]  # headers in the file no profile field claims (reported, not an error)


def parse_export(
    file_name: str, data: bytes, kind: str, mappings: Mappings, limits: ErpLimits = DEFAULT_LIMITS
) -> ParsedFile:
    """Every non-blank line after the header becomes one ErpRow or one ErpRowError, never both.
    Raises ErpFileError (ErpLimitError for a file over one of `limits`) for a file as a whole."""
    if kind not in KINDS:
        raise ErpFileError(f"{file_name}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if not mappings.get(kind):
        raise ErpFileError(f"{file_name}: no header profiles are configured for {kind}")
    check_size(file_name, data, limits)
    records = [r for r in _records(file_name, data, limits) if r.problem or not _blank(r.cells)]
    if not records:
        raise ErpFileError(f"{file_name}: the file is empty")
    head, body = records[0], records[1:]
    if head.problem:
        raise ErpFileError(f"{file_name}: line {head.line} (the header): {head.problem}")
    header = _header(head.cells)
    profile, columns = _choose_profile(file_name, kind, header, head.line, mappings[kind])
    claimed = set(columns.values())
    parsed = ParsedFile(
        file=file_name,
        kind=kind,
        profile=profile.name,
        rows=[],
        errors=[],
        unmapped_headers=_unmapped(header, claimed),
    )
    key_field = REQUIRED[kind][0]
    first_seen: dict[str, int] = {}
    for record in body:
        values, problems = _row_values(kind, record, columns, len(header), limits)
        key = values.get(key_field)
        if isinstance(key, str):
            first = first_seen.setdefault(key.casefold(), record.line)
            if first != record.line:
                problems.insert(0, f"duplicate of line {first}")
        if problems:
            parsed.errors.append(ErpRowError(file_name, record.line, "; ".join(problems), record.raw))
        else:
            parsed.rows.append(ErpRow(record.line, values, record.raw))
    return parsed


# -- reading the file into records -----------------------------------------------------------


def _records(file_name: str, data: bytes, limits: ErpLimits) -> list[_Record]:
    if data.startswith(XLSX_MAGIC):
        # Checked with the standard library first, then read where a crash cannot reach us.
        check_xlsx_package(file_name, data, limits)
        sheet = read_first_sheet(file_name, data, limits)
        return [
            _Record(n, list(cells), ";".join(_trim([_as_text(c) for c in cells])))
            for n, cells in enumerate(sheet, 1)
        ]
    if data.startswith(XLS_MAGIC):
        raise ErpFileError(f"{file_name} is an old-style .xls workbook; save it as .xlsx or CSV")
    return list(csv_records(file_name, decode(data), limits))


# -- header ----------------------------------------------------------------------------------


def _header(cells: list[Any]) -> list[str]:
    return _trim([clean_text(_as_text(c).replace("\ufeff", "")) for c in cells])


def _unmapped(header: list[str], claimed: set[int]) -> list[str]:
    """Headers no field reads; a repeated header says why it is not read (the first one is)."""
    first: dict[str, int] = {}
    out = []
    for index, name in enumerate(header):
        earlier = first.setdefault(header_key(name), index)
        if name and index not in claimed:
            duplicate = f" (duplicate header: column {earlier + 1} of that name is read)"
            out.append(f"{name}{duplicate if earlier != index else ''}")
    return out


def _choose_profile(
    file_name: str, kind: str, header: list[str], line: int, profiles: list[Profile]
) -> tuple[Profile, dict[str, int]]:
    """Of the profiles that find every required field, the one that reads the most columns (the
    earliest on a tie, so an admin's own profile wins), with its field -> column index. Headers are
    compared without case or punctuation, so a plain-word file may fit the Oracle profile too; it
    must not then lose a column only the word profile knows ("Sales Rep")."""
    first_column: dict[str, int] = {}
    for index, name in enumerate(header):
        first_column.setdefault(header_key(name), index)
    closest: tuple[Profile, list[str]] | None = None
    best: tuple[Profile, dict[str, int]] | None = None
    for profile in profiles:
        columns: dict[str, int] = {}
        for field, spellings in profile.headers.items():
            found = next((first_column[k] for s in spellings if (k := header_key(s)) in first_column), None)
            if found is not None:
                columns[field] = found
        lacking = [f for f in REQUIRED[kind] if f not in columns]
        if not lacking:
            if best is None or len(columns) > len(best[1]):
                best = (profile, columns)
            continue
        if closest is None or len(lacking) < len(closest[1]):
            closest = (profile, lacking)
    if best is not None:
        return best
    assert closest is not None  # parse_export checked there is at least one profile
    found_names = ", ".join(_show(h) for h in header[:30] if h) or "none"
    raise ErpFileError(
        f"{file_name}: line {line} is not a {kind} header I recognise; closest layout "
        f"{closest[0].name!r} lacks {', '.join(closest[1])}. Headers found: {found_names}"
    )


# -- values ----------------------------------------------------------------------------------


def _row_values(
    kind: str, record: _Record, columns: dict[str, int], width: int, limits: ErpLimits
) -> tuple[dict[str, Any], list[str]]:
    if record.problem:
        return {}, [record.problem]
    cells = record.cells
    longest = max((len(c) for c in cells if type(c) is str), default=0)
    if longest > limits.max_cell_chars:
        return {}, [long_cell(longest, limits)]
    problems = []
    if len(cells) > width and not _blank(cells[width:]):
        problems.append(f"{len(cells)} cells, the header has {width}")
    values: dict[str, Any] = {}
    unreadable = set()
    for field, field_type in FIELD_TYPES[kind].items():
        index = columns.get(field)
        cell = cells[index] if index is not None and index < len(cells) else None
        if field_type == "text" and type(cell) is str:  # most cells: what _convert does, sooner
            values[field] = _text(cell)
            continue
        try:
            values[field] = _convert(cell, field_type)
        except ValueError as error:
            values[field] = None
            unreadable.add(field)
            problems.append(f"{field} {error}")
    problems += [f"{f} missing" for f in REQUIRED[kind] if values[f] is None and f not in unreadable]
    return values, problems


def _convert(cell: Any, field_type: FieldType) -> str | float | date | None:
    if isinstance(cell, str) or cell is None:
        text = _text(cell or "")
        if text is None or field_type == "text":
            return text
        return parse_amount(text) if field_type == "amount" else parse_erp_date(text)
    if field_type == "text":
        return _text(_as_text(cell))
    if isinstance(cell, bool):  # a bool is an int to Python, never an amount or a date to us
        raise ValueError(f"{_show(_as_text(cell))} is not a {'number' if field_type == 'amount' else 'date'}")
    if field_type == "amount":
        if isinstance(cell, int | float) and math.isfinite(cell):
            return float(cell)
        raise ValueError(f"{_show(_as_text(cell))} is not a number")
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, int | float) and 1 <= cell < 2_958_466:  # Excel serials for 1900-01-01..9999-12-31
        return from_excel_serial(cell).date()
    raise ValueError(f"{_show(_as_text(cell))} is not a date")


_NO_VALUE = PLACEHOLDERS | {"#n/a"}  # what an ERP writes for "nothing here"


def _text(value: str) -> str | None:
    text = clean_text(value)  # trimmed, so is_placeholder's own strip is not needed
    return None if text.casefold() in _NO_VALUE else text


def _as_text(cell: Any) -> str:
    """A cell as the text it shows: whole numbers without ".0" (ERP ids often arrive as numbers)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime) and cell.time() == time(0):
        return str(cell.date())
    return str(cell)


def _blank(cells: list[Any]) -> bool:
    return all(not clean_text(_as_text(c)) for c in cells)


def _trim(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _show(text: str, limit: int = 40) -> str:
    return "'" + (text if len(text) <= limit else text[: limit - 1] + "…") + "'"


# -- amounts and dates -----------------------------------------------------------------------

_NUMBER = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")
_CURRENCY_BEFORE = re.compile(r"^(?:₦|NGN|N(?=[\s0-9(-]))\s*", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(r"\s*(?:₦|NGN)$", re.IGNORECASE)
_CREDIT_DEBIT = re.compile(r"(?P<rest>.+?)\s*(?P<mark>CR|DR)", re.IGNORECASE)


def parse_amount(text: str) -> float:
    """ERP amounts: commas are thousands separators; (x), x-, -x and "x CR" are negative."""
    s = clean_text(text)
    negations = 0
    if m := _CREDIT_DEBIT.fullmatch(s):
        s = m["rest"]
        negations += m["mark"].upper() == "CR"
    for _ in range(2):  # the minus or brackets may sit outside or inside the currency: "-₦5", "₦(5)"
        if s.startswith("(") and s.endswith(")"):
            s, negations = s[1:-1].strip(), negations + 1
        if s.endswith("-"):
            s, negations = s[:-1].rstrip(), negations + 1
        if s.startswith("-"):
            s, negations = s[1:].lstrip(), negations + 1
        s = _CURRENCY_AFTER.sub("", _CURRENCY_BEFORE.sub("", s, count=1), count=1)
    if negations > 1 or not _NUMBER.fullmatch(s):
        raise ValueError(f"{_show(clean_text(text))} is not a number")
    value = float(s.replace(",", ""))
    if not math.isfinite(value):
        raise ValueError(f"{_show(clean_text(text))} is too large to be an amount")
    return -value if negations and value else value


_MONTHS = {
    m: n
    for n, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_TIME = (
    r"(?:(?:\s+|T)(?P<H>[0-9]{1,2})[:.](?P<M>[0-9]{2})(?:[:.](?P<S>[0-9]{2})(?:[.,][0-9]+)?)?"
    r"\s*(?P<ampm>[AP]M)?\s*(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_DATES = [
    re.compile(p + _TIME, re.IGNORECASE | re.ASCII)
    for p in (
        r"(?P<y>[0-9]{4})[-/](?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})",  # 2026-11-05
        r"(?P<d>[0-9]{1,2})[/.-](?P<m>[0-9]{1,2})[/.-](?P<y>[0-9]{4}|[0-9]{2})",  # 05/11/2026, day first
        r"(?P<d>[0-9]{1,2})[- ](?P<mon>[A-Z]{3})[- ](?P<y>[0-9]{4}|[0-9]{2})",  # Oracle 05-NOV-26
    )
]


def parse_erp_date(text: str) -> date:
    """Day-first and ISO dates, and Oracle's 05-NOV-26; a time after the date is accepted and dropped."""
    s = clean_text(text)
    m = next((m for pattern in _DATES if (m := pattern.fullmatch(s))), None)
    month = (_MONTHS.get(m["mon"].lower()) if "mon" in m.groupdict() else int(m["m"])) if m else None
    if m is None or month is None or not _valid_time(m):
        raise ValueError(f"{_show(s)} is not a date; write it as dd/mm/yyyy")
    year = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
    try:
        return date(year, month, int(m["d"]))
    except ValueError:
        raise ValueError(f"{_show(s)} is not a real date") from None


def _valid_time(m: re.Match[str]) -> bool:
    if m["H"] is None:
        return True
    hour, minute, second = int(m["H"]), int(m["M"]), int(m["S"] or 0)
    hours_ok = 1 <= hour <= 12 if m["ampm"] else hour <= 23
    return hours_ok and minute <= 59 and second <= 59
