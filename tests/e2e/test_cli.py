"""The cxhub command as an admin or a developer uses it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from cxhub.cli import main
from local.xlsx_store import XlsxHubStore
from tests.e2e.cli_env import isolated  # noqa: F401  (autouse fixture)
from tests.factories import body

pytestmark = pytest.mark.slow  # end to end: the cxhub CLI on real .xlsx hubs, including a demo build


def run(capsys, *args):
    code = main(list(map(str, args)))
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err


def test_init_writes_a_blank_hub_and_refuses_to_overwrite(capsys, tmp_path):
    """cxhub init writes a blank hub and exits 2 with "already exists" rather than overwrite one."""
    code, _, _ = run(capsys, "init", "--hub", tmp_path / "h.xlsx")
    assert code == 0 and (tmp_path / "h.xlsx").exists()
    code, _, err = run(capsys, "init", "--hub", tmp_path / "h.xlsx")
    assert code == 2 and "already exists" in err


def test_submit_good_bad_hostile_and_repeated(capsys, tmp_path):
    """cxhub submit records good and formula-like submissions (stored as text), rejects a bad one with every
    reason, reports repeats as already recorded, and a rerun adds nothing."""
    good = body()
    hostile = body({"notes": '=HYPERLINK("http://evil.example","click")', "company_name": "@Evil Corp"})
    bad = body({"contact_phone": "0803", "action_due_date": "01/01/2020", "next_action": "Call"})
    (tmp_path / "subs.json").write_text(json.dumps([good, bad, hostile, good]))
    code, lines, _ = run(capsys, "submit", tmp_path / "subs.json", "--hub", tmp_path / "hub.xlsx")
    assert code == 1  # one was rejected
    assert lines[0] == f"Created a blank hub at {tmp_path / 'hub.xlsx'}"
    assert (
        lines[1].startswith("#1 accepted")
        and "INT-000001" in lines[1]
        and "Dangote Industries Ltd" in lines[1]
    )
    assert lines[2].startswith("#2 rejected")
    assert 'contact_phone: Contact phone "0803" is not a valid phone number' in lines[2]
    assert "Action due date 01/01/2020 is before the interaction date 20/11/2026" in lines[2]
    assert lines[3].startswith("#3 accepted") and "INT-000002" in lines[3]
    assert lines[4].startswith("#4 already recorded") and "INT-000001" in lines[4]

    tables = XlsxHubStore(tmp_path / "hub.xlsx").read_tables(["Interactions", "Rejected", "Accounts"])
    assert len(tables["Interactions"]) == 2 and len(tables["Rejected"]) == 1
    assert tables["Interactions"][1]["Notes"] == '=HYPERLINK("http://evil.example","click")'
    ws = load_workbook(tmp_path / "hub.xlsx")["Interactions"]
    assert ws["F3"].data_type == "s" and ws["F3"].value.startswith("=HYPERLINK")

    code, lines, _ = run(capsys, "submit", tmp_path / "subs.json", "--hub", tmp_path / "hub.xlsx")
    assert code == 1
    assert [line.split()[1] for line in lines[:4]] == ["already", "rejected", "already", "already"]
    assert len(XlsxHubStore(tmp_path / "hub.xlsx").read_tables(["Rejected"])["Rejected"]) == 1


def test_submit_reads_json_lines_and_keeps_a_broken_line_as_rejected(capsys, tmp_path):
    """cxhub submit reads JSON lines, and a line that is not JSON is rejected and kept verbatim on the
    Rejected tab while the others are accepted."""
    (tmp_path / "subs.jsonl").write_text(json.dumps(body()) + "\n{broken\n\n" + json.dumps(body()) + "\n")
    code, lines, _ = run(capsys, "submit", tmp_path / "subs.jsonl")
    assert code == 1
    assert [line.split()[1] for line in lines[1:4]] == ["accepted", "rejected", "accepted"]
    assert "not valid JSON" in lines[2]
    [rejected] = XlsxHubStore(tmp_path / "hub.xlsx").read_tables(["Rejected"])["Rejected"]
    assert rejected["Raw Payload"] == "{broken"


def test_submit_with_only_good_submissions_exits_0_and_uses_cxhub_hub(capsys, tmp_path, monkeypatch):
    """With only good submissions cxhub submit exits 0 and writes the hub named by CXHUB_HUB."""
    monkeypatch.setenv("CXHUB_HUB", str(tmp_path / "configured.xlsx"))
    (tmp_path / "one.json").write_text(json.dumps(body()))
    code, lines, _ = run(capsys, "submit", tmp_path / "one.json")
    assert code == 0 and lines[-1] == f"Hub: {tmp_path / 'configured.xlsx'}"


def test_submit_signs_with_the_intake_secret_when_one_is_set(capsys, tmp_path, monkeypatch):
    """When CXHUB_INTAKE_SECRET is set, cxhub submit signs its submissions so intake accepts them."""
    monkeypatch.setenv("CXHUB_INTAKE_SECRET", "s3cret")
    (tmp_path / "one.json").write_text(json.dumps(body()))
    code, lines, _ = run(capsys, "submit", tmp_path / "one.json")
    assert code == 0 and "accepted" in lines[1]


def test_submit_when_the_hub_is_open_leaves_the_work_queued(capsys, tmp_path):
    """When the hub is open in a spreadsheet program, cxhub submit exits 3 leaving the submission queued, and
    cxhub drain records it once the hub is closed."""
    run(capsys, "init", "--hub", tmp_path / "hub.xlsx")
    (tmp_path / ".~lock.hub.xlsx#").write_text("x")
    (tmp_path / "one.json").write_text(json.dumps(body()))
    code, lines, _ = run(capsys, "submit", tmp_path / "one.json")
    assert code == 3 and "queued" in lines[0] and "cxhub drain" in lines[-1]
    (tmp_path / ".~lock.hub.xlsx#").unlink()
    code, lines, _ = run(capsys, "drain")
    assert code == 0 and lines[0].startswith("Writer: 1 recorded")


def test_a_missing_or_empty_file_is_a_clear_usage_error(capsys, tmp_path):
    """A missing or empty submissions file is a usage error (exit 2) saying which."""
    code, _, err = run(capsys, "submit", tmp_path / "nope.json")
    assert code == 2 and "cannot read" in err
    (tmp_path / "empty.json").write_text("  \n")
    code, _, err = run(capsys, "submit", tmp_path / "empty.json")
    assert code == 2 and "is empty" in err


def test_a_bad_setting_is_reported_by_name(capsys, monkeypatch):
    """An invalid setting value stops the CLI with exit 2 and the setting's name."""
    monkeypatch.setenv("CXHUB_FUZZY_STRONG", "high")
    code, _, err = run(capsys, "drain")
    assert code == 2 and "CXHUB_FUZZY_STRONG" in err


