"""Charts for the weekly KPI digest: PNG bytes, 600×300 px, drawn for a phone screen.

`matplotlib.figure.Figure` is used directly (no pyplot), so nothing touches a global backend or
figure registry and the module is safe inside a Functions worker. The mail says what each chart
is, so none has a title. A chart with nothing to show, or one whose data cannot be drawn, is a
valid PNG saying so: a digest is never held back by a chart.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from hub.kpis.definitions import DEFAULT_ZONE, DIVISIONS, STAGES, KpiTargets
from hub.kpis.frames import (
    first_responses,
    interactions_frame,
    opportunities_frame,
    ratings_frame,
    week_window,
)
from hub_schema.lists import LISTS

log = logging.getLogger(__name__)

WIDTH_IN, HEIGHT_IN, DPI = 6.0, 3.0, 100  # 600×300 px
FONT = 9
INK, MUTED, GRID = "#1f2328", "#57606a", "#d0d7de"
ACCENT, WARN, GOOD = "#0969da", "#b42318", "#1a7f37"
# Okabe-Ito: told apart by colour-blind readers too.
DIVISION_COLOURS = dict(
    zip(DIVISIONS, ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9"), strict=True)
)
FUNNEL_STAGES = tuple(s for s in STAGES if s != "Lost")  # Lost is an exit, not a step down the funnel
MAX_HOURS = 48  # later first responses share the last bar
NO_DATA = "no data yet"

Tables = Mapping[str, list[dict]]


@dataclass(frozen=True)
class ChartData:
    """What every digest chart is drawn from: the hub's tables, the week (its Monday), the targets
    the charts mark and the zone the hub's times are in."""

    tables: Tables
    week: date
    targets: KpiTargets = field(default_factory=KpiTargets)
    zone: ZoneInfo = DEFAULT_ZONE


def _figure() -> Figure:
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    fig.set_layout_engine("constrained")
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _message(text: str) -> bytes:
    fig = _figure()
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=14, color=MUTED, transform=ax.transAxes)
    return _png(fig)


def _style(ax) -> None:
    ax.tick_params(labelsize=FONT, colors=INK, length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(GRID)


def _safe(draw: Callable[..., bytes | None]) -> Callable[..., bytes]:
    """Empty data draws "no data yet"; a failure is logged and drawn as a note, never raised."""

    def wrapper(*args, **kwargs) -> bytes:
        try:
            png = draw(*args, **kwargs)
        except Exception:
            log.exception("chart %s could not be drawn", draw.__name__)
            return _message("chart unavailable")
        return png if png is not None else _message(NO_DATA)

    wrapper.__name__ = draw.__name__
    wrapper.__doc__ = draw.__doc__
    return wrapper


@_safe
def pipeline_funnel(data: ChartData) -> bytes | None:
    """Opportunities that entered each stage in the week, stacked by division."""
    start, end = week_window(data.week)
    opps = opportunities_frame(data.tables, data.zone)
    counts = pd.DataFrame(
        {s: opps.loc[(opps[s] >= start) & (opps[s] < end), "division"].value_counts() for s in FUNNEL_STAGES}
    ).fillna(0)
    counts = counts.reindex([d for d in DIVISIONS if d in counts.index])
    if counts.empty or counts.to_numpy().sum() == 0:
        return None
    fig = _figure()
    ax = fig.add_subplot()
    y = np.arange(len(FUNNEL_STAGES))[::-1]  # Inquiry at the top
    left = np.zeros(len(FUNNEL_STAGES))
    for division, row in counts.iterrows():
        values = row.reindex(FUNNEL_STAGES).to_numpy(dtype=float)
        ax.barh(y, values, left=left, color=DIVISION_COLOURS[str(division)], label=division, height=0.7)
        left += values
    for yi, total in zip(y, left, strict=True):
        ax.text(total, yi, f" {total:.0f}", va="center", fontsize=FONT, color=INK)
    ax.set_yticks(y, FUNNEL_STAGES)
    ax.set_xlabel("opportunities that entered the stage this week", fontsize=FONT, color=MUTED)
    ax.set_xlim(0, max(left.max() * 1.12, 1))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=FONT - 1, frameon=False, loc="lower right")
    _style(ax)
    return _png(fig)


