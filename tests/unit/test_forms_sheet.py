"""The no-premium Forms path: workbook rows become the same bodies the flow would send."""

import json
from datetime import datetime

import pytest

from hub.intake.forms_sheet import new_rows

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


def row(n, **overrides):
    values = [
        n,
        datetime(2026, 11, 20, 9, 0),
        datetime(2026, 11, 20, 9, 5),
        "ada.okafor@mikano.example",
        "Ada Okafor",
        "Motors",
        "Dangote Industries Ltd",
        "Phone",
        datetime(2026, 11, 20),
        "Price of Hilux",
    ]
    return values


def test_only_rows_after_the_watermark_become_bodies_in_id_order():
    """Only Forms workbook rows numbered after the last one processed become submissions, in ID order, with
    their response ID, time and responder."""
    rows = [HEADER, row(3), row(1), row(2), row(4)]
    out = new_rows(rows, after=2)
    assert [r.response_number for r in out] == [3, 4]
    body = json.loads(out[0].body)
    assert body["responseId"] == "forms-3"
    assert body["submittedAt"] == "2026-11-20T09:05"
    assert body["responder"] == "ada.okafor@mikano.example"
    assert body["answers"] == {
        "Which division is this for?": "Motors",
        "Company name": "Dangote Industries Ltd",
        "How did you talk to the customer?": "Phone",
        "When did it happen?": "2026-11-20T00:00",
        "What was discussed?": "Price of Hilux",
    }


def test_a_sheet_without_an_id_column_is_refused():
    """A Forms sheet with no ID column is refused with a message saying so."""
    with pytest.raises(ValueError, match="no ID column"):
        new_rows([["Name", "Email"]], after=0)


def test_rows_without_a_number_are_skipped():
    """Rows without a response number are skipped rather than submitted."""
    assert new_rows([HEADER, ["", None, None, None, None, None, None, None, None, None]], after=0) == []
