"""cxhub report pilot on the demo hub: the CRM Requirements Document and the pilot success report."""

from __future__ import annotations

from datetime import date

import pytest

from cxhub.cli import main
from tests.e2e.cli_env import isolated  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.slow  # builds the demo, then runs the report through the CLI


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The bare demo, as an admin would first run it (no --outgrown, nothing submitted after it)."""
    folder = tmp_path_factory.mktemp("demo") / "demo"
    assert main(["demo", "--dir", str(folder)]) == 0
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


def _demo_period(hub: str) -> tuple[date, date]:
    """The first and last day the demo's interactions were logged on."""
    from hub_schema.cells import as_day
    from local.xlsx_store import XlsxHubStore

    days = [as_day(r["Date"]) for r in XlsxHubStore(hub).read_tables(["Interactions"])["Interactions"]]
    known = [d for d in days if d is not None]
    return min(known), max(known)


def test_report_pilot_on_the_bare_demo_fills_every_target_line(demo, tmp_path, capsys):
    """cxhub report pilot over the bare demo's period writes the CRM Requirements Document and the
    pilot report, every measure with a figure, a target and a verdict (tickets resolved, steward
    hours logged, as in real use)."""
    out = tmp_path / "pilot"
    hub = str(demo / "hub.xlsx")
    first, last = _demo_period(hub)
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
    assert "business days" in lines["Ticket resolution"]
    html = (out / "pilot-report.html").read_text()
    assert all(m.replace("&", "&amp;") in html for m in PILOT_MEASURES) and "no data" not in html
    assert (out / "CRM-requirements.md").read_text().startswith("# CRM Requirements Document")
    assert "<html" in (out / "CRM-requirements.html").read_text()


def test_report_pilot_refuses_a_period_that_ends_before_it_starts(demo, capsys):
    """A --to before --from is a usage error that writes nothing."""
    hub = str(demo / "hub.xlsx")
    assert main(["report", "pilot", "--from", "2026-11-30", "--to", "2026-11-01", "--hub", hub]) == 2
    assert "before --from" in capsys.readouterr().err
