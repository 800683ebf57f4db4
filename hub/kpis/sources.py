"""The digest's counts beside the KPIs: where last week's inquiries came from (lead source, campaign)
and why sales were lost, per division. Counts, not KPIs: no target, not on the Dashboard."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import pandas as pd

from hub.kpis.definitions import DEFAULT_ZONE, DIVISIONS
from hub.kpis.frames import between, columns_frame, datetime_series, text_series, week_window

NOT_GIVEN = "(not given)"
LOST_WEEKS = 4  # lost sales are few a week: their reasons are counted over the last four weeks
TOP = 3  # reasons shown per division


@dataclass(frozen=True)
class Breakdown:
    title: str
    rows: tuple[tuple[str, int], ...]  # (label, count), most first


def weekly_breakdowns(
    tables: Mapping[str, list[dict]], week: date, zone: ZoneInfo = DEFAULT_ZONE
) -> list[Breakdown]:
    """Inquiries of the week per lead source and per campaign; the top lost reasons per division
    (an aware datetime read in `zone`, CXHUB_TIMEZONE)."""
    start, end = week_window(week)
    inter = columns_frame(tables.get("Interactions"), ("Date", "Type", "Lead Source", "Campaign"))
    inquiries = inter[
        text_series(inter["Type"]).eq("Inquiry").fillna(False)
        & between(datetime_series(inter["Date"], zone), start, end)
    ]
    out = [
        Breakdown(
            "Inquiries by lead source", _counts(text_series(inquiries["Lead Source"]).fillna(NOT_GIVEN))
        ),
        Breakdown("Inquiries by campaign", _counts(text_series(inquiries["Campaign"]).dropna())),
    ]
    opps = columns_frame(tables.get("Opportunities"), ("Division", "Stage", "Closed", "Lost Reason"))
    lost = opps[
        text_series(opps["Stage"]).eq("Lost").fillna(False)
        & between(datetime_series(opps["Closed"], zone), end - pd.Timedelta(weeks=LOST_WEEKS), end)
    ]
    divisions = text_series(lost["Division"])
    reasons = text_series(lost["Lost Reason"]).fillna(NOT_GIVEN)
    for division in [*DIVISIONS, *sorted(set(divisions.dropna()) - set(DIVISIONS))]:
        rows = _counts(reasons[divisions.eq(division).fillna(False)])[:TOP]
        if rows:
            out.append(Breakdown(f"Why sales were lost, {division} (last {LOST_WEEKS} weeks)", rows))
    return out


def _counts(values: pd.Series) -> tuple[tuple[str, int], ...]:
    counted = values.value_counts()
    return tuple(sorted(((str(k), int(v)) for k, v in counted.items()), key=lambda kv: (-kv[1], kv[0])))
