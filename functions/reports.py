"""What the hub tells people: daily follow-ups, the stewards' digest, weekly KPIs, weekly upgrade check."""

from __future__ import annotations

import azure.functions as func

bp = func.Blueprint()


@bp.function_name("followups")
@bp.timer_trigger(arg_name="timer", schedule="%FOLLOWUP_SCHEDULE%", run_on_startup=False, use_monitor=True)
def followups(timer: func.TimerRequest) -> None:
    from cxhub.wiring import run_timer

    run_timer("followups")


@bp.function_name("steward_digest")
@bp.timer_trigger(
    arg_name="timer", schedule="%STEWARD_DIGEST_SCHEDULE%", run_on_startup=False, use_monitor=True
)
def steward_digest(timer: func.TimerRequest) -> None:
    from cxhub.wiring import run_timer

    run_timer("steward_digest")


@bp.function_name("sla")
@bp.timer_trigger(arg_name="timer", schedule="%SLA_SCHEDULE%", run_on_startup=False, use_monitor=True)
def sla(timer: func.TimerRequest) -> None:
    from cxhub.wiring import run_timer

    run_timer("sla")


@bp.function_name("kpis")
@bp.timer_trigger(arg_name="timer", schedule="%KPI_SCHEDULE%", run_on_startup=False, use_monitor=True)
def kpis(timer: func.TimerRequest) -> None:
    from cxhub.wiring import run_timer

    run_timer("kpis")


@bp.function_name("health")
@bp.timer_trigger(arg_name="timer", schedule="%HEALTH_SCHEDULE%", run_on_startup=False, use_monitor=True)
def health(timer: func.TimerRequest) -> None:
    from cxhub.wiring import run_timer

    run_timer("health")
