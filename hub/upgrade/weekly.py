"""The weekly upgrade check: the Health row, and the admins' mail when two triggers hold."""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.pilot import BRANCH, PilotScope
from hub.ports import (
    Attachment,
    HubChanges,
    HubStore,
    Mailer,
    MailMessage,
    Row,
    StateStore,
)
from hub.rendering import environment as render_environment
from hub.text import figure, measure
from hub.upgrade.triggers import (
    Measures,
    Thresholds,
    Trigger,
    evaluate,
    health_row,
    peak_concurrent_users,
    steward_hours,
)
from hub_schema.columns import DIVISION, INTERACTION_ID
from hub_schema.tabs import TABS

log = logging.getLogger(__name__)


HEALTH_COLUMNS = {"Interactions": (INTERACTION_ID, "Logged By", "Submitted At", "Date")}


@dataclass
class HealthReport:
    row: dict
    triggers: list[Trigger]
    mailed: bool = False
    already_mailed_this_week: bool = False


def run_health(
    store: HubStore,
    mailer: Mailer,
    state: StateStore,
    clock: Callable[[], datetime],
    limits: Thresholds,
    timezone: str,
    admins: tuple[str, ...],
    attachments: Callable[[Mapping[str, list[dict]], datetime], list[Attachment]] = lambda tables, now: [],
    scope: PilotScope | None = None,
) -> HealthReport:
    """Measure the four triggers, append a Health row, and mail the admins (at most once a week)
    when two or more hold. With a pilot (CXHUB_PILOT), peak users and steward hours are the
    pilot's; file size and open time are the whole file's, and the row's Notes say so."""
    now = clock().astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    file_mb = store.size_bytes() / 1e6
    open_seconds = statistics.median(store.measure_open() for _ in range(3))
    tables = _health_tables(store, scope)
    busiest, hours = steward_hours(tables["Steward Log"], now.date())
    measures = Measures(
        file_mb=file_mb,
        open_seconds=open_seconds,
        steward_hours=hours,
        peak_users=peak_concurrent_users(tables["Interactions"], now.date()),
        busiest_steward=busiest,
    )
    triggers = evaluate(measures, tables["Health"], now, limits)
    row = health_row(measures, triggers, now)
    if scope is not None:
        row["Notes"] = f"pilot {scope.describe()}: {row['Notes']}"
    store.apply(HubChanges(appends={"Health": [row]}))
    report = HealthReport(row, triggers)
    _mail_if_due(report, store, mailer, state, now, admins, attachments)
    log.info("health: %s of 4 triggers met, admins mailed: %s", row["Triggers Met"], report.mailed)
    return report


def _health_tables(store: HubStore, scope: PilotScope | None) -> dict[str, list[Row]]:
    """What the triggers read; with a pilot, its interactions and the Steward Log rows of stewards
    in its divisions (a steward the Staff tab does not place is kept: they may steward the pilot)."""
    if scope is None:
        return dict(store.read_tables(("Steward Log", "Interactions", "Health"), columns=HEALTH_COLUMNS))
    columns = {
        "Interactions": (*HEALTH_COLUMNS["Interactions"], DIVISION, *((BRANCH,) if scope.branches else ()))
    }
    tables = dict(store.read_tables(("Steward Log", "Interactions", "Health", "Staff"), columns=columns))
    tables["Interactions"] = [r for r in tables["Interactions"] if scope.covers(r)]
    division_of = {str(s.get("Email") or "").strip().lower(): s.get(DIVISION) for s in tables["Staff"]}
    tables["Steward Log"] = [
        r
        for r in tables["Steward Log"]
        if not division_of.get(who := str(r.get("Steward") or "").strip().lower())
        or scope.holds_division(division_of[who])
    ]
    return tables


def _mail_if_due(
    report: HealthReport,
    store: HubStore,
    mailer: Mailer,
    state: StateStore,
    now: datetime,
    admins: tuple[str, ...],
    attachments: Callable[[Mapping[str, list[dict]], datetime], list[Attachment]],
) -> None:
    """Mail the admins the evidence and the attachments when two or more triggers hold, once a week."""
    triggers = report.triggers
    met = [t for t in triggers if t.met]
    if len(met) < 2 or not admins:
        return
    year, week, _ = now.isocalendar()
    key = f"health-mailed:{year}-W{week:02d}"
    if state.get(key):
        report.already_mailed_this_week = True
        return
    everything = store.read_tables([t.name for t in TABS])
    files = attachments(everything, now)
    exports = ", ".join(a.name for a in files if a.name.endswith(".zip"))
    subject = f"CX Hub: {len(met)} upgrade triggers hold — time to plan the move to a CRM"
    html = (
        render_environment()
        .get_template("health_alert.html.j2")
        .render(subject=subject, met=met, triggers=triggers, exports=exports)
    )
    text = "\n".join([subject, "", *trigger_lines(triggers)])
    mailer.send(MailMessage(to=admins, subject=subject, html=html, text=text, attachments=tuple(files)))
    state.set(key, now.isoformat())
    report.mailed = True


def trigger_lines(triggers: Iterable[Trigger]) -> list[str]:
    """The text part's line per measure: "- Peak concurrent users: 30 users (threshold 25) CROSSED"."""
    crossed = {True: " CROSSED", False: ""}
    return [
        f"- {t.name}: {measure(t.value, t.unit)} (threshold {figure(t.threshold)}){crossed[t.met]}"
        for t in triggers
    ]
