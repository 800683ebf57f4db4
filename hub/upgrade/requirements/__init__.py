"""Draft the CRM Requirements Document from how the hub is really used (Two triggers, then plan a CRM).

The admins' upgrade-trigger mail carries this draft. Every number is computed from the hub's rows;
where the rows cannot show something the draft says so, and it ends with the questions people
still have to answer. Markdown and HTML are both rendered from one Draft structure so the two
attachments can never disagree.

Pure: rows in, text out. No I/O beyond loading the packaged template, no clock (the caller's
`now`, naive wall-clock time in the hub's zone like every datetime in the hub; the draft names
the zone, CXHUB_TIMEZONE, Africa/Lagos by default).

The package: rules.py (the upgrade triggers and what counts), reading.py (hub cells as values),
evidence.py (every figure, computed once), document.py (the Draft structure and formatting),
sections.py (sections 1-5) and needs.py (6-8: what the CRM must do), render.py (Markdown and HTML).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from hub import defaults
from hub.upgrade.requirements.document import Draft
from hub.upgrade.requirements.evidence import gather
from hub.upgrade.requirements.needs import integrations_section, questions_section, requirements_section
from hub.upgrade.requirements.reading import as_datetime
from hub.upgrade.requirements.render import render_html, render_markdown
from hub.upgrade.requirements.rules import V6_OPEN_QUESTIONS, HealthEvidence
from hub.upgrade.requirements.sections import (
    intro_blocks,
    ownership_section,
    quality_section,
    usage_section,
    volumes_section,
    why_now_section,
)

__all__ = [
    "V6_OPEN_QUESTIONS",
    "HealthEvidence",
    "build_draft",
    "draft_requirements",
    "render_html",
    "render_markdown",
]


def build_draft(
    tables: Mapping[str, list[dict]],
    health: Sequence[HealthEvidence],
    now: datetime,
    company: str,
    zone: str = defaults.TIMEZONE,
) -> Draft:
    # A check whose time cannot be read cannot be placed on the trend; it is left out, not guessed.
    checks = [replace(h, checked_at=at) for h in health if (at := as_datetime(h.checked_at)) is not None]
    ev = gather(tables, checks, now, company, zone)
    sections = (
        why_now_section(ev),
        volumes_section(ev),
        usage_section(ev),
        quality_section(ev),
        ownership_section(ev),
        integrations_section(ev),
        requirements_section(ev),
        questions_section(ev),
    )
    return Draft(f"CRM Requirements Document: {company} (draft)", intro_blocks(ev), sections)


def draft_requirements(
    tables: Mapping[str, list[dict]],
    health: list[HealthEvidence],
    now: datetime,
    company: str = "Mikano International",
    zone: str = defaults.TIMEZONE,
) -> tuple[str, str]:
    """(markdown, html) of the draft; `now` and the hub's times are wall-clock time in `zone`."""
    draft = build_draft(tables, health, now, company, zone)
    return render_markdown(draft), render_html(draft)
