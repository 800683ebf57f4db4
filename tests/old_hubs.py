"""Hubs made and filled by older CX Hubs (tests/data/old_hubs/README.md says how), and their tables
as grids, for `cxhub upgrade-hub`'s tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl.utils import range_boundaries

OLD_HUBS = sorted((Path(__file__).parent / "data" / "old_hubs").glob("hub-*.xlsx"))


def table_grids(book: Any) -> dict[str, tuple[list[str], list[list[object]]]]:
    """Every table of an openpyxl workbook as (header, rows of values in sheet order), by tab."""
    out = {}
    for ws in book.worksheets:
        for table in ws.tables.values():
            min_col, min_row, max_col, max_row = range_boundaries(table.ref)
            grid = [[c.value for c in row] for row in ws.iter_rows(min_row, max_row, min_col, max_col)]
            out[ws.title] = ([str(h) for h in grid[0]], grid[1:])
    return out
