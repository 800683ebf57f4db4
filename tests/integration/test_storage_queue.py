"""The Azure Storage queue adapter against a real Azurite, never a mock."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
from azure.storage.queue import QueueClient, TextBase64DecodePolicy

from cloud.storage_queue import StorageQueue

pytestmark = pytest.mark.azurite


@pytest.fixture
def storage_queue(azurite):
    return StorageQueue(azurite, f"cxhub-test-{uuid.uuid4().hex[:8]}")


def test_round_trip_of_a_message(storage_queue):
    """A message with non-ASCII text goes through a real Storage queue unchanged, counted as first delivery,
    and is gone once deleted."""
    storage_queue.put({"kind": "submission", "responseId": "r-1", "notes": "Ọ̀rọ̀ with accents ₦"})
    [msg] = storage_queue.receive(10, 30)
    assert msg.body == {"kind": "submission", "responseId": "r-1", "notes": "Ọ̀rọ̀ with accents ₦"}
    assert msg.dequeue_count == 1
    storage_queue.delete(msg)
    assert storage_queue.depth() == 0


def test_messages_written_by_the_functions_output_binding_are_read(azurite, storage_queue):
    """The host base64-encodes what the binding writes (host.json messageEncoding)."""
    raw = QueueClient.from_connection_string(azurite, storage_queue.name)
    raw.send_message(base64.b64encode(json.dumps({"kind": "rejection", "n": 7}).encode()).decode())
    [msg] = storage_queue.receive(10, 30)
    assert msg.body == {"kind": "rejection", "n": 7}


def test_more_than_32_messages_are_received_in_pages(storage_queue):
    """Asking for more than Storage's 32 messages per call returns them all, fetched in pages."""
    for n in range(40):
        storage_queue.put({"n": n})
    got = storage_queue.receive(100, 30)
    assert sorted(m.body["n"] for m in got) == list(range(40))


def test_a_received_message_comes_back_after_its_visibility_timeout(storage_queue):
    """A message received with a 1 s visibility timeout is hidden, then delivered again with its count.

    Azurite keeps visibility on its own real clock (1 s is Storage's smallest timeout), so this polls
    the emulator until the message is back rather than injecting a clock.
    """
    storage_queue.put({"n": 1})
    [first] = storage_queue.receive(10, 1)
    assert storage_queue.receive(10, 1) == []
    deadline = time.monotonic() + 15
    while not (back := storage_queue.receive(10, 30)) and time.monotonic() < deadline:
        time.sleep(0.1)  # polling the emulator, which keeps its own clock
    [again] = back
    assert again.dequeue_count == 2 and again.body == first.body


def test_release_resets_the_attempt_count(storage_queue):
    """A released message comes back with its delivery count reset to one."""
    storage_queue.put({"n": 1})
    [msg] = storage_queue.receive(10, 300)
    storage_queue.release(msg)
    [again] = storage_queue.receive(10, 300)
    assert again.dequeue_count == 1 and again.body == {"n": 1}


def test_poisoned_messages_move_to_the_poison_queue_with_the_reason(azurite, storage_queue):
    """A poisoned message moves to the -poison queue as a record of the reason, the delivery count and the
    original text."""
    storage_queue.put({"n": 1})
    [msg] = storage_queue.receive(10, 30)
    storage_queue.poison(msg, "failed 5 times")
    assert storage_queue.depth() == 0
    assert storage_queue.poison_count() == 1
    poison = QueueClient.from_connection_string(
        azurite, f"{storage_queue.name}-poison", message_decode_policy=TextBase64DecodePolicy()
    )
    [kept] = poison.receive_messages(max_messages=1)
    assert json.loads(kept.content) == {"reason": "failed 5 times", "dequeueCount": 1, "message": '{"n": 1}'}


def test_poisoned_messages_never_expire_and_are_listed_by_submission_id(azurite, storage_queue):
    """Storage drops a message after 7 days by default; a poisoned submission must stay for an admin."""
    storage_queue.put({"kind": "submission", "submissionId": "SUB-XYZ"})
    [msg] = storage_queue.receive(10, 30)
    storage_queue.poison(msg, "failed 5 times")
    assert storage_queue.poisoned() == [("SUB-XYZ", "failed 5 times")]
    poison = QueueClient.from_connection_string(azurite, f"{storage_queue.name}-poison")
    [peeked] = poison.peek_messages()
    assert peeked.expires_on.year == 9999


