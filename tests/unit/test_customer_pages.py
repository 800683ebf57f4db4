"""The customer pages as handlers: sign-in rules, search results, the card, 404 and merged redirects."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hub.customers.pages import CustomerPages
from hub.customers.snapshot import HubSnapshot
from hub.web.http import WebRequest
from tests.unit.test_customer_card import tables

STAFF = "ada@mikano.example"


def pages(extra_staff=()):
    t = tables()
    t["Staff"] = [*t["Staff"], *extra_staff]
    snapshot = HubSnapshot(t)
    return CustomerPages(lambda: snapshot, lambda: date(2026, 11, 25))


def get(path, user=STAFF, **query):
    request = replace(WebRequest.build("GET", path, query=query), user=user)
    p = pages([{"Email": "gone@mikano.example", "Active": "No"}])
    if path.rstrip("/") == "/api/customers":
        return p.search(request)
    return p.card(replace(request, params={"account_id": path.rsplit("/", 1)[1]}))


def test_search_lists_the_company_with_its_divisions_owner_and_last_contact():
    """Searching "dangote ind" shows the company, its division badges, owner and last contact."""
    page = get("/api/customers", q="dangote ind")
    assert page.status == 200
    assert "Dangote Industries Ltd" in page.body and 'href="/api/customers/ACC-000001"' in page.body
    assert "Motors" in page.body and "Ada Okafor" in page.body and "24 Nov 2026" in page.body
    assert "<script" not in page.body


def test_the_card_shows_the_history_and_the_links_to_call():
    """The card lists the newest interactions first and tel:/WhatsApp links for contacts."""
    page = get("/api/customers/ACC-000001")
    assert page.status == 200
    assert page.body.index("note 31") < page.body.index("note 30")
    assert 'href="tel:+2348031234567"' in page.body and 'href="https://wa.me/2348031234567"' in page.body
    assert "Send PFI" in page.body and "5 days late" in page.body


def test_nobody_signed_in_is_told_to_sign_in_and_an_outsider_is_refused():
    """No user: 401; a user who is not active staff: 403; neither page shows customer data."""
    for user, status in ((None, 401), ("gone@mikano.example", 403), ("stranger@example.com", 403)):
        page = get("/api/customers/ACC-000001", user=user)
        assert page.status == status and "Dangote" not in page.body


def test_an_unknown_account_is_a_404_page_and_a_merged_one_redirects_to_its_survivor():
    """ACC-999999 is not found; ACC-000002 redirects to ACC-000001, which says it was merged."""
    assert get("/api/customers/ACC-999999").status == 404
    moved = get("/api/customers/ACC-000002")
    assert moved.status == 302
    assert moved.headers["Location"] == "/api/customers/ACC-000001?merged=ACC-000002"
    page = get("/api/customers/ACC-000001", merged="ACC-000002")
    assert "ACC-000002 was merged into this account" in page.body


def test_an_empty_search_shows_the_form_and_a_miss_says_what_to_do():
    """No query: the search box; no match: a plain sentence, not an empty page."""
    assert 'name="q"' in get("/api/customers").body
    assert "No customer in the hub matches" in get("/api/customers", q="Xylophone").body


def test_each_open_promise_on_the_card_carries_the_links_built_for_its_owner():
    """The card shows Done, Snooze and Hand over for an open promise, built for the promise's owner."""
    asked = []

    def links(interaction_id, owner):
        asked.append((interaction_id, owner))
        return {
            label: f"https://hub.example/api/act?t={interaction_id}-{label}" for label in ("Done", "Snooze")
        }

    snapshot = HubSnapshot(tables())
    p = CustomerPages(lambda: snapshot, lambda: date(2026, 11, 25), promise_links=links)
    request = replace(WebRequest.build("GET", "/api/customers/ACC-000001"), user=STAFF)
    page = p.card(replace(request, params={"account_id": "ACC-000001"}))
    assert asked == [("INT-000032", "ada@mikano.example")]
    assert 'href="https://hub.example/api/act?t=INT-000032-Done"' in page.body and ">Snooze</a>" in page.body


def test_a_page_answered_while_a_changed_hub_is_read_says_so():
    """When the cache is behind the hub, search and card tell the reader to reload shortly."""
    snapshot = HubSnapshot(tables())
    p = CustomerPages(lambda: snapshot, lambda: date(2026, 11, 25), behind=lambda: True)
    page = p.search(replace(WebRequest.build("GET", "/api/customers", query={"q": "dangote"}), user=STAFF))
    assert "The hub has just changed" in page.body
