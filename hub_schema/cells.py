"""Cell values in and out of a hub workbook, by column type: shared by every HubStore adapter."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import repeat
from operator import itemgetter
from typing import Any

from hub_schema.tabs import NUMBER_FORMATS, TAB_BY_NAME, Column, HubSchemaError, Tab
from hub_schema.upgrade import FIRST_TABS, columns_upgradable

Row = dict[str, Any]

# Excel's day zero (the 1900 date system, including its leap-year bug from 1900-03-01 on).
EXCEL_EPOCH = datetime(1899, 12, 30)


def to_excel_serial(value: date | datetime) -> float:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    delta = value - EXCEL_EPOCH
    return round(delta.days + delta.seconds / 86_400 + delta.microseconds / 86_400e6, 8)


def number_format(column: Column, value: Any) -> str | None:
    """The number format a written cell gets: its column's (blank cells too, so what staff type later
    shows as the column does), a day-only value in a date-and-time column as a date (no "00:00");
    text none (it stays text)."""
    if isinstance(value, str):
        return None
    if column.type == "datetime" and isinstance(value, date) and not isinstance(value, datetime):
        return NUMBER_FORMATS["date"]
    return NUMBER_FORMATS.get(column.type)


def as_day(value: Any) -> date | None:
    """The day of a cell read from the hub (a date, or a datetime at any time), else None."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def from_excel_serial(serial: float) -> datetime:
    when = EXCEL_EPOCH + timedelta(days=float(serial))
    return (
        when.replace(microsecond=0)
        if when.microsecond < 500_000
        else (when + timedelta(seconds=1)).replace(microsecond=0)
    )


def to_api_value(column: Column, value: Any) -> Any:
    """A value as the Excel workbook API must receive it to store exactly that.

    Dates go as serial numbers (the column's number format shows them); text always goes with
    Excel's quote prefix, so nothing typed is ever taken for a formula, a number or a date
    ("=HYPERLINK(...)", "+2348031234567", "00123", "1/2").
    """
    if value is None:
        return ""
    if isinstance(value, date):
        return to_excel_serial(value)
    if isinstance(value, bool):
        return "'" + ("Yes" if value else "No")
    if isinstance(value, int | float):
        return value
    return "'" + str(value)


def rows_as_dicts(
    schema: Tab, rows: list[list[Any]], file_name: str, columns: list[str] | None = None
) -> list[Row]:
    """Rows of a tab (header first, as read from a workbook or Graph) as typed dicts by column name.

    Columns are found by header, so an admin reordering or adding columns breaks nothing; a
    missing column is a HubSchemaError naming it. Blank rows are skipped.
    """
    header, wanted = _header_and_wanted(schema, rows, file_name, columns)
    index = [header.index(c.name) for c in wanted]
    names = [c.name for c in wanted]
    # Plain text (most of a hub) needs only '' -> None; every other column is converted by type.
    special = [(i, _converter(c)) for i, c in enumerate(wanted) if c.type not in _PLAIN_TEXT]
    pick = itemgetter(*index) if len(index) > 1 else (lambda raw: (raw[index[0]],))
    return _typed_rows(rows[1:], pick, len(header), names, special)


def _header_and_wanted(
    schema: Tab, rows: list[list[Any]], file_name: str, columns: list[str] | None
) -> tuple[list[str], list[Column]]:
    """The header row as text and the schema columns asked for (all when none are named); a tab
    without a header row or one of those columns is a HubSchemaError naming it."""
    if not rows:
        raise HubSchemaError(f"{file_name}: the {schema.name!r} tab has no header row")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    wanted = [schema.by_name[name] for name in columns] if columns else list(schema.columns)
    missing = [c.name for c in wanted if c.name not in header]
    if missing:
        raise HubSchemaError(missing_columns_message(file_name, schema, missing, header))
    return header, wanted


def _typed_rows(
    rows: list[list[Any]],
    pick: Callable[[list[Any]], tuple[Any, ...]],
    width: int,
    names: list[str],
    special: list[tuple[int, Callable[[Any], Any]]],
) -> list[Row]:
    count = len(names)
    out: list[Row] = []
    for raw in rows:
        if len(raw) < width:
            raw = [*raw, *[""] * (width - len(raw))]
        picked = pick(raw)
        if picked.count("") == count:  # a blank row (the usual blank: every cell empty)
            continue
        values = [None if v == "" else v for v in picked]
        for i, convert in special:
            if values[i] is not None:
                values[i] = convert(values[i])
        if any(v is not None for v in values):
            out.append(dict(zip(names, values, strict=True)))
    return out


def missing_columns_message(file_name: str, schema: Tab, missing: list[str], header: list[str]) -> str:
    """What an admin needs to fix a hub whose header was edited: which tab, which column is
    missing, and the headers CX Hub does not know (usually the same column, renamed). When the
    columns are only ones an older hub never had, the fix is `cxhub upgrade-hub`."""
    unknown = [h for h in header if h and h not in schema.by_name]
    found = f"; its header row has {', '.join(map(repr, unknown))} instead" if unknown else ""
    lacks = f"{file_name}: the {schema.name!r} table lacks column(s) {', '.join(map(repr, missing))}{found}"
    if columns_upgradable(schema, header):
        return (
            f"{lacks}. If the hub was made by an older CX Hub, {UPGRADE_HINT}; if someone renamed "
            "or deleted them, rename them back or restore the hub from its version history"
        )
    return (
        f"{lacks}. Expected the header row to name every column of hub_schema's {schema.name!r} tab; "
        "rename the header back or restore the hub from its version history"
    )


