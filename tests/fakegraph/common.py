"""Records, faults and helpers shared by the fake Graph's route modules."""

from __future__ import annotations

import base64
import json
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


@dataclass
class Fault:
    """Fail matching requests. kind: 429 | 503 | 504_after | lock | 403 | session_expired | latency |
    error (answer `status` with the `codes` chain: top-level code first, each next one nested in
    the previous one's innerError, as the Excel service does)."""

    kind: str
    method: str | None = None
    path: str = ""  # regex searched in the path
    times: int | None = None  # how many matching requests to hit (None: no limit)
    probability: float = 1.0
    retry_after: int = 1
    delay: float = 0.0
    status: int = 0
    codes: tuple[str, ...] = ()

    def matches(self, method: str, path: str, rng: random.Random) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method and self.method != method:
            return False
        if not re.search(self.path, path):
            return False
        return rng.random() < self.probability


@dataclass
class Recorded:
    method: str
    path: str
    status: int
    fault: str | None = None
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)
    response: Any = None  # the JSON answered (None for bytes and empty bodies)
    response_bytes: int = 0


@dataclass
class Item:
    id: str
    name: str
    parent: str  # parent item id ("root" for the drive root)
    path: Path | None = None  # file contents on disk (None for folders)
    version: int = 1
    history: list[bytes] = field(default_factory=list)  # earlier contents (SharePoint versions)

    @property
    def is_folder(self) -> bool:
        return self.path is None


@dataclass
class Session:
    id: str
    item: str
    last_used: float
    persist: bool


class _Headers(dict):
    def get(self, key, default=None):
        for k, v in self.items():
            if k.lower() == key.lower():
                return v
        return default


def _error_chain(codes: tuple[str, ...], message: str) -> dict[str, Any]:
    """Graph's error object with each code one innerError level deeper than the last."""
    inner: dict[str, Any] = {"date": datetime.now(UTC).isoformat(), "request-id": str(uuid.uuid4())}
    for code in reversed(codes[1:]):
        inner = {"code": code, "message": message, "innerError": inner}
    return {"error": {"code": codes[0] if codes else "", "message": message, "innerError": inner}}


def _error(code: str, message: str, inner: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "innerError": {"date": datetime.now(UTC).isoformat(), "request-id": str(uuid.uuid4())},
    }
    if inner:
        error["innerError"]["code"] = inner
        error["innerError"]["message"] = message
    return {"error": error}


def _range(
    sheet: str, address: str, values: list[list[Any]], select: str | None = None, formats: Any = None
) -> dict[str, Any]:
    """A workbookRange with the properties Graph returns when no $select narrows them (values,
    text, formulas three ways, numberFormat, valueTypes...): a range is several times its values."""
    selected = [f.strip() for f in select.split(",")] if select else None

    def wanted(name):
        return selected is None or name in selected

    rows, cols = len(values), len(values[0]) if values else 0
    out: dict[str, Any] = {"@odata.type": "#microsoft.graph.workbookRange"}
    first_col, first_row = _first_cell(address)
    plain = {
        "address": f"{sheet}!{address}",
        "addressLocal": f"{sheet}!{address}",
        "cellCount": rows * cols,
        "columnCount": cols,
        "columnHidden": False,
        "columnIndex": first_col - 1,
        "hidden": False,
        "rowCount": rows,
        "rowHidden": False,
        "rowIndex": first_row - 1,
    }
    out.update({k: v for k, v in plain.items() if wanted(k)})
    grids = {
        "values": lambda: values,
        "text": lambda: [["" if v is None else str(v) for v in row] for row in values],
        "formulas": lambda: values,
        "formulasLocal": lambda: values,
        "formulasR1C1": lambda: values,
        "numberFormat": lambda: formats or [["General"] * cols for _ in values],
        "valueTypes": lambda: [[_value_type(v) for v in row] for row in values],
    }
    out.update({k: make() for k, make in grids.items() if wanted(k)})
    return out


def _value_type(value: Any) -> str:
    if value in ("", None):
        return "Empty"
    if isinstance(value, bool):
        return "Boolean"
    return "Double" if isinstance(value, int | float) else "String"


def _first_cell(address: str) -> tuple[int, int]:
    from openpyxl.utils import column_index_from_string

    found = re.match(r"\$?([A-Z]+)\$?(\d+)", address.split("!")[-1])
    return (column_index_from_string(found[1]), int(found[2])) if found else (1, 1)


def _api_value(cell) -> Any:
    """What the workbook API returns for a cell: numbers (dates as serials), text, or ''."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime):
        from hub_schema.cells import to_excel_serial

        return to_excel_serial(value)
    if hasattr(value, "isoformat") and not isinstance(value, str):
        from hub_schema.cells import to_excel_serial

        return to_excel_serial(value)
    return value


_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _set_cell(ws, row: int, col: int, value: Any) -> None:
    """Store a value the way Excel does when the API sets it (as if typed into the cell)."""
    cell = ws.cell(row, col)
    above = ws.cell(row - 1, col) if row > 2 else ws.cell(2, col)
    if isinstance(value, str):
        if value.startswith("'"):
            cell.value = value[1:]
            cell.data_type = "s"
            cell.quotePrefix = True
        elif value.startswith("="):
            cell.value = value  # Excel would run it: the reason CX Hub must never send this
        elif _NUMBER.match(value.strip()):
            cell.value = float(value) if "." in value else int(value)
        else:
            cell.value = value
    else:
        cell.value = value
    if above.number_format and above.number_format != "General" and not isinstance(value, str):
        cell.number_format = above.number_format  # a table carries its column format down


def _maybe_json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unsigned_jwt(claims: dict[str, Any]) -> str:
    return ".".join(
        [_b64(json.dumps({"alg": "none", "typ": "JWT"}).encode()), _b64(json.dumps(claims).encode()), ""]
    )


def _is_jwt(token: str) -> bool:
    return token.count(".") == 2 and all(token.split(".")[:2])


def xlsx_bytes(path: Path) -> bytes:
    return BytesIO(path.read_bytes()).getvalue()
