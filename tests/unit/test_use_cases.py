"""The timer jobs' use cases run on fakes of the ports (no hub file, no queue service, no mail)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from hub.governance.erp_import import ImportReport
from hub.governance.erp_parse import ErpFileError
from hub.governance.jobs import REPORT_SUFFIX, failed_files_since, import_erp_folder
from hub.intake.receive import receive
from hub.intake.validation import IntakeRules
from hub.intake.writer import drain
from hub.kpis.weekly import kpi_recipients, run_kpis
from hub.operations.ops_digest import run_ops_digest
from hub.operations.purge import run_purge
from hub.operations.status import health_status
from hub.operations.timers import TIMER_JOBS, failed_jobs, last_runs, record_run
from hub.ports import HubUnavailable
from local.folder_drive import FolderDrive
from local.journal_queue import JournalQueue
from tests.factories import body, raw
from tests.fakes import FakeHubStore, FakeMailer, FakeQueue, FakeState

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 07:00 in Lagos


def clock() -> datetime:
    return NOW


def queued(queue: FakeQueue, payload: dict) -> None:
    reply = receive(raw(payload), signature=None, secret=None, now=NOW, rules=IntakeRules())
    assert reply.message is not None
    queue.put(reply.message)


def test_drain_records_queued_submissions_and_sets_aside_a_message_that_is_not_json():
    """A valid submission becomes an Interactions row; a broken message is poisoned, not retried."""
    queue, store = FakeQueue(), FakeHubStore()
    queued(queue, body())
    queue.put_text("not json")
    report = drain(queue, store, clock)
    assert report.count("recorded") == 1 and report.poisoned == 1
    assert len(store.tables["Interactions"]) == 1 and queue.depth() == 0
    assert queue.poison_count() == 1


def test_drain_leaves_everything_queued_when_the_hub_is_open_in_excel():
    """A locked hub loses nothing: the messages stay queued, unpenalised, for the next run."""
    queue, store = FakeQueue(), FakeHubStore()
    queued(queue, body())
    store.locked_by = "Ada"
    report = drain(queue, store, clock)
    assert report.hub_locked and not store.tables["Interactions"]
    assert queue.depth() == 1 and queue.counts["1"] == 0
    store.locked_by = None
    assert drain(queue, store, clock).count("recorded") == 1


def staff(email: str, role: str, active: str | None) -> dict:
    return {"Email": email, "Full Name": email, "Role": role, "Active": active, "Division": "Motors"}


def test_kpi_digest_goes_to_active_managers_and_admins_once_a_week():
    """Dashboard rows for last week are added once; the digest reaches active managers and admins once."""
    store, mailer, state = FakeHubStore(), FakeMailer(), FakeState()
    store.tables["Staff"] = [
        staff("Boss@mikano.example", "Manager", "Yes"),
        staff("gone@mikano.example", "Manager", "No"),
        staff("rep@mikano.example", "Sales", "Yes"),
    ]
    report = run_kpis(store, mailer, state, clock, "Africa/Lagos", ("it@mikano.example",))
    assert report.rows_written > 0 and len(store.tables["Dashboard"]) == report.rows_written
    assert [m.to for m in mailer.sent] == [("boss@mikano.example", "it@mikano.example")]
    again = run_kpis(store, mailer, state, clock, "Africa/Lagos", ("it@mikano.example",))
    assert again.already_recorded and again.rows_written == 0 and len(mailer.sent) == 1


@pytest.mark.parametrize(("timezone", "logged"), [("Africa/Lagos", 0.0), ("UTC", 1.0)])
def test_the_kpi_job_reads_an_aware_datetime_in_the_configured_time_zone(timezone, logged):
    """Sunday 23:10 UTC is last week in UTC but Monday in Lagos: CXHUB_TIMEZONE decides the week."""
    store, mailer, state = FakeHubStore(), FakeMailer(), FakeState()
    store.tables["Staff"] = [staff("rep@mikano.example", "Sales", "Yes")]
    late_sunday = datetime(2026, 11, 22, 23, 10, tzinfo=UTC)
    store.tables["Interactions"] = [
        {"Interaction ID": "INT-1", "Date": late_sunday, "Account ID": "ACC-1", "Division": "Motors"}
    ]
    run_kpis(store, mailer, state, clock, timezone, ())
    (row,) = [
        r
        for r in store.tables["Dashboard"]
        if (r["Division"], r["KPI"]) == ("All", "Interactions per active staff")
    ]
    assert row["Week"] == datetime(2026, 11, 16).date() and row["Value"] == logged


def test_kpi_recipients_count_a_blank_active_as_active():
    """A manager whose Active cell is blank still gets the digest."""
    tables = {"Staff": [staff("a@x.example", "Manager", None), staff("b@x.example", "Manager", "No")]}
    assert kpi_recipients(tables, ()) == ["a@x.example"]


def rejected_row(n: int, received: datetime) -> dict:
    return {"Rejected ID": f"REJ-{n:06d}", "Received At": received, "Errors": "x", "Raw Payload": "{}"}


def test_purge_blanks_old_raw_payloads_once_and_purges_kept_mail_up_to_the_cutoff():
    """Rejected payloads past the retention period are purged with one Audit row; newer ones stay."""
    store = FakeHubStore()
    store.tables["Rejected"] = [rejected_row(1, datetime(2026, 7, 1)), rejected_row(2, datetime(2026, 11, 1))]
    cutoffs: list[datetime] = []

    def purge_mail(before: datetime) -> int:
        cutoffs.append(before)
        return 3

    report = run_purge(store, clock, "Africa/Lagos", 90, purge_mail)
    assert (report.rejected_purged, report.outbox_deleted) == (1, 3)
    assert cutoffs == [NOW - timedelta(days=90)]
    rows = {r["Rejected ID"]: r for r in store.tables["Rejected"]}
    assert rows["REJ-000001"]["Raw Payload"].startswith("[purged ")
    assert rows["REJ-000002"]["Raw Payload"] == "{}"
    assert [a["Action"] for a in store.tables["Audit"]] == ["Raw payloads purged"]
    assert run_purge(store, clock, "Africa/Lagos", 90).rejected_purged == 0


def test_a_failed_run_is_recorded_with_its_error_type_and_reported(tmp_path):
    """record_run keeps a failing job's error type, and the failure still propagates."""
    state = FakeState()
    with record_run(state, "kpis", clock):
        pass
    with pytest.raises(ValueError), record_run(state, "governance", clock):
        raise ValueError("the hub said no")
    runs = last_runs(state)
    assert set(runs) == set(TIMER_JOBS) and runs["writer"] is None
    assert runs["kpis"] == {"at": NOW.isoformat(), "ok": True}
    assert failed_jobs(state) == {"governance": "ValueError"}


