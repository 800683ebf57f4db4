"""Weekly KPIs (rule 6): a small hub whose every number is worked out by hand in the comments.

The week reported is Monday 16 to Sunday 22 November 2026, Lagos wall-clock; `now` is the
Monday after, 08:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hub.kpis.compute import ALL, Kpi, compute_kpis, dashboard_rows, tone
from hub_schema.lists import LISTS
from hub_schema.tabs import tab

WEEK = date(2026, 11, 16)
NOW = datetime(2026, 11, 23, 8, 0)


def nov(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute)


STAGE_KEYS = {"Quote_PFI": "Quote / PFI", "Visit": "Test Drive / Site Visit"}


def opp(opp_id, division, stage, opened=None, closed=None, **entered):
    """An opportunity; entered (Inquiry=, Visit=, Quote_PFI=, Won=, Lost=) fills Date Entered columns."""
    row = {
        "Opportunity ID": opp_id,
        "Account ID": "ACC-1",
        "Division": division,
        "Stage": stage,
        "Opened": opened,
        "Closed": closed,
    }
    for stage_name in LISTS["Pipeline Stages"]:
        row[f"Date Entered {stage_name}"] = None
    for key, when in entered.items():
        row[f"Date Entered {STAGE_KEYS.get(key, key)}"] = when
    return row


def interaction(int_id, division, account, when, direction="Inbound", type_="Other", **extra):
    return {
        "Interaction ID": int_id,
        "Date": when,
        "Contact ID": extra.pop("contact", "CON-1"),
        "Account ID": account,
        "Channel": extra.pop("channel", "Phone"),
        "Notes": "n",
        "Logged By": "ada@mikano.example",
        "Division": division,
        "Direction": direction,
        "Type": type_,
        **extra,
    }


def ticket(ticket_id, division, opened, resolved=None, csat=None, category="Service Request"):
    return {
        "Ticket ID": ticket_id,
        "Account ID": "ACC-2",
        "Division": division,
        "Category": category,
        "Status": "Resolved" if resolved else "Open",
        "Opened": opened,
        "Resolved": resolved,
        "CSAT": csat,
    }


def deal(no, customer, division, amount, when, status="Paid", account=None):
    return {
        "Invoice No": no,
        "ERP Customer ID": customer,
        "Account ID": account,
        "Amount": amount,
        "Invoice Date": datetime(when.year, when.month, when.day),
        "Division": division,
        "Status": status,
    }


def account(acc_id, divisions, erp=None, status="Active", merged_into=None, **fields):
    return {
        "Account ID": acc_id,
        "Company Name": acc_id,
        "Industry": fields.get("industry"),
        "Address": fields.get("address"),
        "Main Phone Number": fields.get("phone"),
        "ERP Customer ID": erp,
        "Account Type": "Company",
        "Divisions": divisions,
        "Status": status,
        "Merged Into": merged_into,
    }


HUB: dict[str, list[dict]] = {
    "Accounts": [
        account("ACC-1", "Motors; Power", "C1", industry="Oil", address="Lagos", phone="+2348031234567"),
        account("ACC-2", "Motors", "C2", address="Abuja"),
        account("ACC-3", "Medical", "C3"),
        account("ACC-4", "GRAS"),
        account("ACC-6", "Cube 65 Clinic", "C6"),
    ],
    "Contacts": [
        {"Contact ID": "CON-1", "Associated Account ID": "ACC-1", "Email": "a@x.ng", "Job Title": "CEO"},
        {"Contact ID": "CON-2", "Associated Account ID": "ACC-2", "Mobile Number": "+2348031234567"},
    ],
    "Opportunities": [
        # Motors: 4 entered Inquiry this week (OPP-3 only through Opened), 3 entered Quote / PFI,
        # 2 entered Won (OPP-5 was quoted in October). OPP-6 came in on the next Monday.
        opp("OPP-1", "Motors", "Quote / PFI", nov(16), Inquiry=nov(16), Quote_PFI=nov(18)),
        opp("OPP-2", "Motors", "Won", nov(17), nov(20), Inquiry=nov(17), Quote_PFI=nov(19), Won=nov(20)),
        opp("OPP-3", "Motors", "Quote / PFI", nov(18), Quote_PFI=nov(21)),
        opp("OPP-4", "Motors", "Inquiry", nov(19), Inquiry=nov(19)),
        opp(
            "OPP-5",
            "Motors",
            "Won",
            datetime(2026, 10, 1),
            nov(18),
            Quote_PFI=datetime(2026, 10, 5),
            Won=nov(18),
        ),
        opp("OPP-6", "Motors", "Inquiry", nov(23, 0, 10), Inquiry=nov(23, 0, 10)),
        # Power: 2 inquiries this week, 1 of them visited; OPP-11 (quoted) won and OPP-14 (quoted,
        # Closed but no Date Entered Lost) lost this week; OPP-15 lost without a quote.
        opp(
            "OPP-11",
            "Power",
            "Won",
            datetime(2026, 10, 20, 9),
            nov(17),
            Inquiry=datetime(2026, 10, 20, 9),
            Quote_PFI=datetime(2026, 11, 2),
            Won=nov(17),
        ),
        opp("OPP-12", "Power", "Test Drive / Site Visit", nov(16), Inquiry=nov(16), Visit=nov(18)),
        opp("OPP-13", "Power", "Inquiry", nov(17), Inquiry=nov(17)),
        opp("OPP-14", "Power", "Lost", datetime(2026, 9, 1), nov(19), Quote_PFI=datetime(2026, 9, 10)),
        opp("OPP-15", "Power", "Lost", datetime(2026, 11, 10), Lost=nov(20)),
        # Won on 30 September after 60 days: inside the 90 days that end with this week.
        opp(
            "OPP-16",
            "Power",
            "Won",
            datetime(2026, 8, 1, 9),
            datetime(2026, 9, 30, 9),
            Won=datetime(2026, 9, 30, 9),
        ),
    ],
    "Tickets": [
        ticket("TKT-1", "Motors", nov(16), nov(17), csat=5),  # one interaction: first-contact
        ticket("TKT-2", "Motors", nov(10), nov(18), csat=2),  # two interactions
        ticket("TKT-3", "Motors", nov(17), nov(19), csat=4),  # none: first-contact
        ticket("TKT-4", "Motors", nov(18)),  # still open
        ticket("TKT-5", "Motors", nov(2), nov(9), csat=1),  # resolved the week before
        # Medical quality flags: Fri 13 -> Wed 18 is 3 business days, Mon 16 -> Fri 20 is 4,
        # Mon 2 -> Mon 16 is 10; the median is 4.
        ticket("TKT-6", "Medical", nov(13), nov(18), csat=5, category="Quality Flag"),
        ticket("TKT-7", "Medical", nov(16), nov(20), category="Quality Flag"),
        ticket("TKT-8", "Medical", nov(2), nov(16), category="Quality Flag"),
        ticket("TKT-9", "Medical", nov(1), nov(19), csat=3, category="Complaint"),
    ],
    "Interactions": [
        interaction(
            "INT-1", "Motors", "ACC-2", nov(16, 10), type_="Service Request", **{"Ticket ID": "TKT-1"}
        ),
        interaction(
            "INT-2", "Motors", "ACC-2", nov(10, 10), type_="Service Request", **{"Ticket ID": "TKT-2"}
        ),
        interaction(
            "INT-3", "Motors", "ACC-2", nov(17, 10), type_="Complaint", contact=None, **{"Ticket ID": "tkt-2"}
        ),
        # Motors first responses: 2.5 h, 24 h, and one never answered (1 of 3 within 12 h).
        interaction("INT-10", "Motors", "ACC-1", nov(16, 9), type_="Inquiry", channel="WhatsApp"),
        interaction(
            "INT-11", "Motors", "ACC-1", nov(16, 11, 30), "Outbound", "Follow-up", channel="WhatsApp"
        ),
        interaction("INT-12", "Motors", "ACC-2", nov(17, 8), type_="Inquiry"),
        interaction("INT-13", "Motors", "ACC-2", nov(18, 8), "Outbound", "Follow-up"),
        interaction("INT-14", "Motors", "ACC-2", nov(18, 10), type_="Inquiry", contact=None, channel="Email"),
        # Sunday 23:30: in this week, and at `now` still inside its 12 hours.
        interaction("INT-15", "Power", "ACC-1", nov(22, 23, 30), type_="Inquiry"),
        interaction("INT-20", "Medical", "ACC-3", datetime(2026, 10, 5), "Outbound", channel="Meeting"),
        interaction("INT-21", "GRAS", "ACC-1", nov(19), None, None, channel="Walk-in"),
    ],
    "Deals": [
        # Medical, 90 days to 23 Nov: INV-1, INV-2 (ACC-3) and INV-4 (ERP customer C7, no account).
        deal("INV-1", "C3", "Medical", 1_000_000, nov(17)),
        deal("INV-2", "C3", "Medical", 3_000_000, nov(18), "Open"),
        deal("INV-3", "C3", "Medical", 9_000_000, nov(19), "Cancelled"),
        deal("INV-4", "C7", "Medical", 2_000_000, datetime(2026, 10, 1)),
        deal("INV-5", "C3", "Medical", 500_000, datetime(2026, 7, 1)),
        # GRAS this week: ACC-4 spent 50,000 and ACC-1 10,000; over 12 months ACC-4 came 3 times.
        deal("INV-10", "C40", "GRAS", 20_000, nov(16), account="ACC-4"),
        deal("INV-11", "C40", "GRAS", 30_000, nov(20), account="ACC-4"),
        deal("INV-12", "C1", "GRAS", 10_000, nov(21)),
        deal("INV-13", "C1", "GRAS", 5_000, nov(21), "Credit Note"),
        deal("INV-14", "C40", "GRAS", 15_000, datetime(2026, 3, 1), account="ACC-4"),
        deal("INV-15", "C2", "GRAS", 8_000, datetime(2025, 10, 1)),  # more than 12 months ago
        deal("INV-20", "C6", "Cube 65 Clinic", 40_000, nov(18)),
        deal("INV-21", "C6", "Cube 65 Clinic", 60_000, datetime(2026, 9, 1)),
    ],
    "Staff": [
        {"Email": "s1@mikano.example", "Division": "Motors", "Active": "Yes"},
        {"Email": "s2@mikano.example", "Division": "Motors", "Active": "No"},
        {"Email": "s3@mikano.example", "Division": "Motors", "Active": None},
        {"Email": "s4@mikano.example", "Division": "Power", "Active": "Yes"},
        {"Email": "s5@mikano.example", "Division": "Medical", "Active": "Yes"},
    ],
}


@pytest.fixture(scope="module")
def kpis() -> list[Kpi]:
    return compute_kpis(HUB, WEEK, NOW)


def find(kpis: list[Kpi], division: str, name: str) -> Kpi:
    (match,) = [k for k in kpis if k.division == division and k.kpi == name]
    return match


# -- Motors ----------------------------------------------------------------------------------
def test_motors_inquiry_to_quote(kpis):
    """3 of the 4 Motors inquiries of the week had a quote entered this week: 75 %."""
    assert find(kpis, "Motors", "Inquiry → quote rate").value == 75.0


def test_motors_quote_to_purchase(kpis):
    """2 Motors opportunities entered Won against 3 that entered Quote / PFI: 66.67 %."""
    assert find(kpis, "Motors", "Quote → purchase rate").value == 66.67


def test_inquiry_to_won_carries_the_conversion_target(kpis):
    """2 won of 4 Motors inquiries is 50 %, above the 5–8 % target (good news)."""
    k = find(kpis, "Motors", "Inquiry → won rate")
    assert (k.value, k.target, k.status, tone(k)) == (50.0, "5–8 %", "above target", "good")


def test_inquiry_to_won_for_all_divisions(kpis):
    """All divisions: 3 entered Won (OPP-2, OPP-5, OPP-11) against 6 inquiries: 50 %."""
    assert find(kpis, ALL, "Inquiry → won rate").value == 50.0


def test_first_contact_resolution(kpis):
    """TKT-1 (one interaction) and TKT-3 (none) of the 3 resolved this week: 66.67 %."""
    assert find(kpis, "Motors", "First-contact resolution").value == 66.67


# -- Power and Construction ------------------------------------------------------------------
def test_power_lead_to_site_visit(kpis):
    """1 of Power's 2 new leads had a site visit this week: 50 %."""
    assert find(kpis, "Power", "Lead → site visit rate").value == 50.0


