"""When an interaction happened, and response times in hours (hub.responses), with a frozen clock."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from hub.followups.plan import _late_responses
from hub.intake.validation import IntakeRules, validate
from hub.kpis.definitions import DEFAULT_ZONE
from hub.kpis.frames import first_responses, interactions_frame
from hub.responses import TIME_KNOWN, inquiries, known_moment
from tests.factories import NOW, body
from tests.unit.test_recorder import Hub

RULES = IntakeRules()


def occurred(answers, **envelope):
    result = validate(body(answers, **envelope), "SUB-T", NOW, RULES)
    assert result.ok, result.errors
    return result.submission.values["occurred_at"]


def test_a_date_of_the_submission_day_takes_the_submission_time():
    """A bare date equal to the submission's Lagos day gets the submission time (09:20Z is 10:20)."""
    assert occurred({"occurred_at": "20/11/2026"}) == datetime(2026, 11, 20, 10, 20)


def test_a_date_of_an_earlier_day_has_no_time_and_is_marked_unknown_in_the_hub():
    """Logged two days later without a time: the day is kept, the time is not invented."""
    assert occurred({"occurred_at": "18/11/2026"}) == date(2026, 11, 18)
    hub = Hub()
    hub.send(body({"occurred_at": "18/11/2026"}))
    [row] = hub.rows("Interactions")
    assert row[TIME_KNOWN] == "No"
    assert known_moment(row) is None


def test_the_lagos_day_decides_not_the_utc_day():
    """23:30Z on the 19th is 00:30 on the 20th in Lagos: a date of the 20th is that submission's day."""
    got = occurred({"occurred_at": "20/11/2026"}, submittedAt="2026-11-19T23:30:00Z")
    assert got == datetime(2026, 11, 20, 0, 30)


def test_the_time_question_gives_the_time():
    """The optional Time (HH:MM) answer sets the time, also for an earlier day; 2:05 pm reads too."""
    assert occurred({"occurred_at": "18/11/2026", "occurred_time": "14:30"}) == datetime(2026, 11, 18, 14, 30)
    assert occurred({"occurred_at": "18/11/2026", "Time (HH:MM)": "2:05 pm"}) == datetime(2026, 11, 18, 14, 5)
    hub = Hub()
    hub.send(body({"occurred_at": "18/11/2026", "occurred_time": "14:30"}))
    assert hub.rows("Interactions")[0][TIME_KNOWN] == "Yes"


def test_a_bad_or_contradicting_time_is_refused_with_a_plain_reason():
    """25:00 is not a time; a time that contradicts the one typed with the date is refused too."""
    bad = validate(body({"occurred_time": "25:00"}), "S", NOW, RULES)
    assert [e.field for e in bad.errors] == ["occurred_time"]
    assert "HH:MM" in bad.errors[0].message
    clash = validate(body({"occurred_at": "20/11/2026 09:15", "occurred_time": "11:00"}), "S", NOW, RULES)
    assert [e.field for e in clash.errors] == ["occurred_time"]


def row(n, when, direction, kind="Follow-up", account="ACC-1", known=True):
    return {
        "Interaction ID": f"INT-{n:06d}",
        "Date": when,
        "Account ID": account,
        "Direction": direction,
        "Type": kind,
        "Logged By": "ada@x.example",
        "Division": "Motors",
        TIME_KNOWN: "Yes" if known else "No",
    }


def inquiry_at(when, known=True):
    return row(1, when, "Inbound", "Inquiry", known=known)


def test_response_hours_run_to_the_first_outbound_after_the_inquiry():
    """A reply logged before the inquiry does not answer it; the first one after it does."""
    rows = [
        row(2, datetime(2026, 11, 23, 8, 0), "Outbound"),
        inquiry_at(datetime(2026, 11, 23, 9, 0)),
        row(3, datetime(2026, 11, 23, 15, 30), "Outbound"),
        row(4, datetime(2026, 11, 23, 18, 0), "Outbound"),
        row(5, datetime(2026, 11, 23, 10, 0), "Outbound", account="ACC-2"),
    ]
    [q] = inquiries(rows)
    assert q.hours == 6.5


