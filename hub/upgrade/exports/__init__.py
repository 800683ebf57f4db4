"""The exit ramp: the hub as import-ready CSV files for HubSpot or Dynamics 365.

When the upgrade triggers say it is time for a real CRM, nothing typed into the hub should be left
behind or retyped. `export_hub` turns the hub's tables (as `HubStore.read_tables` returns them)
into one CSV per target object, with the column headers each CRM's import tool maps on its own.
Which hub column goes where, the value mappings and the import steps are in docs/EXPORT.md.

common.py holds what both targets share; hubspot.py and dynamics.py each declare their files and
their column maps; crm_mappings.toml maps the hub's values to each target's own.

Pure: no files are written here; the CLI decides where the bytes go.
"""

from __future__ import annotations

from collections.abc import Mapping

from hub.upgrade.exports import dynamics, hubspot
from hub.upgrade.exports.common import ExportFile, FileSpec, HubView, csv_file
from hub.upgrade.exports.dynamics import DYNAMICS_OPPORTUNITY_STATUS, DYNAMICS_PIPELINE_PHASES
from hub.upgrade.exports.hubspot import HUBSPOT_DEAL_STAGES, HUBSPOT_TICKET_STATUSES

_TARGETS: dict[str, tuple[FileSpec, ...]] = {"hubspot": hubspot.FILES, "dynamics": dynamics.FILES}
FORMATS = tuple(_TARGETS)

# Each file's columns, in order: the single source of the column lists in docs/EXPORT.md.
HEADERS: dict[str, tuple[str, ...]] = {
    spec.name: spec.header for specs in _TARGETS.values() for spec in specs
}

__all__ = [
    "DYNAMICS_OPPORTUNITY_STATUS",
    "DYNAMICS_PIPELINE_PHASES",
    "FORMATS",
    "HEADERS",
    "HUBSPOT_DEAL_STAGES",
    "HUBSPOT_TICKET_STATUSES",
    "ExportFile",
    "export_hub",
]


def export_hub(tables: Mapping[str, list[dict]], fmt: str) -> list[ExportFile]:
    """The hub as CSV files for `fmt` ("hubspot" or "dynamics"), in the order they are imported.

    `tables` holds rows keyed by hub_schema column names (a missing tab counts as empty). Merged
    accounts and contacts are left out; references to them follow Merged Into to the survivor.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    hub = HubView(tables)
    return [csv_file(spec, hub) for spec in _TARGETS[fmt]]