def test_power_proposal_win_rate_counts_only_quoted_opportunities(kpis):
    """Quoted and closed this week: OPP-11 won, OPP-14 lost (OPP-15 had no quote): 50 %."""
    assert find(kpis, "Power", "Proposal win rate").value == 50.0


def test_power_sales_cycle_averages_wins_of_the_last_90_days(kpis):
    """Won after 28 days (OPP-11) and after 60 days (OPP-16): 44 days."""
    k = find(kpis, "Power", "Average sales cycle (90 days)")
    assert (k.value, k.unit) == (44.0, "days")


def test_a_division_without_opportunities_has_no_data(kpis):
    """Construction logged no opportunity: no data, not 0 %."""
    k = find(kpis, "Construction", "Lead → site visit rate")
    assert (k.value, k.status) == (None, "no data")


# -- Medical ---------------------------------------------------------------------------------
def test_medical_order_frequency_over_90_days(kpis):
    """3 orders in 90 days from 2 customers (the cancelled and the July one left out): 1.5."""
    assert find(kpis, "Medical", "Distributor order frequency (90 days)").value == 1.5


def test_medical_average_order_volume_skips_cancelled_invoices(kpis):
    """(1,000,000 + 3,000,000) / 2 this week; the cancelled 9,000,000 is not an order."""
    k = find(kpis, "Medical", "Average order volume")
    assert (k.value, k.unit) == (2_000_000.0, "NGN")


