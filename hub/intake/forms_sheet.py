"""The no-premium Forms path: responses a Microsoft Form writes into a workbook, as intake bodies.

A Form created from Excel for the web ("Forms for Excel") appends one row per response to a
table: ID, Start time, Completion time, Email, Name, then one column per question, headed by
the question title. Each new row becomes the same JSON body the Power Automate flow would send,
so it goes through exactly the same intake.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook


class FormsWorkbookError(ValueError):
    """The Forms responses workbook cannot be read, or is not one a Form writes to."""


META_COLUMNS = frozenset({"id", "start time", "completion time", "email", "name", "last modified time"})


def forms_rows(data: bytes) -> list[list[Any]]:
    """Rows (header first) of the first sheet whose header has an ID column, from the workbook's
    bytes (a local copy or a SharePoint download)."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [book.get_sheet_by_name(name).to_python() for name in book.sheet_names]
    except CalamineError as e:
        raise FormsWorkbookError(f"the Forms workbook is not a readable .xlsx ({e})") from None
    for rows in sheets:
        if rows and "id" in [str(h).strip().lower() for h in rows[0]]:
            return rows
    raise FormsWorkbookError(
        "no sheet of the Forms workbook has an ID column: is it the one the Form writes to?"
    )


@dataclass(frozen=True)
class FormsRow:
    response_number: int
    body: bytes  # the intake body, as the HTTP flow would send it


def new_rows(rows: list[list[Any]], after: int) -> list[FormsRow]:
    """Rows (header first) with an ID above `after`, in ID order, as intake bodies."""
    if not rows:
        return []
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    lowered = [h.lower() for h in header]
    if "id" not in lowered:
        raise FormsWorkbookError(
            "the Forms workbook has no ID column: is it the workbook the Form writes to?"
        )
    at = {name: lowered.index(name) for name in META_COLUMNS if name in lowered}
    out = []
    for raw in rows[1:]:
        number = _as_int(raw[at["id"]] if at["id"] < len(raw) else None)
        if number is None or number <= after:
            continue
        meta = {name: raw[i] if i < len(raw) else None for name, i in at.items()}
        answers = {
            header[i]: _text(value)
            for i, value in enumerate(raw)
            if i < len(header) and header[i] and lowered[i] not in META_COLUMNS and _text(value) != ""
        }
        body = {
            "responseId": f"forms-{number}",
            "submittedAt": _text(meta.get("completion time")) or _text(meta.get("start time")),
            "responder": _text(meta.get("email")),
            "answers": answers,
        }
        out.append(FormsRow(number, json.dumps(body, ensure_ascii=False).encode()))
    return sorted(out, key=lambda r: r.response_number)


def answers_of(data: bytes) -> list[dict[str, str]]:
    """Every response's answers (question title -> text) in a Forms-linked workbook: how the pilot
    report reads the staff feedback Form, exactly as the main Form's responses are read."""
    return [json.loads(row.body)["answers"] for row in new_rows(forms_rows(data), 0)]


def _as_int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")  # naive: the workbook's wall clock (Lagos)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
