"""Upgrade triggers (rule 7): measured weekly; two or more met mail the admins, once a week."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hub.ports import Attachment
from hub.upgrade.triggers import (
    Measures,
    Thresholds,
    evaluate,
    peak_concurrent_users,
    steward_hours,
)
from hub.upgrade.weekly import run_health
from hub.weeks import last_full_week
from tests.fakes import FakeHubStore, FakeMailer, FakeState

TODAY = date(2026, 11, 23)  # a Monday: the last full week is 16-22 November


def sub(who, when):
    return {
        "Interaction ID": f"INT-{abs(hash((who, when))) % 10**6:06d}",
        "Logged By": who,
        "Submitted At": when,
    }


def test_the_last_full_week_ends_on_the_sunday_before():
    """The last full week is Monday to Sunday before the current week, whatever day the job runs."""
    assert last_full_week(TODAY) == (date(2026, 11, 16), date(2026, 11, 22))
    assert last_full_week(date(2026, 11, 29)) == (date(2026, 11, 16), date(2026, 11, 22))


def test_steward_hours_are_each_stewards_own_for_the_last_full_week_only():
    """Steward hours are the busiest steward's own hours of the last full week, not every steward's summed."""
    log = [
        {"Week": datetime(2026, 11, 16), "Steward": "s@x", "Hours": 1.5},
        {"Week": datetime(2026, 11, 18), "Steward": "S@x", "Hours": 0.25},
        {"Week": datetime(2026, 11, 16), "Steward": "t@x", "Hours": 1},
        {"Week": datetime(2026, 11, 9), "Steward": "s@x", "Hours": 9},
        {"Week": datetime(2026, 11, 23), "Steward": "t@x", "Hours": 9},
    ]
    assert steward_hours(log, TODAY) == ("s@x", 1.75)
    assert steward_hours([], TODAY) == (None, 0.0)


def test_six_stewards_at_twenty_minutes_each_do_not_trip_the_trigger():
    """Six stewards at 20 minutes each stay under the 2-hour trigger; the Health row names the busiest."""
    store = hub_store(file_mb=150.0, open_s=12.0, steward=0)
    store.tables["Steward Log"] = [
        {"Week": datetime(2026, 11, 16), "Steward": f"s{i}@x", "Hours": 0.35 if i == 4 else 1 / 3}
        for i in range(6)
    ]
    report = run(store, FakeMailer(), FakeState())
    by = {t.name: t for t in report.triggers}
    assert not by["Steward hours last week"].met
    assert store.tables["Health"][-1]["Steward Hours"] == 0.35
    assert store.tables["Health"][-1]["Busiest Steward"] == "s4@x"


def test_peak_users_is_the_most_distinct_people_within_15_minutes():
    """Peak users is the largest number of different people submitting within any 15 minutes of last week."""
    t = datetime(2026, 11, 18, 10, 0)
    rows = [sub(f"p{i}@x", t + timedelta(minutes=i)) for i in range(4)]  # 4 people in 3 minutes
    rows += [
        sub("p0@x", t + timedelta(minutes=5)),
        sub("p9@x", t + timedelta(minutes=21)),
    ]  # by 10:21 the others are gone
    rows += [sub(f"q{i}@x", datetime(2026, 11, 24, 9, 0)) for i in range(10)]  # this week: not counted
    assert peak_concurrent_users(rows, TODAY) == 4


def test_triggers_compare_with_the_v6_thresholds_and_fit_a_trend():
    """Each upgrade trigger is compared with its threshold, and a trend fitted to past weeks says how many
    weeks remain before it is met (none without history)."""
    now = datetime(2026, 11, 23, 7, 0)
    history = [{"Checked At": now - timedelta(weeks=w), "File MB": 100 - 10 * w} for w in (3, 2, 1)]
    triggers = evaluate(Measures(95.0, 12.0, 1.0, 3), history, now, Thresholds())
    by = {t.name: t for t in triggers}
    assert by["Open time"].met and not by["File size"].met
    # 70, 80, 90 then 95 MB: about 8.5 MB a week, so 100 MB is under a week away.
    assert 0 < by["File size"].weeks_to_threshold < 1.5
    assert by["Steward hours last week"].weeks_to_threshold is None  # no history: no trend


def hub_store(file_mb=150.0, open_s=12.0, steward=3.0):
    store = FakeHubStore()
    store.file_bytes, store.open_seconds = int(file_mb * 1e6), open_s
    store.tables["Steward Log"] = [{"Week": datetime(2026, 11, 16), "Steward": "s@x", "Hours": steward}]
    return store


def run(store, mailer, state, day=datetime(2026, 11, 23, 6, 0, tzinfo=UTC)):
    return run_health(
        store,
        mailer,
        state,
        lambda: day,
        Thresholds(),
        "Africa/Lagos",
        ("it@mikano.example",),
        attachments=lambda tables, now: [Attachment("requirements.md", b"# draft", "text/markdown")],
    )


def test_each_run_records_a_health_row():
    """Every upgrade-trigger run writes one Health row with the measures and how many triggers are met."""
    store = hub_store(file_mb=10, open_s=1, steward=0)
    report = run(store, FakeMailer(), FakeState())
    (row,) = store.tables["Health"]
    assert row["File MB"] == 10.0 and row["Open Seconds"] == 1.0 and row["Triggers Met"] == 0
    assert row["Notes"] == "none met" and not report.mailed


def test_two_triggers_mail_the_admins_at_most_once_a_week():
    """When two or more triggers hold the admins get one mail with the requirements document attached, and no
    second mail within the week."""
    store, mailer, state = hub_store(), FakeMailer(), FakeState()
    first = run(store, mailer, state)
    assert first.mailed and first.row["Triggers Met"] == 3
    (mail,) = mailer.sent
    assert mail.to == ("it@mikano.example",) and "3 upgrade triggers hold" in mail.subject
    assert [a.name for a in mail.attachments] == ["requirements.md"] and "150 MB" in mail.html
    again = run(store, mailer, state, datetime(2026, 11, 26, 6, 0, tzinfo=UTC))
    assert again.already_mailed_this_week and len(mailer.sent) == 1 and len(store.tables["Health"]) == 2
    next_week = run(store, mailer, state, datetime(2026, 11, 30, 6, 0, tzinfo=UTC))
    assert next_week.mailed and len(mailer.sent) == 2


def test_one_trigger_alone_mails_nobody():
    """A single trigger met mails nobody."""
    store, mailer = hub_store(file_mb=150, open_s=1, steward=0), FakeMailer()
    assert not run(store, mailer, FakeState()).mailed and mailer.sent == []


def test_text_attachments_keep_their_characters_in_the_eml(tmp_path):
    """A '—' or '₦' in the requirements draft must not turn into garbage in a mail client."""
    import email
    from email import policy

    from hub.ports import MailMessage
    from local.outbox import OutboxMailer

    draft = "# Draft — ₦12,500,000".encode()
    path = OutboxMailer(tmp_path).write(
        MailMessage(
            to=("it@x",),
            subject="s",
            html="<p>x</p>",
            attachments=(Attachment("d.md", draft, "text/markdown"),),
        )
    )
    mail = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    (part,) = mail.iter_attachments()
    assert part.get_content_charset() == "utf-8"
    assert part.get_content().rstrip("\n") == "# Draft — ₦12,500,000"