UPGRADE_HINT = (
    "run `cxhub upgrade-hub` (it adds what this version needs at the end of each table, keeps every "
    "row, and keeps a backup; `--dry-run` shows the plan first)"
)


def missing_tab_message(file_name: str, name: str, found: list[str]) -> str:
    """A hub without one of the tabs: a tab older hubs never had (`cxhub upgrade-hub` adds it), or
    a renamed one."""
    listed = ", ".join(repr(n) for n in found)
    if name in TAB_BY_NAME and name not in FIRST_TABS:
        return (
            f"{file_name} has no {name!r} tab (tabs found: {listed}). If it was renamed, rename it back; "
            f"if the hub was made by an older CX Hub, {UPGRADE_HINT}"
        )
    return f"{file_name} has no {name!r} tab (tabs found: {listed}); rename it back or restore the hub"


# Free text stays as typed; keys (id, ref) are stripped by coerce() so a stray space never breaks a match.
_PLAIN_TEXT = frozenset({"text", "long_text", "enum", "email", "phone"})


def coerce(column: Column, value: Any) -> Any:
    """A cell value as read from a workbook, in the Python type the column declares."""
    if value is None or value == "":
        return None
    match column.type:
        case "date":
            when = _as_datetime(value)
            return when.date() if isinstance(when, datetime) else when
        case "datetime":
            return _as_datetime(value)
        case "money" | "number":
            if isinstance(value, int | float):
                return int(value) if float(value).is_integer() else float(value)
            return _to_number(value)
        case "integer":
            number = value if isinstance(value, int | float) else _to_number(value)
            return _whole(number) if isinstance(number, int | float) else number
        case _:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            text = str(value).strip()
            return text or None


def _converter(column: Column) -> Callable[[Any], Any]:
    """coerce() for one column, with the cell types a workbook read gives most answered first
    (the same result as coerce(column, value) for every value: ~1M cells in a 100k-row hub)."""
    kind = column.type

    def general(value: Any) -> Any:
        return coerce(column, value)

    if kind in ("date", "datetime"):
        # calamine gives datetimes for date-formatted cells; a date cell of a date column stays a date.
        want_day = kind == "date"

        def when(value: Any) -> Any:
            if type(value) is datetime:
                return value.date() if want_day else value
            if want_day and type(value) is date:
                return value
            return coerce(column, value)

        return when
    if kind in ("money", "number", "integer"):

        def number(value: Any) -> Any:
            if type(value) is float:
                return int(value) if value.is_integer() else (value if kind != "integer" else _whole(value))
            if type(value) is int:
                return value
            return coerce(column, value)

        return number
    if kind in _PLAIN_TEXT:
        return general

    def key(value: Any) -> Any:
        if type(value) is str:
            return value.strip() or None
        return coerce(column, value)

    return key


def _whole(number: float) -> Any:
    """An integer column's number, cut to a whole one; infinity or NaN (a cell typed "inf") has no
    whole value and is kept as typed rather than failing the read of the whole tab."""
    return int(number) if math.isfinite(number) else number


def _as_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return from_excel_serial(value)  # the workbook API returns dates as serial numbers
        except (OverflowError, ValueError):
            return value  # past year 9999 (or NaN): kept as typed, like text that is not a date
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        return value  # kept as typed; the rules treat it as not a date


def _to_number(value: Any) -> Any:
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


def typed_columns(
    schema: Tab, rows: list[list[Any]], file_name: str, columns: list[str] | None = None
) -> dict[str, list[Any]]:
    """A tab read column by column: each column's typed value for every row below the header, blank
    rows included (None where a cell is blank), so index i is sheet row i + 2. The same values
    rows_as_dicts gives, in a shape that can be kept and have rows appended or changed."""
    header, wanted = _header_and_wanted(schema, rows, file_name, columns)
    body = rows[1:]
    out: dict[str, list[Any]] = {}
    for column in wanted:
        at = header.index(column.name)
        cells = [raw[at] if at < len(raw) else "" for raw in body]
        if column.type in _PLAIN_TEXT:
            out[column.name] = [None if v == "" else v for v in cells]
        else:
            convert = _converter(column)
            out[column.name] = [None if v == "" else convert(v) for v in cells]
    return out


def rows_from_columns(values: dict[str, list[Any]], names: list[str]) -> list[Row]:
    """Rows as dicts of the named columns from typed_columns' shape, skipping the rows blank in all
    of them (as rows_as_dicts does)."""
    count = len(names)
    kept = [row for row in zip(*(values[n] for n in names), strict=True) if row.count(None) != count]
    return list(map(dict, map(zip, repeat(names), kept)))
