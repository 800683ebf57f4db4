"""Issue 15's Form and lists: lost reasons, lead sources and campaigns, branches, after the sale."""

from __future__ import annotations

from datetime import date, datetime

from hub.followups.mail import reminder_mail
from hub.followups.plan import FollowUpRules, plan_followups
from hub.intake.receive import receive
from hub.intake.validation import IntakeRules
from hub.kpis.mail import render_kpi_digest
from hub.kpis.sources import weekly_breakdowns
from hub_schema.form import as_markdown
from tests.factories import NOW, body, raw
from tests.unit.test_followups import tables as followup_tables
from tests.unit.test_recorder import Hub


def _errors(payload):
    reply = receive(raw(payload), signature=None, secret=None, now=NOW, rules=IntakeRules())
    return {e["field"]: e["message"] for e in reply.body.get("errors", [])}, reply


def test_a_lost_sale_must_say_why_from_the_list():
    """Stage Lost without a reason, or with one off the list, is refused with a clear message."""
    errors, _ = _errors(body({"opportunity_stage": "Lost", "product": "Hilux"}))
    assert "required when the sales stage is Lost" in errors["lost_reason"]
    errors, _ = _errors(body({"opportunity_stage": "Lost", "product": "Hilux", "lost_reason": "Bad luck"}))
    assert "is not one of" in errors["lost_reason"] and "Stock / delivery time" in errors["lost_reason"]


def test_a_lost_reason_without_a_lost_stage_is_dropped_with_a_warning():
    """A lost reason given on a sale still open is not recorded, and the reply says so."""
    errors, reply = _errors(
        body({"opportunity_stage": "Negotiation", "product": "Hilux", "lost_reason": "Price"})
    )
    assert errors == {} and any("Lost reason was ignored" in w for w in reply.body["warnings"])


def test_branch_lead_source_and_new_channels_and_types_are_recorded():
    """A hotline call at the Ikeja branch from a Google Maps search keeps all three on the interaction."""
    hub = Hub()
    hub.send(
        body(
            {
                "branch": "Ikeja",
                "channel": "Hotline / Call centre",
                "lead_source": "Google Maps",
                "interaction_type": "Payment follow-up",
            }
        )
    )
    [row] = hub.rows("Interactions")
    assert (row["Branch"], row["Channel"], row["Lead Source"], row["Type"]) == (
        "Ikeja",
        "Hotline / Call centre",
        "Google Maps",
        "Payment follow-up",
    )


def test_a_campaign_is_matched_to_the_campaigns_tab_and_gives_the_lead_source():
    """A campaign typed loosely is stored as the Campaigns tab spells it, its channel becomes the lead
    source, and it carries to the opportunity; a campaign not on the tab is kept and flagged."""
    hub = Hub()
    hub.store.tables["Campaigns"] = [
        {"Campaign Name": "Motors Black Friday 2026", "Channel": "Facebook / Instagram ad"}
    ]
    out = hub.send(
        body({"campaign": "motors black-friday 2026", "opportunity_stage": "Inquiry", "product": "X"})
    )
    [row] = hub.rows("Interactions")
    assert row["Campaign"] == "Motors Black Friday 2026" and row["Lead Source"] == "Facebook / Instagram ad"
    [opp] = hub.rows("Opportunities")
    assert opp["Campaign"] == "Motors Black Friday 2026" and opp["Lead Source"] == "Facebook / Instagram ad"
    assert out.notes == []
    out = hub.send(body({"campaign": "Radio jingle"}))
    assert hub.rows("Interactions")[-1]["Campaign"] == "Radio jingle"
    assert any("not on the Campaigns tab" in n for n in out.notes)


def test_the_form_checklist_asks_the_new_questions_with_their_options():
    """`cxhub form` lists the lost reason, lead source, campaign, branch and first-service questions."""
    text = as_markdown()
    for title in (
        "Why was the sale lost?",
        "How did the customer find us?",
        "Which campaign brought them? (if any)",
        "Which branch handled it?",
        "First service date (for a delivery)",
    ):
        assert title in text
    assert "Referral / word of mouth" in text and "Victoria Island" in text
    assert "Campaign Name of each current row of the hub's Campaigns tab" in text
    assert "Hotline / Call centre" in text and "Service booking" in text


# -- after the sale ------------------------------------------------------------------------------
def _delivered(hub, first_service="15/12/2026", **more):
    return hub.send(
        body(
            {
                "interaction_type": "Delivery",
                "direction": "Outbound",
                "notes": "Vehicle delivered.",
                "first_service_date": first_service,
                **more,
            }
        )
    )


def test_a_delivery_with_a_first_service_date_makes_the_check_in_call_its_promise():
    """The Delivery's promise is the check-in call, due the day after the first service."""
    hub = Hub()
    _delivered(hub)
    [row] = hub.rows("Interactions")
    assert row["First Service Date"] == date(2026, 12, 15)
    assert row["Next Action"] == "Check-in call: have you done your first service?"
    assert row["Action Due Date"] == date(2026, 12, 16) and row["Action Status"] == "Open"


