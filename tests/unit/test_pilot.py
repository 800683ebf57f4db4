"""The pilot: its scope (CXHUB_PILOT), the KPIs over a period, and the pilot success report."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from openpyxl import Workbook

from hub.intake.forms_sheet import answers_of
from hub.kpis.compute import ALL, KpiTargets, compute_kpis
from hub.kpis.definitions import ADOPTION, CSAT, DATA_QUALITY, FIRST_RESPONSE, INQUIRY_TO_WON
from hub.kpis.period import TICKET_RESOLUTION, period_kpis
from hub.pilot import PilotScope
from hub.upgrade.pilot import build_pilot_report, render_pilot_report
from hub_schema.form import as_markdown, feedback_questions
from tests.unit.test_kpis import HUB, NOW, WEEK, ticket

FIRST, LAST = date(2026, 11, 2), date(2026, 11, 22)


def test_a_period_of_one_week_gives_the_weekly_digests_figures():
    """Over one week the period KPIs equal the weekly digest's "All" figures: one meaning per measure."""
    weekly = {k.kpi: k for k in compute_kpis(HUB, WEEK, NOW) if k.division == ALL}
    period = period_kpis(HUB, WEEK, WEEK + timedelta(days=6), NOW, KpiTargets())
    for name in (INQUIRY_TO_WON, CSAT, FIRST_RESPONSE, DATA_QUALITY, ADOPTION):
        assert (period[name].value, period[name].target, period[name].status) == (
            weekly[name].value,
            weekly[name].target,
            weekly[name].status,
        ), name


def test_ticket_resolution_is_the_median_business_days_of_every_ticket_resolved_in_the_period():
    """Tickets resolved in the period count in business days whatever their category; others do not."""
    tables = {
        "Tickets": [
            ticket("T1", "Motors", datetime(2026, 11, 6, 9), datetime(2026, 11, 9, 9)),  # Fri -> Mon: 1
            ticket("T2", "Motors", datetime(2026, 11, 2, 9), datetime(2026, 11, 9, 9)),  # 5
            ticket(
                "T3", "Power", datetime(2026, 11, 2, 9), datetime(2026, 11, 12, 9), category="Complaint"
            ),  # 8
            ticket("T4", "Power", datetime(2026, 10, 1, 9), datetime(2026, 10, 9, 9)),  # before the period
        ]
    }
    got = period_kpis(tables, FIRST, LAST, NOW, KpiTargets())[TICKET_RESOLUTION]
    assert (got.value, got.target, got.status) == (5.0, "3–5 business days", "on target")


def test_the_scope_names_divisions_and_branches_and_keeps_their_rows():
    """'Motors; Ikeja' keeps Motors interactions at Ikeja, the tickets they name and Motors staff."""
    scope = PilotScope.parse("motors; Ikeja,, ")
    assert scope.divisions == {"Motors"} and scope.branches == {"ikeja"} and not scope.everything
    assert PilotScope.parse("").everything and PilotScope.parse(None).describe() == "the whole hub"
    tables = {
        "Interactions": [
            {
                "Interaction ID": "I1",
                "Division": "Motors",
                "Branch": "Ikeja",
                "Ticket ID": "T1",
                "Account ID": "A1",
            },
            {"Interaction ID": "I2", "Division": "Motors", "Branch": "Victoria Island", "Ticket ID": "T2"},
            {"Interaction ID": "I3", "Division": "Power", "Branch": "Ikeja", "Ticket ID": "T3"},
        ],
        "Tickets": [
            {"Ticket ID": t, "Division": d} for t, d in (("T1", "Motors"), ("T2", "Motors"), ("T3", "Power"))
        ],
        "Accounts": [{"Account ID": "A1", "Divisions": "Power"}, {"Account ID": "A2", "Divisions": "Motors"}],
        "Staff": [{"Email": "m@x", "Division": "Motors"}, {"Email": "p@x", "Division": "Power"}],
        "Audit": [{"Audit ID": "AUD-1"}],
    }
    seen = scope.tables(tables)
    assert [r["Interaction ID"] for r in seen["Interactions"]] == ["I1"]
    assert [r["Ticket ID"] for r in seen["Tickets"]] == ["T1"]
    assert [r["Account ID"] for r in seen["Accounts"]] == ["A1"]
    assert [r["Email"] for r in seen["Staff"]] == ["m@x"] and seen["Audit"] == tables["Audit"]
    motors = PilotScope.parse("Motors").tables(tables)  # divisions only: accounts by their divisions too
    assert {r["Account ID"] for r in motors["Accounts"]} == {"A1", "A2"}


