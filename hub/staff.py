"""Rules about the Staff tab that several capabilities read (follow-ups, KPIs, the upgrade draft)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def is_active(active: object) -> bool:
    """Whether a Staff row's Active cell means the person is active: a blank cell counts as active
    (a row the steward has not finished), and so does anything but "No" (in any case, with spaces)."""
    return str(active if active is not None else "").strip().casefold() != "no"


def is_active_staff(row: Mapping[str, Any]) -> bool:
    """is_active for a whole Staff row."""
    return is_active(row.get("Active"))
