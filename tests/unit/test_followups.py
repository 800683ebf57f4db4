"""Follow-ups (rule 5): one clear mail a day per person, one digest per manager, never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html.parser import HTMLParser

from hub.followups.daily import run_followups
from hub.followups.mail import digest_mail, reminder_mail
from hub.followups.plan import FollowUpRules, plan_followups
from tests.fakes import FakeHubStore, FakeMailer, FakeState

NOW = datetime(2026, 11, 23, 7, 0)  # Monday 07:00 in Lagos
STAFF = [
    {
        "Email": "ada@mikano.example",
        "Full Name": "Ada Okafor",
        "Role": "Sales",
        "Manager Email": "chi@mikano.example",
        "Active": "Yes",
    },
    {
        "Email": "tunde@mikano.example",
        "Full Name": "Tunde Bello",
        "Role": "Sales",
        "Manager Email": "chi@mikano.example",
        "Active": "Yes",
    },
    {"Email": "kemi@mikano.example", "Full Name": "Kemi Adeyemi", "Role": "Service", "Active": "Yes"},
]


def interaction(
    n, due=None, *, by="ada@mikano.example", status="Open", when=datetime(2026, 11, 10, 9, 0), **extra
):
    return {
        "Interaction ID": f"INT-{n:06d}",
        "Date": when,
        "Account ID": "ACC-000001",
        "Contact ID": "CON-000001",
        "Next Action": "Send the PFI" if due else None,
        "Action Due Date": datetime.combine(due, datetime.min.time()) if due else None,
        "Action Status": status if due else None,
        "Logged By": by,
        "Notes": "Customer wants 10 Hilux.",
        "Direction": "Outbound",
        "Type": "Follow-up",
        **extra,
    }


def tables(interactions, tickets=()):
    return {
        "Accounts": [{"Account ID": "ACC-000001", "Company Name": "Dangote Industries"}],
        "Contacts": [{"Contact ID": "CON-000001", "Full Name": "Chinedu Okafor"}],
        "Interactions": list(interactions),
        "Staff": STAFF,
        "Tickets": list(tickets),
    }


def plan(rows, now=NOW, tickets=(), manager_of=lambda e: None, admins=("it@mikano.example",)):
    return plan_followups(tables(rows, tickets), now, FollowUpRules(), manager_of, admins)


def test_overdue_items_come_oldest_first_then_today_and_tomorrow():
    """A reminder lists overdue open actions oldest first, then those due today and tomorrow, leaving later
    and done ones out."""
    p = plan(
        [
            interaction(1, date(2026, 11, 20)),
            interaction(2, date(2026, 11, 2)),
            interaction(3, date(2026, 11, 24)),
            interaction(4, date(2026, 11, 23)),
            interaction(5, date(2026, 11, 30)),  # next week: not yet
            interaction(6, date(2026, 11, 1), status="Done"),
        ]
    )
    (r,) = p.reminders
    assert [i.interaction_id for i in r.overdue] == ["INT-000002", "INT-000001"]
    assert [i.days_late for i in r.overdue] == [21, 3]
    assert [(i.interaction_id, i.days_late) for i in r.due_soon] == [("INT-000004", 0), ("INT-000003", -1)]
    assert r.overdue[0].account == "Dangote Industries" and r.overdue[0].contact == "Chinedu Okafor"


def test_due_today_in_lagos_is_not_overdue_late_the_evening_before_in_utc():
    """23:30 UTC on the 22nd is 00:30 on the 23rd in Lagos: an action due the 23rd is due today."""
    now = datetime(2026, 11, 22, 23, 30, tzinfo=UTC).astimezone(
        __import__("zoneinfo").ZoneInfo("Africa/Lagos")
    )
    (r,) = plan([interaction(1, date(2026, 11, 23))], now=now.replace(tzinfo=None)).reminders
    assert r.overdue == [] and r.due_soon[0].days_late == 0


def test_the_manager_digest_counts_overdue_per_person():
    """A manager's digest counts overdue actions per team member and shows the oldest ones."""
    p = plan(
        [interaction(1, date(2026, 11, 1)), interaction(2, date(2026, 11, 5), by="tunde@mikano.example")]
    )
    digest = next(d for d in p.digests if d.manager == "chi@mikano.example")
    assert digest.overdue_by_person == [("Ada Okafor", 1), ("Tunde Bello", 1)]
    assert [i.interaction_id for i in digest.oldest] == ["INT-000001", "INT-000002"]


