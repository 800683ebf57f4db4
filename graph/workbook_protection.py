"""Worksheet protection as CX Hub sets it through Graph: what staff may still do on a protected tab."""

from __future__ import annotations

from msgraph.generated.models.workbook_worksheet_protection_options import WorkbookWorksheetProtectionOptions

# What staff may still do on a protected tab, as the template sets it (hub_schema.template.protect):
# sort, filter and widen columns; every option is sent (the CSDL declares them not nullable).
PROTECTION_OPTIONS = WorkbookWorksheetProtectionOptions(
    allow_auto_filter=True,
    allow_sort=True,
    allow_format_columns=True,
    allow_delete_columns=False,
    allow_delete_rows=False,
    allow_format_cells=False,
    allow_format_rows=False,
    allow_insert_columns=False,
    allow_insert_hyperlinks=False,
    allow_insert_rows=False,
    allow_pivot_tables=False,
)
