"""The no-premium Forms path: poll the Forms-linked workbook for new responses on a timer."""

from __future__ import annotations

import azure.functions as func

bp = func.Blueprint()


@bp.function_name("forms_poll")
@bp.timer_trigger(arg_name="timer", schedule="%FORMS_POLL_SCHEDULE%", run_on_startup=False, use_monitor=True)
def forms_poll(timer: func.TimerRequest) -> None:
    from cxhub.wiring import run_timer

    run_timer("forms_poll")
