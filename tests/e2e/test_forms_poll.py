"""`cxhub poll-forms` on a Forms-linked workbook: new responses once, through the same intake."""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import Workbook

from cxhub.cli import main
from local.xlsx_store import XlsxHubStore

pytestmark = pytest.mark.slow  # end to end: the CLI from a Forms workbook to the hub

HEADER = [
    "ID",
    "Start time",
    "Completion time",
    "Email",
    "Name",
    "Which division is this for?",
    "Company name",
    "How did you talk to the customer?",
    "When did it happen?",
    "What was discussed?",
]


def forms_workbook(path, count: int, bad: set[int] = frozenset()):
    wb = Workbook()
    ws = wb.active
    ws.title = "Form1"
    ws.append(HEADER)
    for n in range(1, count + 1):
        ws.append(
            [
                n,
                datetime(2026, 11, 20, 9, n),
                datetime(2026, 11, 20, 9, n + 1),
                "ada.okafor@mikano.example",
                "Ada Okafor",
                "Oil & Gas" if n in bad else "Motors",
                f"Customer {n} Ltd",
                "Phone",
                datetime(2026, 11, 19),
                f"Discussed order {n}",
            ]
        )
    wb.save(path)


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    for name in (
        "CXHUB_HUB",
        "CXHUB_QUEUE",
        "CXHUB_QUEUE_PATH",
        "FUNCTIONS_WORKER_RUNTIME",
        "CXHUB_FORMS_WORKBOOK",
        "CXHUB_STATE_PATH",
        "CXHUB_BACKEND",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_new_responses_are_written_once_and_bad_ones_kept(capsys, tmp_path):
    """cxhub poll-forms queues the new responses of a Forms workbook, writes the good ones to the hub and
    keeps the bad one on Rejected."""
    forms = tmp_path / "responses.xlsx"
    forms_workbook(forms, 3, bad={2})
    assert main(["poll-forms", "--workbook", str(forms)]) == 0
    assert "2 new response(s) queued, 1 rejected; last response ID 3" in capsys.readouterr().out
    tables = XlsxHubStore(tmp_path / "hub.xlsx").read_tables(["Interactions", "Rejected"])
    assert [r["Source Response ID"] for r in tables["Interactions"]] == ["forms-1", "forms-3"]
    assert "Division" in tables["Rejected"][0]["Errors"]

    assert main(["poll-forms", "--workbook", str(forms)]) == 0  # nothing new
    assert "0 new response(s) queued, 0 rejected; last response ID 3" in capsys.readouterr().out

    forms_workbook(forms, 5)  # two more responses arrive
    main(["poll-forms", "--workbook", str(forms)])
    ids = [
        r["Source Response ID"]
        for r in XlsxHubStore(tmp_path / "hub.xlsx").read_tables(["Interactions"])["Interactions"]
    ]
    assert ids == ["forms-1", "forms-3", "forms-4", "forms-5"]


def test_without_a_forms_workbook_the_command_says_how_to_set_one(capsys):
    """cxhub poll-forms without a workbook exits 2 naming the CXHUB_FORMS_WORKBOOK setting."""
    assert main(["poll-forms"]) == 2
    assert "CXHUB_FORMS_WORKBOOK" in capsys.readouterr().err