def test_no_manager_on_the_staff_tab_asks_the_directory_then_the_admins():
    """A person with no manager on the Staff tab is reported to the directory's manager, else to the
    admins."""
    p = plan(
        [
            interaction(1, date(2026, 11, 1), by="kemi@mikano.example"),
            interaction(2, date(2026, 11, 1), by="x@mikano.example"),
        ],
        manager_of=lambda e: "boss@mikano.example" if e == "kemi@mikano.example" else None,
    )
    digests = {d.manager: d for d in p.digests}
    assert digests["boss@mikano.example"].overdue_by_person == [("Kemi Adeyemi", 1)]
    assert digests["it@mikano.example"].overdue_by_person == [("x@mikano.example", 1)]


def test_an_inquiry_without_an_outbound_response_within_12_hours_is_flagged():
    """An inbound inquiry with no outbound reply within 12 hours is flagged in the manager's digest; one
    answered in time is not."""
    rows = [
        interaction(
            1, when=datetime(2026, 11, 20, 9, 0), Direction="Inbound", Type="Inquiry"
        ),  # answered after 20 h
        interaction(2, when=datetime(2026, 11, 21, 5, 0), Direction="Outbound"),
        interaction(
            3,
            when=datetime(2026, 11, 22, 8, 0),
            Direction="Inbound",
            Type="Inquiry",
            **{"Account ID": "ACC-000002"},
        ),
        interaction(
            4,
            when=datetime(2026, 11, 22, 21, 0),
            Direction="Inbound",
            Type="Inquiry",
            **{"Account ID": "ACC-000003"},
        ),
    ]
    digest = next(d for d in plan(rows).digests if d.manager == "chi@mikano.example")
    late = {r.interaction_id: r for r in digest.late_responses}
    assert set(late) == {"INT-000001", "INT-000003"}  # INT-000004 is 10 h old: still within the window
    assert (
        late["INT-000001"].hours == 20.0
        and late["INT-000003"].answered is None
        and late["INT-000003"].hours == 23.0
    )


def test_service_overruns_and_long_open_tickets_reach_the_owners_manager():
    """Tickets whose final amount overran the quote, or that stayed open too long, are listed for the owner's
    manager."""
    tickets = [
        {
            "Ticket ID": "TKT-000001",
            "Account ID": "ACC-000001",
            "Owner": "ada@mikano.example",
            "Status": "Resolved",
            "Quote Amount": 1_000_000,
            "Final Amount": 1_150_000,
            "Manager Approved": "No",
            "Opened": datetime(2026, 11, 2),
        },
        {
            "Ticket ID": "TKT-000002",
            "Account ID": "ACC-000001",
            "Owner": "ada@mikano.example",
            "Status": "Resolved",
            "Quote Amount": 1_000_000,
            "Final Amount": 1_100_000,
            "Opened": datetime(2026, 11, 2),
        },  # exactly 10 %: fine
        {
            "Ticket ID": "TKT-000003",
            "Account ID": "ACC-000001",
            "Owner": "ada@mikano.example",
            "Status": "Open",
            "Opened": datetime(2026, 11, 13),
        },  # Fri 13th to Mon 23rd: 6 business days
        {
            "Ticket ID": "TKT-000004",
            "Account ID": "ACC-000001",
            "Owner": "ada@mikano.example",
            "Status": "Open",
            "Opened": datetime(2026, 11, 16),
        },  # 5 business days: not yet
    ]
    digest = next(d for d in plan([], tickets=tickets).digests if d.manager == "chi@mikano.example")
    assert [t.ticket_id for t in digest.overruns] == ["TKT-000001"] and "15% above" in digest.overruns[
        0
    ].detail
    assert [t.ticket_id for t in digest.stale_tickets] == ["TKT-000003"]


