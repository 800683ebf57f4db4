"""GET /api/health, the ops digest and the retention purge, called as the Functions host calls them."""

from __future__ import annotations

import email
import json
import os
import time
from datetime import UTC, datetime, timedelta
from email import policy

import azure.functions as func
import pytest

from cxhub import wiring
from cxhub.settings import Settings
from functions.operations import health_endpoint, ops_digest, ops_requeue, purge
from functions.reports import health
from functions.writer import writer
from hub.ports import HubChanges
from local.journal_queue import JournalQueue
from local.xlsx_store import XlsxHubStore


class Timer:
    past_due = False


@pytest.fixture
def hub(hub_path, monkeypatch):
    for name in (
        "CXHUB_INTAKE_SECRET",
        "FUNCTIONS_WORKER_RUNTIME",
        "CXHUB_QUEUE",
        "CXHUB_BACKEND",
        "CXHUB_OUTBOX",
    ):
        monkeypatch.delenv(name, raising=False)
    path = hub_path  # a blank hub (tests/conftest.py)
    monkeypatch.setenv("CXHUB_HUB", str(path))
    monkeypatch.setenv("CXHUB_ADMIN_EMAILS", "it@mikano.example")
    return path


def get_health():
    resp = health_endpoint(func.HttpRequest(method="GET", url="/api/health", body=b""))
    return resp.status_code, json.loads(resp.get_body())


def test_health_reports_the_queue_each_timer_and_the_last_health_row(hub):
    """/api/health reports the queue depth, poisoned count, each timer's last run and the latest Health row,
    filling in as the timers run."""
    code, body = get_health()
    assert code == 200 and body["status"] == "ok"
    assert body["queue"] == {"depth": 0, "poisoned": 0} and body["timers"]["writer"] is None
    assert body["lastHealth"] is None
    writer(Timer())
    health(Timer())
    code, body = get_health()
    assert body["timers"]["writer"]["ok"] is True and body["timers"]["health"]["ok"] is True
    assert body["lastHealth"]["Triggers Met"] == 0 and "Checked At" in body["lastHealth"]


def test_a_failed_timer_run_is_recorded_and_shows_in_health(hub, monkeypatch):
    """A timer run that raises is recorded with its error type, and /api/health then says "attention"."""
    settings = Settings.from_env()
    with pytest.raises(RuntimeError), wiring.job_run(settings, "kpis"):
        raise RuntimeError("boom")
    code, body = get_health()
    assert code == 200 and body["status"] == "attention"
    assert body["timers"]["kpis"]["ok"] is False and body["timers"]["kpis"]["error"] == "RuntimeError"


def test_poisoned_messages_reach_the_admins_once_a_day_without_personal_data(hub):
    """A poisoned submission turns /api/health to "attention" and the daily ops digest mails IT its submission
    ID and reason, with no personal data."""
    queue = JournalQueue(hub.with_name("hub.queue.sqlite"))
    queue.put(
        {"kind": "submission", "submissionId": "SUB-ABC123", "values": {"contact_email": "ngozi@x.example"}}
    )
    [msg] = queue.receive(1, 60)
    queue.poison(msg, "failed 5 times")
    code, body = get_health()
    assert code == 200 and body["queue"]["poisoned"] == 1 and body["status"] == "attention"
    ops_digest(Timer())
    (path,) = (hub.parent / "outbox").glob("*.eml")
    mail = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    text = mail.get_body(("plain",)).get_content()
    assert mail["To"] == "it@mikano.example" and "SUB-ABC123: failed 5 times" in text
    assert "ngozi" not in path.read_text(errors="replace")


def test_nothing_to_report_sends_nothing(hub):
    """The ops digest sends no mail when there is nothing to report."""
    ops_digest(Timer())
    assert not list((hub.parent / "outbox").glob("*.eml"))


