"""The server-rendered pages (the action confirm page, the customer card) as HTTP functions.

App Service Authentication (Entra ID, infra/app/api.bicep) signs people in before these run; the
functions are anonymous at the Functions level because the sign-in, not a function key, guards them.
Each function only adapts the request: the routes and the pages are in cxhub/pages.py and hub/web.
"""

from __future__ import annotations

import azure.functions as func

bp = func.Blueprint()


def serve_page(req: func.HttpRequest) -> func.HttpResponse:
    """Run a func.HttpRequest through the page routes and answer with the page."""
    from urllib.parse import urlsplit

    from cxhub.pages import handle
    from cxhub.settings import Settings
    from hub.web.http import WebRequest

    url = urlsplit(req.url)
    request = WebRequest.build(
        req.method, url.path, query=url.query, headers=dict(req.headers.items()), body=req.get_body()
    )
    page = handle(Settings.from_env(), request)
    headers = page.all_headers()
    content_type = headers.pop("Content-Type")
    return func.HttpResponse(
        page.body_bytes(),
        status_code=page.status,
        headers=headers,
        mimetype=content_type.split(";")[0],
        charset="utf-8",
    )


@bp.function_name("act")
@bp.route(route="act", methods=["GET", "POST"], auth_level=func.AuthLevel.ANONYMOUS)
def act(req: func.HttpRequest) -> func.HttpResponse:
    """GET: the confirm page of a mail link; POST: queue the confirmed action for the writer."""
    return serve_page(req)


@bp.function_name("customer_search")
@bp.route(route="customers", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def customer_search(req: func.HttpRequest) -> func.HttpResponse:
    return serve_page(req)


@bp.function_name("customer_card")
@bp.route(route="customers/{account_id}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def customer_card(req: func.HttpRequest) -> func.HttpResponse:
    return serve_page(req)
