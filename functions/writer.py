"""The writer: drains the submissions queue into the hub on a timer, one batch per table write."""

from __future__ import annotations

import logging

import azure.functions as func

bp = func.Blueprint()
log = logging.getLogger(__name__)


@bp.function_name("writer")
@bp.timer_trigger(arg_name="timer", schedule="%WRITER_SCHEDULE%", run_on_startup=False, use_monitor=True)
def writer(timer: func.TimerRequest) -> None:
    from cxhub.wiring import run_timer

    if timer.past_due:
        log.info("writer is running late; draining everything queued now")
    run_timer("writer")