def test_eleven_fifty_nine_is_in_time_and_twelve_oh_one_is_late():
    """The 12-hour line: answered after 11 h 59 min is not late; after 12 h 01 min it is."""
    start = datetime(2026, 11, 23, 9, 0)
    now = datetime(2026, 11, 25, 7, 0)
    for minutes, late in ((11 * 60 + 59, False), (12 * 60 + 1, True)):
        reply = row(2, start + pd.Timedelta(minutes=minutes), "Outbound")
        [q] = inquiries([inquiry_at(start), reply])
        assert q.surely_late(now, 12.0) is late


def test_an_unanswered_inquiry_counts_the_weekend_hours():
    """The standard is a 24/7 clock: Friday 18:00 unanswered is late by Saturday 06:01."""
    [q] = inquiries([inquiry_at(datetime(2026, 11, 27, 18, 0))])
    assert not q.surely_late(datetime(2026, 11, 28, 5, 59), 12.0)
    assert q.surely_late(datetime(2026, 11, 28, 6, 1), 12.0)
    assert q.waited(datetime(2026, 11, 30, 8, 0)) == 62.0


def test_unknown_times_count_by_the_day_only():
    """An inquiry of unknown time has no hours; it is late only once a whole day has surely passed."""
    [q] = inquiries([inquiry_at(datetime(2026, 11, 23), known=False)])
    assert q.received is None and q.hours is None
    assert not q.surely_late(datetime(2026, 11, 24, 11, 0), 12.0)  # it may have come in at 23:59
    assert q.surely_late(datetime(2026, 11, 25, 0, 1), 12.0)
    answered_vaguely = [
        inquiry_at(datetime(2026, 11, 23, 9, 0)),
        row(2, datetime(2026, 11, 23), "Outbound", known=False),
    ]
    [q] = inquiries(answered_vaguely)
    assert q.reply is not None and q.hours is None and not q.surely_late(datetime(2026, 11, 30), 12.0)


def test_the_digest_shows_hours_and_never_a_made_up_midnight():
    """A late inquiry of known time shows its hours; one of unknown time shows its day, not 00:00."""
    rows = [
        inquiry_at(datetime(2026, 11, 23, 9, 0)),
        row(2, datetime(2026, 11, 24, 9, 30), "Outbound"),
        row(3, datetime(2026, 11, 24), "Inbound", "Inquiry", account="ACC-2", known=False),
    ]
    late = _late_responses(
        rows, {"ACC-1": "Dangote", "ACC-2": "Zenith"}, datetime(2026, 11, 26, 7, 0), _rules()
    )
    assert [(r.account, r.hours) for r in late] == [("Dangote", 24.5), ("Zenith", None)]
    assert late[1].received == date(2026, 11, 24) and late[1].received_time is None


def test_the_kpi_measures_hours_only_where_both_times_are_known():
    """The weekly median leaves out inquiries of unknown time and those answered at an unknown time."""
    rows = [
        inquiry_at(datetime(2026, 11, 23, 9, 0)),
        row(2, datetime(2026, 11, 23, 13, 0), "Outbound"),
        row(3, datetime(2026, 11, 24), "Inbound", "Inquiry", account="ACC-2", known=False),
        row(4, datetime(2026, 11, 25, 10, 0), "Inbound", "Inquiry", account="ACC-3"),
        row(5, datetime(2026, 11, 25), "Outbound", account="ACC-3", known=False),
        row(6, datetime(2026, 11, 26, 9, 0), "Outbound", account="ACC-3"),
    ]
    found = first_responses(
        interactions_frame({"Interactions": rows}, DEFAULT_ZONE),
        pd.Timestamp("2026-11-23"),
        pd.Timestamp("2026-11-30"),
    )
    assert found["account"].tolist() == ["ACC-1"]
    assert found["hours"].tolist() == [4.0]


def _rules():
    from hub.followups.plan import FollowUpRules

    return FollowUpRules()
