"""Real-browser fixtures: Playwright driving Debian's Chromium (/usr/bin/chromium, installed by
.ci/run with apt; never `playwright install`).

Locally the browser tests are skipped when /usr/bin/chromium is missing; CI sets
CXHUB_REQUIRE_CHROMIUM=1 so a missing browser fails instead.

Fixtures: `browser` (one Chromium per session), `page_at(width)` (a fresh page that wide),
`serve_pages(settings, as_user=..., port=...)` (the `cxhub serve` HTTP server on 127.0.0.1, base URL
back; `free_port()` for a server whose CXHUB_PUBLIC_URL must be known before it starts),
`screenshot(page, name)` (a PNG in the test's tmp dir); helper `assert_no_horizontal_overflow(page)`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE, SMALL_TABLET = 375, 640  # the widths every page must fit without sideways scrolling


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    # Package scope, not session: while Playwright's sync API is running it owns an asyncio loop in
    # this thread, and tests after the browser ones (the async Graph SDK) must not run inside it.
    if not CHROMIUM.exists():
        if os.environ.get("CXHUB_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"CXHUB_REQUIRE_CHROMIUM=1 but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page_at(browser: Any) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def make(width: int = PHONE, height: int = 800) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def free_port() -> int:
    """A port free on 127.0.0.1 right now (for settings that must name the server's own URL)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def page_and_viewport_widths(page: Any) -> tuple[int, int]:
    """(how wide the page is, how wide the viewport is), in CSS pixels."""
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return int(scroll), int(client)


def assert_no_horizontal_overflow(page: Any) -> None:
    """Nothing on the page is wider than the viewport: no sideways scrolling on a phone."""
    scroll, client = page_and_viewport_widths(page)
    assert scroll <= client, f"the page is {scroll} px wide in a {client} px viewport ({page.url})"


@pytest.fixture
def screenshot(tmp_path: Path) -> Callable[[Any, str], Path]:
    def shot(page: Any, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shot


@pytest.fixture
def serve_pages() -> Iterator[Callable[..., str]]:
    """Start `cxhub serve`'s HTTP server (intake + pages) for some settings; returns its base URL."""
    from cxhub import wiring
    from cxhub.local_intake import build_server
    from cxhub.pages import handle

    servers: list[Any] = []

    def start(settings: Any, *, as_user: str | None = None, port: int = 0) -> str:
        queue = wiring.build_queue(settings)
        server = build_server(
            queue, port, settings, pages=lambda req: handle(settings, req, stand_in=as_user)
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
