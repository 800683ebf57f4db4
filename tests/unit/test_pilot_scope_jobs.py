"""A pilot (CXHUB_PILOT) limits the steward digest, the response warnings and the Health row too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.actions.steward import run_steward_digest
from hub.followups.sla import SlaRules, run_sla
from hub.pilot import PilotScope
from hub.upgrade.triggers import Thresholds
from hub.upgrade.weekly import run_health
from tests.fakes import FakeHubStore, FakeMailer, FakeState
from tests.unit.test_sla import LAGOS, interaction
from tests.unit.test_sla import hub as sla_hub
from tests.unit.test_steward_digest import tables as steward_tables

MOTORS = PilotScope.parse("Motors")


def _store(tables) -> FakeHubStore:
    store = FakeHubStore()
    store.tables.update({name: [dict(r) for r in rows] for name, rows in tables.items()})
    return store


def _steward_mails(scope: PilotScope | None, tables=None) -> list[str]:
    mailer = FakeMailer()
    clock = lambda: datetime(2026, 11, 29, 6, 15, tzinfo=UTC)  # noqa: E731
    store = _store(tables or steward_tables())
    run_steward_digest(store, mailer, FakeState(), clock, "Africa/Lagos", ("it@x.ng",), scope=scope)
    return sorted(m.subject for m in mailer.sent)


def test_a_pilot_sends_the_steward_digest_of_its_divisions_only():
    """With CXHUB_PILOT=Motors the Motors steward still gets her digest; Power's items reach no admin."""
    everything = _steward_mails(None)
    assert any("(Power)" in s for s in everything) and any("(Motors)" in s for s in everything)
    assert [s for s in _steward_mails(MOTORS) if "(Power)" in s] == []
    assert [s for s in _steward_mails(MOTORS) if "(Motors)" in s] == [
        s for s in everything if "(Motors)" in s
    ]


def test_a_branch_pilot_sends_review_items_whose_records_are_the_branchs():
    """With CXHUB_PILOT=Ikeja a review item is sent when an Ikeja interaction names one of its records."""
    t = steward_tables()
    t["Interactions"] = [
        {"Interaction ID": "INT-000001", "Account ID": "ACC-000003", "Division": "Power", "Branch": "Ikeja"},
        {"Interaction ID": "INT-000002", "Account ID": "ACC-000001", "Division": "Motors", "Branch": "Abuja"},
    ]
    t["Rejected"] = []
    assert _steward_mails(PilotScope.parse("Ikeja"), t) == [
        "CX Hub: Data steward 29 Nov (Power): 1 possible duplicate"
    ]


MONDAY_9 = datetime(2026, 11, 23, 9, 0)


def _warned(scope: PilotScope | None) -> list[str]:
    rows = (
        interaction(1, MONDAY_9, division="Motors") | {"Branch": "Ikeja"},
        interaction(2, MONDAY_9, account="ACC-000002", division="Power") | {"Branch": "Abuja"},
    )
    store, mailer = _store(sla_hub(*rows)), FakeMailer()
    clock = lambda: datetime(2026, 11, 23, 17, 30, tzinfo=LAGOS)  # noqa: E731
    run_sla(store, mailer, FakeState(), clock, SlaRules(), "Africa/Lagos", scope=scope)
    return sorted(m.to[0] for m in mailer.sent)


def test_a_pilot_warns_about_its_own_inquiries_only():
    """Unanswered inquiries of Motors and Power both warn without a pilot; with Motors, or its Ikeja
    branch, as the pilot only the Motors owner is warned."""
    assert _warned(None) == ["ada@mikano.example", "boss.power@mikano.example"]
    assert _warned(MOTORS) == ["ada@mikano.example"]
    assert _warned(PilotScope.parse("Ikeja")) == ["ada@mikano.example"]


