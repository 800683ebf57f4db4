"""Intake -> Azure Storage queue (Azurite) -> writer -> the fake Graph, with Graph failing often."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

import pytest

from cloud.storage_queue import StorageQueue
from cxhub import wiring
from cxhub.cli import main
from cxhub.local_intake import call_intake
from cxhub.sample_data import generate
from cxhub.settings import Settings
from hub.intake.recorder import READS
from hub.intake.writer import WriterRules, drain
from hub_schema.columns import COMPANY_NAME, CONTACT_NAME
from local.xlsx_store import XlsxHubStore
from tests.factories import body
from tests.fakegraph import Fault
from tests.graph.conftest import graph_env

pytestmark = pytest.mark.slow  # end to end over the fake Graph, incl. 1,000 submissions through Azurite

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def run_writer_until_empty(queue, store, *, runs: int = 40) -> list:
    """Drain until the queue is empty. The queue is Azurite, whose visibility timeouts run on the
    emulator's own real clock, so a run that found every message hidden waits the 2 s timeout out."""
    reports = []
    for _ in range(runs):
        report = drain(queue, store, lambda: NOW, WriterRules(batch_size=500, visibility_timeout=2))
        reports.append(report)
        if queue.depth() == 0:
            break
        if not report.outcomes and not report.hub_locked:
            time.sleep(2)  # messages hidden by a failed run come back after their timeout
    return reports


@pytest.mark.azurite
def test_1000_submissions_land_exactly_once_while_a_fifth_of_graph_calls_fail(azurite, fake, graph_store):
    """1,000 submissions through Azurite and the Graph hub land exactly once each, with unique IDs and valid
    account links, while a fifth of Graph calls are throttled or fail."""
    queue = StorageQueue(azurite, f"cxhub-e2e-{uuid.uuid4().hex[:8]}")
    bodies = generate(1000, NOW, seed=11, bad_share=0.0, repeat_share=0.0).bodies[:1000]
    assert len(set(bodies)) == 1000
    for raw in bodies:
        assert call_intake(queue, raw).status == 202
    fake.faults += [
        Fault("429", probability=0.06, retry_after=1),
        Fault("503", probability=0.05, retry_after=1),
        Fault("504_after", method="POST", path="rows/add", probability=0.15),
        Fault("504_after", method="PATCH", probability=0.10),
        Fault("session_expired", path="/workbook/", probability=0.03),
        Fault("lock", method="POST", path="rows/add", probability=0.05),
    ]
    reports = run_writer_until_empty(queue, graph_store)

    fake.faults.clear()
    rows = graph_store.read_tables(["Interactions"], fresh=True)["Interactions"]
    responses = [r["Source Response ID"] for r in rows]
    assert len(rows) == 1000 and len(set(responses)) == 1000
    ids = [r["Interaction ID"] for r in rows]
    assert len(set(ids)) == 1000
    assert queue.depth() == 0 and queue.poison_count() == 0
    assert sum(r.count("recorded") for r in reports) + sum(r.count("duplicate") for r in reports) >= 1000
    assert fake.count(faults=True) > 0.1 * fake.count()  # the faults really happened
    accounts = graph_store.read_tables(["Accounts"], fresh=True)["Accounts"]
    assert len({a["Account ID"] for a in accounts}) == len(accounts)
    assert all(r["Account ID"] in {a["Account ID"] for a in accounts} for r in rows)


def test_a_workbook_held_for_two_runs_gets_its_rows_on_the_third(fake, graph_store, tmp_path):
    """While someone holds the SharePoint workbook the writer keeps submissions queued, and they land on the
    first run after it is released."""
    from local.journal_queue import JournalQueue

    queue = JournalQueue(tmp_path / "q.sqlite")
    for _ in range(5):
        call_intake(queue, json.dumps(body()).encode())
    fake.locked_by = "Ngozi Eze"
    for _ in range(2):
        report = drain(queue, graph_store, lambda: NOW)
        assert report.hub_locked and "locked" in report.hub_locked
        assert queue.depth() == 5
    fake.locked_by = None
    report = drain(queue, graph_store, lambda: NOW)
    assert report.count("recorded") == 5 and queue.depth() == 0 and queue.poison_count() == 0
    assert len(graph_store.read_tables(["Interactions"], fresh=True)["Interactions"]) == 5


