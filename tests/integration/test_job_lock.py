"""One hub writer at a time: the lock file locally, a blob lease on Azurite."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from cloud.blob_lock import BlobJobLock
from hub.ports import HubUnavailable
from local.job_lock import FileJobLock


def contend(lock_a, lock_b):
    """B waits while A holds the lock, and gets it once A lets go."""
    order: list[str] = []
    held = threading.Event()

    def first():
        with lock_a.hold("hub"):
            order.append("a in")
            held.set()
            time.sleep(1.5)
            order.append("a out")

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(5)
    with lock_b.hold("hub"):
        order.append("b in")
    thread.join()
    return order


def test_a_second_local_job_waits_for_the_first(tmp_path):
    assert contend(FileJobLock(tmp_path), FileJobLock(tmp_path)) == ["a in", "a out", "b in"]


def test_a_local_job_gives_up_with_hub_unavailable(tmp_path):
    impatient = FileJobLock(tmp_path, timeout=0.2)
    with FileJobLock(tmp_path).hold("hub"), pytest.raises(HubUnavailable), impatient.hold("hub"):
        pass


@pytest.mark.azurite
def test_two_instances_take_turns_through_a_blob_lease(azurite):
    container = f"locks-{uuid.uuid4().hex[:8]}"
    assert contend(BlobJobLock(azurite, container), BlobJobLock(azurite, container)) == [
        "a in",
        "a out",
        "b in",
    ]


@pytest.mark.azurite
def test_a_lease_held_too_long_is_hub_unavailable(azurite):
    container = f"locks-{uuid.uuid4().hex[:8]}"
    impatient = BlobJobLock(azurite, container, timeout=1.5)
    with BlobJobLock(azurite, container).hold("hub"), pytest.raises(HubUnavailable), impatient.hold("hub"):
        pass


def test_the_writer_leaves_messages_queued_while_another_job_writes(tmp_path):
    """Governance holds the hub: the writer's batch is released, not failed, and lands next run."""
    from datetime import UTC, datetime

    from cxhub.local_intake import call_intake
    from hub.intake.writer import WriterRules, drain
    from local.journal_queue import JournalQueue
    from tests.factories import body, raw
    from tests.fakes import FakeHubStore

    queue, store = JournalQueue(tmp_path / "q.sqlite"), FakeHubStore()
    call_intake(queue, raw(body()))
    clock = lambda: datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # noqa: E731
    with FileJobLock(tmp_path).hold("hub"):
        report = drain(queue, store, clock, WriterRules(), FileJobLock(tmp_path, timeout=0.2))
    assert report.hub_locked and "another CX Hub job" in report.hub_locked
    assert queue.depth() == 1 and store.tables["Interactions"] == []
    report = drain(queue, store, clock, WriterRules(), FileJobLock(tmp_path))
    assert report.count("recorded") == 1 and queue.depth() == 0
