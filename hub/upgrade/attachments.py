"""What the upgrade mail carries: the CRM requirements draft and, when small enough, the exports."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from datetime import datetime

from hub import defaults
from hub.ports import Attachment
from hub.upgrade.exports import FORMATS, export_hub
from hub.upgrade.requirements import HealthEvidence, draft_requirements

# Exports of a big hub do not fit in a mail (Graph takes ~3 MB a request): past this many rows the
# mail says how to run `cxhub export` instead, and the work is not done for nothing.
MAX_EXPORT_ROWS = 20_000
EXPORTED_TABS = ("Accounts", "Contacts", "Opportunities", "Tickets", "Interactions")
# With the drafts beside it, a zip under this size keeps the mail under Graph's request limit.
MAX_ZIP_BYTES = 2_000_000
EXPORT_ZIP_NAME = "cxhub-export-hubspot-dynamics.zip"


def health_history(tables: Mapping[str, list[dict]]) -> list[HealthEvidence]:
    """The Health tab's rows as the evidence the requirements draft cites."""
    return [
        HealthEvidence(
            checked_at=r["Checked At"],
            file_mb=r.get("File MB"),
            open_seconds=r.get("Open Seconds"),
            steward_hours=r.get("Steward Hours"),
            peak_users=r.get("Peak Concurrent Users"),
            triggers_met=r.get("Triggers Met"),
        )
        for r in tables.get("Health", [])
        if r.get("Checked At")
    ]


def upgrade_attachments(
    tables: Mapping[str, list[dict]], now: datetime, zone: str = defaults.TIMEZONE
) -> list[Attachment]:
    """The CRM requirements draft (Markdown and HTML; `now` is wall-clock time in `zone`) and, when
    small enough to mail, the exit-ramp exports for HubSpot and Dynamics 365 in one zip."""
    markdown, html = draft_requirements(tables, health_history(tables), now, zone=zone)
    out = [
        Attachment("CRM-requirements-draft.md", markdown.encode(), "text/markdown"),
        Attachment("CRM-requirements-draft.html", html.encode(), "text/html"),
    ]
    if sum(len(tables.get(t, [])) for t in EXPORTED_TABS) > MAX_EXPORT_ROWS:
        return out
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for fmt in FORMATS:
            for file in export_hub(tables, fmt):
                archive.writestr(f"{fmt}/{file.name}", file.data)
    if buffer.tell() < MAX_ZIP_BYTES:
        out.append(Attachment(EXPORT_ZIP_NAME, buffer.getvalue(), "application/zip"))
    return out