def test_form_prints_the_question_checklist(capsys):
    """cxhub form prints the Forms question checklist."""
    code, lines, _ = run(capsys, "form")
    assert code == 0 and any("Which division is this for?" in line for line in lines)


def test_demo_builds_a_hub_from_generated_submissions(capsys, tmp_path):
    """cxhub demo builds a hub from generated submissions with interactions, staff, rejections, deals and
    price list filled."""
    code, lines, _ = run(capsys, "demo", "--dir", tmp_path / "demo", "--count", "60")
    assert code == 0
    text = "\n".join(lines)
    assert "recorded" in text and "Rejected" in text
    tables = XlsxHubStore(tmp_path / "demo" / "hub.xlsx").read_tables(
        ["Interactions", "Staff", "Rejected", "Deals", "Price List", "Audit"]
    )
    assert len(tables["Interactions"]) >= 40 and tables["Staff"] and tables["Rejected"]
    # the demo also imports the sample ERP exports and runs governance
    assert len(tables["Deals"]) == 8 and len(tables["Price List"]) == 3
    assert "invoices_export.csv            8 inserted" in text
    assert any(a["Action"] == "Owner changed" for a in tables["Audit"])
    # a second run starts afresh rather than piling onto the first
    run(capsys, "demo", "--dir", tmp_path / "demo", "--count", "60")
    again = XlsxHubStore(tmp_path / "demo" / "hub.xlsx").read_tables(["Interactions"])
    assert len(again["Interactions"]) == len(tables["Interactions"])


def test_submit_reports_rows_another_writer_took_first_as_written(capsys, tmp_path, monkeypatch):
    """When `cxhub serve` (another writer) writes a submission before this command's writer runs,
    the line says accepted with its Interaction ID, not "(not written yet)"."""
    import cxhub.local_intake as local_intake
    from hub.intake.writer import drain
    from local.journal_queue import JournalQueue

    hub = tmp_path / "hub.xlsx"
    run(capsys, "init", "--hub", hub)
    real = local_intake.call_intake

    def then_another_writer_drains(queue, raw, **kwargs):
        reply = real(queue, raw, **kwargs)
        other_queue = JournalQueue(tmp_path / "hub.queue.sqlite")
        drain(other_queue, XlsxHubStore(hub), lambda: datetime.now(UTC))
        other_queue.close()
        return reply

    monkeypatch.setattr(local_intake, "call_intake", then_another_writer_drains)
    (tmp_path / "one.json").write_text(json.dumps(body()))
    code, lines, _ = run(capsys, "submit", tmp_path / "one.json", "--hub", hub)
    assert code == 0 and "not written yet" not in "\n".join(lines)
    assert (
        lines[0].startswith("#1 accepted")
        and "INT-000001" in lines[0]
        and "another CX Hub process" in lines[0]
    )
