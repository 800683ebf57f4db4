"""Upgrade triggers (Two triggers, then plan a CRM), measured weekly: when has the company outgrown Excel?

Four measures with the strategy's thresholds: file size, open time, data-steward hours in the last full week,
and peak concurrent users. The last is a proxy: Excel does not log who has the workbook open, so it
counts the most distinct staff who submitted within any 15 minutes of the week — people filling in
the Form at the same time are people working in the hub at the same time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from hub import defaults
from hub.ports import Row
from hub.weeks import last_full_week
from hub_schema.cells import as_day
from hub_schema.columns import BUSIEST_STEWARD, STEWARD_HOURS

WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Thresholds:
    file_mb: float = defaults.HEALTH_MAX_MB
    open_seconds: float = defaults.HEALTH_MAX_OPEN_SECONDS
    steward_hours: float = defaults.HEALTH_MAX_STEWARD_HOURS
    peak_users: int = defaults.HEALTH_MAX_USERS


@dataclass(frozen=True)
class Measures:
    file_mb: float
    open_seconds: float
    steward_hours: float  # the busiest steward's
    peak_users: int
    busiest_steward: str | None = None


@dataclass(frozen=True)
class Trigger:
    name: str  # "File size", ...
    value: float
    threshold: float
    unit: str
    met: bool
    weeks_to_threshold: float | None  # at the growth fitted on the Health history; None: not growing


LABELS = (
    ("File size", "file_mb", "File MB", "MB"),
    ("Open time", "open_seconds", "Open Seconds", "s"),
    ("Steward hours last week", "steward_hours", STEWARD_HOURS, "h"),
    ("Peak concurrent users", "peak_users", "Peak Concurrent Users", "users"),
)


def steward_hours(log: Iterable[Row], today: date) -> tuple[str | None, float]:
    """The busiest steward of the last full week and their hours: each steward's own hours are held
    against the limit (six stewards at 20 minutes each is no sign of an outgrown hub)."""
    monday, sunday = last_full_week(today)
    per_steward: dict[str, float] = {}
    for row in log:
        week = as_day(row.get("Week"))
        hours = row.get("Hours")
        # A row is dated by its week; any day of the last full week counts as that week.
        if week is not None and monday <= week <= sunday and isinstance(hours, int | float):
            who = str(row.get("Steward") or "").strip().lower()
            per_steward[who] = per_steward.get(who, 0.0) + float(hours)
    if not per_steward:
        return None, 0.0
    busiest = max(sorted(per_steward), key=lambda who: per_steward[who])
    return busiest or None, round(per_steward[busiest], 2)


def peak_concurrent_users(interactions: Iterable[Row], today: date) -> int:
    """The most distinct staff submitting within any 15-minute window of the last full week."""
    monday, sunday = last_full_week(today)
    start, end = datetime.combine(monday, datetime.min.time()), datetime.combine(sunday, datetime.max.time())
    events = sorted(
        (when, str(row["Logged By"]).lower())
        for row in interactions
        if isinstance(when := row.get("Submitted At") or row.get("Date"), datetime)
        and start <= when <= end
        and row.get("Logged By")
    )
    best, left = 0, 0
    counts: dict[str, int] = {}
    for when, who in events:
        counts[who] = counts.get(who, 0) + 1
        while events[left][0] < when - WINDOW:
            gone = events[left][1]
            counts[gone] -= 1
            if not counts[gone]:
                del counts[gone]
            left += 1
        best = max(best, len(counts))
    return best


def evaluate(
    measures: Measures, history: Sequence[Mapping[str, Any]], now: datetime, limits: Thresholds
) -> list[Trigger]:
    """Each measure against its threshold, with weeks to cross it at the growth fitted on history."""
    out = []
    for name, attr, column, unit in LABELS:
        value = float(getattr(measures, attr))
        threshold = float(getattr(limits, attr))
        points: list[tuple[datetime, float]] = [
            (r["Checked At"], float(r[column]))
            for r in history
            if isinstance(r.get("Checked At"), datetime) and isinstance(r.get(column), int | float)
        ]
        points.append((now, value))
        out.append(
            Trigger(name, value, threshold, unit, value > threshold, _weeks_to(points, threshold, now))
        )
    return out


def _weeks_to(points: list[tuple[datetime, float]], threshold: float, now: datetime) -> float | None:
    if len(points) < 3:
        return None  # two points make a line through anything; wait for a third week
    weeks = np.array([(t - now).total_seconds() / (7 * 86400) for t, _ in points])
    values = np.array([v for _, v in points])
    slope, intercept = np.polyfit(weeks, values, 1)
    if slope <= 0:
        return None
    current = intercept  # the fitted value now (week 0)
    if current >= threshold:
        return 0.0
    return round((threshold - current) / slope, 1)


def health_row(measures: Measures, triggers: list[Trigger], now: datetime) -> Row:
    met = [t for t in triggers if t.met]
    return {
        "Checked At": now,
        "File MB": round(measures.file_mb, 2),
        "Open Seconds": round(measures.open_seconds, 2),
        STEWARD_HOURS: measures.steward_hours,
        BUSIEST_STEWARD: measures.busiest_steward,
        "Peak Concurrent Users": measures.peak_users,
        "Triggers Met": len(met),
        "Notes": "; ".join(f"{t.name} {t.value:g} {t.unit} > {t.threshold:g}" for t in met) or "none met",
    }
