"""Before the breach: the hourly response warning, with a frozen clock (Lagos wall clock)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hub.followups.sla import SlaRules, plan_warnings, run_sla
from hub.responses import TIME_KNOWN
from tests.fakes import FakeHubStore, FakeMailer, FakeState

LAGOS = ZoneInfo("Africa/Lagos")
RULES = SlaRules()
ADMINS = ("it@mikano.example",)


def interaction(
    n, when, direction="Inbound", kind="Inquiry", account="ACC-000001", known=True, division="Motors"
):
    return {
        "Interaction ID": f"INT-{n:06d}",
        "Date": when,
        "Account ID": account,
        "Direction": direction,
        "Type": kind,
        "Division": division,
        "Notes": "Asked for the price of ten Hilux pickups.",
        "Logged By": "tunde@mikano.example",
        TIME_KNOWN: "Yes" if known else "No",
    }


def hub(*rows, owner="ada@mikano.example"):
    return {
        "Accounts": [
            {"Account ID": "ACC-000001", "Company Name": "Dangote Industries Ltd", "Account Owner": owner},
            {"Account ID": "ACC-000002", "Company Name": "Zenith Foods", "Account Owner": None},
        ],
        "Contacts": [],
        "Staff": [
            {"Email": "boss.power@mikano.example", "Role": "Manager", "Division": "Power", "Active": "Yes"},
            {"Email": "old.boss@mikano.example", "Role": "Manager", "Division": "Motors", "Active": "No"},
        ],
        "Interactions": list(rows),
    }


MONDAY_9 = datetime(2026, 11, 23, 9, 0)


def test_eight_hours_without_a_reply_warns_and_seven_fifty_nine_does_not():
    """The warning line is 8 hours: 7 h 59 min is too early, 8 h 00 min is due."""
    tables = hub(interaction(1, MONDAY_9))
    assert plan_warnings(tables, datetime(2026, 11, 23, 16, 59), RULES) == []
    [w] = plan_warnings(tables, datetime(2026, 11, 23, 17, 0), RULES)
    assert (w.recipient, w.hours_left, w.breached) == ("ada@mikano.example", 4.0, False)
    assert w.due == datetime(2026, 11, 23, 21, 0)


def test_eleven_fifty_nine_is_still_before_the_breach_and_twelve_oh_one_is_past_it():
    """At 11 h 59 min the mail counts down; at 12 h 01 min it says the standard is broken."""
    tables = hub(interaction(1, datetime(2026, 11, 23, 5, 0)))
    [before] = plan_warnings(tables, datetime(2026, 11, 23, 16, 59), RULES)
    [after] = plan_warnings(tables, datetime(2026, 11, 23, 17, 1), RULES)
    assert not before.breached and after.breached


def test_a_reply_stops_the_clock_but_one_logged_before_the_inquiry_does_not():
    """An Outbound row after the inquiry answers it; one dated before it does not."""
    early = interaction(2, datetime(2026, 11, 23, 8, 0), direction="Outbound", kind="Follow-up")
    assert (
        len(plan_warnings(hub(early, interaction(1, MONDAY_9)), datetime(2026, 11, 23, 17, 30), RULES)) == 1
    )
    reply = interaction(3, datetime(2026, 11, 23, 12, 0), direction="Outbound", kind="Follow-up")
    assert plan_warnings(hub(interaction(1, MONDAY_9), reply), datetime(2026, 11, 23, 17, 30), RULES) == []


def test_quiet_on_sunday_and_outside_business_hours_then_mailed_on_monday_morning():
    """Saturday 20:00's inquiry crosses 8 h on Sunday (quiet); Monday 08:00 it is mailed, breached."""
    tables = hub(interaction(1, datetime(2026, 11, 28, 20, 0)))
    assert plan_warnings(tables, datetime(2026, 11, 29, 10, 0), RULES) == []  # Sunday
    assert plan_warnings(tables, datetime(2026, 11, 30, 7, 59), RULES) == []  # before business hours
    [w] = plan_warnings(tables, datetime(2026, 11, 30, 8, 0), RULES)
    assert w.waited == 36.0 and w.breached
    weekend_on = SlaRules(quiet_days=frozenset())
    assert len(plan_warnings(tables, datetime(2026, 11, 29, 10, 0), weekend_on)) == 1


def test_an_unowned_account_goes_to_the_divisions_active_manager_else_the_admins():
    """No owner: the Power manager for a Power inquiry; Motors has only an inactive one, so the admin."""
    power = interaction(1, MONDAY_9, account="ACC-000002", division="Power")
    motors = interaction(2, MONDAY_9, account="ACC-000002", division="Motors")
    got = plan_warnings(hub(power, motors), datetime(2026, 11, 23, 17, 30), RULES, ADMINS)
    assert {(w.interaction_id, w.recipient) for w in got} == {
        ("INT-000001", "boss.power@mikano.example"),
        ("INT-000002", "it@mikano.example"),
    }


def test_inquiries_of_unknown_time_or_long_past_are_not_warned_about():
    """No hours without a time; an inquiry older than 72 h is the morning digest's business."""
    vague = interaction(1, datetime(2026, 11, 23), known=False)
    old = interaction(2, datetime(2026, 11, 19, 9, 0))
    assert plan_warnings(hub(vague, old), datetime(2026, 11, 23, 17, 30), RULES) == []


def test_the_timer_mails_each_inquiry_once_across_runs():
    """Run twice at 17:00 and again at 17:59: one mail, naming the customer and the deadline."""
    store, mailer, state = FakeHubStore(), FakeMailer(), FakeState()
    store.tables.update(hub(interaction(1, MONDAY_9)))
    for minute in (0, 0, 59):
        clock = lambda m=minute: datetime(2026, 11, 23, 17, m, tzinfo=LAGOS)  # noqa: E731
        report = run_sla(store, mailer, state, clock, RULES, "Africa/Lagos")
    assert len(mailer.sent) == 1 and report.already_sent == 1 and report.sent == 0
    mail = mailer.sent[0]
    assert mail.to == ("ada@mikano.example",)
    assert "Dangote Industries Ltd" in mail.subject and "21:00" in mail.subject
    assert "Outbound" in mail.text and "Outbound" in mail.html


def test_a_refused_mail_is_tried_again_next_hour():
    """A mail that fails is not remembered as sent, so the next run tries again."""
    store, state = FakeHubStore(), FakeState()
    store.tables.update(hub(interaction(1, MONDAY_9)))
    clock = lambda: datetime(2026, 11, 23, 17, 0, tzinfo=LAGOS)  # noqa: E731
    failing = run_sla(store, FakeMailer(fail_for=["ada@mikano.example"]), state, clock, RULES, "Africa/Lagos")
    assert failing.failed == ["INT-000001"]
    mailer = FakeMailer()
    assert run_sla(store, mailer, state, clock, RULES, "Africa/Lagos").sent == 1
