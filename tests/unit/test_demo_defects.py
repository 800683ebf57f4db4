"""The defects seen in the demo (issue 15): each test failed on the code before its fix."""

from __future__ import annotations

import email
from datetime import date, datetime
from email import policy

import pandas as pd
import pytest

from hub.followups.mail import digest_mail, reminder_mail
from hub.followups.plan import FollowUpRules
from hub.kpis.definitions import CSAT, DEFAULT_ZONE
from hub.kpis.families import service_kpis
from hub.kpis.frames import interactions_frame, ratings_frame, tickets_frame, week_window
from hub.ports import InlineImage, MailMessage
from hub.text import count, figure
from local.outbox import OutboxMailer
from tests.factories import body
from tests.unit.test_followups import plan
from tests.unit.test_recorder import Hub

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


# -- CSAT belongs to the interaction ------------------------------------------------------------
def test_a_rating_alone_opens_no_ticket_and_is_kept_on_the_interaction():
    """A B2C order rated 5 with no ticket ID or category opens no ticket; the 5 is on its interaction."""
    hub = Hub()
    out = hub.send(
        body(
            {
                "account_type": "Individual",
                "company_name": None,
                "notes": "Booked a table for 6.",
                "csat": "5",
            }
        )
    )
    assert out.status == "recorded"
    assert hub.rows("Tickets") == []
    [row] = hub.rows("Interactions")
    assert row["CSAT"] == 5 and row["Ticket ID"] is None


def test_a_rating_about_a_ticket_lands_on_the_interaction_and_the_ticket():
    """A rating given with a ticket category opens the ticket and rates the ticket and the interaction."""
    hub = Hub()
    hub.send(body({"ticket_category": "Warranty", "ticket_status": "Resolved", "csat": "4"}))
    [ticket] = hub.rows("Tickets")
    [row] = hub.rows("Interactions")
    assert ticket["CSAT"] == 4 and row["CSAT"] == 4 and row["Ticket ID"] == ticket["Ticket ID"]


def test_weekly_csat_counts_ratings_on_interactions_once_each():
    """CSAT reads ratings from Interactions; a ticket's copy of the same rating is not counted again."""
    week = datetime(2026, 11, 16, 10, 0)
    tables = {
        "Interactions": [
            {"Interaction ID": "INT-1", "Date": week, "Division": "GRAS", "CSAT": 5},
            {"Interaction ID": "INT-2", "Date": week, "Division": "Motors", "CSAT": 2, "Ticket ID": "TKT-1"},
        ],
        "Tickets": [
            {"Ticket ID": "TKT-1", "Division": "Motors", "CSAT": 2, "Resolved": week, "Opened": week},
            # rated in Excel on the ticket only: still one rating
            {"Ticket ID": "TKT-2", "Division": "Motors", "CSAT": 4, "Resolved": week, "Opened": week},
        ],
    }
    start, end = week_window(week)
    out: dict = {}
    zone = DEFAULT_ZONE
    ratings = ratings_frame(tables, zone)
    service_kpis(tickets_frame(tables, zone), interactions_frame(tables, zone), start, end, out, ratings)
    assert out["All", CSAT] == pytest.approx(200 / 3, abs=0.05)
    assert out["GRAS", CSAT] == 100.0 and out["Motors", CSAT] == 50.0
    assert len(ratings) == 3 and isinstance(ratings["rated_at"], pd.Series)


# -- Lost opportunities stop being reminded --------------------------------------------------
def test_marking_an_opportunity_lost_closes_its_open_actions_with_an_audit_row():
    """A promise on a sale, then the sale marked Lost: the promise is Cancelled, audited, and not reminded."""
    hub = Hub()
    stage = {"opportunity_stage": "Quote / PFI", "product": "Hilux"}
    first = hub.send(body({**stage, "next_action": "Send PFI", "action_due_date": "25/11/2026"}))
    hub.send(body({**stage, "opportunity_stage": "Lost", "lost_reason": "Price"}))
    promise = next(r for r in hub.rows("Interactions") if r["Interaction ID"] == first.interaction_id)
    assert promise["Action Status"] == "Cancelled"
    [audit] = [a for a in hub.rows("Audit") if a["Record"] == first.interaction_id]
    assert "Lost" in audit["Reason"] and audit["After"] == "Cancelled"
    [opp] = hub.rows("Opportunities")
    assert opp["Stage"] == "Lost" and opp["Lost Reason"] == "Price"


def test_an_open_action_on_a_sale_lost_in_excel_is_not_reminded():
    """An open promise on a sale a steward set to Lost in Excel is left out of reminders and digests."""
    from hub.followups.plan import plan_followups
    from tests.unit.test_followups import interaction, tables

    rows = [
        interaction(1, date(2026, 11, 20), **{"Opportunity ID": "OPP-000001"}),
        interaction(2, date(2026, 11, 20)),
    ]
    hub = tables(rows) | {"Opportunities": [{"Opportunity ID": "OPP-000001", "Stage": "Lost"}]}
    result = plan_followups(
        hub, datetime(2026, 11, 23, 7, 0), FollowUpRules(), lambda e: None, ("it@x.example",)
    )
    [reminder] = result.reminders
    assert [i.interaction_id for i in reminder.items] == ["INT-000002"]
    assert sum(n for d in result.digests for _, n in d.overdue_by_person) == 1


