"""The demo's response-warning and rejection mails, as the demo wrote them (.eml in its outbox),
opened in a real Chromium at phone and small-tablet widths: readable, no sideways scrolling."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pytest

from cxhub import wiring
from cxhub.demo import run_demo
from tests.browser.conftest import (
    PHONE,
    SMALL_TABLET,
    assert_no_horizontal_overflow,
    page_and_viewport_widths,
)

# A Monday 16:00 in Lagos: business hours, so the hourly response-warning job mails.
MONDAY_AFTERNOON = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def outbox(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mails") / "demo"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(wiring, "clock", lambda: MONDAY_AFTERNOON)
        assert run_demo(folder, count=300, seed=65) == 0
    return folder / "outbox"


def first_mail(outbox: Path, subject_part: str) -> tuple[str, str]:
    """(To, HTML) of the first outbox mail whose subject contains `subject_part`."""
    for path in sorted(outbox.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if subject_part in str(msg["Subject"]):
            return str(msg["To"]), msg.get_body(("html",)).get_content()
    raise AssertionError(f"the demo wrote no mail with {subject_part!r} in its subject")


@pytest.mark.slow
@pytest.mark.parametrize("width", [PHONE, SMALL_TABLET])
def test_the_demos_response_warning_fits_a_phone(outbox, page_at, screenshot, width):
    """The demo's 'has waited … h for a reply' mail names the hours and the customer and links to
    the customer card, without sideways scrolling."""
    to, html = first_mail(outbox, "for a reply (the standard is 12 h)")
    page = page_at(width)
    page.set_content(html)
    text = page.inner_text("body")
    assert " h " in text and "12 h" in text and to.endswith("@mikano.example")
    assert page.locator("a[href*='/api/customers/']").count() >= 1
    assert_no_horizontal_overflow(page)
    screenshot(page, f"response-warning-{width}")


@pytest.mark.slow
@pytest.mark.parametrize("width", [PHONE, SMALL_TABLET])
def test_the_demos_rejection_mail_fits_a_phone(outbox, page_at, screenshot, width):
    """The demo's 'Not logged' mail to the person who filled the Form says what was wrong and to
    submit again, without sideways scrolling."""
    to, html = first_mail(outbox, "Not logged: your Form submission")
    page = page_at(width)
    page.set_content(html)
    text = page.inner_text("body")
    assert "NOT logged" in text or "not logged" in text.lower()
    assert "again" in text and to.endswith("@mikano.example")
    assert_no_horizontal_overflow(page)
    screenshot(page, f"rejection-{width}")


def html_mails(outbox: Path) -> dict[str, str]:
    """Every HTML mail the demo sent, by subject (the first of each subject)."""
    mails: dict[str, str] = {}
    for path in sorted(outbox.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        body = msg.get_body(("html",))
        if body is not None:
            mails.setdefault(str(msg["Subject"]), body.get_content())
    return mails


@pytest.mark.slow
@pytest.mark.parametrize("width", [PHONE, SMALL_TABLET])
def test_every_mail_the_demo_sends_fits_a_phone(outbox, page_at, width):
    """Every mail in the demo's outbox (reminders, team and steward digests, the weekly KPIs, warnings,
    rejections) reads on a phone and a small tablet without sideways scrolling."""
    mails = html_mails(outbox)
    kinds = ("overdue follow-up", "Team follow-ups", "Data steward", "weekly KPIs", "Not logged")
    assert all(any(kind in subject for subject in mails) for kind in kinds), sorted(mails)
    page = page_at(width)
    too_wide = []
    for subject, html in mails.items():
        page.set_content(html)
        assert page.inner_text("body").strip(), subject
        scroll, client = page_and_viewport_widths(page)
        if scroll > client:
            too_wide.append(f"{subject}: {scroll} px in {client} px")
    assert too_wide == []