def test_a_follow_up_done_closes_the_action_in_the_graph_hub(fake, graph_store, tmp_path):
    """The batch reads the extra Interactions columns only when it closes an action, and PATCHes it."""
    from local.journal_queue import JournalQueue

    queue = JournalQueue(tmp_path / "q.sqlite")
    call_intake(
        queue, json.dumps(body({"next_action": "Send the PFI", "action_due_date": "21/11/2026"})).encode()
    )
    drain(queue, graph_store, lambda: NOW)

    def interaction_columns_read() -> int:
        return sum(1 for r in fake.requests if "Interactions/columns" in r.path and "dataBodyRange" in r.path)

    first = interaction_columns_read()
    done = body(
        {"interaction_type": "Follow-up done", "follow_up_of": "INT-000001", "notes": "PFI sent"},
        drop=("company_name", "contact_name", "contact_email", "contact_phone"),
    )
    call_intake(queue, json.dumps(done).encode())
    report = drain(queue, graph_store, lambda: NOW)
    assert report.count("recorded") == 1
    rows = {
        r["Interaction ID"]: r for r in graph_store.read_tables(["Interactions"], fresh=True)["Interactions"]
    }
    assert rows["INT-000001"]["Action Status"] == "Done" and rows["INT-000002"]["Account ID"] == "ACC-000001"
    # The first batch read 2 Interactions columns; the closing one reads 3 more (5).
    assert (first, interaction_columns_read() - first) == (2, 5)


_CLOCKED = {"Recorded At", "Created", "Raised", "Last Updated", "At", "Received At"}


def _comparable(tables: dict) -> dict:
    return {
        name: [{k: v for k, v in row.items() if k not in _CLOCKED} for row in rows]
        for name, rows in tables.items()
    }


def test_cxhub_submit_writes_the_graph_hub_exactly_as_the_local_one(
    fake, hub_item, tmp_path, monkeypatch, capsys
):
    """cxhub submit gives the same outcomes and the same hub contents through Graph as against a local
    .xlsx."""
    data = generate(60, NOW, seed=4)
    path = tmp_path / "subs.jsonl"
    path.write_bytes(b"\n".join(data.bodies))
    for name in ("CXHUB_QUEUE", "FUNCTIONS_WORKER_RUNTIME", "CXHUB_INTAKE_SECRET"):
        monkeypatch.delenv(name, raising=False)

    monkeypatch.setenv("CXHUB_QUEUE_PATH", str(tmp_path / "local-q.sqlite"))
    local_code = main(["submit", str(path), "--hub", str(tmp_path / "local.xlsx")])
    local_lines = capsys.readouterr().out.splitlines()

    env = graph_env(fake, hub_item, CXHUB_QUEUE_PATH=str(tmp_path / "graph-q.sqlite"))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    graph_code = main(["submit", str(path)])
    graph_lines = capsys.readouterr().out.splitlines()

    assert local_code == graph_code == 1  # the generated set has bad submissions in it
    assert [line.split()[:3] for line in local_lines[1:-1]] == [line.split()[:3] for line in graph_lines[:-1]]
    local = XlsxHubStore(tmp_path / "local.xlsx").read_tables(READS)
    store = wiring.build_store(Settings.from_env())
    try:
        remote = store.read_tables(READS, fresh=True)
    finally:
        store.close()
    assert _comparable(remote) == _comparable(local)
    assert len(remote["Interactions"]) > 40
    # The names beside the IDs reach the Graph hub too.
    assert all(r[COMPANY_NAME] for r in remote["Interactions"] + remote["Opportunities"] + remote["Tickets"])
    assert any(r[CONTACT_NAME] for r in remote["Interactions"])


HOLD_VARIANTS = [
    (409, ("EditModeCannotAcquireLock",)),
    (409, ("conflict", "accessConflict")),
    (409, ("conflict", "invalidSessionAccessConflict")),
    (429, ("tooManyRequests", "EditModeCannotAcquireLockTooManyRequests")),
    (423, ("resourceLocked",)),
    (503, ("serviceUnavailable", "serviceUnavailableUncategorized")),
    (404, ("itemNotFound", "invalidSessionNotFound")),
]


@pytest.mark.parametrize(
    ("status", "codes"), HOLD_VARIANTS, ids=["-".join((str(s), *c)) for s, c in HOLD_VARIANTS]
)
def test_every_lock_and_throttle_variant_leaves_the_batch_queued_for_the_next_run(
    fake, graph_store, tmp_path, status, codes
):
    """The writer meets a lock/throttle/dead-session answer on rows/add: nothing is lost or
    counted against the messages, and the next run writes every row once."""
    from local.journal_queue import JournalQueue

    queue = JournalQueue(tmp_path / "q.sqlite")
    for _ in range(3):
        call_intake(queue, json.dumps(body()).encode())
    fake.faults.append(
        Fault("error", method="POST", path="rows/add", status=status, codes=codes, retry_after=0)
    )
    report = drain(queue, graph_store, lambda: NOW)
    assert report.hub_locked and report.count("recorded") == 0
    assert queue.depth() == 3 and queue.poison_count() == 0
    fake.faults.clear()
    report = drain(queue, graph_store, lambda: NOW)
    assert report.count("recorded") == 3 and queue.depth() == 0 and queue.poison_count() == 0
    assert len(graph_store.read_tables(["Interactions"], fresh=True)["Interactions"]) == 3
