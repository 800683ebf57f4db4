"""The whole pipeline on the embedded default: intake -> durable queue -> writer -> real .xlsx."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import urllib.request
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cxhub.local_intake import build_server, call_intake
from cxhub.sample_data import generate
from hub.intake.recorder import READS
from hub.intake.writer import WriterRules, drain
from local.journal_queue import JournalQueue
from local.xlsx_store import XlsxHubStore
from tests.factories import NOW, body, raw

pytestmark = pytest.mark.slow  # end to end: subprocess crashes, real queues and .xlsx hubs

ROOT = Path(__file__).parents[2]


def clock() -> datetime:
    return NOW


def everything(store: XlsxHubStore) -> dict:
    return store.read_tables(READS)


def test_generated_submissions_land_once_and_a_replay_changes_nothing(store, queue, hub_path):
    """Generated submissions through intake, the journal queue and the writer into a real .xlsx are each
    accounted for once, and replaying them leaves the hub's contents unchanged."""
    data = generate(80, NOW, seed=7)
    for item in data.bodies:
        call_intake(queue, item)
    first = drain(queue, store, clock)
    assert queue.depth() == 0
    assert first.count("recorded") + first.count("duplicate") + first.count("rejected") == len(data.bodies)
    snapshot, file_bytes = everything(store), hub_path.read_bytes()
    # every distinct body is either one interaction or one Rejected row; repeats add nothing
    assert first.count("recorded") + len(snapshot["Rejected"]) == len(set(data.bodies))
    responses = [r["Source Response ID"] for r in snapshot["Interactions"]]
    assert len(responses) == len(set(responses)) == first.count("recorded")

    for item in data.bodies:  # the whole queue delivered again
        call_intake(queue, item)
    again = drain(queue, store, clock)
    assert again.count("recorded") == 0
    assert everything(store) == snapshot
    assert hub_path.read_bytes() == file_bytes  # nothing to write, so the file is not even touched


def test_a_crash_between_enqueue_and_write_loses_nothing(tmp_path, store):
    """A process killed right after intake queued a submission loses nothing: the next writer run records
    it."""
    queue_path = tmp_path / "crash.sqlite"
    payload = body()
    script = textwrap.dedent(f"""
        import os
        from cxhub.local_intake import call_intake
        from local.journal_queue import JournalQueue
        reply = call_intake(JournalQueue({str(queue_path)!r}), {raw(payload)!r})
        assert reply.status == 202, reply
        os._exit(9)  # the process dies before any writer runs
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT)
    assert proc.returncode == 9
    report = drain(JournalQueue(queue_path), store, clock)
    assert report.count("recorded") == 1
    [row] = store.read_tables(["Interactions"])["Interactions"]
    assert row["Source Response ID"] == payload["responseId"]


def test_a_writer_that_dies_after_writing_but_before_acknowledging_records_once(tmp_path, hub_path, store):
    """A writer killed after writing the hub but before deleting its messages does not record them twice when
    they are delivered again."""
    queue_path = tmp_path / "crash.sqlite"
    queue = JournalQueue(queue_path)
    payloads = [body() for _ in range(3)]
    for p in payloads:
        call_intake(queue, raw(p))
    script = textwrap.dedent(f"""
        import os
        from datetime import datetime, UTC
        from hub.intake.writer import WriterRules, drain
        from local.journal_queue import JournalQueue
        from local.xlsx_store import XlsxHubStore

        class DiesAfterWriting(XlsxHubStore):
            def apply(self, changes):
                super().apply(changes)
                os._exit(9)

        drain(JournalQueue({str(queue_path)!r}), DiesAfterWriting({str(hub_path)!r}),
              lambda: datetime.now(UTC), WriterRules(visibility_timeout=0))
    """)
    assert subprocess.run([sys.executable, "-c", script], cwd=ROOT).returncode == 9
    assert len(store.read_tables(["Interactions"])["Interactions"]) == 3
    assert queue.depth() == 3  # never acknowledged: delivered again

    report = drain(queue, store, clock)
    assert report.count("duplicate") == 3 and report.count("recorded") == 0
    assert len(store.read_tables(["Interactions"])["Interactions"]) == 3
    assert queue.depth() == 0


def test_a_message_that_keeps_failing_is_poisoned_after_5_attempts_and_kept(store, queue):
    """A message that fails five times, or is not JSON at all, is moved to the poison store with its reason,
    and the good message beside it is recorded."""
    good = call_intake(queue, raw(body()))
    assert good.status == 202
    queue.put(
        {
            "v": 1,
            "kind": "submission",
            "submissionId": "SUB-X",
            "responseId": "broken",
            "submittedAt": "2026-11-20T10:00:00",
            "responder": "a@b.example",
            "values": {"nope": 1},
        }
    )
    # Text some other program left in the journal file.
    with closing(sqlite3.connect(queue.path)) as other_writer, other_writer:
        other_writer.execute("INSERT INTO messages (body, enqueued_at, visible_at) VALUES ('not json', 0, 0)")
    rules = WriterRules(visibility_timeout=0)
    first = drain(queue, store, clock, rules)
    assert first.count("recorded") == 1 and first.failed == 1 and first.poisoned == 1  # 'not json' at once
    for _ in range(4):
        assert drain(queue, store, clock, rules).failed == 1
    last = drain(queue, store, clock, rules)
    assert last.poisoned == 1 and queue.depth() == 0
    assert sorted(reason for _, reason in queue.poisoned()) == [
        "failed 5 times",
        "the message is not a JSON object",
    ]


def test_a_hub_open_in_libreoffice_keeps_submissions_queued_without_using_up_attempts(store, queue, hub_path):
    """While the hub is open in LibreOffice, writer runs keep the submission queued without using up its
    attempts, and it is recorded once the hub is closed."""
    call_intake(queue, raw(body()))
    lock = hub_path.parent / f".~lock.{hub_path.name}#"
    lock.write_text("Ngozi")
    for _ in range(7):
        report = drain(queue, store, clock)
        assert report.hub_locked and "LibreOffice" in report.hub_locked
    assert queue.depth() == 1 and queue.poison_count() == 0
    lock.unlink()
    assert drain(queue, store, clock).count("recorded") == 1


def test_cxhub_serve_accepts_a_post_and_queues_it(queue):
    """cxhub serve accepts an HTTP POST on /api/submissions and queues the submission."""
    import threading

    server = build_server(queue, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/submissions"
        req = urllib.request.Request(
            url, data=raw(body()), method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 202
            assert json.loads(resp.read())["status"] == "accepted"
        assert queue.depth() == 1
        bad = urllib.request.Request(url, data=b"nope", method="POST")
        try:
            urllib.request.urlopen(bad, timeout=10)
        except urllib.error.HTTPError as e:
            assert e.code == 400
        else:
            raise AssertionError("a body that is not JSON must be refused")
    finally:
        server.shutdown()
        server.server_close()


def test_datetimes_are_stored_in_lagos_time(store, queue):
    """Times sent in UTC are stored in the hub in Lagos time, both the interaction date and Recorded At."""
    call_intake(queue, raw(body({"occurred_at": "2026-11-20T08:00:00Z"})))
    drain(queue, store, lambda: datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    [row] = store.read_tables(["Interactions"])["Interactions"]
    assert row["Date"] == datetime(2026, 11, 20, 9, 0)
    assert row["Recorded At"] == datetime(2026, 11, 20, 10, 0)
