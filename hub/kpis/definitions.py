"""Weekly KPIs (the strategy's "Define & Measure Success"): what each one measures.

Hub rows in (as `HubStore.read_tables` returns them: naive Lagos wall-clock datetimes, money as
numbers, blanks None), a list of `Kpi` out. `week` is the Monday of the week reported and the
window W is that Monday 00:00 up to, not including, the next Monday 00:00, Lagos wall-clock.
Nothing here reads the clock: `now` only decides which inquiries are still within their response
window. Everything is vectorised with pandas so a hub of 100k interactions takes well under a
second.

KPI                                 divisions              window                  unit
--------------------------------------------------------------------------------------------------
Inquiry → quote rate                Motors                 W                       %
    opportunities that entered Quote / PFI in W ÷ those that entered Inquiry in W
Quote → purchase rate               Motors                 W                       %
    entered Won in W ÷ entered Quote / PFI in W
Inquiry → won rate                  Motors, Power,         W                       %
                                    Construction, All
    entered Won in W ÷ entered Inquiry in W (carries the seed's 5–8 % lead-to-close target)
First-contact resolution            Motors                 W                       %
    tickets resolved in W with at most one interaction carrying their Ticket ID (over the
    ticket's whole life) ÷ tickets resolved in W
Lead → site visit rate              Power, Construction    W                       %
    entered Test Drive / Site Visit in W ÷ entered Inquiry in W
Proposal win rate                   Power, Construction    W                       %
    among opportunities with a Date Entered Quote / PFI whose Stage is Won or Lost and that
    entered it in W: Won ÷ (Won + Lost)
Average sales cycle (90 days)       Power, Construction    90 days to W's end      days
    mean calendar days Opened → Won of opportunities won in those 90 days (stock-style: a B2B
    division wins too few deals a week for a weekly mean)
Distributor order frequency         Medical                90 days to W's end      orders/account
(90 days)
    invoices ÷ distinct accounts invoiced (so at least 1)
Average order volume                Medical                W                       NGN
    mean invoice Amount
Time to resolve quality flags       Medical                W                       business days
    median business days (Mon–Fri) Opened → Resolved of Category "Quality Flag" tickets
    resolved in W
Average spend per customer          GRAS, Cube 65 Clinic   W                       NGN
    invoice Amounts summed per account, mean over the accounts invoiced
Repeat-customer rate (12 months)    GRAS, Cube 65 Clinic   12 months to W's end    %
    accounts with ≥ 2 invoices ÷ accounts with ≥ 1
CSAT                                each, All              W                       %
    tickets rated 4–5 ÷ tickets rated 1–5, in the week the ticket was resolved (Last Updated
    when it has no Resolved)
Median first response               each, All              W                       hours
    median hours from an Inbound "Inquiry" interaction dated in W to the first Outbound
    interaction on the same account at or after it (any division), over answered inquiries
Inquiries answered within 12 h      each, All              W                       %
    share of those inquiries answered within the standard; unanswered ones count as late
Cross-division accounts             All                    12 months to W's end    %
(12 months)
    accounts with interactions or invoices in ≥ 2 divisions ÷ accounts with any
Cross-division accounts             All                    12 months to W's end    count
(12 months, count)
    the number of those accounts
Data quality score                  each, All              stock; interactions W   %
    % of key cells filled (see `data_quality_kpis`)
Interactions per active staff       each, All              W                       interactions/staff
    interactions dated in W ÷ staff whose Active is not "No" (a division: its interactions ÷
    its staff)

Choices where the definitions leave room, made as a sales manager would read the numbers:

* Conversion rates are flows, like the bars of the pipeline funnel: how many opportunities
  entered each stage this week. They can exceed 100 % (more quotes went out than inquiries came
  in); a weekly cohort would instead read near 0 % every Monday because quotes take days.
* "Entered Inquiry" falls back to Opened: the pipeline stamps only the stage a submission names,
  so an opportunity first logged at Quote / PFI is still a lead that came in. "Entered Won/Lost"
  falls back to Closed when Stage says so. No other stage is implied by a later one.
* Invoices (Deals) count when their Status is not Cancelled or Credit Note; an invoice's account
  is its Account ID, else the account with its ERP Customer ID, else the ERP customer itself.
  Accounts merged into another count as the survivor.
* A response in the same minute as the inquiry counts (Form times have minute resolution); an
  unanswered inquiry still inside its response window at `now` is left out, not counted late.
  The median is over answered inquiries; unanswered ones show in the within-12 h share.
* Response times are hours only where both times are known (hub.responses): an inquiry logged
  on a later day without a time, or answered by one, counts in day-level measures only.
* Business days are whole weekdays between the two dates (numpy.busday_count): opened Friday,
  resolved Monday is 1. Public holidays are not known to the hub.
* Staff with a blank Active count as active, as the follow-up rules read the Staff tab.
* Only these targets come from the seeds: lead-to-close conversion 5–8 %, resolution 3–5
  business days (applied to quality flags), CSAT 60–70 % in the pilot, response < 12 h. Every
  other KPI reports "no target" rather than an invented one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

from hub import defaults
from hub_schema.lists import LISTS

# The zone an aware datetime is read in when no CXHUB_TIMEZONE is passed (hub cells are naive).
DEFAULT_ZONE = ZoneInfo(defaults.TIMEZONE)
ALL = "All"
DIVISIONS: tuple[str, ...] = LISTS["Divisions"]
STAGES: tuple[str, ...] = LISTS["Pipeline Stages"]
NOT_ORDERS = frozenset({"Cancelled", "Credit Note"})
LOOKBACK_DAYS = 90

INQUIRY_TO_QUOTE = "Inquiry → quote rate"
QUOTE_TO_PURCHASE = "Quote → purchase rate"
INQUIRY_TO_WON = "Inquiry → won rate"
FIRST_CONTACT_RESOLUTION = "First-contact resolution"
LEAD_TO_SITE_VISIT = "Lead → site visit rate"
PROPOSAL_WIN_RATE = "Proposal win rate"
SALES_CYCLE = "Average sales cycle (90 days)"
ORDER_FREQUENCY = "Distributor order frequency (90 days)"
ORDER_VOLUME = "Average order volume"
QUALITY_FLAG_DAYS = "Time to resolve quality flags"
AVERAGE_SPEND = "Average spend per customer"
REPEAT_RATE = "Repeat-customer rate (12 months)"
CSAT = "CSAT"
FIRST_RESPONSE = "Median first response"
CROSS_DIVISION = "Cross-division accounts (12 months)"
CROSS_DIVISION_COUNT = "Cross-division accounts (12 months, count)"
DATA_QUALITY = "Data quality score"
ADOPTION = "Interactions per active staff"

Status = Literal["on target", "below target", "above target", "no target", "no data"]


def answered_within_name(hours: float) -> str:
    return f"Inquiries answered within {hours:g} h"


@dataclass(frozen=True)
class KpiTargets:
    """The strategy's targets: conversion, resolution, CSAT, and The 12-hour first response."""

    conversion_low: float = 5.0  # % lead-to-close ("inquiry → purchase") conversion
    conversion_high: float = 8.0
    resolution_days_low: float = 3.0  # business days
    resolution_days_high: float = 5.0
    csat_pilot: float = 60.0  # %
    csat_pilot_high: float = 70.0
    csat_later: float = 85.0  # after the pilot; not shown yet
    response_hours: float = defaults.RESPONSE_HOURS


