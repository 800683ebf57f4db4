"""Follow-ups, KPIs, health and export as an admin runs them, mail as .eml files in the outbox."""

from __future__ import annotations

import csv
import email
import io
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cxhub.cli import main
from local.xlsx_store import XlsxHubStore
from tests.e2e.cli_env import isolated  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.slow  # builds the demo, then runs the timer jobs through the CLI


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One outgrown demo hub for the module: Form submissions, ERP exports, governance and the reports."""
    folder = tmp_path_factory.mktemp("demo") / "demo"
    assert main(["demo", "--dir", str(folder), "--count", "150", "--outgrown"]) == 0
    return folder


def mails(folder: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))
    ]


def test_the_demo_ends_with_reminders_digests_kpis_and_the_admin_mail(demo):
    """cxhub demo leaves follow-up reminders, team digests, the weekly KPI mail and the upgrade-trigger mail
    to IT in its outbox."""
    sent = mails(demo / "outbox")
    subjects = [m["Subject"] for m in sent]
    assert any("overdue follow-up" in s for s in subjects)
    assert any(s.startswith("CX Hub: Team follow-ups") for s in subjects)
    assert any("weekly KPIs" in s for s in subjects)
    (alert,) = [m for m in sent if "upgrade triggers hold" in m["Subject"]]
    assert alert["To"] == "it.admin@mikano.example"
    names = [a.get_filename() for a in alert.iter_attachments()]
    assert names == [
        "CRM-requirements-draft.md",
        "CRM-requirements-draft.html",
        "cxhub-export-hubspot-dynamics.zip",
    ]
    tables = XlsxHubStore(demo / "hub.xlsx").read_tables(["Dashboard", "Health"])
    assert tables["Dashboard"] and tables["Health"][-1]["Triggers Met"] == 2


def test_every_mail_parses_with_text_html_and_its_inline_images(demo):
    """Every mail the demo writes has a plain-text part and well-formed HTML without scripts, and every inline
    image it references is attached."""
    for mail in mails(demo / "outbox"):
        html = mail.get_body(("html",)).get_content()
        HTMLParser().feed(html)
        assert "<script" not in html.lower()
        assert mail.get_body(("plain",)).get_content().strip()
        for part in mail.walk():
            if part.get_content_maintype() == "image":
                cid = part["Content-ID"].strip("<>")
                assert f"cid:{cid}" in html and part.get_content().startswith(b"\x89PNG")


def test_a_second_followups_run_the_same_day_sends_nothing(demo, capsys):
    """Running follow-ups again on the same day writes no new mail."""
    before = len(list((demo / "outbox").glob("*.eml")))
    code = main(["run", "followups", "--hub", str(demo / "hub.xlsx")])
    out = capsys.readouterr().out
    assert code == 0 and "0 reminder(s) and 0 manager digest(s)" in out
    assert len(list((demo / "outbox").glob("*.eml"))) == before


def test_kpis_for_a_week_are_recorded_once(demo, capsys):
    """Running the KPI job again for a week already on the Dashboard tab says so and leaves the Dashboard
    unchanged."""
    dashboard = XlsxHubStore(demo / "hub.xlsx").read_tables(["Dashboard"])["Dashboard"]
    main(["run", "kpis", "--hub", str(demo / "hub.xlsx")])
    assert "already on the Dashboard tab" in capsys.readouterr().out
    assert XlsxHubStore(demo / "hub.xlsx").read_tables(["Dashboard"])["Dashboard"] == dashboard


def test_followups_as_of_a_day_write_to_the_chosen_outbox(demo, tmp_path, capsys):
    """cxhub run followups --as-of DATE --outbox DIR runs as of that day and writes its mails to that
    folder."""
    code = main(
        [
            "run",
            "followups",
            "--hub",
            str(demo / "hub.xlsx"),
            "--as-of",
            "2030-01-07",
            "--outbox",
            str(tmp_path / "out"),
        ]
    )
    assert code == 0 and list((tmp_path / "out").glob("*.eml"))


def test_export_writes_csvs_with_the_documented_headers(demo, tmp_path, capsys):
    """cxhub export --format dynamics writes CSVs with the documented Dynamics headers, one row per hub
    account."""
    assert (
        main(["export", "--format", "dynamics", str(tmp_path / "dyn"), "--hub", str(demo / "hub.xlsx")]) == 0
    )
    text = (tmp_path / "dyn" / "dynamics-accounts.csv").read_bytes().decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header[:3] == ["Account Number", "Account Name", "Main Phone"]
    accounts = XlsxHubStore(demo / "hub.xlsx").read_tables(["Accounts"])["Accounts"]
    active = [a for a in accounts if a["Status"] != "Merged"]
    assert len(list(csv.reader(io.StringIO(text)))) == len(active) + 1


def test_export_says_how_many_cells_excel_would_take_for_formulas(tmp_path, capsys):
    """A company named "=HYPERLINK(...)" is exported as it is, and the command says so, with a count."""
    from hub.ports import HubChanges

    hub = tmp_path / "hub.xlsx"
    store = XlsxHubStore(hub)
    store.ensure_exists()
    store.apply(
        HubChanges(
            appends={
                "Accounts": [
                    {"Account ID": "ACC-000001", "Company Name": '=HYPERLINK("http://evil.example","x")'},
                    {
                        "Account ID": "ACC-000002",
                        "Company Name": "Dangote Industries Ltd",
                        "Main Phone Number": "+234 803 123 4567",
                    },
                ]
            }
        )
    )
    assert main(["export", "--format", "hubspot", str(tmp_path / "out"), "--hub", str(hub)]) == 0
    out = capsys.readouterr().out
    assert "Note: 1 cell(s) start with =, +, - or @" in out
    text = (tmp_path / "out" / "hubspot-companies.csv").read_bytes().decode("utf-8-sig")
    assert '=HYPERLINK(""http://evil.example"",""x"")' in text
