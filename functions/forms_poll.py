"""The no-premium Forms path: poll the Forms-linked workbook for new responses on a timer."""

from __future__ import annotations

import logging

import azure.functions as func

bp = func.Blueprint()
log = logging.getLogger("cxhub.forms")


@bp.function_name("forms_poll")
@bp.timer_trigger(arg_name="timer", schedule="%FORMS_POLL_SCHEDULE%", run_on_startup=False, use_monitor=True)
def forms_poll(timer: func.TimerRequest) -> None:
    from cxhub import wiring
    from cxhub.settings import Settings
    from hub.intake.forms_poll import poll_forms

    settings = Settings.from_env()
    source = wiring.build_forms_source(settings)
    if source is None:
        log.info("forms poll: no Forms workbook configured (CXHUB_FORMS_DRIVE_ID / CXHUB_FORMS_ITEM_ID)")
        return
    with wiring.job_run(settings, "forms_poll"):
        report = poll_forms(
            source.rows,
            wiring.build_state(settings),
            wiring.build_queue(settings),
            wiring.clock,
            wiring.intake_rules(settings),
        )
    log.info(
        "forms poll: %d accepted, %d rejected, last response %d",
        report.accepted,
        report.rejected,
        report.last_id,
    )