def test_staff_who_logged_nothing_for_seven_days_are_named():
    """Staff who logged no interaction for seven days are named in their manager's digest."""
    rows = [
        interaction(1, when=datetime(2026, 11, 20, 9, 0)),
        interaction(2, when=datetime(2026, 11, 10, 9, 0), by="tunde@mikano.example"),
    ]
    digest = next(d for d in plan(rows).digests if d.manager == "chi@mikano.example")
    assert digest.quiet_staff == ["Tunde Bello"]


def test_the_mails_parse_and_say_how_to_mark_an_action_done():
    """Reminder and digest mails are well-formed HTML without scripts, show lateness and tell staff to log
    "Follow-up done" with the interaction ID."""
    p = plan([interaction(1, date(2026, 11, 1)), interaction(2, date(2026, 11, 23))])
    mail = reminder_mail(p.reminders[0])
    assert mail.to == ("ada@mikano.example",) and mail.subject == "CX Hub: 1 overdue follow-up and 1 due soon"
    HTMLParser().feed(mail.html)
    assert "Follow-up done" in mail.html and "INT-000001" in mail.html and "<script" not in mail.html
    assert "Action Status</em> to Done in the hub" not in mail.html  # staff need no access to the hub
    assert "22 days late" in mail.html and "Send the PFI" in mail.text
    digest = next(d for d in p.digests if d.manager == "chi@mikano.example")
    dm = digest_mail(digest, {"ada@mikano.example": "Ada Okafor"}, FollowUpRules(), p.today)
    HTMLParser().feed(dm.html)
    assert "Overdue follow-ups by person" in dm.html and "Ada Okafor" in dm.html


def test_a_second_run_the_same_day_sends_nothing_new():
    """Running the follow-up job twice on one day sends each reminder and digest once."""
    store, mailer, state = FakeHubStore(), FakeMailer(), FakeState()
    store.tables.update(
        tables(
            [interaction(1, date(2026, 11, 1)), interaction(2, date(2026, 11, 23), by="tunde@mikano.example")]
        )
    )
    clock = lambda: datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # noqa: E731
    first = run_followups(store, mailer, state, clock, FollowUpRules(), "Africa/Lagos")
    assert (first.reminders_sent, first.digests_sent) == (2, 1)
    assert {r["Interaction ID"]: r["Last Reminded"] for r in store.tables["Interactions"]} == {
        "INT-000001": datetime(2026, 11, 23, 7, 0),
        "INT-000002": datetime(2026, 11, 23, 7, 0),
    }
    again = run_followups(store, mailer, state, clock, FollowUpRules(), "Africa/Lagos")
    assert (again.reminders_sent, again.digests_sent) == (0, 0) and len(mailer.sent) == 3
    # The next day, the still-overdue action is reminded again.
    tomorrow = run_followups(
        store,
        mailer,
        state,
        lambda: datetime(2026, 11, 24, 6, 0, tzinfo=UTC),
        FollowUpRules(),
        "Africa/Lagos",
    )
    assert tomorrow.reminders_sent == 2


def test_a_refused_recipient_does_not_stop_the_others_and_is_retried_later():
    """A recipient whose mail is refused does not stop the other mails, and gets theirs on the next run."""
    store, state = FakeHubStore(), FakeState()
    store.tables.update(
        tables(
            [interaction(1, date(2026, 11, 1)), interaction(2, date(2026, 11, 1), by="tunde@mikano.example")]
        )
    )
    clock = lambda: datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # noqa: E731
    report = run_followups(
        store, FakeMailer(fail_for={"ada@mikano.example"}), state, clock, FollowUpRules(), "Africa/Lagos"
    )
    assert report.reminders_sent == 1 and report.failed == ["ada@mikano.example"]
    retry = run_followups(store, FakeMailer(), state, clock, FollowUpRules(), "Africa/Lagos")
    assert retry.reminders_sent == 1  # Ada's, not Tunde's again


