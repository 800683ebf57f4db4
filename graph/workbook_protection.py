"""Worksheet protection as CX Hub sets it through Graph: what staff may still do on a protected tab."""

from __future__ import annotations

from msgraph.generated.models.workbook_worksheet_protection_options import WorkbookWorksheetProtectionOptions

from hub_schema.tabs import SHEET_PROTECTION


def _options() -> WorkbookWorksheetProtectionOptions:
    """Every option, as the template sets it (hub_schema.template.protect) from the one declaration
    in hub_schema/tabs.toml; all are sent (the CSDL declares them not nullable)."""
    options = WorkbookWorksheetProtectionOptions()
    for option, allowed in SHEET_PROTECTION.items():
        setattr(options, f"allow_{option}", allowed)
    return options


PROTECTION_OPTIONS = _options()
