"""A hub that cannot be read is the hub's fault: the queue waits uncounted, the admins hear once,
and once the hub is restored every submission lands exactly once (through the `cxhub` command)."""

from __future__ import annotations

import json
import shutil

import pytest
from openpyxl import load_workbook

from cxhub.cli import main
from cxhub.local_intake import call_intake
from local.journal_queue import JournalQueue
from local.xlsx_store import XlsxHubStore
from tests.e2e.cli_env import isolated  # noqa: F401  (autouse fixture)
from tests.factories import body

EXIT_HUB_BROKEN = 4


def run(capsys, *args):
    code = main(list(map(str, args)))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def hub(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CXHUB_ADMIN_EMAILS", "it@mikano.example")
    path = tmp_path / "hub.xlsx"
    assert run(capsys, "init", "--hub", path)[0] == 0
    shutil.copy(path, tmp_path / "backup.xlsx")
    return path


def alerts(hub) -> list[str]:
    return [p.read_text(errors="replace") for p in sorted((hub.parent / "outbox").glob("*.eml"))]


def interactions(hub) -> list[dict]:
    return XlsxHubStore(hub).read_tables(["Interactions"])["Interactions"]


def test_a_truncated_hub_keeps_every_submission_queued_uncounted_until_it_is_restored(capsys, tmp_path, hub):
    """Seven writer runs on a cut-short hub poison nothing and mail the admins once; the restored
    hub then gets all three submissions, exactly once."""
    hub.write_bytes(hub.read_bytes()[:3000])
    (tmp_path / "subs.json").write_text(json.dumps([body(), body(), body()]))
    code, out, err = run(capsys, "submit", tmp_path / "subs.json", "--hub", hub)
    assert code == EXIT_HUB_BROKEN and "Traceback" not in err
    assert out.count("(not written yet)") == 3 and "the hub cannot be read" in out
    assert "not a readable workbook" in out and "Restore it" in out
    for _ in range(7):
        code, out, err = run(capsys, "drain", "--hub", hub)
        assert code == EXIT_HUB_BROKEN and "nothing counted against the queue" in out
    queue = JournalQueue(tmp_path / "hub.queue.sqlite")
    assert queue.depth() == 3 and queue.poison_count() == 0
    [alert] = alerts(hub)
    assert "CX Hub: the hub cannot be read" in alert and "not a readable workbook" in alert
    shutil.copy(tmp_path / "backup.xlsx", hub)
    code, out, _ = run(capsys, "drain", "--hub", hub)
    assert code == 0 and out.startswith("Writer: 3 recorded")
    code, out, _ = run(capsys, "drain", "--hub", hub)
    assert code == 0 and out.startswith("Writer: 0 recorded")
    assert len(interactions(hub)) == 3 and queue.depth() == 0 and queue.poison_count() == 0


def test_a_renamed_header_names_the_tab_the_column_and_what_was_found(capsys, tmp_path, hub):
    """A steward renaming 'Notes' to 'Remarks' is reported by tab, column and the header found; so
    is a renamed column a timer job (governance) reads."""
    wb = load_workbook(hub)
    ws = wb["Interactions"]
    col = next(c for c in ws[1] if c.value == "Notes")
    col.value = "Remarks"
    wb.save(hub)
    (tmp_path / "one.json").write_text(json.dumps(body()))
    code, out, err = run(capsys, "submit", tmp_path / "one.json", "--hub", hub)
    assert code == EXIT_HUB_BROKEN and "Traceback" not in err
    assert "'Interactions' table lacks column(s) 'Notes'" in out and "'Remarks' instead" in out
    wb = load_workbook(hub)
    next(c for c in wb["Accounts"][1] if c.value == "Company Name").value = "Customer"
    wb.save(hub)
    code, _, err = run(capsys, "run", "governance", "--hub", hub)
    assert code == EXIT_HUB_BROKEN and "the hub cannot be read" in err
    assert "'Accounts' table lacks column(s) 'Company Name'" in err and "'Customer' instead" in err


def test_a_renamed_tab_is_named_with_the_tabs_found(capsys, tmp_path, hub):
    """A tab renamed by hand is reported as missing, with the tabs the file does have."""
    wb = load_workbook(hub)
    wb["Accounts"].title = "Customers"
    wb.save(hub)
    (tmp_path / "one.json").write_text(json.dumps(body()))
    code, out, _ = run(capsys, "submit", tmp_path / "one.json", "--hub", hub)
    assert code == EXIT_HUB_BROKEN and "has no 'Accounts' tab" in out and "'Customers'" in out
    assert JournalQueue(tmp_path / "hub.queue.sqlite").depth() == 1


def test_the_alert_goes_again_only_for_a_different_problem(capsys, tmp_path, hub):
    """Fixed and broken again in another way: a second mail; the same problem again: none."""
    good = hub.read_bytes()
    hub.write_bytes(good[:3000])
    (tmp_path / "one.json").write_text(json.dumps(body()))
    run(capsys, "submit", tmp_path / "one.json", "--hub", hub)
    run(capsys, "drain", "--hub", hub)
    assert len(alerts(hub)) == 1
    hub.write_bytes(good)
    assert run(capsys, "drain", "--hub", hub)[0] == 0
    hub.write_bytes(good[:2000])
    (tmp_path / "two.json").write_text(json.dumps(body()))
    run(capsys, "submit", tmp_path / "two.json", "--hub", hub)
    run(capsys, "drain", "--hub", hub)
    assert len(alerts(hub)) == 2


def test_requeue_puts_poisoned_submissions_back_and_each_lands_once(capsys, tmp_path, hub):
    """Messages poisoned under the old behaviour (or by any fault since fixed) come back with
    `cxhub requeue`; one already recorded is recognised, not written twice."""
    first = body()
    (tmp_path / "first.json").write_text(json.dumps(first))
    assert run(capsys, "submit", tmp_path / "first.json", "--hub", hub)[0] == 0
    queue = JournalQueue(tmp_path / "hub.queue.sqlite")
    for payload in (first, body(), body()):
        assert call_intake(queue, json.dumps(payload).encode()).status == 202
    for message in queue.receive(10, 60):
        queue.poison(message, "failed 5 times")
    assert queue.poison_count() == 3 and queue.depth() == 0
    code, out, _ = run(capsys, "requeue", "--hub", hub)
    assert code == 0 and "Requeued 3 poisoned message(s)" in out
    code, out, _ = run(capsys, "drain", "--hub", hub)
    assert code == 0 and out.startswith("Writer: 2 recorded, 1 already recorded")
    assert len(interactions(hub)) == 3 and queue.poison_count() == 0 and queue.depth() == 0