@_safe
def first_response_histogram(data: ChartData) -> bytes | None:
    """Hours from each inbound inquiry of the week to the first outbound touch on its account; a
    dashed line marks the response standard (targets.response_hours)."""
    response_hours = data.targets.response_hours
    start, end = week_window(data.week)
    found = first_responses(interactions_frame(data.tables, data.zone), start, end)
    if found.empty:
        return None
    hours = found["hours"].dropna().to_numpy()
    unanswered = int(found["hours"].isna().sum())
    fig = _figure()
    ax = fig.add_subplot()
    bins = np.arange(0, MAX_HOURS + 4, 2)  # 2-hour bars; the last one holds everything later
    ax.hist(np.clip(hours, 0, MAX_HOURS + 1), bins=bins.tolist(), color=ACCENT, edgecolor="white")
    ax.axvline(response_hours, color=WARN, linestyle="--", linewidth=1.5)
    label = f" {response_hours:g} h standard"
    on_top = ax.get_xaxis_transform()  # x in hours, y in axes fractions
    ax.text(response_hours, 1.0, label, color=WARN, fontsize=FONT, va="top", transform=on_top)
    ax.set_xlim(0, MAX_HOURS + 2)
    ticks = list(range(0, MAX_HOURS, 12))
    ax.set_xticks([*ticks, MAX_HOURS + 1], [*map(str, ticks), f"{MAX_HOURS}+"])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("hours to the first reply", fontsize=FONT, color=MUTED)
    ax.set_ylabel("inquiries", fontsize=FONT, color=MUTED)
    note = f"{len(hours)} answered" + (f", {unanswered} not answered" if unanswered else "")
    ax.text(0.99, 0.98, note, ha="right", va="top", fontsize=FONT, color=INK, transform=ax.transAxes)
    _style(ax)
    return _png(fig)


@_safe
def csat_trend(data: ChartData, weeks: int = 8) -> bytes | None:
    """Weekly CSAT (% of ratings that are 4 or 5), all divisions, for the `weeks` weeks to the week."""
    targets = data.targets
    last, _ = week_window(data.week)
    first = last - pd.Timedelta(weeks=weeks - 1)
    ratings = ratings_frame(data.tables, data.zone)
    rated = ratings[ratings["rated_at"] >= first]
    rated = rated[rated["rated_at"] < last + pd.Timedelta(days=7)]
    if rated.empty:
        return None
    monday = rated["rated_at"].dt.normalize() - pd.to_timedelta(rated["rated_at"].dt.weekday, unit="D")
    by_week = (rated["csat"] >= 4).groupby(monday).agg(["mean", "size"])
    mondays = pd.date_range(first, last, freq="7D")
    by_week = by_week.reindex(mondays)
    share = by_week["mean"].to_numpy(dtype=float) * 100
    fig = _figure()
    ax = fig.add_subplot()
    x = np.arange(len(mondays))
    ax.axhspan(targets.csat_pilot, targets.csat_pilot_high, color="#dafbe1", zorder=0)
    band = f"pilot target {targets.csat_pilot:g}–{targets.csat_pilot_high:g} %"
    right = len(mondays) - 0.5
    ax.text(right, targets.csat_pilot_high, band, ha="right", va="bottom", fontsize=FONT - 1, color=GOOD)
    ax.plot(x, share, marker="o", color=ACCENT, linewidth=2)
    for xi, value, n in zip(x, share, by_week["size"].to_numpy(dtype=float), strict=True):
        if not np.isnan(value):
            label = f"{value:.0f}%\n(n={n:.0f})"
            ax.annotate(
                label, (xi, value), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=FONT - 2
            )
    ax.set_xticks(x, [m.strftime("%d %b") for m in mondays])
    ax.set_xlim(-0.5, len(mondays) - 0.5)
    ax.set_ylim(0, 118)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.set_ylabel("% rated 4–5", fontsize=FONT, color=MUTED)
    ax.set_xlabel("week starting (a gap: no ratings that week)", fontsize=FONT, color=MUTED)
    _style(ax)
    return _png(fig)


@_safe
def interactions_by_channel(data: ChartData) -> bytes | None:
    """Interactions dated in the week, by channel."""
    start, end = week_window(data.week)
    inter = interactions_frame(data.tables, data.zone)
    in_week = inter[(inter["when"] >= start) & (inter["when"] < end)]
    if in_week.empty:
        return None
    counts = in_week["channel"].fillna("Not given").value_counts()
    order = [c for c in (*LISTS["Channels"], "Not given") if counts.get(c, 0)]
    order += sorted(c for c in counts.index if c not in order)  # a channel typed outside the list
    values = [int(counts[c]) for c in order]
    fig = _figure()
    ax = fig.add_subplot()
    y = np.arange(len(order))[::-1]
    ax.barh(y, values, color=ACCENT, height=0.7)
    for yi, v in zip(y, values, strict=True):
        ax.text(v, yi, f" {v}", va="center", fontsize=FONT, color=INK)
    ax.set_yticks(y, order)
    ax.set_xlim(0, max(values) * 1.12)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("interactions logged this week", fontsize=FONT, color=MUTED)
    _style(ax)
    return _png(fig)


# Every digest chart by name (the names hub.kpis.mail captions); each draws from one ChartData.
CHARTS: dict[str, Callable[[ChartData], bytes]] = {
    "pipeline_funnel": pipeline_funnel,
    "first_response_histogram": first_response_histogram,
    "csat_trend": csat_trend,
    "interactions_by_channel": interactions_by_channel,
}
