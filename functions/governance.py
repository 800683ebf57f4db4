"""Governance entrypoints: the nightly rules run, the ERP drop-folder import, and ERP upload over HTTP."""

from __future__ import annotations

import json

import azure.functions as func

bp = func.Blueprint()


@bp.function_name("governance")
@bp.timer_trigger(arg_name="timer", schedule="%GOVERNANCE_SCHEDULE%", run_on_startup=False, use_monitor=True)
def governance(timer: func.TimerRequest) -> None:
    from cxhub.wiring import run_timer

    run_timer("governance")


@bp.function_name("erp_folder_import")
@bp.timer_trigger(arg_name="timer", schedule="%ERP_IMPORT_SCHEDULE%", run_on_startup=False, use_monitor=True)
def erp_folder_import(timer: func.TimerRequest) -> None:
    from cxhub.wiring import run_timer

    run_timer("erp_folder_import")


@bp.function_name("erp_upload")
@bp.route(route="erp/{kind}", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def erp_upload(req: func.HttpRequest) -> func.HttpResponse:
    from cxhub import wiring
    from cxhub.settings import Settings
    from hub.governance.erp_parse import ErpFileError
    from hub.intake.receive import SIGNATURE_HEADER, signature_ok
    from hub.ports import HubSchemaError, HubUnavailable

    settings = Settings.from_env()
    body, kind = req.get_body(), req.route_params.get("kind", "")
    if settings.intake_secret and not signature_ok(
        body, req.headers.get(SIGNATURE_HEADER), settings.intake_secret
    ):
        return _json(401, {"status": "error", "message": f"Missing or wrong {SIGNATURE_HEADER} header"})
    name = req.params.get("name") or req.headers.get("X-File-Name") or f"{kind}-upload"
    try:
        report = wiring.import_erp(settings, name, body, kind)
    except ErpFileError as e:
        return _json(422, {"status": "rejected", "message": str(e)})
    except (HubUnavailable, HubSchemaError) as e:  # a hub that cannot be read too
        return _json(503, {"status": "retry", "message": str(e)}, {"Retry-After": "60"})
    return _json(200, {"status": "imported", "report": report.as_json()})


def _json(status: int, body: dict, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body), status_code=status, mimetype="application/json", headers=headers
    )