def test_ops_digest_mails_poisoned_messages_failed_files_and_failed_jobs(tmp_path):
    """Each kind of trouble is listed in one mail to the admins; a quiet day sends nothing."""
    queue, state, mailer = JournalQueue(tmp_path / "q.sqlite"), FakeState(), FakeMailer()
    quiet = run_ops_digest(queue, state, mailer, clock, ("it@mikano.example",))
    assert quiet.is_empty() and not mailer.sent
    queue.put({"submissionId": "SUB-1"})
    for message in queue.receive(1, 30):
        queue.poison(message, "failed 5 times")
    with pytest.raises(RuntimeError), record_run(state, "writer", clock):
        raise RuntimeError
    seen: list[str | None] = []

    def failed_files(since: str | None) -> list[str]:
        seen.append(since)
        return ["20261123-013000 invoices.csv"]

    digest = run_ops_digest(queue, state, mailer, clock, ("it@mikano.example",), failed_files)
    assert digest.poison_count == 1 and digest.failed_jobs == {"writer": "RuntimeError"}
    assert seen == [NOW.isoformat()]  # since the previous digest
    text = mailer.sent[0].text
    assert "failed 5 times" in text and "invoices.csv" in text and "writer: RuntimeError" in text
    queue.close()


def report_for(name: str, kind: str) -> ImportReport:
    return ImportReport(file=name, kind=kind, profile="generic", inserted=2)


