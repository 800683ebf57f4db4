"""POST /api/submissions: the Forms flow delivers each response here."""

from __future__ import annotations

import json
import logging

import azure.functions as func

from cxhub.settings import DEFAULT_QUEUE_NAME

bp = func.Blueprint()
log = logging.getLogger(__name__)


@bp.function_name("submissions")
@bp.route(route="submissions", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.queue_output(arg_name="outbox", queue_name=DEFAULT_QUEUE_NAME, connection="AzureWebJobsStorage")
def submissions(req: func.HttpRequest, outbox: func.Out[str]) -> func.HttpResponse:
    from cxhub import wiring
    from cxhub.settings import Settings
    from hub.intake.receive import SIGNATURE_HEADER

    reply = wiring.receive_submission(Settings.from_env(), req.get_body(), req.headers.get(SIGNATURE_HEADER))
    if reply.message is not None:
        outbox.set(json.dumps(reply.message, ensure_ascii=False))
    log.info("intake %s", json.dumps(reply.log))
    return func.HttpResponse(json.dumps(reply.body), status_code=reply.status, mimetype="application/json")
