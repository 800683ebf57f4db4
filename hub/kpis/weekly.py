"""The weekly KPI job: Dashboard rows for last week and the digest with charts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hub.kpis.charts import CHARTS, ChartData
from hub.kpis.compute import Kpi, KpiTargets, compute_kpis, dashboard_rows
from hub.kpis.mail import render_kpi_digest
from hub.kpis.sources import weekly_breakdowns
from hub.pilot import PilotScope
from hub.ports import (
    HubChanges,
    HubStore,
    InlineImage,
    Mailer,
    MailMessage,
    StateStore,
)
from hub.staff import is_active_staff
from hub.weeks import last_full_week
from hub_schema.cells import as_day
from hub_schema.tabs import TABS

log = logging.getLogger(__name__)


@dataclass
class KpiReport:
    week: date
    rows_written: int = 0
    already_recorded: bool = False
    mailed_to: list[str] = field(default_factory=list)


def run_kpis(
    store: HubStore,
    mailer: Mailer,
    state: StateStore,
    clock: Callable[[], datetime],
    timezone: str,
    admins: tuple[str, ...],
    targets: KpiTargets | None = None,
    scope: PilotScope | None = None,
) -> KpiReport:
    """Last full week's KPIs: rows on the Dashboard tab (once per week) and the digest to managers.
    `targets` carries the response standard (CXHUB_RESPONSE_HOURS) the KPIs and charts measure."""
    targets = targets or KpiTargets()
    now = clock().astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    week, _ = last_full_week(now.date())
    tables = store.read_tables([t.name for t in TABS])
    report = KpiReport(week)
    # A pilot (CXHUB_PILOT): the KPIs, the charts and the digest cover its rows only.
    tables = scope.tables(tables) if scope is not None else tables
    kpis = compute_kpis(tables, week, now, targets, timezone=timezone)
    recorded = {(as_day(r.get("Week")), r.get("Division"), r.get("KPI")) for r in tables["Dashboard"]}
    rows = [
        r for r in dashboard_rows(kpis, now) if (as_day(r["Week"]), r["Division"], r["KPI"]) not in recorded
    ]
    report.already_recorded = not rows
    if rows:
        store.apply(HubChanges(appends={"Dashboard": rows}))
        report.rows_written = len(rows)
    key = f"kpi-digest-sent:{week.isoformat()}"
    if not state.get(key):
        _mail_digest(report, kpis, tables, mailer, state, key, now, admins, targets, ZoneInfo(timezone))
    log.info(
        "kpis: week %s, %d dashboard rows, mailed %d", report.week, report.rows_written, len(report.mailed_to)
    )
    return report


def kpi_recipients(tables: Mapping[str, list[dict]], admins: tuple[str, ...]) -> list[str]:
    """Who gets the KPI digest: active managers on the Staff tab (Role Manager), and the admins."""
    managers = {
        str(s["Email"]).lower()
        for s in tables.get("Staff", [])
        if s.get("Email") and s.get("Role") == "Manager" and is_active_staff(s)
    }
    return sorted(managers | set(admins))


def _mail_digest(
    report: KpiReport,
    kpis: list[Kpi],
    tables: Mapping[str, list[dict]],
    mailer: Mailer,
    state: StateStore,
    key: str,
    now: datetime,
    admins: tuple[str, ...],
    targets: KpiTargets,
    zone: ZoneInfo,
) -> None:
    """The digest with its four charts, to the managers and admins; recorded so it goes once a week."""
    week = report.week
    data = ChartData(tables, week, targets, zone)
    charts = {name: draw(data) for name, draw in CHARTS.items()}
    cids = {name: f"{name}-{week.isoformat()}@cxhub" for name in charts}
    html, text = render_kpi_digest(kpis, week, cids, targets, weekly_breakdowns(tables, week, zone))
    images = tuple(InlineImage(cids[name], data, name=f"{name}.png") for name, data in charts.items())
    to = tuple(kpi_recipients(tables, admins))
    if to:
        mailer.send(
            MailMessage(
                to=to,
                subject=f"CX Hub: weekly KPIs, week of {week:%d %b %Y}",
                html=html,
                text=text,
                images=images,
            )
        )
        report.mailed_to = list(to)
        state.set(key, now.isoformat())