def test_erp_folder_files_each_export_under_processed_or_failed_with_its_report(tmp_path):
    """Customers are imported first; a file whose name says no kind goes to Failed/ and is listed."""
    drive = FolderDrive(tmp_path)
    for name in ("invoices_nov.csv", "customers_nov.csv", "export.csv"):
        (tmp_path / name).write_text("x")
    order: list[str] = []

    def import_file(name: str, data: bytes, kind: str) -> ImportReport:
        order.append(kind)
        return report_for(name, kind)

    done = import_erp_folder(drive, "", import_file, clock)
    assert order == ["customers", "invoices"]
    assert {d.name: d.outcome for d in done} == {
        "customers_nov.csv": "processed",
        "invoices_nov.csv": "processed",
        "export.csv": "failed",
    }
    stamp = NOW.strftime("%Y%m%d-%H%M%S")
    assert (tmp_path / "Failed" / f"{stamp} export.csv{REPORT_SUFFIX}").exists()
    assert failed_files_since(drive, "", None) == [f"{stamp} export.csv"]
    assert failed_files_since(drive, "", NOW.isoformat()) == []  # nothing newer than the last digest
    assert failed_files_since(drive, "", (NOW - timedelta(hours=1)).isoformat()) == [f"{stamp} export.csv"]


def test_erp_folder_leaves_the_rest_for_next_time_when_the_hub_cannot_be_written(tmp_path):
    """A locked hub stops the run: the file stays in the drop folder, nothing is filed as failed."""
    drive = FolderDrive(tmp_path)
    (tmp_path / "customers.csv").write_text("x")

    def import_file(name: str, data: bytes, kind: str) -> ImportReport:
        raise HubUnavailable("open in Excel")

    done = import_erp_folder(drive, "", import_file, clock)
    assert [d.outcome for d in done] == ["left"] and (tmp_path / "customers.csv").exists()
    assert failed_files_since(drive, "", None) == []


def test_erp_folder_files_an_unreadable_export_as_failed(tmp_path):
    """An export the parser refuses is moved to Failed/ with the reason in its report."""
    drive = FolderDrive(tmp_path)
    (tmp_path / "prices.csv").write_text("x")

    def import_file(name: str, data: bytes, kind: str) -> ImportReport:
        raise ErpFileError("no header row")

    (done,) = import_erp_folder(drive, "", import_file, clock)
    assert done.outcome == "failed" and "no header row" in done.report


class DownQueue(FakeQueue):
    def depth(self) -> int:
        raise ConnectionError("storage unreachable")


def test_health_status_is_down_when_the_queue_cannot_be_reached_and_names_a_failed_timer():
    """503 "down" when the queue fails; the timers' last runs and the last Health row are reported."""
    state, store = FakeState(), FakeHubStore()
    store.tables["Health"] = [{"Checked At": datetime(2026, 11, 23, 7, 0), "Triggers Met": 1}]
    code, status = health_status(FakeQueue, state, store)
    assert code == 200 and status["status"] == "ok" and status["lastHealth"]["Triggers Met"] == 1
    with pytest.raises(KeyError), record_run(state, "kpis", clock):
        raise KeyError
    code, status = health_status(FakeQueue, state, store)
    assert code == 200 and status["status"] == "attention" and status["timers"]["kpis"]["ok"] is False
    code, status = health_status(DownQueue, state, store)
    assert code == 503 and status["status"] == "down"
    assert json.loads(json.dumps(status))["queue"] == {"error": "ConnectionError"}


def test_the_upgrade_mail_carries_the_exports_only_while_the_hub_is_small_enough(monkeypatch):
    """Under the row limit the HubSpot/Dynamics zip is attached; past it only the drafts go."""
    from hub.upgrade import attachments

    tables = FakeHubStore().tables
    tables["Accounts"] = [{"Account ID": f"ACC-{n:06d}", "Account Name": f"Firm {n}"} for n in range(3)]
    names = [a.name for a in attachments.upgrade_attachments(tables, datetime(2026, 11, 23, 7, 0))]
    assert names == ["CRM-requirements-draft.md", "CRM-requirements-draft.html", attachments.EXPORT_ZIP_NAME]
    monkeypatch.setattr(attachments, "MAX_EXPORT_ROWS", 2)
    names = [a.name for a in attachments.upgrade_attachments(tables, datetime(2026, 11, 23, 7, 0))]
    assert names == ["CRM-requirements-draft.md", "CRM-requirements-draft.html"]
