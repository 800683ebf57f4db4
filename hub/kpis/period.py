"""The KPIs over any period, for the whole of what the tables hold ("All"): the weekly families
(families.py) run over [first, last] instead of one week, so a figure in the pilot report means
what the same KPI means in the weekly digest.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from hub import defaults
from hub.kpis.compute import target_status
from hub.kpis.definitions import (
    ADOPTION,
    ALL,
    CSAT,
    DATA_QUALITY,
    FIRST_RESPONSE,
    INQUIRY_TO_WON,
    Kpi,
    KpiTargets,
    answered_within_name,
)
from hub.kpis.families import (
    Values,
    adoption_kpis,
    data_quality_kpis,
    median_business_days,
    pipeline_kpis,
    response_kpis,
    service_kpis,
)
from hub.kpis.frames import (
    between,
    interactions_frame,
    naive_local,
    opportunities_frame,
    ratings_frame,
    tickets_frame,
)

TICKET_RESOLUTION = "Time to resolve tickets"

# name -> (unit, target kind): the measures of a period, in the order a report lists them.
PERIOD_KPIS: dict[str, tuple[str, str | None]] = {
    INQUIRY_TO_WON: ("%", "conversion"),
    TICKET_RESOLUTION: ("business days", "resolution"),
    CSAT: ("%", "csat"),
    FIRST_RESPONSE: ("hours", "response"),
    DATA_QUALITY: ("%", None),
    ADOPTION: ("interactions/staff", None),
}


def period_kpis(
    tables: Mapping[str, list[dict]],
    first: date,
    last: date,
    now: datetime,
    targets: KpiTargets,
    timezone: str = defaults.TIMEZONE,
) -> dict[str, Kpi]:
    """Each KPI of PERIOD_KPIS (and the within-the-standard share) over `first`..`last`, both days
    included, with its target and status as the weekly digest words them."""
    start, end = pd.Timestamp(first), pd.Timestamp(last + timedelta(days=1))
    zone = ZoneInfo(timezone)
    inter = interactions_frame(tables, zone)
    tickets = tickets_frame(tables, zone)
    values: Values = {}
    pipeline_kpis(opportunities_frame(tables, zone), start, end, values)
    service_kpis(tickets, inter, start, end, values, ratings_frame(tables, zone))
    response_kpis(inter, start, end, pd.Timestamp(naive_local(now, zone)), targets, values)
    data_quality_kpis(tables, inter, start, end, values)
    adoption_kpis(tables, inter, start, end, values)
    values[ALL, TICKET_RESOLUTION] = median_business_days(tickets[between(tickets["resolved"], start, end)])
    measures = dict(PERIOD_KPIS)
    measures[answered_within_name(targets.response_hours)] = ("%", None)
    out = {}
    for name, (unit, kind) in measures.items():
        value = values.get((ALL, name))
        value = None if value is None else round(float(value), 2)
        label, status = target_status(kind, value, targets)
        out[name] = Kpi(first, ALL, name, value, unit, label, status)
    return out
