"""cxhub report pilot on the demo hub: the CRM Requirements Document and the pilot success report."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cxhub.cli import main
from tests.e2e.cli_env import isolated  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.slow  # builds the demo, then runs the report through the CLI


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The full demo, outgrown (its Steward Log has last week's hours), as an admin would run it."""
    folder = tmp_path_factory.mktemp("demo") / "demo"
    assert main(["demo", "--dir", str(folder), "--outgrown"]) == 0
    return folder


PILOT_MEASURES = (
    "Conversion, lead to won",
    "Ticket resolution",
    "CSAT (4s and 5s)",
    "First response",
    "Adoption",
    "Data quality",
    "Steward hours",
)


def _close_two_tickets_on_the_form(hub: str, tmp_path) -> None:
    """The service desk closes two of the demo's open tickets through the Form, as staff would: the
    demo itself closes none (its tickets are still being worked on)."""
    import json
    from datetime import datetime

    from local.xlsx_store import XlsxHubStore

    tickets = XlsxHubStore(hub).read_tables(["Tickets"])["Tickets"][:2]
    when = (datetime.now() - timedelta(hours=2)).strftime("%d/%m/%Y %H:%M")
    bodies = [
        {
            "responseId": f"close-{t['Ticket ID']}",
            "submittedAt": datetime.now().astimezone().isoformat(timespec="seconds"),
            "responder": "ngozi.eze@mikano.example",
            "answers": {
                "division": t["Division"],
                "account_id": t["Account ID"],
                "channel": "Phone",
                "direction": "Outbound",
                "interaction_type": "Follow-up",
                "occurred_at": when,
                "notes": "Fault fixed; customer confirmed.",
                "ticket_id": t["Ticket ID"],
                "ticket_status": "Resolved",
            },
        }
        for t in tickets
    ]
    path = tmp_path / "close.json"
    path.write_text(json.dumps(bodies))
    assert len(tickets) == 2 and main(["submit", str(path), "--hub", hub]) == 0


def test_report_pilot_writes_both_documents_with_every_target_line_filled(demo, tmp_path, capsys):
    """cxhub report pilot on the demo hub (two of its tickets closed on the Form) writes the CRM
    Requirements Document and the pilot report, every measure with a figure, a target and a verdict."""
    last = date.today()
    first = last - timedelta(days=120)
    out = tmp_path / "pilot"
    hub = str(demo / "hub.xlsx")
    _close_two_tickets_on_the_form(hub, tmp_path)
    capsys.readouterr()
    args = ["report", "pilot", "--from", str(first), "--to", str(last), "--hub", hub, "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    lines = {line.split(":")[0]: line for line in printed.splitlines() if ": " in line}
    for measure in PILOT_MEASURES:
        line = lines[measure]
        figure, _, rest = line.partition(": ")[2].partition(" (target ")
        target, _, verdict = rest.rstrip(")").rpartition("; ")
        assert figure and figure != "no data" and target, line
        assert verdict in ("met", "not met", "better than the target"), line
    html = (out / "pilot-report.html").read_text()
    assert all(m.replace("&", "&amp;") in html for m in PILOT_MEASURES) and "no data" not in html
    assert (out / "CRM-requirements.md").read_text().startswith("# CRM Requirements Document")
    assert "<html" in (out / "CRM-requirements.html").read_text()


def test_report_pilot_refuses_a_period_that_ends_before_it_starts(demo, capsys):
    """A --to before --from is a usage error that writes nothing."""
    hub = str(demo / "hub.xlsx")
    assert main(["report", "pilot", "--from", "2026-11-30", "--to", "2026-11-01", "--hub", hub]) == 2
    assert "before --from" in capsys.readouterr().err
