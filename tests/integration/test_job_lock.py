"""One hub writer at a time: the lock file locally, a blob lease on Azurite."""

from __future__ import annotations

import threading
import uuid

import pytest

from cloud.blob_lock import BlobJobLock
from hub.ports import HubUnavailable
from local.job_lock import FileJobLock


def contend(lock_a, lock_b) -> list[str]:
    """B waits while A holds the lock, and gets it once A lets go.

    The locks are real (a lock file, an Azurite lease), so this waits on events with timeouts:
    A keeps the lock until B has been refused entry for a moment, then lets go.
    """
    order: list[str] = []
    b_trying, b_in = threading.Event(), threading.Event()

    def second() -> None:
        b_trying.set()
        with lock_b.hold("hub"):
            order.append("b in")
            b_in.set()

    with lock_a.hold("hub"):
        order.append("a in")
        thread = threading.Thread(target=second)
        thread.start()
        assert b_trying.wait(5)
        assert not b_in.wait(0.5), "B got the lock while A held it"
        order.append("a out")
    assert b_in.wait(30), "B never got the lock after A let go"
    thread.join()
    return order


def test_a_second_local_job_waits_for_the_first(tmp_path):
    """A second local job blocks on the lock file while the first holds it and gets in once the first lets
    go."""
    assert contend(FileJobLock(tmp_path), FileJobLock(tmp_path)) == ["a in", "a out", "b in"]


def test_a_local_job_gives_up_with_hub_unavailable(tmp_path):
    """A local job that cannot get the lock file within its timeout raises HubUnavailable."""
    impatient = FileJobLock(tmp_path, timeout=0.2)
    with FileJobLock(tmp_path).hold("hub"), pytest.raises(HubUnavailable), impatient.hold("hub"):
        pass


@pytest.mark.azurite
def test_two_instances_take_turns_through_a_blob_lease(azurite):
    """Two Azure instances take turns through a blob lease on Azurite: the second gets in only after the first
    lets go."""
    container = f"locks-{uuid.uuid4().hex[:8]}"
    assert contend(BlobJobLock(azurite, container), BlobJobLock(azurite, container)) == [
        "a in",
        "a out",
        "b in",
    ]


@pytest.mark.azurite
def test_a_lease_held_too_long_is_hub_unavailable(azurite):
    """A job kept out of a blob lease retries once a second until its timeout (on an injected clock) and then
    raises HubUnavailable."""
    container = f"locks-{uuid.uuid4().hex[:8]}"
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    impatient = BlobJobLock(azurite, container, timeout=3, clock=lambda: now[0], sleep=sleep)
    with BlobJobLock(azurite, container).hold("hub"), pytest.raises(HubUnavailable), impatient.hold("hub"):
        pass
    assert waits == [1.0] * 4  # retried once a second until past the 3 s timeout, then gave up


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