@dataclass(frozen=True)
class Kpi:
    week: date  # Monday of the week reported (Lagos)
    division: str  # a division from LISTS["Divisions"], or "All"
    kpi: str  # human name, e.g. "Inquiry → quote rate"
    value: float | None  # None when there is no data (never 0 pretending to be data)
    unit: str  # "%", "hours", "days", "business days", "NGN", "orders/account", "count", ...
    target: str  # e.g. "5–8 %", "< 12 h", "" when the seed sets none
    status: str  # "on target" | "below target" | "above target" | "no target" | "no data"


@dataclass(frozen=True)
class KpiDefinition:
    name: str
    unit: str
    divisions: tuple[str, ...]
    target: Literal["conversion", "resolution", "csat", "response"] | None = None


SALES = ("Motors", "Power", "Construction")
B2B = ("Power", "Construction")
B2C = ("GRAS", "Cube 65 Clinic")
EVERYONE = (*DIVISIONS, ALL)

# Whether a value past the target range is good news, for the KPIs that have a target.
HIGHER_IS_BETTER: dict[str, bool] = {
    INQUIRY_TO_WON: True,
    QUALITY_FLAG_DAYS: False,
    CSAT: True,
    FIRST_RESPONSE: False,
}


def definitions(targets: KpiTargets) -> tuple[KpiDefinition, ...]:
    """Every KPI in the order a division's section lists it."""
    return (
        KpiDefinition(INQUIRY_TO_QUOTE, "%", ("Motors",)),
        KpiDefinition(QUOTE_TO_PURCHASE, "%", ("Motors",)),
        KpiDefinition(INQUIRY_TO_WON, "%", (*SALES, ALL), "conversion"),
        KpiDefinition(FIRST_CONTACT_RESOLUTION, "%", ("Motors",)),
        KpiDefinition(LEAD_TO_SITE_VISIT, "%", B2B),
        KpiDefinition(PROPOSAL_WIN_RATE, "%", B2B),
        KpiDefinition(SALES_CYCLE, "days", B2B),
        KpiDefinition(ORDER_FREQUENCY, "orders/account", ("Medical",)),
        KpiDefinition(ORDER_VOLUME, "NGN", ("Medical",)),
        KpiDefinition(QUALITY_FLAG_DAYS, "business days", ("Medical",), "resolution"),
        KpiDefinition(AVERAGE_SPEND, "NGN", B2C),
        KpiDefinition(REPEAT_RATE, "%", B2C),
        KpiDefinition(CSAT, "%", EVERYONE, "csat"),
        KpiDefinition(FIRST_RESPONSE, "hours", EVERYONE, "response"),
        KpiDefinition(answered_within_name(targets.response_hours), "%", EVERYONE),
        KpiDefinition(CROSS_DIVISION, "%", (ALL,)),
        KpiDefinition(CROSS_DIVISION_COUNT, "count", (ALL,)),
        KpiDefinition(DATA_QUALITY, "%", EVERYONE),
        KpiDefinition(ADOPTION, "interactions/staff", EVERYONE),
    )
