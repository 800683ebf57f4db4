"""Acting from the mail in a real Chromium: open a mail from the demo outbox, tap a link, confirm,
run the writer, read the hub. Done, Snooze, Approve and Merge; a used link says "already done"; a
tampered link is 403 and changes nothing; the confirm page fits a phone."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cxhub import wiring
from cxhub.demo import DEMO_ADMIN, run_demo
from cxhub.sample_data import DEMO_STEWARD
from cxhub.settings import Settings
from hub.ports import HubChanges
from tests.browser.conftest import PHONE, SMALL_TABLET, assert_no_horizontal_overflow

MAIL_ORIGIN = "http://127.0.0.1:7071"  # CXHUB_PUBLIC_URL's local default, as the demo mails it


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("act") / "demo"
    assert run_demo(folder, count=120, seed=65) == 0
    return folder


@pytest.fixture
def settings(demo) -> Settings:
    # The demo's own settings: the same hub, queue, state (and so the same link key).
    return Settings.from_env({"CXHUB_ADMIN_EMAILS": DEMO_ADMIN}, hub=demo / "hub.xlsx")


def mails(folder: Path, subject_part: str) -> list[tuple[str, str, str]]:
    """(to, html, text) of the outbox mails whose subject contains `subject_part`."""
    out = []
    for path in sorted((folder / "outbox").glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if subject_part in str(msg["Subject"]):
            html = msg.get_body(("html",)).get_content()
            text = msg.get_body(("plain",)).get_content()
            out.append((str(msg["To"]), html, text))
    return out


def links(html: str, label: str) -> list[str]:
    return [
        u.replace("&amp;", "&")
        for u, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', html)
        if text == label and "/api/act?t=" in u
    ]


def tables(settings: Settings) -> dict:
    with wiring.open_store(settings) as store:
        return store.read_tables(["Interactions", "Tickets", "Review Queue", "Accounts", "Audit"])


def row(t: dict, tab: str, key: str) -> dict:
    column = {
        "Interactions": "Interaction ID",
        "Tickets": "Ticket ID",
        "Review Queue": "Review ID",
        "Accounts": "Account ID",
    }[tab]
    return next(r for r in t[tab] if r[column] == key)


def record_of(url: str) -> str:
    """The record a link names (read from its token; the signature is the page's business)."""
    import base64
    import json

    body = url.split("?t=")[1].split(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["r"]


def open_in_mail(page, html: str, base: str) -> None:
    """The mail as Outlook shows it, its links pointing at this test's server instead of :7071."""
    page.set_content(html.replace(MAIL_ORIGIN, base))


def act(page, base, html, label, settings, *, confirm, choose=None, shot=None, screenshot=None):
    """Tap `label` in the mail, confirm on the page, run the writer; returns the link used."""
    open_in_mail(page, html, base)
    url = links(html, label)[0].replace(MAIL_ORIGIN, base)
    with page.expect_navigation():
        page.locator(f'a[href="{url}"]').first.click()
    assert page.url == url
    assert "<script" not in page.content()
    assert_no_horizontal_overflow(page)
    if shot:
        assert screenshot(page, shot).stat().st_size > 0
    if choose:
        page.select_option("select[name=to]", choose)
    with page.expect_navigation():
        page.get_by_role("button", name=confirm).click()
    assert "The hub shows it within a minute." in page.inner_text("main")
    report = wiring.run_writer(settings)
    assert [a.status for a in report.actions] == ["applied"]
    return url


def used_and_tampered(page, url: str, settings: Settings, who: str) -> None:
    """The same link again says already done (by whom); a tampered one is 403 and changes nothing."""
    response = page.goto(url)
    assert response.status == 200
    assert f"already done (by {who} at" in page.inner_text("main")
    before = tables(settings)
    body, mac = url.split("?t=")[1].split(".")
    tampered = (
        url.split("?t=")[0] + "?t=" + body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB") + "." + mac
    )
    response = page.goto(tampered)
    assert response.status == 403 and "not valid" in page.inner_text("main")
    assert wiring.build_queue(settings).depth() == 0
    assert tables(settings) == before


def test_done_from_a_reminder_marks_the_promise_done_with_an_audit_row_naming_the_person(
    demo, settings, serve_pages, page_at, screenshot
):
    """Open a reminder, tap Done, confirm, run the writer: the row is Done and Audit names the person."""
    to, html, text = mails(demo, "overdue follow-up")[0]
    done = links(html, "Done")[0]
    assert done.startswith(MAIL_ORIGIN + "/api/act?t=") and done in text  # the text part has the same link
    base = serve_pages(settings, as_user=to)
    page = page_at(PHONE)
    url = act(
        page,
        base,
        html,
        "Done",
        settings,
        confirm="Mark done",
        shot="confirm-done-375",
        screenshot=screenshot,
    )
    t = tables(settings)
    item = row(t, "Interactions", record_of(url))
    assert (item["Action Status"], item["Completed By"]) == ("Done", to)
    audit = t["Audit"][-1]
    assert (audit["Actor"], audit["Action"], audit["Record"]) == (
        to,
        "Action done (from mail)",
        item["Interaction ID"],
    )
    assert "follow-up reminder of" in audit["Reason"] and audit["Action ID"].startswith("ACT-")
    used_and_tampered(page, url, settings, to)


def test_snooze_from_a_reminder_moves_the_due_date_and_counts_the_snooze(
    demo, settings, serve_pages, page_at, screenshot
):
    """Snooze 3 days: the due date is three days from today and the count is 1; the page fits 640 px too."""
    to, html, _ = mails(demo, "overdue follow-up")[1]
    base = serve_pages(settings, as_user=to)
    wide = page_at(SMALL_TABLET)
    wide.goto(links(html, "Snooze")[0].replace(MAIL_ORIGIN, base))
    assert "Snooze for how long?" in wide.inner_text("main")
    assert_no_horizontal_overflow(wide)
    page = page_at(PHONE)
    url = act(
        page,
        base,
        html,
        "Snooze",
        settings,
        confirm="3 days",
        shot="confirm-snooze-375",
        screenshot=screenshot,
    )
    item = row(tables(settings), "Interactions", record_of(url))
    today = wiring.clock().astimezone(ZoneInfo(settings.timezone)).date()
    assert (item["Action Due Date"], item["Snooze Count"], item["Action Status"]) == (
        today + timedelta(days=3),
        1,
        "Open",
    )
    used_and_tampered(page, url, settings, to)


def test_approve_from_the_manager_digest_records_who_approved_the_overrun(
    demo, settings, serve_pages, page_at, screenshot
):
    """The manager taps Approve beside a quote overrun: Manager Approved Yes, Approved By them."""
    to, html, _ = next(m for m in mails(demo, "Team follow-ups") if links(m[1], "Approve"))
    base = serve_pages(settings, as_user=to)
    page = page_at(PHONE)
    url = act(
        page,
        base,
        html,
        "Approve",
        settings,
        confirm="Approve the overrun",
        shot="confirm-approve-375",
        screenshot=screenshot,
    )
    ticket = row(tables(settings), "Tickets", record_of(url))
    assert (ticket["Manager Approved"], ticket["Approved By"]) == ("Yes", to)
    assert ticket["Approved At"] is not None
    used_and_tampered(page, url, settings, to)


def test_merge_from_the_steward_digest_is_applied_by_the_next_governance_run(
    demo, settings, serve_pages, page_at, screenshot
):
    """A new possible duplicate reaches the Motors steward, both records shown; Merge; governance merges."""
    t = tables(settings)
    keep = next(a for a in t["Accounts"] if a.get("Divisions") == "Motors" and not a.get("Merged Into"))
    now = wiring.clock() + timedelta(days=1)
    wall = now.astimezone(ZoneInfo(settings.timezone)).replace(tzinfo=None)
    twin = {
        "Account ID": "ACC-000900",
        "Company Name": keep["Company Name"] + " Limited",
        "Account Type": "Company",
        "Status": "Active",
        "Divisions": "Motors",
        "Created": wall,
    }
    review = {
        "Review ID": "REV-000900",
        "Raised": wall,
        "Kind": "Account",
        "Record A": keep["Account ID"],
        "Record B": "ACC-000900",
        "Score": 91.0,
        "Reason": "similar names",
        "Match Key": f"{keep['Account ID']}|ACC-000900",
    }
    with wiring.open_store(settings) as store:
        store.apply(HubChanges(appends={"Accounts": [twin], "Review Queue": [review]}))
    assert wiring.run_steward_digest(settings, now).sent >= 1
    to, html, text = next(m for m in mails(demo, "Data steward") if "REV-000900" in m[1])
    assert (
        to == DEMO_STEWARD and escape(keep["Company Name"]) in html and escape(twin["Company Name"]) in html
    )
    assert links(html, "Merge")[0] in text
    base = serve_pages(settings, as_user=to)
    page = page_at(PHONE)
    url = act(
        page, base, html, "Merge", settings, confirm="Merge", shot="confirm-merge-375", screenshot=screenshot
    )
    item = row(tables(settings), "Review Queue", "REV-000900")
    assert (item["Decision"], item["Decided By"]) == ("Merge", DEMO_STEWARD)
    used_and_tampered(page, url, settings, to)
    wiring.run_governance(settings)
    assert row(tables(settings), "Accounts", "ACC-000900")["Merged Into"] == keep["Account ID"]