def _health_row(scope: PilotScope | None) -> dict:
    store = FakeHubStore()
    store.file_bytes, store.open_seconds = int(1e6), 1.0
    burst = datetime(2026, 11, 18, 10, 0)
    store.tables["Interactions"] = [
        {
            "Interaction ID": f"INT-{i:06d}",
            "Logged By": f"p{i}@x",
            "Submitted At": burst + timedelta(minutes=i),
            "Division": "Motors" if i < 3 else "Power",
        }
        for i in range(8)
    ]
    store.tables["Staff"] = [
        {"Email": "chi@x", "Division": "Motors", "Role": "Data Steward"},
        {"Email": "musa@x", "Division": "Power", "Role": "Data Steward"},
    ]
    store.tables["Steward Log"] = [
        {"Week": datetime(2026, 11, 16), "Steward": "chi@x", "Hours": 1.0},
        {"Week": datetime(2026, 11, 16), "Steward": "musa@x", "Hours": 3.0},
    ]
    clock = lambda: datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # noqa: E731
    run_health(store, FakeMailer(), FakeState(), clock, Thresholds(), "Africa/Lagos", (), scope=scope)
    return store.tables["Health"][-1]


def test_a_pilot_measures_peak_users_and_steward_hours_on_its_own_staff():
    """With CXHUB_PILOT=Motors the Health row counts the three Motors people and the Motors steward's
    hour, not Power's five people and three hours, and its Notes name the pilot."""
    whole = _health_row(None)
    assert (whole["Peak Concurrent Users"], whole["Busiest Steward"], whole["Steward Hours"]) == (
        8,
        "musa@x",
        3.0,
    )
    pilot = _health_row(MOTORS)
    assert (pilot["Peak Concurrent Users"], pilot["Busiest Steward"], pilot["Steward Hours"]) == (
        3,
        "chi@x",
        1.0,
    )
    assert pilot["Notes"].startswith("pilot Motors: ")


def _late_in_digest(scope: PilotScope | None) -> str:
    """The managers' digest text after a branch pilot's inquiries: one answered from another branch."""
    from hub.followups.daily import run_followups
    from hub.followups.plan import FollowUpRules
    from tests.unit.test_followups import STAFF
    from tests.unit.test_followups import interaction as logged

    asked = {"Direction": "Inbound", "Type": "Inquiry", "Division": "Motors", "Branch": "Ikeja"}
    rows = [
        logged(1, by="ada@mikano.example", when=datetime(2026, 11, 20, 9, 0), **asked),
        logged(2, by="tunde@mikano.example", when=datetime(2026, 11, 20, 11, 0), Branch="Abuja"),
        logged(3, by="ada@mikano.example", when=datetime(2026, 11, 20, 9, 30), **asked)
        | {"Account ID": "ACC-000002"},
    ]
    store = _store(
        {
            "Accounts": [
                {"Account ID": "ACC-000001", "Company Name": "Dangote Industries"},
                {"Account ID": "ACC-000002", "Company Name": "Zenith Foods"},
            ],
            "Contacts": [{"Contact ID": "CON-000001", "Full Name": "Chinedu Okafor"}],
            "Interactions": rows,
            "Staff": STAFF,
            "Tickets": [],
        }
    )
    mailer = FakeMailer()
    clock = lambda: datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # noqa: E731
    run_followups(store, mailer, FakeState(), clock, FollowUpRules(), "Africa/Lagos", scope=scope)
    return "\n".join(m.text for m in mailer.sent if "chi@mikano.example" in m.to)


def test_a_reply_logged_outside_a_branch_pilot_still_answers_its_inquiry():
    """With CXHUB_PILOT=Ikeja, an Ikeja inquiry answered two hours later by a colleague logging from
    Abuja is not reported late to the manager; the one nobody answered still is."""
    whole, pilot = _late_in_digest(None), _late_in_digest(PilotScope.parse("Ikeja"))
    assert "Zenith Foods" in whole and "Dangote Industries" not in whole
    assert "Zenith Foods" in pilot and "Dangote Industries" not in pilot
