"""The page routes (server-rendered HTML): one table, served by Azure Functions (functions/pages.py)
and by `cxhub serve` alike. A capability adds its page by adding a line to PAGE_ROUTES.

Every request first goes through hub.web.identity: the sign-in headers are trusted only when
CXHUB_APP_SERVICE_AUTH is on; locally `cxhub serve --as EMAIL` stands in for the sign-in.
"""

from __future__ import annotations

from collections.abc import Callable

from cxhub.settings import Settings
from hub.web.access import StaffDirectory
from hub.web.http import Handler, Router, WebRequest, WebResponse
from hub.web.identity import identify

# (method, route pattern, factory(settings) -> handler). Patterns are the URL paths under /api.
PAGE_ROUTES: list[tuple[str, str, Callable[[Settings], Handler]]] = [
    ("GET", "/api/customers", lambda settings: _customers(settings).search),
    ("GET", "/api/customers/{account_id}", lambda settings: _customers(settings).card),
]


def _customers(settings: Settings):
    from cxhub.wiring import customer_pages

    return customer_pages(settings)


def router(settings: Settings) -> Router:
    out = Router()
    for method, pattern, factory in PAGE_ROUTES:
        out.add(method, pattern, factory(settings))
    return out


def handles(path: str) -> bool:
    """True when some page answers at this path (`cxhub serve` sends everything else to intake)."""
    probe = Router()
    for method, pattern, _ in PAGE_ROUTES:
        probe.add(method, pattern, lambda r: WebResponse(200, ""))
    return probe.handles(path)


def handle(settings: Settings, request: WebRequest, *, stand_in: str | None = None) -> WebResponse:
    """One page request: who is signed in, then the route's handler."""
    request = identify(request, app_service_auth=settings.app_service_auth, stand_in=stand_in)
    return router(settings).dispatch(request)


def staff_directory(settings: Settings) -> StaffDirectory:
    """The Staff tab and the admins setting, for hub.web.access."""
    from cxhub.wiring import open_store

    with open_store(settings) as store:
        rows = store.read_tables(["Staff"])["Staff"]
    return StaffDirectory.from_rows(rows, settings.admin_emails)


def link(settings: Settings, path: str) -> str:
    """An absolute link for a mail: CXHUB_PUBLIC_URL + path."""
    return settings.public_url + "/" + path.lstrip("/")