def test_quality_flags_median_business_days(kpis):
    """Median of 3, 4 and 10 business days is 4: within the 3–5 day target."""
    k = find(kpis, "Medical", "Time to resolve quality flags")
    assert (k.value, k.target, k.status) == (4.0, "3–5 business days", "on target")


# -- GRAS and Cube 65 ------------------------------------------------------------------------
def test_gras_average_spend_per_customer(kpis):
    """ACC-4 spent 50,000 and ACC-1 10,000 this week (credit note left out): 30,000."""
    assert find(kpis, "GRAS", "Average spend per customer").value == 30_000.0


def test_gras_repeat_rate_over_twelve_months(kpis):
    """ACC-4 came 3 times, ACC-1 once (ACC-2's visit is older than 12 months): 50 %."""
    assert find(kpis, "GRAS", "Repeat-customer rate (12 months)").value == 50.0


def test_cube65_repeat_rate(kpis):
    """Cube 65's one customer came twice in 12 months: 100 %."""
    assert find(kpis, "Cube 65 Clinic", "Repeat-customer rate (12 months)").value == 100.0


# -- everyone --------------------------------------------------------------------------------
def test_csat_counts_ratings_of_tickets_resolved_this_week(kpis):
    """Motors: 5 and 4 of ratings 5, 2, 4 (last week's 1 left out): 66.67 %, on target."""
    k = find(kpis, "Motors", "CSAT")
    assert (k.value, k.target, k.status) == (66.67, "60–70 %", "on target")


