"""The pilot success report in a real Chromium: it reads on a phone and a small tablet."""

from __future__ import annotations

from hub.kpis.compute import KpiTargets
from hub.pilot import PilotScope
from hub.upgrade.pilot import build_pilot_report, render_pilot_report
from tests.browser.conftest import PHONE, SMALL_TABLET, assert_no_horizontal_overflow
from tests.unit.test_pilot import FIRST, LAST, NOW, _pilot_hub


def test_the_pilot_report_fits_375_and_640_px_without_sideways_scrolling(page_at, screenshot):
    """Every measure, the quiet staff and a long unbroken feedback answer wrap inside 375 px and 640 px."""
    answers = [
        {
            "What slows you down or gets in the way?": "Waiting" * 40,
            "Which division do you work in?": "Motors",
        }
    ]
    report = build_pilot_report(
        _pilot_hub(), FIRST, LAST, NOW, PilotScope.parse("Motors; Victoria Island"), KpiTargets(), answers
    )
    html = render_pilot_report(report)
    for width in (PHONE, SMALL_TABLET):
        page = page_at(width)
        page.set_content(html)
        assert page.locator("section.measure h3").first.inner_text() == "Conversion, lead to won"
        assert "Steward hours" in page.inner_text("main") and "Cy Uba" in page.inner_text("main")
        assert_no_horizontal_overflow(page)
        assert screenshot(page, f"pilot-report-{width}").stat().st_size > 0
