"""Operations: the health endpoint, the daily ops digest to the admins, the retention purge."""

from __future__ import annotations

import json

import azure.functions as func

bp = func.Blueprint()


@bp.function_name("health_endpoint")
@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def health_endpoint(req: func.HttpRequest) -> func.HttpResponse:
    from cxhub import wiring
    from cxhub.settings import Settings

    code, body = wiring.health_status(Settings.from_env())
    return func.HttpResponse(json.dumps(body), status_code=code, mimetype="application/json")


@bp.function_name("ops_digest")
@bp.timer_trigger(arg_name="timer", schedule="%OPS_DIGEST_SCHEDULE%", run_on_startup=False, use_monitor=True)
def ops_digest(timer: func.TimerRequest) -> None:
    from cxhub.wiring import run_timer

    run_timer("ops_digest")


@bp.function_name("purge")
@bp.timer_trigger(arg_name="timer", schedule="%PURGE_SCHEDULE%", run_on_startup=False, use_monitor=True)
def purge(timer: func.TimerRequest) -> None:
    from cxhub.wiring import run_timer

    run_timer("purge")
