"""The local durable queue: what is put survives the process; received is hidden, then redelivered."""

import sqlite3
from contextlib import closing

from local.journal_queue import JournalQueue


def test_a_message_survives_closing_and_reopening(tmp_path):
    """A message put into the journal queue is still there after the queue is closed and reopened."""
    q = JournalQueue(tmp_path / "q.sqlite")
    q.put({"n": 1})
    q.close()
    again = JournalQueue(tmp_path / "q.sqlite")
    [msg] = again.receive(10, 60)
    assert msg.body == {"n": 1} and msg.dequeue_count == 1


def test_received_messages_are_hidden_until_the_visibility_timeout(tmp_path):
    """A received message stays hidden until its visibility timeout has passed on the queue's clock, then
    comes back with its delivery count raised."""
    now = [1_000_000.0]
    queue = JournalQueue(tmp_path / "q.sqlite", clock=lambda: now[0])
    queue.put({"n": 1})
    assert len(queue.receive(10, 60)) == 1
    now[0] += 59.9
    assert queue.receive(10, 60) == []
    now[0] += 0.1
    [again] = queue.receive(10, 60)
    assert again.dequeue_count == 2
    queue.close()


def test_delete_needs_the_current_receipt(queue):
    """Deleting with the receipt of an earlier delivery does nothing, so a slow writer cannot delete a message
    someone else now holds."""
    queue.put({"n": 1})
    [first] = queue.receive(10, 0)
    [second] = queue.receive(10, 60)  # the first receive timed out and someone else has it now
    queue.delete(first)
    assert queue.depth() == 1
    queue.delete(second)
    assert queue.depth() == 0


def test_release_makes_a_message_visible_without_counting_the_attempt(queue):
    """A released message is visible again at once and the attempt is not counted against it."""
    queue.put({"n": 1})
    [msg] = queue.receive(10, 300)
    queue.release(msg)
    [again] = queue.receive(10, 300)
    assert again.dequeue_count == 1


def test_poisoned_messages_are_kept_with_their_reason(queue):
    """A poisoned message leaves the queue and is kept, listed with its reason."""
    queue.put({"n": 1})
    [msg] = queue.receive(10, 60)
    queue.poison(msg, "failed 5 times")
    assert queue.depth() == 0 and queue.poison_count() == 1
    assert queue.poisoned() == [(msg.id, "failed 5 times")]


def test_text_that_is_not_a_json_object_arrives_with_no_body(queue):
    """A queued text that is not a JSON object is delivered with no body and its text intact, for the writer
    to reject."""
    # Text some other program left in the journal file.
    with closing(sqlite3.connect(queue.path)) as other_writer, other_writer:
        other_writer.execute("INSERT INTO messages (body, enqueued_at, visible_at) VALUES ('[1]', 0, 0)")
    [msg] = queue.receive(10, 60)
    assert msg.body is None and msg.text == "[1]"


def test_requeue_moves_poisoned_json_back_with_a_fresh_count_and_keeps_broken_text(queue):
    """Requeued messages are delivered again from attempt 1; text that is not JSON stays poisoned."""
    queue.put({"submissionId": "SUB-1"})
    queue.put({"submissionId": "SUB-2"})
    queue._db.execute("INSERT INTO messages (body, enqueued_at, visible_at) VALUES ('not json', 0, 0)")
    for m in queue.receive(10, 60):
        queue.poison(m, "failed 5 times")
    assert queue.poison_count() == 3 and queue.depth() == 0
    assert queue.requeue() == 2
    assert queue.poison_count() == 1 and queue.depth() == 2
    got = queue.receive(10, 60)
    assert sorted(m.body["submissionId"] for m in got if m.body) == ["SUB-1", "SUB-2"]
    assert all(m.dequeue_count == 1 for m in got)
