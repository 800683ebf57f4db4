"""Reading the workbook a Microsoft Form writes its responses to (a local copy or downloaded bytes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.intake.forms_sheet import forms_rows


class LocalFormsWorkbook:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def rows(self) -> list[list[Any]]:
        return forms_rows(self.path.read_bytes())