def test_csat_below_target(kpis):
    """Medical: one 5 and one 3 is 50 %, below the 60–70 % pilot target (bad news)."""
    k = find(kpis, "Medical", "CSAT")
    assert (k.value, k.status, tone(k)) == (50.0, "below target", "bad")


def test_csat_for_all_divisions(kpis):
    """3 of the group's 5 ratings this week are 4 or 5: 60 %."""
    assert find(kpis, ALL, "CSAT").value == 60.0


def test_median_first_response_over_answered_inquiries(kpis):
    """Motors answered after 2.5 h and 24 h: median 13.25 h, above the 12 h standard (bad)."""
    k = find(kpis, "Motors", "Median first response")
    assert (k.value, k.unit, k.target, k.status, tone(k)) == (13.25, "hours", "< 12 h", "above target", "bad")


def test_unanswered_inquiries_count_as_late(kpis):
    """1 of 3 Motors inquiries answered within 12 h (one never answered): 33.33 %."""
    assert find(kpis, "Motors", "Inquiries answered within 12 h").value == 33.33


def test_an_inquiry_still_inside_its_window_is_left_out(kpis):
    """Power's Sunday 23:30 inquiry is 8.5 h old at `now`: not late yet, so no data."""
    assert find(kpis, "Power", "Inquiries answered within 12 h").value is None