def test_the_nightly_run_cancels_promises_on_a_sale_set_lost_in_excel():
    """A steward sets Stage to Lost in the workbook: the next governance run cancels its open promise."""
    from hub.governance.nightly import govern
    from hub.governance.rules import GovernanceRules

    tables = {
        "Opportunities": [{"Opportunity ID": "OPP-000001", "Account ID": "ACC-000001", "Stage": "Lost"}],
        "Interactions": [
            {"Interaction ID": "INT-000001", "Opportunity ID": "OPP-000001", "Action Status": "Open"},
            {"Interaction ID": "INT-000002", "Opportunity ID": "OPP-000001", "Action Status": "Done"},
        ],
    }
    result = govern(tables, datetime(2026, 11, 23, 2, 0), date(2026, 11, 23), GovernanceRules())
    [update] = [u for u in result.changes.updates if u.tab == "Interactions"]
    assert (update.key, update.values) == ("INT-000001", {"Action Status": "Cancelled"})
    [audit] = result.changes.appends["Audit"]
    assert audit["Record"] == "INT-000001" and "OPP-000001 is marked Lost" in audit["Reason"]
    assert result.summary()["promises cancelled (lost sales)"] == 1


# -- the manager digest counts each ticket once ------------------------------------------------
def test_a_ticket_both_stale_and_over_quote_counts_once_in_the_digest():
    """A ticket open too long and billed over quote is one ticket to check, not two."""
    ticket = {
        "Ticket ID": "TKT-000001",
        "Account ID": "ACC-000001",
        "Owner": "ada@mikano.example",
        "Status": "Open",
        "Quote Amount": 1_000_000,
        "Final Amount": 1_500_000,
        "Opened": datetime(2026, 11, 2),
    }
    [digest] = [d for d in plan([], tickets=[ticket]).digests if d.manager == "chi@mikano.example"]
    assert len(digest.overruns) == 1 and len(digest.stale_tickets) == 1
    mail = digest_mail(digest, {}, FollowUpRules(), date(2026, 11, 23))
    assert "1 ticket to check" in mail.subject
    assert "<strong>1</strong> service ticket to look at" in mail.html


# -- inline charts are inline ------------------------------------------------------------------
def test_the_outbox_marks_chart_images_inline_not_attachment(tmp_path):
    """An inline chart in a written .eml is Content-Disposition inline, so mail programs show it in place."""
    mail = MailMessage(
        to=("a@mikano.example",),
        subject="KPIs",
        html='<img src="cid:chart1">',
        text="KPIs",
        images=(InlineImage("chart1", PNG, "funnel.png"),),
    )
    path = OutboxMailer(tmp_path).write(mail)
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    [image] = [p for p in parsed.walk() if p.get_content_type() == "image/png"]
    assert image.get_content_disposition() == "inline"
    assert list(parsed.iter_attachments()) == []


# -- plurals and numbers -------------------------------------------------------------------------
def test_counts_agree_with_their_number_and_figures_drop_needless_decimals():
    """The core helper says 1 day / 2 days / 1,204 rows and 30 rather than 30.00."""
    assert [count(1, "day"), count(2, "day"), count(1204, "row"), count(0, "reply", "replies")] == [
        "1 day",
        "2 days",
        "1,204 rows",
        "0 replies",
    ]
    assert [figure(30.0), figure(3.5), figure(0.114), figure(1_250_000)] == ["30", "3.5", "0.11", "1,250,000"]


def test_a_reminder_one_day_late_says_1_day_late():
    """The reminder's text part says "(1 day late)", never "(1 days late)"."""
    from tests.unit.test_followups import interaction

    [reminder] = plan([interaction(1, date(2026, 11, 22))]).reminders
    text = reminder_mail(reminder).text
    assert "(1 day late)" in text and "1 days" not in text


def test_the_upgrade_mail_text_says_30_users_not_30_00_users():
    """The admins' trigger mail writes a head count as a whole number of users."""
    from hub.upgrade.triggers import Trigger
    from hub.upgrade.weekly import trigger_lines

    lines = trigger_lines(
        [
            Trigger("Peak concurrent users", 30.0, 25, "users", True, None),
            Trigger("Open time", 1.0, 10, "s", False, None),
        ]
    )
    assert "30 users (threshold 25)" in lines[0] and "30.00" not in lines[0]
    assert "1 s (threshold 10)" in lines[1]


def test_the_requirements_draft_says_1_row():
    """The requirements draft attached to the admins' mail counts a tab of one row as "(1 row)"."""
    from hub.upgrade.requirements import draft_requirements
    from tests.unit.test_requirements_doc import HEALTH, NOW, hub

    markdown, _ = draft_requirements(hub(), HEALTH, NOW)
    assert "Fields filled: Contacts (1 row)" in markdown and "(1 rows)" not in markdown