def test_a_long_list_is_cut_to_the_oldest_and_says_how_many_more():
    """A reminder with more than 25 overdue actions shows the 25 oldest and says how many more there are."""
    rows = [
        interaction(n, date(2026, 10, 1) + __import__("datetime").timedelta(days=n)) for n in range(1, 31)
    ]
    (r,) = plan(rows).reminders
    assert len(r.overdue) == 25 and r.more_overdue == 5 and r.overdue_total == 30
    assert r.overdue[0].interaction_id == "INT-000001"
    mail = reminder_mail(r)
    assert mail.subject.startswith("CX Hub: 30 overdue") and "5 more overdue" in mail.html


def _links():
    from hub.actions.links import Links

    return Links("https://cxhub.example.net", b"k" * 32, datetime(2026, 11, 23, 6, 0, tzinfo=UTC))


def test_each_reminder_item_has_done_snooze_hand_over_and_customer_links_in_html_and_text():
    """Every item carries the four links as plain https:// anchors, and the text part has the same URLs."""
    import re

    p = plan([interaction(1, date(2026, 11, 1)), interaction(2, date(2026, 11, 23))])
    mail = reminder_mail(p.reminders[0], _links(), p.today)
    anchors = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', mail.html)
    labels = [label for _, label in anchors]
    assert labels == ["Done", "Snooze", "Hand over", "Open the customer"] * 2
    assert all(url.startswith("https://cxhub.example.net/api/") for url, _ in anchors)
    assert "https://cxhub.example.net/api/customers/ACC-000001" in [u for u, _ in anchors]
    for url, _ in anchors:
        assert url.replace("&amp;", "&") in mail.text


def test_the_manager_digest_links_reassign_approve_reject_and_lists_items_snoozed_three_times():
    """Overdue items get Reassign, an overrun Approve and Reject, a stale ticket Reassign; 3+ snoozes show."""
    import re

    tickets = [
        {
            "Ticket ID": "TKT-000001",
            "Account ID": "ACC-000001",
            "Owner": "ada@mikano.example",
            "Status": "Open",
            "Quote Amount": 100_000,
            "Final Amount": 150_000,
            "Opened": datetime(2026, 11, 1, 9),
        },
    ]
    rows = [interaction(1, date(2026, 11, 1)), interaction(2, date(2026, 11, 30), **{"Snooze Count": 3})]
    p = plan(rows, tickets=tickets)
    digest = next(d for d in p.digests if d.manager == "chi@mikano.example")
    assert [i.interaction_id for i in digest.snoozed] == ["INT-000002"]
    mail = digest_mail(digest, {}, FollowUpRules(), p.today, _links())
    labels = [label for _, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', mail.html)]
    assert labels.count("Approve") == labels.count("Reject") == 1
    assert labels.count("Reassign") == 3  # the overdue item, the snoozed one, the stale ticket
    assert "snoozed 3+ times" in mail.subject and "Follow-ups snoozed 3 times or more" in mail.html


def test_a_hand_over_is_told_to_both_people_in_their_next_reminder():
    """Tunde now has Ada's promise: his reminder says from Ada, hers says to Tunde, once (that day)."""
    handed = interaction(
        1,
        date(2026, 12, 10),
        **{
            "Action Owner": "tunde@mikano.example",
            "Handed Over From": "ada@mikano.example",
            "Handed Over At": datetime(2026, 11, 22, 15, 0),
        },
    )
    p = plan([handed])
    by = {r.email: r for r in p.reminders}
    assert [h.interaction_id for h in by["tunde@mikano.example"].handed_to_you] == ["INT-000001"]
    assert [h.interaction_id for h in by["ada@mikano.example"].handed_away] == ["INT-000001"]
    assert "You handed over" in reminder_mail(by["ada@mikano.example"]).html
    assert "Handed over to you" in reminder_mail(by["tunde@mikano.example"]).html
    assert plan([handed], now=datetime(2026, 11, 24, 7, 0)).reminders == []  # told once, not every day
    overdue = interaction(2, date(2026, 11, 1), **{"Action Owner": "tunde@mikano.example"})
    (reminder,) = plan([overdue], now=datetime(2026, 11, 24, 7, 0)).reminders
    assert reminder.email == "tunde@mikano.example"  # reminders go to whoever has the promise now
