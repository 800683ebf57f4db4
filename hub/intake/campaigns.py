"""Campaign chosen from a list: the Form's answer matched to a row of the Campaigns tab the steward
keeps (name, channel, UTM codes, dates), so inquiries count per campaign however the name was typed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from hub.intake.submission import Submission
from hub.ports import Row
from hub_schema.form import answer_key

CAMPAIGN_NAME = "Campaign Name"


def campaign_index(rows: Iterable[Row]) -> dict[str, Row]:
    """Campaigns by their name compared as answers are (case, spaces and punctuation ignored)."""
    return {answer_key(str(r[CAMPAIGN_NAME])): r for r in rows if r.get(CAMPAIGN_NAME)}


def with_campaign(sub: Submission, campaigns: Mapping[str, Row], notes: list[str]) -> Submission:
    """The submission naming its campaign as the Campaigns tab spells it; a lead source not given is
    the campaign's channel. A name not on the tab is kept as typed, and the writer's outcome says so."""
    answer = sub.get("campaign")
    if not answer:
        return sub
    row = campaigns.get(answer_key(str(answer)))
    if row is None:
        notes.append(f"campaign {answer!r} is not on the Campaigns tab; kept as typed")
        return sub
    values = {**sub.values, "campaign": str(row[CAMPAIGN_NAME])}
    if not sub.get("lead_source") and row.get("Channel"):
        values["lead_source"] = row["Channel"]
    return replace(sub, values=values)
