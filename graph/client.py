"""msgraph-sdk built in one place, behind a small synchronous facade with our retry policy.

Why our own retries: kiota's default retry handler re-POSTs on 429/503/504, and a rows/add that
timed out with 504 may already be in the workbook. So the SDK's handler is switched off, and
`GraphClient.call` retries only what is safe: 429/503 (not applied) after Retry-After, and
idempotent reads on 504 or a dropped connection. Ambiguous writes surface as AmbiguousWrite so
the caller can check before writing again.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from kiota_abstractions.api_error import APIError
from kiota_abstractions.authentication import BaseBearerTokenAuthenticationProvider
from kiota_http.middleware.options import RetryHandlerOption
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph_core import GraphClientFactory

from graph.auth import KiotaTokenProvider, TokenSource

log = logging.getLogger("cxhub.graph")
T = TypeVar("T")

THROTTLED = {429, 503}
LOCK_CODES = {"accessconflict", "editmodecannotacquirelock", "editmodecannotacquirelocktoomanyrequests"}
SESSION_CODES = {"invalidsessionrecreatable", "invalidsessionnotfound", "sessionnotfound"}


class GraphCallError(Exception):
    def __init__(self, status: int | None, code: str, inner: str, message: str) -> None:
        super().__init__(f"Graph {status} {inner or code}: {message}")
        self.status, self.code, self.inner, self.message = status, code, inner, message


class WorkbookLocked(GraphCallError):
    """Someone holds the workbook (409 accessConflict / EditModeCannotAcquireLock)."""


class SessionExpired(GraphCallError):
    """The workbook session is gone (404 after idling, invalidSessionReCreatable)."""


class AmbiguousWrite(GraphCallError):
    """A write timed out (504 / connection lost): it may or may not have been applied."""


@dataclass
class CallStats:
    """Per-job request figures, logged without PII (operation names only)."""

    requests: int = 0
    calls: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    retries: int = 0
    bytes_in: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "bytes_in": self.bytes_in,
            "calls": dict(self.calls),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


@dataclass(frozen=True)
class ClientSettings:
    graph_base_url: str = "https://graph.microsoft.com/v1.0"
    ca_bundle: str | None = None
    timeout_seconds: float = 100.0
    max_attempts: int = 6
    max_retry_after: float = 120.0


class GraphClient:
    """One msgraph-sdk client, used one request at a time (as Microsoft asks per workbook)."""

    def __init__(
        self, settings: ClientSettings, tokens: TokenSource, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.settings = settings
        self.stats = CallStats()
        self._sleep = sleep
        self._loop = asyncio.new_event_loop()
        self.tls_verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=settings.ca_bundle) if settings.ca_bundle else True
        )
        http = httpx.AsyncClient(
            verify=self.tls_verify,
            timeout=httpx.Timeout(settings.timeout_seconds, connect=15.0),
            trust_env=False,
            event_hooks={"request": [self._count], "response": [self._measure]},
        )
        no_retries = RetryHandlerOption(max_retries=0, should_retry=False)
        http = GraphClientFactory.create_with_default_middleware(
            client=http, options={no_retries.get_key(): no_retries}
        )
        auth = BaseBearerTokenAuthenticationProvider(KiotaTokenProvider(tokens, settings.graph_base_url))
        self.adapter = GraphRequestAdapter(auth, client=http)
        # The SDK's default base URL ends with '/', which yields '/v1.0//drives/...'.
        self.adapter.base_url = settings.graph_base_url.rstrip("/")
        self.sdk = GraphServiceClient(request_adapter=self.adapter)

    async def _count(self, request: httpx.Request) -> None:
        self.stats.requests += 1

    async def _measure(self, response: httpx.Response) -> None:
        length = response.headers.get("Content-Length")
        if length and length.isdigit():
            self.stats.bytes_in += int(length)

    def close(self) -> None:
        self._loop.run_until_complete(self.adapter._http_client.aclose())
        self._loop.close()

    def call(self, name: str, make: Callable[[], Awaitable[T]], *, idempotent: bool) -> T:
        """Run one Graph operation with the retry policy; raise our typed errors otherwise."""
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                return self._loop.run_until_complete(make())
            except APIError as e:
                error = _typed(e)
                if error.status in THROTTLED and attempt < self.settings.max_attempts:
                    self._backoff(name, attempt, e)
                    continue
                if error.status == 504 and idempotent and attempt < self.settings.max_attempts:
                    self._backoff(name, attempt, e)
                    continue
                raise error from e
            except (httpx.TimeoutException, httpx.TransportError) as e:
                if idempotent and attempt < self.settings.max_attempts:
                    self._backoff(name, attempt, None)
                    continue
                raise AmbiguousWrite(None, "network", type(e).__name__, str(e)) from e
            finally:
                self.stats.calls[name] = self.stats.calls.get(name, 0) + 1
                self.stats.seconds[name] = self.stats.seconds.get(name, 0.0) + time.perf_counter() - started

    def _backoff(self, name: str, attempt: int, error: APIError | None) -> None:
        headers = {k.lower(): v for k, v in ((error.response_headers or {}) if error else {}).items()}
        wait = self.sleep_backoff(attempt, headers.get("retry-after"))
        log.info(
            "graph %s: retry %d in %.1fs (status %s)",
            name,
            attempt,
            wait,
            error.response_status_code if error else "network",
        )

    def sleep_backoff(self, attempt: int, retry_after: str | None) -> float:
        """Wait as Retry-After says (capped), else exponentially; returns the seconds waited."""
        try:
            wait = float(retry_after) if retry_after else min(2.0**attempt, 30.0)
        except ValueError:
            wait = min(2.0**attempt, 30.0)
        wait = min(wait, self.settings.max_retry_after)
        self.stats.retries += 1
        self._sleep(wait)
        return wait

    def run(self, coroutine: Awaitable[T]) -> T:
        return self._loop.run_until_complete(coroutine)


def _typed(e: APIError) -> GraphCallError:
    status = e.response_status_code
    code, inner, message = "", "", str(e)
    main = getattr(e, "error", None)
    if main is not None:
        code = getattr(main, "code", "") or ""
        message = getattr(main, "message", "") or message
        inner_error = getattr(main, "inner_error", None)
        if inner_error is not None:
            inner = str((inner_error.additional_data or {}).get("code", "") or "")
    key = inner.lower() or code.lower()
    if status == 409 and (key in LOCK_CODES or "lock" in message.lower()):
        return WorkbookLocked(status, code, inner, message)
    if status == 429 and key == "editmodecannotacquirelocktoomanyrequests":
        return WorkbookLocked(status, code, inner, message)
    if status == 404 and key in SESSION_CODES:
        return SessionExpired(status, code, inner, message)
    if status == 504:
        return AmbiguousWrite(status, code, inner, message)
    return GraphCallError(status, code, inner, message)
