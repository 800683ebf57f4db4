"""The Forms workbook on SharePoint, and small state kept in a blob (Azurite)."""

from __future__ import annotations

import io
import uuid
from datetime import datetime

import pytest
from openpyxl import Workbook

from cloud.blob_state import BlobState
from graph.auth import StateTokenCache
from graph.forms_workbook import GraphFormsWorkbook
from hub.intake.forms_poll import poll_forms
from hub.intake.validation import IntakeRules
from local.state import JsonFileState
from tests.fakes import FakeQueue

NOW = datetime(2026, 11, 20, 10, 0).astimezone()


def forms_bytes(count: int) -> bytes:
    wb = Workbook()
    wb.active.append(
        [
            "ID",
            "Completion time",
            "Email",
            "Which division is this for?",
            "Company name",
            "How did you talk to the customer?",
            "When did it happen?",
            "What was discussed?",
        ]
    )
    for n in range(1, count + 1):
        wb.active.append(
            [
                n,
                datetime(2026, 11, 20, 9, n),
                "ada.okafor@mikano.example",
                "Power",
                f"Client {n}",
                "Meeting",
                "20/11/2026",
                f"Site visit {n}",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_sharepoint_forms_workbook_is_polled_for_new_responses_once(graph_store, fake, tmp_path):
    """The Forms workbook on SharePoint is polled for new responses, each queued once, and an unchanged file
    is not downloaded again."""
    item = fake.add_file("Log an interaction.xlsx", forms_bytes(2))
    source = GraphFormsWorkbook(graph_store.client, fake.drive_id, item)
    state, queue = JsonFileState(tmp_path / "state.json"), FakeQueue()
    first = poll_forms(source.rows, state, queue, lambda: NOW, IntakeRules())
    assert (first.accepted, first.last_id) == (2, 2)
    again = poll_forms(source.rows, state, queue, lambda: NOW, IntakeRules())
    assert again.accepted == 0 and fake.count("GET", r"/content$") == 1  # unchanged eTag: not downloaded
    fake.items[item].path.write_bytes(forms_bytes(3))
    fake.items[item].version += 1
    third = poll_forms(source.rows, state, queue, lambda: NOW, IntakeRules())
    assert (third.accepted, third.last_id) == (1, 3)
    assert [
        m["responseId"] for m in (__import__("json").loads(v["text"]) for v in queue.messages.values())
    ] == ["forms-1", "forms-2", "forms-3"]


@pytest.mark.azurite
def test_state_and_the_delegated_token_cache_live_in_a_blob(azurite):
    """The poll watermark and the delegated token cache are kept in a blob (Azurite), where the last value
    written wins."""
    state = BlobState(azurite, container=f"cxhub-state-{uuid.uuid4().hex[:6]}")
    assert state.get("forms-last-id") is None
    state.set("forms-last-id", "41")
    state.set("forms-last-id", "42")
    assert state.get("forms-last-id") == "42"
    cache = StateTokenCache(state)
    cache.save('{"RefreshToken": {}}')
    assert cache.load() == '{"RefreshToken": {}}'
