"""Day-level stamps on opportunities and tickets are dates in the hub: a day without a time shows
as that day, never as the day at a 00:00 nobody logged; a stamp of known time keeps its time."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cxhub import wiring
from cxhub.local_intake import call_intake
from cxhub.settings import Settings
from hub_schema.tabs import NUMBER_FORMATS
from tests.e2e.test_libreoffice import PROBE, UNO_PYTHON, _libreoffice_ready
from tests.factories import body, raw

DAY, TIMED = NUMBER_FORMATS["date"], NUMBER_FORMATS["datetime"]
SALE = {"opportunity_stage": "Inquiry", "product": "Toyota Hilux"}
FAULT = {"interaction_type": "Service Request", "ticket_category": "Complaint", "ticket_status": "Open"}


def _submit(hub: Path, *answers: dict) -> None:
    """Form bodies through intake and the writer, as `cxhub submit` runs them."""
    settings = Settings.from_env({}, hub=hub)
    wiring.build_store(settings).ensure_exists()  # type: ignore[attr-defined]
    queue = wiring.build_queue(settings)
    for given in answers:
        assert call_intake(queue, raw(body(given)), settings=settings).status == 202
    report = wiring.run_writer(settings, queue, notify=lambda pairs: None)
    assert report.count("recorded") == len(answers)


@pytest.fixture
def hub(tmp_path) -> Path:
    """A hub where a sale and a fault were logged with a day only (18 Nov), the sale then qualified
    at a known time, and the fault resolved the next day, again with a day only (a second batch,
    which updates the rows it wrote)."""
    path = tmp_path / "hub.xlsx"
    _submit(
        path,
        SALE | {"occurred_at": "18/11/2026"},
        FAULT | {"occurred_at": "18/11/2026"},
        SALE | {"opportunity_stage": "Qualified", "occurred_at": "19/11/2026 10:05"},
    )
    _submit(path, {"ticket_id": "TKT-000001", "ticket_status": "Resolved", "occurred_at": "19/11/2026"})
    return path


def _formats(path: Path, tab: str, *columns: str) -> dict[str, str]:
    sheet = load_workbook(path)[tab]
    header = {c.value: c.column for c in sheet[1]}
    return {column: sheet.cell(2, header[column]).number_format for column in columns}


def test_day_level_opportunity_and_ticket_stamps_are_dates_in_the_reopened_file(hub):
    """Reopened, the Opportunities' Opened and Date Entered Inquiry and the Tickets' Opened, First
    Response and Resolved (all logged with a day only) carry the date format; the stage entered at a
    known time and the machine's Last Updated keep date and time."""
    assert _formats(hub, "Opportunities", "Opened", "Date Entered Inquiry", "Date Entered Qualified") == {
        "Opened": DAY,
        "Date Entered Inquiry": DAY,
        "Date Entered Qualified": TIMED,
    }
    assert _formats(hub, "Tickets", "Opened", "First Response", "Resolved", "Last Updated") == {
        "Opened": DAY,
        "First Response": DAY,
        "Resolved": DAY,
        "Last Updated": TIMED,
    }


@pytest.mark.slow  # starts a real LibreOffice
def test_libreoffice_shows_a_day_level_stamp_as_the_day_alone(hub):
    """LibreOffice shows the day-level Opened and Resolved as 2026-11-18 / 2026-11-19 (no 00:00) and
    the qualified stage at its time."""
    if not _libreoffice_ready():
        pytest.skip("LibreOffice with python3-uno is not installed")
    out = subprocess.run(
        [UNO_PYTHON, str(PROBE), "--shown", str(hub), "Opportunities", "Tickets"],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    shown = json.loads(out.stdout)
    opportunity, ticket = shown["Opportunities"], shown["Tickets"]
    assert (opportunity["Opened"][0], opportunity["Date Entered Qualified"][0]) == (
        "2026-11-18",
        "2026-11-19 10:05",
    )
    assert (ticket["Opened"][0], ticket["Resolved"][0]) == ("2026-11-18", "2026-11-19")
