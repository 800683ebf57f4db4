"""Builds the blank Excel Hub: every tab one real Excel table named after it, ready for staff.

Each table starts with one empty data row: Excel and LibreOffice both treat a header-only table
as damaged, and writers fill that row first.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule, Rule
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.numbers import NumberFormat
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from hub_schema.lists import LISTS, list_name_to_defined_name
from hub_schema.tabs import (
    LISTS_TAB_NAME,
    NUMBER_FORMATS,
    OPEN_COLUMNS,
    PROTECTED_TABS,
    SHEET_PROTECTION,
    TABS,
    Column,
    Tab,
)
from hub_schema.widths import HEADER_FONT_NAME, HEADER_FONT_SIZE, header_width

EXCEL_MAX_ROW = 1_048_576
# The conditional format's own number-format id: above the few custom ids cell styles take (164 on).
DAY_ONLY_FORMAT_ID = 300
_HEADER_FONT = Font(name=HEADER_FONT_NAME, size=HEADER_FONT_SIZE, bold=True)
_OVERDUE_FILL = PatternFill(start_color="FFC7CE", end_color="FFC7CE", fill_type="solid")
_OVERDUE_FONT = Font(color="9C0006")
_OPEN = Protection(locked=False)


def build_template(path: Path) -> Path:
    """Write a blank hub to `path` (overwriting nothing: refuses an existing file)."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} already exists; choose another path or move it away first")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)
    for tab in TABS:
        add_tab(wb.create_sheet(tab.name), tab)
    _add_lists_tab(wb.create_sheet(LISTS_TAB_NAME))
    for ws in wb.worksheets:
        if ws.title in PROTECTED_TABS:
            protect(ws)
    wb.properties.title = "CX Hub"
    wb.properties.creator = "CX Hub"
    wb.save(path)
    return path


def add_tab(ws: Worksheet, tab: Tab) -> None:
    """`tab` on the empty sheet `ws`: header, formats, dropdowns, its table (one empty row), print set-up."""
    for col_no, column in enumerate(tab.columns, 1):
        add_column(ws, tab.name, col_no, column)
    last = get_column_letter(len(tab.columns))
    table = Table(displayName=tab.table_name, ref=f"A1:{last}2")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A2"
    _print_setup(ws)
    if tab.name == "Interactions":
        _add_overdue_highlight(ws, tab)
    _add_day_only_format(ws, tab)


def add_column(ws: Worksheet, tab_name: str, col_no: int, column: Column, last_row: int = 2) -> None:
    """One column's header cell, width, number format, dropdown and (for the columns people decide
    in) unlocked cells, on rows 2..last_row: the template's first row, or every row of a hub an
    upgrade adds the column to (hub_schema.upgrade)."""
    cell = ws.cell(row=1, column=col_no, value=column.name)
    cell.font = _HEADER_FONT
    cell.alignment = Alignment(vertical="center")
    letter = get_column_letter(col_no)
    ws.column_dimensions[letter].width = column.display_width
    is_open = column.name in OPEN_COLUMNS.get(tab_name, ())
    for row in range(2, last_row + 1):
        if column.type in NUMBER_FORMATS:
            ws.cell(row=row, column=col_no).number_format = NUMBER_FORMATS[column.type]
        if is_open:
            # Writers fill the first row first and later rows take their style from the one above.
            ws.cell(row=row, column=col_no).protection = _OPEN
    if column.enum:
        add_dropdown(ws, letter, column.enum)


