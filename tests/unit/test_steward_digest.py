"""The steward digest: what is new per division, to whom, with both records and one-tap decisions."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hub.actions.links import Links
from hub.actions.steward import plan_steward_digests, run_steward_digest, steward_mail
from tests.fakes import FakeHubStore, FakeMailer, FakeState

RAISED = datetime(2026, 11, 29, 2, 0)


def tables():
    return {
        "Staff": [
            {
                "Email": "chi@x.ng",
                "Full Name": "Chi Eze",
                "Division": "Motors",
                "Role": "Data Steward",
                "Active": "Yes",
            },
            {
                "Email": "ada@x.ng",
                "Full Name": "Ada Obi",
                "Division": "Motors",
                "Role": "Sales",
                "Active": "Yes",
            },
            {
                "Email": "musa@x.ng",
                "Full Name": "Musa D",
                "Division": "Power",
                "Role": "Sales",
                "Active": "Yes",
            },
        ],
        "Accounts": [
            {"Account ID": "ACC-000001", "Company Name": "Dangote Motors Ltd", "Divisions": "Motors; Power"},
            {"Account ID": "ACC-000002", "Company Name": "Dangote Motor Limited", "Divisions": "Motors"},
            {"Account ID": "ACC-000003", "Company Name": "Ikeja Power", "Divisions": "Power"},
            {"Account ID": "ACC-000004", "Company Name": "Ikeja Power Ltd", "Divisions": "Power"},
        ],
        "Contacts": [],
        "Interactions": [],
        "Review Queue": [
            {
                "Review ID": "REV-000001",
                "Raised": RAISED,
                "Kind": "Account",
                "Record A": "ACC-000001",
                "Record B": "ACC-000002",
                "Score": 92.0,
                "Reason": "similar names",
            },
            {
                "Review ID": "REV-000002",
                "Raised": RAISED,
                "Kind": "Account",
                "Record A": "ACC-000003",
                "Record B": "ACC-000004",
                "Score": 90.0,
                "Reason": "similar names",
            },
            {
                "Review ID": "REV-000003",
                "Raised": RAISED,
                "Kind": "Account",
                "Record A": "ACC-000001",
                "Record B": "ACC-000003",
                "Decision": "Not duplicate",
            },
        ],
        "Rejected": [
            {
                "Rejected ID": "REJ-000001",
                "Received At": RAISED,
                "Responder": "ada@x.ng",
                "Errors": "contact_email: not an email\nchannel: required",
                "Resolved": "No",
            },
            {
                "Rejected ID": "REJ-000002",
                "Received At": RAISED,
                "Responder": "ada@x.ng",
                "Errors": "x",
                "Resolved": "Yes",
            },
        ],
    }


def test_each_division_goes_to_its_steward_and_the_rest_to_the_admins():
    """Motors items reach Chi; Power has no steward, so the admin; decided or resolved ones are left out."""
    digests = plan_steward_digests(tables(), None, ("it@x.ng",))
    got = {
        (d.division, d.recipient): ([r.review_id for r in d.reviews], [j.rejected_id for j in d.rejected])
        for d in digests
    }
    assert got == {
        ("Motors", "chi@x.ng"): (["REV-000001"], ["REJ-000001"]),
        ("Power", "it@x.ng"): (["REV-000002"], []),
    }
    motors = next(d for d in digests if d.division == "Motors")
    assert motors.rejected[0].responder_name == "Ada Obi" and motors.rejected[0].errors == [
        "contact_email: not an email",
        "channel: required",
    ]


def test_the_division_written_on_the_row_decides_whose_steward_sees_it():
    """A review item or rejected row carrying Division Power goes to Power's side, whatever its accounts or
    responder say; rows without one are still placed by their accounts and responder."""
    t = tables()
    t["Review Queue"][0]["Division"] = "Power"
    t["Rejected"][0]["Division"] = "Power"
    got = {
        (d.division, d.recipient): ([r.review_id for r in d.reviews], [j.rejected_id for j in d.rejected])
        for d in plan_steward_digests(t, None, ("it@x.ng",))
    }
    assert got == {("Power", "it@x.ng"): (["REV-000001", "REV-000002"], ["REJ-000001"])}


def test_the_mail_shows_both_records_side_by_side_with_merge_and_not_duplicate_links():
    """Both company names are in the mail; Merge / Not duplicate are https anchors also in the text part."""
    (motors, _) = plan_steward_digests(tables(), None, ("it@x.ng",))
    links = Links("https://cxhub.example.net", b"k" * 32, datetime(2026, 11, 30, 6, tzinfo=UTC))
    mail = steward_mail(motors, links, datetime(2026, 11, 30).date())
    assert "Dangote Motors Ltd" in mail.html and "Dangote Motor Limited" in mail.html
    anchors = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', mail.html)
    assert [label for _, label in anchors] == ["Merge", "Not duplicate"]
    assert all(url in mail.text for url, _ in anchors) and "ask Ada Obi" in re.sub("<[^>]+>", "", mail.html)


def test_the_digest_is_daily_when_there_is_something_and_never_repeats_an_item():
    """The first run mails what is open; the same day nothing again; the next day only what is new."""
    store, mailer, state = FakeHubStore(), FakeMailer(), FakeState()
    store.tables.update(tables())
    day1 = lambda: datetime(2026, 11, 30, 6, 15, tzinfo=UTC)  # noqa: E731
    assert run_steward_digest(store, mailer, state, day1, "Africa/Lagos", ("it@x.ng",)).sent == 2
    assert run_steward_digest(store, mailer, state, day1, "Africa/Lagos", ("it@x.ng",)).sent == 0
    day2 = lambda: datetime(2026, 12, 1, 6, 15, tzinfo=UTC)  # noqa: E731
    assert run_steward_digest(store, mailer, state, day2, "Africa/Lagos", ("it@x.ng",)).sent == 0
    store.tables["Review Queue"].append(
        {
            "Review ID": "REV-000009",
            "Raised": datetime(2026, 12, 2, 2, 0),  # the next night's governance run
            "Kind": "Account",
            "Record A": "ACC-000001",
            "Record B": "ACC-000002",
            "Score": 88.0,
        }
    )
    day3 = lambda: datetime(2026, 12, 2, 6, 15, tzinfo=UTC)  # noqa: E731
    assert run_steward_digest(store, mailer, state, day3, "Africa/Lagos", ("it@x.ng",)).sent == 1
    assert "REV-000009" in mailer.sent[-1].html and "REV-000001" not in mailer.sent[-1].html