def test_a_first_service_date_before_the_delivery_is_refused_and_ignored_off_a_delivery():
    """A first service before the delivery is an error; on another kind of interaction it is dropped."""
    errors, _ = _errors(body({"interaction_type": "Delivery", "first_service_date": "01/11/2026"}))
    assert "is before the delivery" in errors["first_service_date"]
    errors, reply = _errors(body({"interaction_type": "Order", "first_service_date": "15/12/2026"}))
    assert errors == {} and any("belongs to a Delivery" in w for w in reply.body["warnings"])


def test_the_owner_hears_of_the_first_service_a_week_before_then_of_the_check_in_after():
    """The first service shows once in the owner's reminder a week ahead (no Done link), and the check-in
    call shows like any promise once it falls due."""
    delivery = {
        "Interaction ID": "INT-000009",
        "Date": datetime(2026, 11, 20, 10, 0),
        "Account ID": "ACC-000001",
        "Contact ID": "CON-000001",
        "Type": "Delivery",
        "Logged By": "ada@mikano.example",
        "Next Action": "Check-in call: have you done your first service?",
        "Action Due Date": datetime(2026, 12, 16),
        "Action Status": "Open",
        "First Service Date": datetime(2026, 12, 15),
        "Notes": "Vehicle delivered.",
    }

    def items(today, **row):
        plan = plan_followups(
            followup_tables([{**delivery, **row}]), today, FollowUpRules(), lambda e: None, ("it@x.example",)
        )
        return [(i.kind, i.promised, i.days_late) for r in plan.reminders for i in r.items], plan

    assert items(datetime(2026, 12, 6, 7, 0))[0] == []  # nine days before: nothing yet
    found, plan = items(datetime(2026, 12, 7, 7, 0))
    assert found == [
        ("first service", "First service on Tue 15 Dec: remind the customer (booked at delivery)", -1)
    ]
    mail = reminder_mail(plan.reminders[0])
    assert "First service on Tue 15 Dec" in mail.text and "(due tomorrow)" in mail.text
    assert items(datetime(2026, 12, 8, 7, 0), **{"Last Reminded": datetime(2026, 12, 7, 7, 0)})[0] == []
    found, _ = items(datetime(2026, 12, 17, 7, 0), **{"Last Reminded": datetime(2026, 12, 7, 7, 0)})
    assert found == [("promise", "Check-in call: have you done your first service?", 1)]


# -- the KPI digest's counts ---------------------------------------------------------------------
def test_the_kpi_digest_counts_inquiries_per_source_and_campaign_and_the_top_lost_reasons():
    """Last week's inquiries are counted per lead source and campaign, and lost sales' reasons per division,
    in the digest's text and HTML."""
    monday = datetime(2026, 11, 16, 9, 0)
    tables = {
        "Interactions": [
            {"Date": monday, "Type": "Inquiry", "Lead Source": "Google Maps"},
            {"Date": monday, "Type": "Inquiry", "Lead Source": "Google Maps"},
            {
                "Date": monday,
                "Type": "Inquiry",
                "Lead Source": "Facebook / Instagram ad",
                "Campaign": "BF 2026",
            },
            {"Date": monday, "Type": "Inquiry"},
            {"Date": monday, "Type": "Follow-up", "Lead Source": "Walk-in"},  # not an inquiry
            {"Date": datetime(2026, 11, 9), "Type": "Inquiry", "Lead Source": "Walk-in"},  # the week before
        ],
        "Opportunities": [
            {"Division": "Motors", "Stage": "Lost", "Closed": monday, "Lost Reason": "Price"},
            {"Division": "Motors", "Stage": "Lost", "Closed": monday, "Lost Reason": "Price"},
            {"Division": "Motors", "Stage": "Lost", "Closed": monday, "Lost Reason": "Competitor"},
            {"Division": "Power", "Stage": "Lost", "Closed": monday, "Lost Reason": "Financing"},
        ],
    }
    found = {b.title: b.rows for b in weekly_breakdowns(tables, date(2026, 11, 16))}
    assert found["Inquiries by lead source"] == (
        ("Google Maps", 2),
        ("(not given)", 1),
        ("Facebook / Instagram ad", 1),
    )
    assert found["Inquiries by campaign"] == (("BF 2026", 1),)
    assert found["Why sales were lost, Motors (last 4 weeks)"] == (("Price", 2), ("Competitor", 1))
    assert found["Why sales were lost, Power (last 4 weeks)"] == (("Financing", 1),)
    html, text = render_kpi_digest(
        [], date(2026, 11, 16), {}, None, weekly_breakdowns(tables, date(2026, 11, 16))
    )
    assert "INQUIRIES BY LEAD SOURCE\n- Google Maps: 2" in text
    assert "Why sales were lost, Motors (last 4 weeks)" in html
