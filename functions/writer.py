"""The writer: drains the submissions queue into the hub on a timer, one batch per table write."""

from __future__ import annotations

import logging

import azure.functions as func

bp = func.Blueprint()
log = logging.getLogger("cxhub.writer")


@bp.function_name("writer")
@bp.timer_trigger(arg_name="timer", schedule="%WRITER_SCHEDULE%", run_on_startup=False, use_monitor=True)
def writer(timer: func.TimerRequest) -> None:
    from cxhub import wiring
    from cxhub.settings import Settings
    from hub.intake.writer import drain

    if timer.past_due:
        log.info("writer is running late; draining everything queued now")
    settings = Settings.from_env()
    store = wiring.build_store(settings)
    try:
        with wiring.job_run(settings, "writer"):
            report = drain(
                wiring.build_queue(settings),
                store,
                wiring.clock,
                wiring.writer_rules(settings),
                wiring.build_job_lock(settings),
            )
    finally:
        store.close()
    log.info(
        "writer: %d recorded, %d duplicate, %d rejected, %d failed, %d poisoned, %.1fs%s",
        report.count("recorded"),
        report.count("duplicate"),
        report.count("rejected"),
        report.failed,
        report.poisoned,
        report.seconds,
        f"; hub locked: {report.hub_locked}" if report.hub_locked else "",
    )
