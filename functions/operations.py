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


# Not /api/admin/...: the Functions host reserves routes starting with "admin" for its own API.
@bp.function_name("ops_requeue")
@bp.route(route="ops/requeue", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def ops_requeue(req: func.HttpRequest) -> func.HttpResponse:
    """Poisoned submissions back onto the queue, once an admin fixed what failed them (the hub)."""
    from cxhub.hub_alerts import requeue
    from cxhub.settings import Settings

    moved, left = requeue(Settings.from_env())
    body = {"status": "requeued", "requeued": moved, "stillPoisoned": left}
    return func.HttpResponse(json.dumps(body), status_code=200, mimetype="application/json")


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
