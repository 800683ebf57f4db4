"""What the hub tells people: daily follow-ups, weekly KPIs, weekly upgrade-trigger check."""

from __future__ import annotations

import logging

import azure.functions as func

bp = func.Blueprint()
log = logging.getLogger("cxhub.reports")


@bp.function_name("followups")
@bp.timer_trigger(arg_name="timer", schedule="%FOLLOWUP_SCHEDULE%", run_on_startup=False, use_monitor=True)
def followups(timer: func.TimerRequest) -> None:
    from cxhub import wiring
    from cxhub.settings import Settings

    settings = Settings.from_env()
    with wiring.job_run(settings, "followups"):
        report = wiring.run_followups(settings)
    log.info(
        "followups: %d reminders, %d digests, %d already sent, %d failed",
        report.reminders_sent,
        report.digests_sent,
        report.already_sent,
        len(report.failed),
    )


@bp.function_name("kpis")
@bp.timer_trigger(arg_name="timer", schedule="%KPI_SCHEDULE%", run_on_startup=False, use_monitor=True)
def kpis(timer: func.TimerRequest) -> None:
    from cxhub import wiring
    from cxhub.settings import Settings

    settings = Settings.from_env()
    with wiring.job_run(settings, "kpis"):
        report = wiring.run_kpis(settings)
    log.info(
        "kpis: week %s, %d dashboard rows, mailed %d", report.week, report.rows_written, len(report.mailed_to)
    )


@bp.function_name("health")
@bp.timer_trigger(arg_name="timer", schedule="%HEALTH_SCHEDULE%", run_on_startup=False, use_monitor=True)
def health(timer: func.TimerRequest) -> None:
    from cxhub import wiring
    from cxhub.settings import Settings

    settings = Settings.from_env()
    with wiring.job_run(settings, "health"):
        report = wiring.run_health(settings)
    log.info("health: %s of 4 triggers met, admins mailed: %s", report.row["Triggers Met"], report.mailed)