def _print_setup(ws: Worksheet) -> None:
    """Printed, a tab is landscape A4, as wide as the page, with its header row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def protect(ws: Worksheet) -> None:
    """Lock a sheet in Excel's UI, without a password (the Graph API can only lift a sheet's
    protection without one), leaving staff what SHEET_PROTECTION allows (sort, filter, widen
    columns): the same options the Graph store sets (graph/workbook_protection.py)."""
    ws.protection.sheet = True
    for option, allowed in SHEET_PROTECTION.items():
        # openpyxl names the option in camelCase and says True for "protected", i.e. not allowed.
        first, *rest = option.split("_")
        setattr(ws.protection, first + "".join(word.title() for word in rest), not allowed)


def add_dropdown(ws: Worksheet, letter: str, list_name: str) -> None:
    dv = DataValidation(
        type="list",
        formula1=list_name_to_defined_name(list_name),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=f"Not one of the {list_name.lower()}",
        error=f"Pick a value from the list ({', '.join(LISTS[list_name])}).",
    )
    dv.add(f"{letter}2:{letter}{EXCEL_MAX_ROW}")
    ws.add_data_validation(dv)


def _add_day_only_format(ws: Worksheet, tab: Tab) -> None:
    """A date-and-time cell holding a whole day (a day-level stamp: exactly 00:00) shows as a date.
    The local writers give such a cell the date format themselves (hub_schema.cells.number_format),
    but rows the Graph store adds (tables/rows/add, values only) take their column's format from the
    row above: without this rule their day-level stamps would show a 00:00 nobody logged. One rule
    per tab over every date-and-time column, so no Graph request sets a format."""
    letters = [get_column_letter(n) for n, c in enumerate(tab.columns, 1) if c.type == "datetime"]
    if not letters:
        return
    first = f"{letters[0]}2"  # the formula is relative to the first cell of the first range
    day_only = DifferentialStyle(
        numFmt=NumberFormat(numFmtId=DAY_ONLY_FORMAT_ID, formatCode=NUMBER_FORMATS["date"])
    )
    ws.conditional_formatting.add(
        " ".join(f"{letter}2:{letter}{EXCEL_MAX_ROW}" for letter in letters),
        Rule(type="expression", formula=[f"AND(ISNUMBER({first}),MOD({first},1)=0)"], dxf=day_only),
    )


def _add_overdue_highlight(ws: Worksheet, tab: Tab) -> None:
    names = tab.column_names
    status = get_column_letter(names.index("Action Status") + 1)
    due = get_column_letter(names.index("Action Due Date") + 1)
    last = get_column_letter(len(names))
    formula = f'AND(${status}2="Open",${due}2<>"",${due}2<TODAY())'
    ws.conditional_formatting.add(
        f"A2:{last}{EXCEL_MAX_ROW}",
        FormulaRule(formula=[formula], fill=_OVERDUE_FILL, font=_OVERDUE_FONT, stopIfTrue=False),
    )


def growing_list(list_name: str) -> str:
    """The dropdown's source: the filled cells of the list's column of the Lists table. A steward
    who adds a value below a list (Excel grows the table) or in a blank cell under a shorter list
    extends the dropdown; a fixed range would not. Excel, Excel Online and LibreOffice evaluate it."""
    column = f"{LISTS_TAB_NAME}[{list_name}]"
    return f"OFFSET({LISTS_TAB_NAME}[[#Headers],[{list_name}]],1,0,COUNTA({column}),1)"


def _add_lists_tab(ws: Worksheet) -> None:
    longest = max(len(v) for v in LISTS.values())
    for col_no, (list_name, values) in enumerate(LISTS.items(), 1):
        letter = get_column_letter(col_no)
        ws.cell(row=1, column=col_no, value=list_name).font = _HEADER_FONT
        for row_no, value in enumerate(values, 2):
            ws.cell(row=row_no, column=col_no, value=value)
        ws.column_dimensions[letter].width = max(header_width(list_name), *(len(v) + 3 for v in values))
        ws.parent.defined_names[list_name_to_defined_name(list_name)] = DefinedName(
            list_name_to_defined_name(list_name), attr_text=growing_list(list_name)
        )
    last = get_column_letter(len(LISTS))
    table = Table(displayName=LISTS_TAB_NAME, ref=f"A1:{last}{longest + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A2"
    _print_setup(ws)
