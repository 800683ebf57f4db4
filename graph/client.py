"""msgraph-sdk built in one place, behind a small synchronous facade with our retry policy.

Why our own retries: kiota's default retry handler re-POSTs on 429/503/504, and a rows/add that
timed out with 504 may already be in the workbook. So the SDK's handler is switched off, and
`GraphClient.call` retries only what is safe: throttling (429/503 and their codes, not applied)
after Retry-After, and idempotent reads on 504 or a dropped connection. Ambiguous writes surface
as AmbiguousWrite so the caller can check before writing again. Every other error is raised as
the typed exception graph.errors classifies it to (code chain first, status last).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any, TypeVar

import httpx
from kiota_abstractions.api_error import APIError
from kiota_abstractions.authentication import BaseBearerTokenAuthenticationProvider
from kiota_http.middleware.options import RetryHandlerOption
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph_core import GraphClientFactory

from graph import errors, lean_entity
from graph.auth import KiotaTokenProvider, TokenSource
from graph.errors import classify, parse_body

log = logging.getLogger(__name__)
T = TypeVar("T")
lean_entity.install()  # ~10 ms of CPU per object read otherwise: see graph/lean_entity.py


class GraphCallError(Exception):
    """A Graph error response, classified (graph.errors) by its code chain and status."""

    def __init__(
        self,
        status: int | None,
        code: str,
        inner: str,
        message: str,
        *,
        kind: str = "",
        codes: tuple[str, ...] = (),
        retry_after: str | None = None,
    ) -> None:
        super().__init__(f"Graph {status} {inner or code}: {message}")
        self.status, self.code, self.inner, self.message = status, code, inner, message
        self.kind = kind or classify(status, None).kind
        self.codes = codes or tuple(c for c in (code, inner) if c)
        self.retry_after = retry_after


class WorkbookLocked(GraphCallError):
    """Someone holds the workbook (accessConflict, EditModeCannotAcquireLock, 423...): not now."""


class SessionExpired(GraphCallError):
    """The session is gone for a transient reason (invalidSessionReCreatable): make a new one."""


class SessionInvalid(GraphCallError):
    """The session is unusable and recreating it the same way is not expected to work now
    (invalidSessionNotFound, ...Authentication, ...Restricted, ...Unexpected, ...UnsupportedWorkbook)."""


class Throttled(GraphCallError):
    """429/503 (tooManyRequests, serviceUnavailable, transientFailure) after our own retries."""


class ServiceError(GraphCallError):
    """An unspecified service error (500, generalException...): not to be resent now."""


class AmbiguousWrite(GraphCallError):
    """A write timed out (504 / connection lost): it may or may not have been applied."""


_CLASSES: dict[str, type[GraphCallError]] = {
    errors.LOCKED: WorkbookLocked,
    errors.RECREATE: SessionExpired,
    errors.SESSION_GONE: SessionInvalid,
    errors.THROTTLED: Throttled,
    errors.SERVER: ServiceError,
    errors.TIMEOUT: AmbiguousWrite,
}


def typed_error(status: int | None, body: Any, headers: Mapping[str, str] | None = None) -> GraphCallError:
    """The exception for one Graph error response: chosen by codes and status, never by message."""
    found = classify(status, body)
    error = body.get("error") if isinstance(body, dict) else None
    message = str(error.get("message") or "") if isinstance(error, dict) else ""
    top = found.codes[0] if found.codes else ""
    inner = (
        found.code if found.code and found.code != top else (found.codes[1] if len(found.codes) > 1 else "")
    )
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    return _CLASSES.get(found.kind, GraphCallError)(
        status,
        top,
        inner,
        message or f"HTTP {status}",
        kind=found.kind,
        codes=found.codes,
        retry_after=lowered.get("retry-after"),
    )


@dataclass
class CallStats:
    """Per-job request figures, logged without PII (operation names only)."""

    requests: int = 0
    retries: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    calls: dict[str, int] = field(default_factory=dict)  # per operation name
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Every figure, in the order declared (a new one is logged too), seconds to the millisecond."""
        return {**asdict(self), "seconds": {k: round(v, 3) for k, v in self.seconds.items()}}


