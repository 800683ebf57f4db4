"""One-tap actions: what each does to the hub and its Audit row, once, and what the confirm page
answers for a bad, foreign, used or outdated link (without ever queueing anything then)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import pytest

from hub.actions import desk
from hub.actions.apply import apply_actions, merge_changes, overlay
from hub.actions.desk import Desk
from hub.actions.tokens import action_id, csrf_for, issue
from hub.web.http import WebRequest

KEY = b"s" * 32
NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
WALL = datetime(2026, 11, 30, 8, 0)  # Lagos wall clock, as the hub stores it


def tables() -> dict[str, list[dict]]:
    return {
        "Staff": [
            {
                "Email": "ada@x.ng",
                "Full Name": "Ada Obi",
                "Division": "Motors",
                "Role": "Sales",
                "Manager Email": "bola@x.ng",
                "Active": "Yes",
            },
            {
                "Email": "bola@x.ng",
                "Full Name": "Bola Ade",
                "Division": "Motors",
                "Role": "Manager",
                "Active": "Yes",
            },
            {
                "Email": "chi@x.ng",
                "Full Name": "Chi Eze",
                "Division": "Motors",
                "Role": "Data Steward",
                "Active": "Yes",
            },
            {
                "Email": "tunde@x.ng",
                "Full Name": "Tunde Bello",
                "Division": "Motors",
                "Role": "Sales",
                "Manager Email": "bola@x.ng",
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
            {"Account ID": "ACC-000001", "Company Name": "Dangote Motors Ltd", "Divisions": "Motors"},
            {"Account ID": "ACC-000002", "Company Name": "Dangote Motor Limited", "Divisions": "Motors"},
        ],
        "Contacts": [],
        "Interactions": [
            {
                "Interaction ID": "INT-000001",
                "Account ID": "ACC-000001",
                "Next Action": "Send the PFI",
                "Action Due Date": date(2026, 11, 27),
                "Logged By": "ada@x.ng",
                "Division": "Motors",
                "Action Status": "Open",
                "Snooze Count": None,
            },
        ],
        "Tickets": [
            {
                "Ticket ID": "TKT-000001",
                "Account ID": "ACC-000001",
                "Division": "Motors",
                "Status": "Open",
                "Quote Amount": 100_000,
                "Final Amount": 150_000,
                "Owner": "tunde@x.ng",
            },
        ],
        "Review Queue": [
            {
                "Review ID": "REV-000001",
                "Kind": "Account",
                "Record A": "ACC-000001",
                "Record B": "ACC-000002",
                "Score": 92.0,
                "Reason": "similar names",
            },
        ],
        "Audit": [{"Audit ID": "AUD-000007", "Action": "earlier"}],
    }


def link(action: str, record: str, person: str = "ada@x.ng") -> str:
    return issue(action, record, person, key=KEY, now=NOW, mail="follow-up reminder of 2026-11-30")


def message(action, record, by="ada@x.ng", person="ada@x.ng", **choice):
    text = link(action, record, person)
    return {
        "kind": "action",
        "actionId": action_id(text),
        "action": action,
        "record": record,
        "for": person,
        "by": by,
        "mail": "follow-up reminder of 2026-11-30",
        "choice": choice,
    }


def applied(t, *messages):
    changes, outcomes = apply_actions(t, list(messages), WALL)
    return overlay(t, changes), outcomes


def row(t, tab, key_col, key):
    return next(r for r in t[tab] if r[key_col] == key)


@pytest.mark.parametrize(
    ("msg", "tab", "key", "expect", "audit_action"),
    [
        (
            message("done", "INT-000001"),
            "Interactions",
            "INT-000001",
            {"Action Status": "Done", "Completed At": WALL, "Completed By": "ada@x.ng"},
            "Action done (from mail)",
        ),
        (
            message("snooze", "INT-000001", days=3),
            "Interactions",
            "INT-000001",
            {"Action Due Date": date(2026, 12, 3), "Snooze Count": 1, "Action Status": "Open"},
            "Action snoozed 3 days (from mail)",
        ),
        (
            message("handover", "INT-000001", to="tunde@x.ng"),
            "Interactions",
            "INT-000001",
            {
                "Action Owner": "tunde@x.ng",
                "Logged By": "ada@x.ng",
                "Handed Over From": "ada@x.ng",
                "Handed Over At": WALL,
            },
            "Action handed over (from mail)",
        ),
        (
            message("reassign", "INT-000001", by="bola@x.ng", person="bola@x.ng", to="tunde@x.ng"),
            "Interactions",
            "INT-000001",
            {"Action Owner": "tunde@x.ng", "Logged By": "ada@x.ng"},
            "Action reassigned (from mail)",
        ),
        (
            message("approve", "TKT-000001", by="bola@x.ng", person="bola@x.ng"),
            "Tickets",
            "TKT-000001",
            {"Manager Approved": "Yes", "Approved By": "bola@x.ng", "Approved At": WALL},
            "Overrun approved (from mail)",
        ),
        (
            message("reject", "TKT-000001", by="bola@x.ng", person="bola@x.ng"),
            "Tickets",
            "TKT-000001",
            {"Manager Approved": "No", "Approved By": "bola@x.ng"},
            "Overrun rejected (from mail)",
        ),
        (
            message("reassign_ticket", "TKT-000001", by="bola@x.ng", person="bola@x.ng", to="ada@x.ng"),
            "Tickets",
            "TKT-000001",
            {"Owner": "ada@x.ng"},
            "Ticket reassigned (from mail)",
        ),
        (
            message("merge", "REV-000001", by="chi@x.ng", person="chi@x.ng"),
            "Review Queue",
            "REV-000001",
            {"Decision": "Merge", "Decided By": "chi@x.ng", "Decided At": WALL, "Applied At": None},
            "Review decided (from mail)",
        ),
        (
            message("not_duplicate", "REV-000001", by="chi@x.ng", person="chi@x.ng"),
            "Review Queue",
            "REV-000001",
            {"Decision": "Not duplicate"},
            "Review decided (from mail)",
        ),
    ],
)
def test_each_action_changes_its_record_and_writes_one_audit_row_naming_the_person(
    msg, tab, key, expect, audit_action
):
    """The record gets exactly the action's values; one Audit row names who, what, the mail, the action ID."""
    key_col = {"Interactions": "Interaction ID", "Tickets": "Ticket ID", "Review Queue": "Review ID"}[tab]
    after, outcomes = applied(tables(), msg)
    assert [o.status for o in outcomes] == ["applied"]
    got = row(after, tab, key_col, key)
    assert {k: got.get(k) for k in expect} == expect
    audit = after["Audit"][-1]
    assert audit["Audit ID"] == "AUD-000008"
    assert (audit["Actor"], audit["Action"], audit["Record"], audit["Action ID"]) == (
        msg["by"],
        audit_action,
        key,
        msg["actionId"],
    )
    assert "follow-up reminder of 2026-11-30" in audit["Reason"]