def test_the_same_inquiry_is_late_once_its_window_has_passed():
    """A day later the unanswered Power inquiry counts as late: 0 %."""
    kpis = compute_kpis(HUB, WEEK, datetime(2026, 11, 24, 8, 0))
    assert find(kpis, "Power", "Inquiries answered within 12 h").value == 0.0


def test_a_reply_on_the_surviving_account_answers_an_inquiry_on_a_merged_one():
    """ACC-9 was merged into ACC-1: ACC-1's reply one hour later answers ACC-9's inquiry."""
    hub = {
        "Accounts": [
            account("ACC-1", "Motors"),
            account("ACC-9", "Motors", status="Merged", merged_into="ACC-1"),
        ],
        "Interactions": [
            interaction("INT-1", "Motors", "ACC-9", nov(16, 9), type_="Inquiry"),
            interaction("INT-2", "Motors", "acc-1", nov(16, 10), "Outbound"),
        ],
    }
    assert find(compute_kpis(hub, WEEK, NOW), "Motors", "Median first response").value == 1.0


def test_cross_division_accounts(kpis):
    """Only ACC-1 (Motors, Power, GRAS) of 6 customers active in 12 months spans divisions."""
    share = find(kpis, ALL, "Cross-division accounts (12 months)")
    count = find(kpis, ALL, "Cross-division accounts (12 months, count)")
    assert (share.value, count.value, count.unit) == (16.67, 1.0, "count")


def test_cross_division_is_reported_for_all_only(kpis):
    """Cross-division accounts appear once, under "All"."""
    assert {k.division for k in kpis if k.kpi.startswith("Cross-division")} == {ALL}


def test_data_quality_pools_key_fields_of_accounts_contacts_and_interactions():
    """Account 2 of 4, contact 1 of 2 (email but no title), interaction 3 of 3: 6 of 9 cells."""
    hub = {
        "Accounts": [
            account("ACC-1", "Power", "C1", address="Lagos"),
            account("ACC-2", "Power", status="Merged", merged_into="ACC-1"),  # not counted
        ],
        "Contacts": [{"Contact ID": "CON-1", "Associated Account ID": "ACC-1", "Email": "a@x.ng"}],
        "Interactions": [interaction("INT-1", "Power", "ACC-1", nov(17), type_="Inquiry")],
    }
    kpis = compute_kpis(hub, WEEK, NOW)
    assert find(kpis, "Power", "Data quality score").value == 66.67
    assert find(kpis, ALL, "Data quality score").value == 66.67
    assert find(kpis, "Motors", "Data quality score").value is None


def test_data_quality_of_the_motors_division(kpis):
    """Motors: accounts 6 of 8, contacts 3 of 4, this week's interactions 19 of 21: 84.85 %."""
    assert find(kpis, "Motors", "Data quality score").value == 84.85


def test_adoption_counts_interactions_per_active_staff(kpis):
    """7 Motors interactions this week, 2 active staff (a blank Active counts, "No" does not): 3.5."""
    assert find(kpis, "Motors", "Interactions per active staff").value == 3.5