@dataclass(frozen=True)
class ClientSettings:
    graph_base_url: str = "https://graph.microsoft.com/v1.0"
    ca_bundle: str | None = None
    timeout_seconds: float = 100.0
    max_attempts: int = 6
    max_retry_after: float = 120.0


class GraphClient:
    """One msgraph-sdk client, used one request at a time (as Microsoft asks per workbook).

    `transport` replaces the network (httpx.MockTransport in unit tests); `sleep` and `clock`
    replace waiting and timing, so Retry-After is honoured without tests waiting it out.
    """

    def __init__(
        self,
        settings: ClientSettings,
        tokens: TokenSource,
        sleep: Callable[[float], None] = time.sleep,
        *,
        clock: Callable[[], float] = time.perf_counter,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.stats = CallStats()
        self.sleep = sleep
        self.clock = clock
        self._failure: tuple[int, Any, dict[str, str]] | None = None
        self._loop = asyncio.new_event_loop()
        self.tls_verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=settings.ca_bundle) if settings.ca_bundle else True
        )
        http = httpx.AsyncClient(
            verify=self.tls_verify,
            timeout=httpx.Timeout(settings.timeout_seconds, connect=15.0),
            trust_env=False,
            transport=transport,
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
        with contextlib.suppress(httpx.RequestNotRead):  # a streamed upload: counted by its sender
            self.stats.bytes_out += len(request.content)

    async def _measure(self, response: httpx.Response) -> None:
        if response.status_code >= 400:
            # Kept whole so the nested innerError chain can be walked (kiota keeps one level).
            await response.aread()
            self._failure = (response.status_code, parse_body(response.content), dict(response.headers))
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
            started = self.clock()
            self._failure = None
            try:
                return self._loop.run_until_complete(make())
            except APIError as e:
                error = self._typed(e)
                again = attempt < self.settings.max_attempts
                if again and (
                    error.kind == errors.THROTTLED or (error.kind == errors.TIMEOUT and idempotent)
                ):
                    self._backoff(name, attempt, error)
                    continue
                raise error from e
            except (httpx.TimeoutException, httpx.TransportError) as e:
                if idempotent and attempt < self.settings.max_attempts:
                    self._backoff(name, attempt, None)
                    continue
                raise AmbiguousWrite(None, "network", type(e).__name__, str(e), kind=errors.TIMEOUT) from e
            finally:
                self.stats.calls[name] = self.stats.calls.get(name, 0) + 1
                self.stats.seconds[name] = self.stats.seconds.get(name, 0.0) + self.clock() - started

    def all_pages(self, name: str, builder: Any, config: Any = None) -> list[Any]:
        """Every item of a collection, following @odata.nextLink until Graph gives none."""
        page = self.call(name, partial(builder.get, config), idempotent=True)
        items = list(page.value or []) if page is not None else []
        while page is not None and page.odata_next_link:
            following = builder.with_url(page.odata_next_link)
            page = self.call(name, partial(following.get, config), idempotent=True)
            items += list(page.value or []) if page is not None else []
        return items

    def _typed(self, e: APIError) -> GraphCallError:
        if self._failure is not None:
            status, body, headers = self._failure
            return typed_error(status, body, headers)
        return typed_error(e.response_status_code, None, e.response_headers or {})

    def _backoff(self, name: str, attempt: int, error: GraphCallError | None) -> None:
        wait = self.sleep_backoff(attempt, error.retry_after if error else None)
        log.info(
            "graph %s: retry %d in %.1fs (%s)",
            name,
            attempt,
            wait,
            f"{error.status} {error.inner or error.code}" if error else "network",
        )

    def sleep_backoff(self, attempt: int, retry_after: str | None) -> float:
        """Wait as Retry-After says (capped), else exponentially; returns the seconds waited."""
        try:
            wait = float(retry_after) if retry_after else min(2.0**attempt, 30.0)
        except ValueError:
            wait = min(2.0**attempt, 30.0)
        wait = min(wait, self.settings.max_retry_after)
        self.stats.retries += 1
        self.sleep(wait)
        return wait

    def run(self, coroutine: Awaitable[T]) -> T:
        return self._loop.run_until_complete(coroutine)
