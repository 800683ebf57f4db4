"""kill -9 at each stage of the writer, then an ordinary run: every submission lands exactly once.

The fault is injected by this harness only: the child process wraps the real queue and store
and sends itself SIGKILL at the named stage (CXHUB_TEST_KILL_AT). Nothing in CX Hub knows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cxhub.local_intake import call_intake
from hub.intake.writer import WriterRules, drain
from local.journal_queue import JournalQueue
from local.xlsx_store import XlsxHubStore
from tests.factories import body, raw

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import os, signal, sys
    from datetime import UTC, datetime
    import local.xlsx_patch as xlsx_patch
    import local.xlsx_store as xlsx_store
    from hub.intake.writer import WriterRules, drain
    from local.journal_queue import JournalQueue

    stage = os.environ["CXHUB_TEST_KILL_AT"]

    def die(at):
        if at == stage:
            os.kill(os.getpid(), signal.SIGKILL)

    class Queue(JournalQueue):
        def receive(self, *a):
            got = super().receive(*a)
            die("received")
            return got

        def delete(self, message):
            super().delete(message)
            die("deleted")  # after the first acknowledgement, before the others

    class Store(xlsx_store.XlsxHubStore):
        def read_tables(self, *a, **k):
            got = super().read_tables(*a, **k)
            die("read")
            return got

        def apply(self, changes):
            super().apply(changes)
            die("saved")  # the hub holds the rows; the queue still holds the messages

    real_patch = xlsx_patch.patch

    def patch(source, target, *a):
        real_patch(source, target, *a)
        die("mid-save")  # the new workbook is in the temp file, not yet in place
    xlsx_store.patch = patch

    rules = WriterRules(visibility_timeout=0)
    drain(Queue(sys.argv[1]), Store(sys.argv[2]), lambda: datetime.now(UTC), rules)
    sys.exit(0)
""")


@pytest.mark.parametrize("stage", ["received", "read", "mid-save", "saved", "deleted"])
def test_a_writer_killed_at_any_stage_loses_nothing_and_writes_nothing_twice(tmp_path, hub_path, stage):
    """SIGKILL after receiving, after reading the hub, mid-save, after saving and after the first
    acknowledgement: the next run leaves each of the 6 submissions in the hub exactly once."""
    queue_path = tmp_path / "queue.sqlite"
    queue = JournalQueue(queue_path)
    payloads = [body() for _ in range(6)]
    for p in payloads:
        assert call_intake(queue, raw(p)).status == 202
    env = {**os.environ, "CXHUB_TEST_KILL_AT": stage}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(queue_path), str(hub_path)], cwd=ROOT, env=env, timeout=300
    )
    assert child.returncode == -signal.SIGKILL
    store = XlsxHubStore(hub_path)
    report = drain(queue, store, lambda: datetime.now(UTC), WriterRules(visibility_timeout=0))
    assert report.failed == 0 and queue.depth() == 0 and queue.poison_count() == 0
    rows = store.read_tables(["Interactions"])["Interactions"]
    assert sorted(r["Source Response ID"] for r in rows) == sorted(p["responseId"] for p in payloads)
    assert len({r["Interaction ID"] for r in rows}) == 6
    store.apply(store_noop_change())  # the next save clears what the killed one left
    assert list(tmp_path.glob(".hub.xlsx.*.tmp")) == []


def store_noop_change():
    from hub.ports import HubChanges

    return HubChanges(appends={"Audit": [{"Audit ID": "AUD-999999", "Action": "after the crash"}]})


def test_the_cli_on_a_cut_short_hub_exits_4_with_one_line_and_no_traceback(tmp_path):
    """`cxhub drain` as a real process on a truncated hub: exit 4, what is wrong, no traceback."""
    hub = tmp_path / "hub.xlsx"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXHUB_")}
    cli = [sys.executable, "-m", "cxhub.cli"]
    assert subprocess.run([*cli, "init", "--hub", str(hub)], cwd=tmp_path, env=env).returncode == 0
    queue = JournalQueue(tmp_path / "hub.queue.sqlite")
    assert call_intake(queue, raw(body())).status == 202
    hub.write_bytes(hub.read_bytes()[:4000])
    done = subprocess.run(
        [*cli, "drain", "--hub", str(hub)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr + done.stdout and "not a readable workbook" in done.stdout
    assert queue.depth() == 1 and queue.poison_count() == 0
