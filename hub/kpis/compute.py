"""Weekly KPIs: pure computation. Hub rows in (as `HubStore.read_tables` returns
them), a list of `Kpi` out, each with its target and status. What each KPI measures, and the
choices made where the seeds leave room, are in definitions.py; frames.py reads the rows and
families.py computes the values.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

import pandas as pd

from hub import defaults
from hub.kpis.definitions import (
    ALL,
    DIVISIONS,
    EVERYONE,
    HIGHER_IS_BETTER,
    Kpi,
    KpiTargets,
    Status,
    definitions,
)
from hub.kpis.families import (
    Values,
    adoption_kpis,
    commerce_kpis,
    cross_division_kpis,
    data_quality_kpis,
    pipeline_kpis,
    response_kpis,
    service_kpis,
)
from hub.kpis.frames import (
    deals_frame,
    interactions_frame,
    monday_of,
    naive_local,
    opportunities_frame,
    ratings_frame,
    tickets_frame,
    week_window,
)

# Names other modules import from here, where they were defined before the split.
__all__ = [
    "ALL",
    "DIVISIONS",
    "Kpi",
    "KpiTargets",
    "compute_kpis",
    "dashboard_rows",
    "monday_of",
    "tone",
]


def _target(kind: str | None, targets: KpiTargets) -> tuple[str, float | None, float | None]:
    """(label, low, high): on target when low <= value <= high (None: unbounded)."""
    t = targets
    match kind:
        case "conversion":
            return f"{t.conversion_low:g}–{t.conversion_high:g} %", t.conversion_low, t.conversion_high
        case "resolution":
            return (
                f"{t.resolution_days_low:g}–{t.resolution_days_high:g} business days",
                t.resolution_days_low,
                t.resolution_days_high,
            )
        case "csat":
            return f"{t.csat_pilot:g}–{t.csat_pilot_high:g} %", t.csat_pilot, t.csat_pilot_high
        case "response":
            # "Under 12 hours"; 12 h exactly is within the standard, as for each inquiry.
            return f"< {t.response_hours:g} h", None, t.response_hours
    return "", None, None


def _status(value: float | None, low: float | None, high: float | None, label: str) -> Status:
    if value is None:
        return "no data"
    if not label:
        return "no target"
    if low is not None and value < low:
        return "below target"
    if high is not None and value > high:
        return "above target"
    return "on target"


def target_status(kind: str | None, value: float | None, targets: KpiTargets) -> tuple[str, Status]:
    """A KPI's target label and its status for `value`, as the digest and the pilot report word them."""
    label, low, high = _target(kind, targets)
    return label, _status(value, low, high, label)


def compute_kpis(
    tables: Mapping[str, list[dict]],
    week: date,
    now: datetime,
    targets: KpiTargets | None = None,
    *,
    timezone: str = defaults.TIMEZONE,
) -> list[Kpi]:
    """Every KPI for the week starting Monday `week` (any day of that week is taken to mean its
    Monday), per division then "All", in a fixed order. `now` is wall-clock in `timezone`
    (CXHUB_TIMEZONE), the zone an aware datetime in the hub is read in."""
    targets = targets or KpiTargets()
    monday = monday_of(week)
    start, end = week_window(monday)
    zone = ZoneInfo(timezone)
    now_ts = pd.Timestamp(naive_local(now, zone))
    inter = interactions_frame(tables, zone)
    deals = deals_frame(tables, zone)

    values: Values = {}
    pipeline_kpis(opportunities_frame(tables, zone), start, end, values)
    service_kpis(tickets_frame(tables, zone), inter, start, end, values, ratings_frame(tables, zone))
    response_kpis(inter, start, end, now_ts, targets, values)
    commerce_kpis(deals, start, end, values)
    cross_division_kpis(inter, deals, end, values)
    data_quality_kpis(tables, inter, start, end, values)
    adoption_kpis(tables, inter, start, end, values)

    specs = definitions(targets)
    out: list[Kpi] = []
    for division in EVERYONE:
        for spec in specs:
            if division not in spec.divisions:
                continue
            value = values.get((division, spec.name))
            value = None if value is None else round(float(value), 2)
            label, low, high = _target(spec.target, targets)
            out.append(
                Kpi(monday, division, spec.name, value, spec.unit, label, _status(value, low, high, label))
            )
    return out


def tone(kpi: Kpi) -> Literal["good", "bad", "neutral"]:
    """Whether a status is good news: above a conversion target is good, above a time target is not."""
    if kpi.status == "on target":
        return "good"
    if kpi.status not in ("above target", "below target") or kpi.kpi not in HIGHER_IS_BETTER:
        return "neutral"
    return "good" if (kpi.status == "above target") == HIGHER_IS_BETTER[kpi.kpi] else "bad"


def dashboard_rows(kpis: list[Kpi], computed_at: datetime) -> list[dict]:
    """Rows for the Dashboard tab, keyed by its hub_schema column names."""
    return [
        {
            "Week": k.week,
            "Division": k.division,
            "KPI": k.kpi,
            "Value": k.value,
            "Unit": k.unit,
            "Target": k.target,
            "Status": k.status,
            "Computed At": computed_at,
        }
        for k in kpis
    ]
