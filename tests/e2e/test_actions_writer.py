"""The writer applies action messages and submissions from one batch in one write of a real hub."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cxhub.local_intake import call_intake
from hub.actions.apply import action_message
from hub.actions.tokens import action_id, issue, verify
from hub.intake.writer import drain
from hub.ports import HubChanges
from tests.factories import body, raw

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
KEY = b"w" * 32


def _action(action: str, record: str, by: str, **choice) -> dict:
    text = issue(action, record, by, key=KEY, now=NOW, mail="follow-up reminder of 2026-11-30")
    return action_message(text, verify(text, key=KEY, now=NOW), action_id(text), by, choice, NOW)


def test_actions_and_submissions_in_one_batch_get_distinct_audit_ids_and_all_land(store, queue):
    """A Done and a snooze beside a new submission: every change lands and no Audit ID is used twice."""
    store.apply(
        HubChanges(
            appends={
                "Interactions": [
                    {
                        "Interaction ID": f"INT-00000{n}",
                        "Date": datetime(2026, 11, 20, 9),
                        "Account ID": "ACC-000001",
                        "Channel": "Phone",
                        "Notes": "n",
                        "Next Action": "Call back",
                        "Logged By": "ada@x.ng",
                        "Division": "Motors",
                        "Action Due Date": date(2026, 11, 25),
                        "Action Status": "Open",
                    }
                    for n in (1, 2)
                ],
                "Accounts": [
                    {
                        "Account ID": "ACC-000001",
                        "Company Name": "Dangote Motors Ltd",
                        "Account Type": "Company",
                        "Status": "Active",
                    }
                ],
            }
        )
    )
    queue.put(_action("done", "INT-000001", "ada@x.ng"))
    assert call_intake(queue, raw(body())).status == 202  # a new interaction, recorded in the same batch
    queue.put(_action("snooze", "INT-000002", "ada@x.ng", days=7))
    queue.put(
        {
            "kind": "action",
            "actionId": "ACT-BROKEN",
            "action": "snooze",
            "record": "INT-000002",
            "by": "ada@x.ng",
            "for": "ada@x.ng",
            "choice": {},
        }
    )
    report = drain(queue, store, lambda: NOW)
    assert sorted(a.status for a in report.actions) == ["applied", "applied", "invalid"]
    assert report.count("recorded") == 1 and report.batches == 1
    assert queue.depth() == 0
    t = store.read_tables(["Interactions", "Audit"])
    by_id = {r["Interaction ID"]: r for r in t["Interactions"]}
    assert by_id["INT-000001"]["Action Status"] == "Done"
    assert by_id["INT-000002"]["Action Due Date"] == date(2026, 12, 7)
    ids = [a["Audit ID"] for a in t["Audit"]]
    assert len(ids) == len(set(ids)) and len([a for a in t["Audit"] if a.get("Action ID")]) == 2
    assert len(t["Interactions"]) == 3
