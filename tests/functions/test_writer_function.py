"""The timer-triggered writer drains the queue into the hub."""

from __future__ import annotations

from azure.functions.timer import TimerRequest

from functions.writer import writer
from local.journal_queue import JournalQueue
from local.xlsx_store import XlsxHubStore
from tests.factories import NOW, body, raw


def test_the_writer_timer_writes_what_intake_queued(tmp_path, monkeypatch, hub_path):
    """The writer timer function writes into the hub what intake queued."""
    from hub.intake.receive import receive
    from hub.intake.validation import IntakeRules

    queue_path = tmp_path / "q.sqlite"
    monkeypatch.setenv("CXHUB_HUB", str(hub_path))
    monkeypatch.setenv("CXHUB_QUEUE", "local")
    monkeypatch.setenv("CXHUB_QUEUE_PATH", str(queue_path))
    queue = JournalQueue(queue_path)
    for payload in (body(), body({"division": None})):
        queue.put(receive(raw(payload), signature=None, secret=None, now=NOW, rules=IntakeRules()).message)

    writer(TimerRequest(past_due=True))

    tables = XlsxHubStore(hub_path).read_tables(["Interactions", "Rejected"])
    assert len(tables["Interactions"]) == 1 and len(tables["Rejected"]) == 1
    assert queue.depth() == 0