def test_the_same_action_twice_is_applied_once():
    """A re-delivered message (same action ID) changes nothing the second time, in one batch or the next."""
    t = tables()
    after, outcomes = applied(
        t, message("snooze", "INT-000001", days=1), message("snooze", "INT-000001", days=1)
    )
    assert [o.status for o in outcomes] == ["applied", "duplicate"]
    assert row(after, "Interactions", "Interaction ID", "INT-000001")["Snooze Count"] == 1
    again, outcomes = applied(after, message("snooze", "INT-000001", days=1))
    assert [o.status for o in outcomes] == ["duplicate"] and again == after


def test_a_record_that_changed_since_the_mail_is_left_alone():
    """Closed by someone else, handed over, decided or merged: the outcome is stale and nothing is written."""
    t = tables()
    t["Interactions"][0]["Action Status"] = "Done"
    t["Tickets"][0]["Manager Approved"] = "Yes"
    t["Accounts"][1]["Merged Into"] = "ACC-000001"
    changes, outcomes = apply_actions(
        t,
        [
            message("done", "INT-000001"),
            message("approve", "TKT-000001", by="bola@x.ng", person="bola@x.ng"),
            message("merge", "REV-000001", by="chi@x.ng", person="chi@x.ng"),
        ],
        WALL,
    )
    assert [o.status for o in outcomes] == ["stale"] * 3
    assert "already closed" in outcomes[0].note and "ACC-000002 was merged" in outcomes[2].note
    assert changes.is_empty()
    t = tables()
    t["Interactions"][0]["Action Owner"] = "tunde@x.ng"  # handed over after Ada's mail
    _, outcomes = apply_actions(t, [message("done", "INT-000001")], WALL)
    assert outcomes[0].status == "stale" and "handed over to tunde@x.ng" in outcomes[0].note


def test_a_malformed_action_message_is_refused_without_touching_the_hub():
    """A message with a missing choice or an unknown action is final ('invalid'), nothing written."""
    bad_choice = message("snooze", "INT-000001")
    unknown = message("done", "INT-000001") | {"action": "explode"}
    changes, outcomes = apply_actions(tables(), [bad_choice, unknown], WALL)
    assert [o.status for o in outcomes] == ["invalid", "invalid"] and changes.is_empty()


def test_actions_applied_on_top_of_a_submission_batch_are_written_once_with_fresh_audit_ids():
    """merge_changes folds both into one write; Audit IDs continue after the recorder's."""
    from hub.ports import HubChanges, RowUpdate

    t = tables()
    first = HubChanges(
        appends={"Audit": [{"Audit ID": "AUD-000008", "Action": "recorder"}]},
        updates=[RowUpdate("Interactions", "INT-000001", {"Notes": "x"})],
    )
    second, _ = apply_actions(overlay(t, first), [message("done", "INT-000001")], WALL)
    both = merge_changes(first, second)
    assert [r["Audit ID"] for r in both.appends["Audit"]] == ["AUD-000008", "AUD-000009"]
    assert len(both.updates) == 1 and both.updates[0].values["Action Status"] == "Done"
    assert both.updates[0].values["Notes"] == "x"


