"""The customer pages over the SharePoint hub (the fake Graph, real HTTPS): the hub file is read by
its eTag, so the card shows a change once the eTag moves and an unchanged eTag downloads nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from hub.customers.pages import CustomerPages
from hub.customers.snapshot import SnapshotCache
from hub.ports import HubChanges
from hub.web.http import WebRequest
from tests.unit.test_customer_card import interaction, tables

CONTENT = r"/items/[^/]+/content$"


@pytest.mark.slow
def test_the_card_follows_the_hub_files_etag_and_an_unchanged_etag_downloads_nothing(
    graph_store, fake, hub_item
):
    """Cards against an unchanged eTag re-use one download; a row appended through Graph moves the
    eTag, and the next card shows it after exactly one more download."""
    graph_store.apply(HubChanges(appends={k: v for k, v in tables().items() if v}))
    cache = SnapshotCache(
        graph_store.version,
        lambda columns: graph_store.read_tables(list(columns), columns=columns),
        wait=None,
    )
    pages = CustomerPages(cache.get, lambda: date(2026, 11, 25))

    def card() -> str:
        request = replace(WebRequest.build("GET", "/api/customers/ACC-000001"), user="ada@mikano.example")
        response = pages.card(replace(request, params={"account_id": "ACC-000001"}))
        assert response.status == 200
        return response.body

    assert "Dangote Industries Ltd" in card() and "Generator quote sent" not in card()
    downloads, etag = fake.count("GET", CONTENT), graph_store.version()
    for _ in range(3):
        assert "Generator quote sent" not in card()
    assert fake.count("GET", CONTENT) == downloads and cache.builds == 1
    assert graph_store.version() == etag

    note = interaction(99, datetime(2026, 11, 25, 9, 30), Notes="Generator quote sent")
    graph_store.apply(HubChanges(appends={"Interactions": [note]}))
    assert graph_store.version() != etag
    assert "Generator quote sent" in card()
    assert fake.count("GET", CONTENT) == downloads + 1 and cache.builds == 2
    assert "Generator quote sent" in card() and fake.count("GET", CONTENT) == downloads + 1