def test_adoption_without_staff_is_no_data(kpis):
    """GRAS logged an interaction but has no staff on the Staff tab: no data."""
    assert find(kpis, "GRAS", "Interactions per active staff").value is None


def test_adoption_of_zero_is_data(kpis):
    """Medical's active staff logged nothing this week: a real 0, not "no data"."""
    k = find(kpis, "Medical", "Interactions per active staff")
    assert (k.value, k.status) == (0.0, "no target")


# -- the week --------------------------------------------------------------------------------
BOUNDARY = {
    "Staff": [{"Email": "s1@mikano.example", "Division": "Motors", "Active": "Yes"}],
    "Interactions": [
        interaction("INT-1", "Motors", "ACC-1", nov(22, 23, 30)),  # Sunday 23:30 Lagos
        interaction("INT-2", "Motors", "ACC-1", nov(22, 23, 59)),
        interaction("INT-3", "Motors", "ACC-1", nov(23, 0, 10)),  # Monday 00:10 Lagos (Sunday in UTC)
    ],
}


def test_sunday_2330_lagos_belongs_to_the_week_ending():
    """The week of 16 November holds the two Sunday-night interactions, not Monday's."""
    kpis = compute_kpis(BOUNDARY, date(2026, 11, 16), NOW)
    assert find(kpis, ALL, "Interactions per active staff").value == 2.0


def test_monday_0010_lagos_belongs_to_the_next_week():
    """The week of 23 November starts with Monday 00:10 Lagos time."""
    kpis = compute_kpis(BOUNDARY, date(2026, 11, 23), datetime(2026, 11, 30))
    assert find(kpis, ALL, "Interactions per active staff").value == 1.0


def test_a_time_zone_aware_value_is_read_in_lagos_time():
    """Sunday 23:10 UTC is Monday 00:10 in Lagos: it belongs to the next week."""
    hub = {
        "Staff": BOUNDARY["Staff"],
        "Interactions": [interaction("INT-1", "Motors", "ACC-1", datetime(2026, 11, 22, 23, 10, tzinfo=UTC))],
    }
    assert find(compute_kpis(hub, date(2026, 11, 16), NOW), ALL, "Interactions per active staff").value == 0.0
    assert find(compute_kpis(hub, date(2026, 11, 23), NOW), ALL, "Interactions per active staff").value == 1.0


def test_any_day_of_the_week_means_its_monday():
    """Asking for Wednesday 18 November reports the week of Monday 16 November."""
    kpis = compute_kpis(BOUNDARY, date(2026, 11, 18), NOW)
    assert {k.week for k in kpis} == {WEEK}
    assert find(kpis, ALL, "Interactions per active staff").value == 2.0


# -- no data, shape --------------------------------------------------------------------------
def test_an_empty_hub_gives_no_data_everywhere():
    """With no rows every KPI is None with status "no data", never a pretend 0."""
    kpis = compute_kpis({}, WEEK, NOW)
    assert kpis and all(k.value is None and k.status == "no data" for k in kpis)


def test_every_division_and_all_are_reported():
    """Each division of the Lists tab and "All" have KPIs, in that order."""
    kpis = compute_kpis({}, WEEK, NOW)
    divisions = list(dict.fromkeys(k.division for k in kpis))
    assert divisions == [*LISTS["Divisions"], ALL]


def test_dashboard_rows_match_the_dashboard_tab(kpis):
    """One row per KPI with exactly the Dashboard tab's columns, in its order."""
    computed = datetime(2026, 11, 23, 7, 0)
    rows = dashboard_rows(kpis, computed)
    assert len(rows) == len(kpis)
    assert all(tuple(row) == tab("Dashboard").column_names for row in rows)
    first = rows[0]
    assert (first["Week"], first["Division"], first["KPI"], first["Value"]) == (
        WEEK,
        "Motors",
        "Inquiry → quote rate",
        75.0,
    )
    assert (first["Unit"], first["Target"], first["Status"], first["Computed At"]) == (
        "%",
        "",
        "no target",
        computed,
    )
