"""The shared page layout in a real Chromium: readable on a phone, no script."""

from __future__ import annotations

from cxhub.settings import Settings
from tests.browser.conftest import PHONE, SMALL_TABLET, assert_no_horizontal_overflow


def test_a_plain_page_fits_a_phone_and_a_small_tablet_without_sideways_scrolling(
    hub_path, tmp_path, page_at, serve_pages, screenshot
):
    """A refusal page naming a very long path still wraps inside 375 px and 640 px and runs no script."""
    settings = Settings.from_env({"CXHUB_QUEUE_PATH": str(tmp_path / "q.sqlite")}, hub=hub_path)
    base = serve_pages(settings, as_user="ada@example.com")
    for width in (PHONE, SMALL_TABLET):
        page = page_at(width)
        response = page.goto(base + "/api/" + "no-such-page-" * 20)
        assert response.status == 404
        assert "There is no page at" in page.inner_text("main")
        assert page.locator("script").count() == 0
        assert_no_horizontal_overflow(page)
        assert screenshot(page, f"not-found-{width}").stat().st_size > 0