def test_an_action_message_round_trips_through_the_storage_queue_into_the_hub(storage_queue, tmp_path):
    """A confirmed Done goes on the Storage queue, the writer drains it into a real hub, once."""
    from datetime import UTC, date, datetime

    from hub.actions.apply import action_message
    from hub.actions.tokens import action_id, issue, verify
    from hub.intake.writer import drain
    from hub.ports import HubChanges
    from hub_schema.template import build_template
    from local.xlsx_store import XlsxHubStore

    now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    store = XlsxHubStore(build_template(tmp_path / "hub.xlsx"))
    store.apply(
        HubChanges(
            appends={
                "Interactions": [
                    {
                        "Interaction ID": "INT-000001",
                        "Date": datetime(2026, 11, 20, 9),
                        "Account ID": "ACC-000001",
                        "Channel": "Phone",
                        "Notes": "n",
                        "Next Action": "Call back",
                        "Logged By": "ada@x.ng",
                        "Division": "Motors",
                        "Action Due Date": date(2026, 11, 25),
                        "Action Status": "Open",
                    }
                ]
            }
        )
    )
    key = b"q" * 32
    text = issue("done", "INT-000001", "ada@x.ng", key=key, now=now, mail="follow-up reminder of 2026-11-30")
    message = action_message(text, verify(text, key=key, now=now), action_id(text), "ada@x.ng", {}, now)
    storage_queue.put(message)
    storage_queue.put(message)  # delivered twice: applied once
    report = drain(storage_queue, store, lambda: now)
    assert [a.status for a in report.actions] == ["applied", "duplicate"]
    assert storage_queue.depth() == 0
    tables = store.read_tables(["Interactions", "Audit"])
    assert tables["Interactions"][0]["Action Status"] == "Done"
    assert [(a["Actor"], a["Action ID"]) for a in tables["Audit"]] == [("ada@x.ng", action_id(text))]


def test_requeue_on_azurite_moves_poisoned_json_back_and_keeps_broken_text(storage_queue):
    """On Azure Storage (Azurite): poisoned submissions return with a fresh count, text that is
    not JSON stays in <name>-poison."""
    for n in range(40):  # more than one page of 32
        storage_queue.put({"submissionId": f"SUB-{n}"})
    storage_queue._queue.send_message("not json")
    received = storage_queue.receive(100, 30)
    for msg in received:
        storage_queue.poison(msg, "failed 5 times")
    assert storage_queue.depth() == 0 and storage_queue.poison_count() == 41
    assert storage_queue.requeue() == 40
    assert storage_queue.poison_count() == 1
    back = storage_queue.receive(100, 30)
    assert sorted(m.body["submissionId"] for m in back if m.body) == sorted(f"SUB-{n}" for n in range(40))
    assert all(m.dequeue_count == 1 for m in back)


@pytest.mark.parametrize("kind", ["wrong key", "not a connection string"])
def test_cxhub_on_storage_it_cannot_use_names_the_setting_in_one_line_without_the_key(
    azurite, tmp_path, monkeypatch, capsys, kind
):
    """CXHUB_QUEUE=azure with a key Azurite refuses (403), or a string the SDK cannot read: exit 2,
    one line naming the connection-string setting (both ended in a traceback); the key is not printed."""
    from cxhub.cli import main

    key = azurite.split("AccountKey=")[1].split(";")[0]
    wrong = "QUJDREVGR0hJSktMTU5PUA=="  # base64, but not the account's key
    connection = azurite.replace(key, wrong) if kind == "wrong key" else f"AccountKey={wrong};nothing else"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CXHUB_QUEUE", "azure")
    monkeypatch.setenv("AzureWebJobsStorage", connection)
    code = main(["drain", "--hub", str(tmp_path / "hub.xlsx")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "AzureWebJobsStorage" in err, err
    assert wrong not in err and key not in err
