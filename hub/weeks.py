"""Reporting weeks: Monday to Sunday, as the KPI digest and the upgrade triggers count them."""

from __future__ import annotations

from datetime import date, timedelta


def last_full_week(today: date) -> tuple[date, date]:
    """Monday and Sunday of the last week that has ended."""
    this_monday = today - timedelta(days=today.weekday())
    return this_monday - timedelta(days=7), this_monday - timedelta(days=1)
