"""The page routes (server-rendered HTML): one table, served by Azure Functions (functions/pages.py)
and by `cxhub serve` alike. A capability adds its page by adding a line to PAGE_ROUTES.

Every request first goes through hub.web.identity: the sign-in headers are trusted only when
CXHUB_APP_SERVICE_AUTH is on; locally `cxhub serve --as EMAIL` stands in for the sign-in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from cxhub.settings import Settings
from hub.actions.desk import Desk
from hub.actions.links import Links
from hub.web.access import StaffDirectory
from hub.web.http import Handler, Router, WebRequest, WebResponse
from hub.web.identity import identify


def _act(method: str) -> Callable[[Settings], Handler]:
    def factory(settings: Settings) -> Handler:
        from hub.actions import desk

        handler = desk.get if method == "GET" else desk.post
        return lambda request: handler(action_desk(settings), request)

    return factory


# (method, route pattern, factory(settings) -> handler). Patterns are the URL paths under /api.
PAGE_ROUTES: list[tuple[str, str, Callable[[Settings], Handler]]] = [
    ("GET", "/api/act", _act("GET")),  # the confirm page of a one-tap mail link (hub/actions)
    ("POST", "/api/act", _act("POST")),
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


def action_key(settings: Settings) -> bytes:
    """The key that signs mail links: CXHUB_ACTION_KEY (Key Vault in Azure), else a random one made
    once and kept in the state store (the local JSON file, or the private state blob in Azure)."""
    if settings.action_key:
        return settings.action_key.encode()
    import secrets

    from cxhub.wiring import build_state

    state = build_state(settings)
    key = state.get("action-key")
    if not key:
        key = secrets.token_urlsafe(32)
        state.set("action-key", key)
    return key.encode()


def action_links(settings: Settings, now: datetime | None = None) -> Links:
    """The link builder for one run's mails (tokens expire CXHUB_ACTION_LINK_DAYS after `now`)."""
    from cxhub.wiring import clock_at

    return Links(
        settings.public_url, action_key(settings), clock_at(now)(), timedelta(days=settings.action_link_days)
    )


def action_desk(settings: Settings) -> Desk:
    """The confirm pages' dependencies: the key, a read-only hub, the queue the writer drains."""
    from cxhub.wiring import build_queue, clock, open_store

    def read(tabs: tuple[str, ...]):
        with open_store(settings) as store:
            return store.read_tables(tabs)

    hint = (
        "Sign in with your work account and open the link again."
        if settings.app_service_auth
        else "No one is signed in: start the local server as a person, e.g. cxhub serve --as you@company.com"
    )
    return Desk(action_key(settings), read, build_queue(settings).put, clock, settings.admin_emails, hint)
