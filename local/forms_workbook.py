"""Reading the workbook a Microsoft Form writes its responses to (a local copy or downloaded bytes)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook


def forms_rows(data: bytes) -> list[list[Any]]:
    """Rows (header first) of the first sheet whose header has an ID column."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        if rows and "id" in [str(h).strip().lower() for h in rows[0]]:
            return rows
    raise ValueError("no sheet in the Forms workbook has an ID column")


class LocalFormsWorkbook:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def rows(self) -> list[list[Any]]:
        return forms_rows(self.path.read_bytes())
