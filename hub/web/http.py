"""A pure HTTP request/response shape and a tiny router, so page code never sees a transport."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs

MAX_FORM_BYTES = 16 * 1024


@dataclass(frozen=True)
class WebRequest:
    method: str
    path: str  # without the query string, e.g. /api/act
    query: Mapping[str, str] = field(default_factory=dict)  # first value of each parameter
    headers: Mapping[str, str] = field(default_factory=dict)  # keys lower-cased
    body: bytes = b""
    params: Mapping[str, str] = field(default_factory=dict)  # from the route pattern, e.g. account_id
    user: str | None = None  # the signed-in person's email (lower case), set by hub.web.identity

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> WebRequest:
        """A request from a transport's parts; `query` may be the raw query string."""
        if isinstance(query, str):
            query = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        return cls(
            method=method.upper(),
            path="/" + path.strip("/"),
            query=dict(query),
            headers={k.lower(): v for k, v in (headers or {}).items()},
            body=body,
        )

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def form(self) -> dict[str, str]:
        """The fields of an application/x-www-form-urlencoded body (first value of each)."""
        if len(self.body) > MAX_FORM_BYTES:
            return {}
        text = self.body.decode("utf-8", errors="replace")
        return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


@dataclass(frozen=True)
class WebResponse:
    status: int
    body: str
    content_type: str = "text/html; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)

    def body_bytes(self) -> bytes:
        return self.body.encode("utf-8")

    def all_headers(self) -> dict[str, str]:
        """What every page answers with: no caching of personal pages, no framing, no scripts."""
        return {
            "Content-Type": self.content_type,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:;"
            " form-action 'self'; frame-ancestors 'none'",
            "Referrer-Policy": "no-referrer",
            **self.headers,
        }


Handler = Callable[[WebRequest], WebResponse]


def plain_page(status: int, title: str, message: str) -> WebResponse:
    """A page for errors and refusals, rendered in the shared layout."""
    from hub.rendering import environment

    html = environment().get_template("message.html.j2").render(title=title, message=message, status=status)
    return WebResponse(status, html)


class Router:
    """Routes like `/api/customers/{account_id}` to handlers; one table for Functions and `cxhub serve`."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape("/" + pattern.strip("/")))
        self._routes.append((method.upper(), re.compile(f"^{regex}/?$"), handler))

    def handles(self, path: str) -> bool:
        return any(r.match("/" + path.strip("/")) for _, r, _ in self._routes)

    def dispatch(self, request: WebRequest) -> WebResponse:
        allowed = []
        for method, regex, handler in self._routes:
            m = regex.match(request.path)
            if not m:
                continue
            if method != request.method:
                allowed.append(method)
                continue
            return handler(replace(request, params=m.groupdict()))
        if allowed:
            return plain_page(405, "Not allowed", f"Use {' or '.join(allowed)} here.")
        return plain_page(404, "Not found", f"There is no page at {request.path}.")
