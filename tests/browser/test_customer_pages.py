"""Search -> card in a real Chromium at phone and small-tablet widths, and the rejection mail at 375 px."""

from __future__ import annotations

import pytest

from cxhub.settings import Settings
from hub.intake.notify import NoticeRules, rejection_mail
from hub.intake.recorder import Outcome
from hub.ports import HubChanges
from local.xlsx_store import XlsxHubStore
from tests.browser.conftest import PHONE, SMALL_TABLET, assert_no_horizontal_overflow, free_port
from tests.unit.test_customer_card import tables


@pytest.fixture
def hub_settings(tmp_path):
    path = tmp_path / "hub.xlsx"
    store = XlsxHubStore(path)
    store.ensure_exists()
    rows = tables()
    rows["Interactions"][0]["Notes"] = "A very long note " + "x" * 300  # an unbroken word must wrap
    store.apply(HubChanges(appends={k: v for k, v in rows.items() if v}))
    return Settings.from_env({}, hub=path)


@pytest.mark.parametrize("width", [PHONE, SMALL_TABLET])
def test_search_then_card_fit_the_screen(hub_settings, serve_pages, page_at, screenshot, width):
    """Type a name, open the first result, see the history: nothing scrolls sideways."""
    base = serve_pages(hub_settings, as_user="ada@mikano.example")
    page = page_at(width)
    page.goto(f"{base}/api/customers")
    page.fill("input[name=q]", "dangote")
    page.click("button[type=submit]")
    assert "Dangote Industries Ltd" in page.inner_text("main")
    assert_no_horizontal_overflow(page)
    page.click("a.hit")
    assert page.inner_text("h1") == "Dangote Industries Ltd"
    assert "History" in page.inner_text("main") and "note 31" in page.inner_text("main")
    assert page.get_attribute("a[href^='https://wa.me/']", "href") == "https://wa.me/2348031234567"
    promise = page.locator(".item", has_text="Send PFI")
    assert [promise.get_by_role("link", name=n).count() for n in ("Done", "Snooze", "Hand over")] == [1, 1, 1]
    assert_no_horizontal_overflow(page)
    screenshot(page, f"card-{width}")


def test_done_on_a_promise_of_the_card_confirms_and_the_writer_marks_it_done(tmp_path, serve_pages, page_at):
    """From the card, Done on an open promise opens the confirm page; after confirming and a writer
    run, the hub row is Done and the card no longer lists the promise."""
    from cxhub import wiring

    port = free_port()
    path = tmp_path / "hub.xlsx"
    store = XlsxHubStore(path)
    store.ensure_exists()
    store.apply(HubChanges(appends={k: v for k, v in tables().items() if v}))
    settings = Settings.from_env({"CXHUB_PUBLIC_URL": f"http://127.0.0.1:{port}"}, hub=path)
    base = serve_pages(settings, as_user="ada@mikano.example", port=port)
    page = page_at(PHONE)
    page.goto(f"{base}/api/customers/ACC-000001")
    promise = page.locator(".item", has_text="Send PFI")
    with page.expect_navigation():
        promise.get_by_role("link", name="Done").click()
    assert "/api/act?t=" in page.url and "Send PFI" in page.inner_text("main")
    assert_no_horizontal_overflow(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Mark done").click()
    assert "The hub shows it within a minute." in page.inner_text("main")
    report = wiring.run_writer(settings)
    assert [a.status for a in report.actions] == ["applied"]
    row = next(
        r for r in store.read_tables(["Interactions"])["Interactions"] if r["Interaction ID"] == "INT-000032"
    )
    assert (row["Action Status"], row["Completed By"]) == ("Done", "ada@mikano.example")
    snapshots = wiring.customer_snapshots(settings)
    snapshots.get()  # the hub changed: start its read, and wait for it to end
    snapshots.settle(60)
    page.goto(f"{base}/api/customers/ACC-000001")
    assert "Nothing promised is open." in page.inner_text("main")


def test_the_rejection_mail_reads_on_a_phone(page_at):
    """The 'Not logged' mail's HTML, opened at 375 px, shows every problem and does not scroll sideways."""
    outcome = Outcome(
        "SUB-1",
        "r-1",
        "rejected",
        errors=[
            {"field": "contact_phone", "message": 'Contact phone "0803 12" is not a valid phone number'},
            {
                "field": "channel",
                "message": "Channel " + "Carrier-pigeon" * 20 + " is not one of the channels",
            },
        ],
    )
    mail = rejection_mail("ada@mikano.example", outcome, {"raw": "{}"}, NoticeRules())
    page = page_at(PHONE)
    page.set_content(mail.html)
    text = page.inner_text("body")
    assert "not logged" in text.lower() and "Contact phone number" in text and "again" in text
    assert_no_horizontal_overflow(page)