def test_the_purge_clears_old_raw_payloads_and_old_local_mail(hub):
    """The retention purge blanks raw payloads and deletes local mail older than the retention period, keeps
    recent ones and their errors, audits once, and a second run purges nothing."""
    now = datetime.now(UTC).astimezone().replace(tzinfo=None)
    old, recent = now - timedelta(days=120), now - timedelta(days=5)
    rows = [
        {
            "Rejected ID": "REJ-000001",
            "Received At": old,
            "Errors": "notes: Notes is required",
            "Raw Payload": '{"a": 1}',
        },
        {"Rejected ID": "REJ-000002", "Received At": recent, "Errors": "x", "Raw Payload": '{"b": 2}'},
    ]
    XlsxHubStore(hub).apply(HubChanges(appends={"Rejected": rows}))
    outbox = hub.parent / "outbox"
    outbox.mkdir()
    (outbox / "old.eml").write_text("x")
    (outbox / "new.eml").write_text("y")
    long_ago = time.time() - 100 * 86400
    os.utime(outbox / "old.eml", (long_ago, long_ago))
    purge(Timer())
    rejected = {r["Rejected ID"]: r for r in XlsxHubStore(hub).read_tables(["Rejected"])["Rejected"]}
    assert rejected["REJ-000001"]["Raw Payload"].startswith("[purged ") and rejected["REJ-000001"]["Errors"]
    assert rejected["REJ-000002"]["Raw Payload"] == '{"b": 2}'
    assert sorted(p.name for p in outbox.iterdir()) == ["new.eml"]
    audit = XlsxHubStore(hub).read_tables(["Audit"])["Audit"]
    assert [a["Action"] for a in audit] == ["Raw payloads purged"]
    purge(Timer())  # again: nothing more to purge, no second Audit row
    assert len(XlsxHubStore(hub).read_tables(["Audit"])["Audit"]) == 1


def test_logs_carry_the_submission_id_from_intake_to_the_writer_and_no_personal_data(hub, caplog):
    """The intake reply's submission ID appears in the writer's log line; no email or phone does."""
    import logging

    from cxhub.local_intake import call_intake
    from tests.factories import body, raw

    caplog.set_level(logging.INFO)
    payload = body({"contact_email": "ngozi.eze@dangote.example", "contact_phone": "0803 123 4567"})
    reply = call_intake(JournalQueue(hub.with_name("hub.queue.sqlite")), raw(payload))
    writer(Timer())
    text = "\n".join(r.getMessage() for r in caplog.records)
    sub_id = reply.body["submissionId"]
    assert f'"submissionId": "{sub_id}", "status": "recorded"' in text
    assert "ngozi" not in text.lower() and "8031234567" not in text.replace(" ", "")


def test_the_writer_timer_on_a_broken_hub_fails_visibly_and_counts_nothing(hub):
    """A cut-short hub: the timer run fails (health says so), the admins get one mail, the
    message is not counted; POST /api/ops/requeue then returns poisoned ones, and a restored hub
    gets everything once."""
    from cxhub.local_intake import call_intake
    from hub.ports import HubBroken
    from tests.factories import body, raw

    good = hub.read_bytes()
    queue = JournalQueue(hub.with_name("hub.queue.sqlite"))
    assert call_intake(queue, raw(body())).status == 202
    hub.write_bytes(good[:2500])
    for _ in range(6):
        with pytest.raises(HubBroken, match="not a readable workbook"):
            writer(Timer())
    assert queue.depth() == 1 and queue.poison_count() == 0
    assert len(list((hub.parent / "outbox").glob("*.eml"))) == 1
    writer_run = get_health()[1]["timers"]["writer"]
    assert writer_run["ok"] is False and writer_run["error"] == "HubBroken"
    # One submission poisoned earlier (as before this fix): the admin route puts it back.
    assert call_intake(queue, raw(body())).status == 202
    [waiting, last] = queue.receive(10, 60)
    queue.poison(last, "failed 5 times")
    queue.release(waiting)
    hub.write_bytes(good)
    resp = ops_requeue(func.HttpRequest(method="POST", url="/api/ops/requeue", body=b""))
    assert resp.status_code == 200 and json.loads(resp.get_body()) == {
        "status": "requeued",
        "requeued": 1,
        "stillPoisoned": 0,
    }
    writer(Timer())
    assert len(XlsxHubStore(hub).read_tables(["Interactions"])["Interactions"]) == 2
    assert queue.depth() == 0 and get_health()[1]["timers"]["writer"]["ok"] is True
    ops_digest(Timer())  # the hub is readable again: nothing left to report
    assert len(list((hub.parent / "outbox").glob("*.eml"))) == 1