def _feedback_workbook() -> bytes:
    """A Forms-for-Excel responses workbook: ID, times, email, name, then one column per question title."""
    import io

    titles = [q.title for q in feedback_questions()]
    wb = Workbook()
    ws = wb.active
    ws.append(["ID", "Start time", "Completion time", "Email", "Name", *titles])
    ws.append([1, NOW, NOW, "ada@x", "Ada", "Motors", 4, 5, 3, 5, "The Form is long", "WhatsApp in"])
    ws.append([2, NOW, NOW, "bo@x", "Bo", "Motors", 2, 4, None, 4, None, "Quotes"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _pilot_hub() -> dict[str, list[dict]]:
    def inter(n: int, who: str, day: int) -> dict:
        return {
            "Interaction ID": f"INT-{n}",
            "Date": datetime(2026, 11, day, 10),
            "Account ID": "ACC-1",
            "Logged By": who,
            "Division": "Motors",
            "Direction": "Outbound",
            "Type": "Follow-up",
        }

    return {
        "Interactions": [inter(1, "ada@x", 20), inter(2, "ada@x", 21), inter(3, "bo@x", 3)],
        "Staff": [
            {"Email": "ada@x", "Full Name": "Ada Obi", "Division": "Motors", "Active": "Yes"},
            {"Email": "bo@x", "Full Name": "Bo Eze", "Division": "Motors", "Active": "Yes"},
            {"Email": "cy@x", "Full Name": "Cy Uba", "Division": "Motors", "Active": None},
            {"Email": "old@x", "Full Name": "Old Hand", "Division": "Motors", "Active": "No"},
        ],
        "Steward Log": [
            {"Week": datetime(2026, 11, 9), "Steward": "s1@x", "Hours": 1.5},
            {"Week": datetime(2026, 11, 11), "Steward": "S1@x", "Hours": 1.0},
            {"Week": datetime(2026, 11, 16), "Steward": "s2@x", "Hours": 2.0},
            {"Week": datetime(2026, 10, 5), "Steward": "s2@x", "Hours": 9.0},  # before the period
        ],
    }


def test_the_report_names_who_logged_who_went_quiet_and_the_busiest_steward_week():
    """Adoption names who logged and the active staff who never logged or went quiet for a week; steward
    hours are the busiest steward's own week against the 2-hour limit."""
    report = build_pilot_report(_pilot_hub(), FIRST, LAST, NOW, PilotScope.parse("Motors"), KpiTargets())
    assert report.scope == "Motors" and report.logged == [("Ada Obi", 2), ("Bo Eze", 1)]
    assert report.quiet == [("Bo Eze", "last logged 03 Nov"), ("Cy Uba", "never logged")]
    by = {line.measure: line for line in report.lines}
    assert (by["Adoption"].figure, by["Adoption"].verdict) == ("2 of 3 active staff logged", "not met")
    steward = by["Steward hours"]
    assert (steward.figure, steward.target, steward.verdict) == (
        "2.5 h",
        "≤ 2 h a week per steward",
        "not met",
    )
    assert "s1@x" in steward.detail and "09 Nov" in steward.detail
    assert all(line.target and line.verdict for line in report.lines)


def test_feedback_answers_are_read_like_the_main_forms_and_summarised_per_question():
    """The feedback workbook's responses are read as the main Form's: ratings averaged, choices counted,
    words kept; the report shows them, escaped."""
    answers = answers_of(_feedback_workbook())
    assert len(answers) == 2
    report = build_pilot_report(_pilot_hub(), FIRST, LAST, NOW, PilotScope(), KpiTargets(), answers)
    by = {a.question: a for a in report.feedback}
    assert report.responses == 2
    assert by["How easy is it to log an interaction on the Form?"].summary == "3.0 of 5 (2 answers)"
    assert by["Which division do you work in?"].summary == "Motors 2"
    assert by["How easily do you find a customer's history before a call?"].summary == "3.0 of 5 (1 answers)"
    assert by["What should a CRM do for you that the hub does not?"].texts == ("WhatsApp in", "Quotes")
    html = render_pilot_report(report)
    assert "The Form is long" in html and "customer&#39;s history" in html


def test_form_feedback_prints_the_feedback_questions_in_order():
    """The feedback Form's checklist lists each of its questions in order, with its type."""
    text = as_markdown(feedback=True)
    titles = [q.title for q in feedback_questions()]
    positions = [text.index(t) for t in titles]
    assert positions == sorted(positions) and "Pilot feedback from staff" in text
    assert "Rating (5, number)" in text


def test_a_pilot_limits_the_weekly_kpis_and_their_digest_to_its_rows():
    """With CXHUB_PILOT=Motors the KPI job keeps Motors' figures and finds no data for Power's rows."""
    from datetime import UTC

    from hub.kpis.weekly import run_kpis
    from tests.fakes import FakeHubStore, FakeMailer, FakeState

    store = FakeHubStore()
    store.tables.update({name: [dict(r) for r in rows] for name, rows in HUB.items()})
    clock = lambda: datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # noqa: E731
    run_kpis(
        store, FakeMailer(), FakeState(), clock, "Africa/Lagos", ("it@x",), scope=PilotScope.parse("Motors")
    )
    got = {(r["Division"], r["KPI"]): r["Value"] for r in store.tables["Dashboard"]}
    whole = {(k.division, k.kpi): k.value for k in compute_kpis(HUB, WEEK, NOW)}
    assert whole["Power", INQUIRY_TO_WON] is not None and got["Power", INQUIRY_TO_WON] is None
    assert got["Motors", INQUIRY_TO_WON] == whole["Motors", INQUIRY_TO_WON] is not None