# -- the confirm page ---------------------------------------------------------------------------


class Hub:
    def __init__(self) -> None:
        self.t = tables()
        self.queued: list[dict] = []

    def desk(self, now=NOW) -> Desk:
        return Desk(KEY, lambda tabs: self.t, self.queued.append, lambda: now, ("it@x.ng",))


def get(hub, text, user="ada@x.ng", now=NOW):
    return desk.get(hub.desk(now), WebRequest(method="GET", path="/api/act", query={"t": text}, user=user))


def post(hub, text, user="ada@x.ng", csrf=None, **choice):
    form = {"t": text, "csrf": csrf if csrf is not None else csrf_for(text, user, KEY), **choice}
    req = WebRequest(method="POST", path="/api/act", body=urlencode(form).encode(), user=user)
    return desk.post(hub.desk(), req)


def test_the_confirm_page_says_what_will_happen_and_posting_queues_one_action_message():
    """GET shows the promise and a button; POST queues an action message for the writer and says so."""
    hub = Hub()
    text = link("done", "INT-000001")
    page = get(hub, text)
    assert page.status == 200 and "Send the PFI" in page.body and "Dangote Motors Ltd" in page.body
    assert "<script" not in page.body and 'name="csrf"' in page.body
    assert hub.queued == []  # a GET never queues
    done = post(hub, text)
    assert done.status == 202 and "within a minute" in done.body
    assert hub.queued == [message("done", "INT-000001") | {"postedAt": NOW.isoformat()}]


@pytest.mark.parametrize(
    ("text", "user", "status"),
    [
        (link("done", "INT-000001")[:-3] + "abc", "ada@x.ng", 403),  # tampered
        (issue("done", "INT-000001", "ada@x.ng", key=KEY, now=NOW - timedelta(days=15)), "ada@x.ng", 410),
        (link("done", "INT-000001"), "musa@x.ng", 403),  # another division's salesperson
        (link("done", "INT-000001"), None, 401),  # nobody signed in
    ],
)
def test_bad_foreign_or_anonymous_links_are_refused_and_queue_nothing(text, user, status):
    """Tampered 403, expired 410, wrong person 403, nobody signed in 401: GET and POST alike, none queued."""
    hub = Hub()
    assert get(hub, text, user).status == status
    assert post(hub, text, user, csrf="x" if user is None else None).status == status
    assert hub.queued == []


def test_the_manager_the_division_steward_and_an_admin_may_act_for_the_person():
    """Bola (Ada's manager), Chi (Motors steward) and the admin all get the confirm page for Ada's link."""
    hub = Hub()
    for user in ("bola@x.ng", "chi@x.ng", "it@x.ng"):
        page = get(hub, link("done", "INT-000001"), user)
        assert page.status == 200 and "you are acting for them" in page.body


def test_a_forged_post_without_the_forms_csrf_value_queues_nothing():
    """A POST with the link but not this person's CSRF value is refused (403)."""
    hub = Hub()
    text = link("done", "INT-000001")
    assert post(hub, text, csrf="forged").status == 403
    assert post(hub, text, user="bola@x.ng", csrf=csrf_for(text, "ada@x.ng", KEY)).status == 403
    assert hub.queued == []


def test_choices_must_be_ones_the_action_offers():
    """Snooze takes 1, 3 or 7 days; hand over takes an active colleague other than the current owner."""
    hub = Hub()
    snooze, handover = link("snooze", "INT-000001"), link("handover", "INT-000001")
    assert "7 days" in get(hub, snooze).body and "Tunde Bello" in get(hub, handover).body
    assert post(hub, snooze, days="30").status == 400
    assert post(hub, handover, to="stranger@y.com").status == 400
    assert post(hub, handover, to="ada@x.ng").status == 400
    assert hub.queued == []
    assert post(hub, handover, to="tunde@x.ng").status == 202 and hub.queued[0]["choice"] == {
        "to": "tunde@x.ng"
    }


def test_a_used_link_says_already_done_by_whom_and_when_and_a_changed_record_says_so():
    """After the writer applied it the page names who did it and when; a record closed since says that."""
    hub = Hub()
    text = link("done", "INT-000001")
    hub.t, _ = applied(hub.t, message("done", "INT-000001"))
    page = get(hub, text)
    assert page.status == 200 and "already done (by ada@x.ng at 30 Nov 2026 08:00)" in page.body
    other = link("snooze", "INT-000001")
    page = get(hub, other)
    assert page.status == 409 and "already closed (Done) by ada@x.ng" in page.body
    assert post(hub, other, days="1").status == 409 and hub.queued == []
