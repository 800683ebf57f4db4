"""Weekly KPIs (SPEC rule 6, the v4 seed's "Define & Measure Success"): pure computation.

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
    % of key cells filled (see `_data_quality`)
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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from hub.responses import TIME_KNOWN
from hub_schema.lists import LISTS

LAGOS = ZoneInfo("Africa/Lagos")
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
    """Targets from the seeds (003: conversion, resolution, CSAT; v4: the 12-hour response)."""

    conversion_low: float = 5.0  # % lead-to-close ("inquiry → purchase") conversion
    conversion_high: float = 8.0
    resolution_days_low: float = 3.0  # business days
    resolution_days_high: float = 5.0
    csat_pilot: float = 60.0  # %
    csat_pilot_high: float = 70.0
    csat_later: float = 85.0  # after the pilot; not shown yet
    response_hours: float = 12.0


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
class _Def:
    name: str
    unit: str
    divisions: tuple[str, ...]
    target: Literal["conversion", "resolution", "csat", "response"] | None = None


_SALES = ("Motors", "Power", "Construction")
_B2B = ("Power", "Construction")
_B2C = ("GRAS", "Cube 65 Clinic")
_EVERYONE = (*DIVISIONS, ALL)

# Whether a value past the target range is good news, for the KPIs that have a target.
HIGHER_IS_BETTER: dict[str, bool] = {
    INQUIRY_TO_WON: True,
    QUALITY_FLAG_DAYS: False,
    CSAT: True,
    FIRST_RESPONSE: False,
}


def _definitions(targets: KpiTargets) -> tuple[_Def, ...]:
    """Every KPI in the order a division's section lists it."""
    return (
        _Def(INQUIRY_TO_QUOTE, "%", ("Motors",)),
        _Def(QUOTE_TO_PURCHASE, "%", ("Motors",)),
        _Def(INQUIRY_TO_WON, "%", (*_SALES, ALL), "conversion"),
        _Def(FIRST_CONTACT_RESOLUTION, "%", ("Motors",)),
        _Def(LEAD_TO_SITE_VISIT, "%", _B2B),
        _Def(PROPOSAL_WIN_RATE, "%", _B2B),
        _Def(SALES_CYCLE, "days", _B2B),
        _Def(ORDER_FREQUENCY, "orders/account", ("Medical",)),
        _Def(ORDER_VOLUME, "NGN", ("Medical",)),
        _Def(QUALITY_FLAG_DAYS, "business days", ("Medical",), "resolution"),
        _Def(AVERAGE_SPEND, "NGN", _B2C),
        _Def(REPEAT_RATE, "%", _B2C),
        _Def(CSAT, "%", _EVERYONE, "csat"),
        _Def(FIRST_RESPONSE, "hours", _EVERYONE, "response"),
        _Def(answered_within_name(targets.response_hours), "%", _EVERYONE),
        _Def(CROSS_DIVISION, "%", (ALL,)),
        _Def(CROSS_DIVISION_COUNT, "count", (ALL,)),
        _Def(DATA_QUALITY, "%", _EVERYONE),
        _Def(ADOPTION, "interactions/staff", _EVERYONE),
    )


# -- the week ---------------------------------------------------------------------------------
def monday_of(day: date | datetime) -> date:
    """The Monday starting the week that contains `day` (a Lagos wall-clock date)."""
    if isinstance(day, datetime):
        day = day.date()
    return day - timedelta(days=day.weekday())


def week_window(week: date | datetime) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[Monday 00:00, next Monday 00:00) of the week containing `week`, Lagos wall-clock."""
    start = pd.Timestamp(monday_of(week))
    return start, start + pd.Timedelta(days=7)


def _twelve_months_before(when: pd.Timestamp) -> pd.Timestamp:
    return when - pd.DateOffset(years=1)


def _between(values: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    return (values >= start) & (values < end)


# -- rows to frames ---------------------------------------------------------------------------
def _frame(rows: Iterable[Mapping[str, Any]] | None, columns: Iterable[str]) -> pd.DataFrame:
    """Only the columns a KPI needs, as object columns (a missing key reads as blank)."""
    rows = list(rows or ())
    return pd.DataFrame(
        {c: pd.Series([r.get(c) for r in rows], dtype=object) for c in columns},
        index=pd.RangeIndex(len(rows)),
    )


def _when(values: pd.Series) -> pd.Series:
    """Naive Lagos datetimes; a cell that holds no date or datetime (text, a number) becomes NaT."""
    return pd.to_datetime(values.map(_naive_lagos), errors="coerce")


def _naive_lagos(value: Any) -> Any:
    # Checked cell by cell: pandas refuses a column mixing aware and naive values, and would read
    # a stray number as nanoseconds after 1970 or guess at a text's day order.
    if isinstance(value, datetime):
        return value if value.tzinfo is None else value.astimezone(LAGOS).replace(tzinfo=None)
    return value if isinstance(value, date) else None


def _text(values: pd.Series, *, upper: bool = False) -> pd.Series:
    """Stripped text; blanks become NA so they never match anything."""
    out = values.astype("string").str.strip()
    out = out.mask(out == "")
    return out.str.upper() if upper else out


def _number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def _filled(values: pd.Series) -> pd.Series:
    return _text(values).notna()


def _survivors(tables: Mapping[str, list[dict]]) -> dict[str, str]:
    """Merged account ID -> the account it was merged into."""
    acc = _frame(tables.get("Accounts"), ("Account ID", "Status", "Merged Into"))
    merged = acc[_text(acc["Status"]).eq("Merged").fillna(False)]
    ids, into = _text(merged["Account ID"], upper=True), _text(merged["Merged Into"], upper=True)
    keep = ids.notna() & into.notna()
    return dict(zip(ids[keep], into[keep], strict=True))


def _resolve(ids: pd.Series, survivors: Mapping[str, str]) -> pd.Series:
    # A chain of merges (A into B, later B into C) is followed a few hops; a cycle stops there.
    for _ in range(5):
        if not survivors:
            break
        mapped = ids.map(survivors)
        if not mapped.notna().any():
            break
        ids = mapped.fillna(ids)
    return ids


def interactions_frame(tables: Mapping[str, list[dict]]) -> pd.DataFrame:
    """Interactions: when, account (merges followed), division, channel, direction, type, ticket."""
    raw = _frame(
        tables.get("Interactions"),
        (
            "Date",
            "Account ID",
            "Division",
            "Channel",
            "Direction",
            "Type",
            "Ticket ID",
            "Contact ID",
            TIME_KNOWN,
        ),
    )
    return pd.DataFrame(
        {
            "when": _when(raw["Date"]),
            # Blank (rows from before the column existed) reads as known, as hub.responses does.
            "time_known": _text(raw[TIME_KNOWN]).ne("No").fillna(True).astype(bool),
            "account": _resolve(_text(raw["Account ID"], upper=True), _survivors(tables)),
            "division": _text(raw["Division"]),
            "channel": _text(raw["Channel"]),
            "direction": _text(raw["Direction"]),
            "type": _text(raw["Type"]),
            "ticket": _text(raw["Ticket ID"], upper=True),
            "contact": raw["Contact ID"],
        }
    )


def opportunities_frame(tables: Mapping[str, list[dict]]) -> pd.DataFrame:
    """Opportunities: division, stage, and one column per stage with when it entered that stage.

    Entered Inquiry falls back to Opened; entered Won/Lost fall back to Closed when Stage says so.
    """
    stamps = [f"Date Entered {s}" for s in STAGES]
    raw = _frame(tables.get("Opportunities"), ("Division", "Stage", "Opened", "Closed", *stamps))
    stage = _text(raw["Stage"])
    opened, closed = _when(raw["Opened"]), _when(raw["Closed"])
    out = pd.DataFrame({"division": _text(raw["Division"]), "stage": stage, "opened": opened})
    for name, column in zip(STAGES, stamps, strict=True):
        out[name] = _when(raw[column])
    out["Inquiry"] = out["Inquiry"].fillna(opened)
    for name in ("Won", "Lost"):
        out[name] = out[name].fillna(closed.where(stage.eq(name).fillna(False)))
    out["opened"] = opened.fillna(out["Inquiry"])
    return out


def tickets_frame(tables: Mapping[str, list[dict]]) -> pd.DataFrame:
    raw = _frame(
        tables.get("Tickets"),
        ("Ticket ID", "Division", "Category", "Opened", "Resolved", "CSAT", "Last Updated"),
    )
    resolved = _when(raw["Resolved"])
    return pd.DataFrame(
        {
            "ticket": _text(raw["Ticket ID"], upper=True),
            "division": _text(raw["Division"]),
            "category": _text(raw["Category"]),
            "opened": _when(raw["Opened"]),
            "resolved": resolved,
            "csat": _number(raw["CSAT"]),
            # A rating belongs to the week the service it rates was finished.
            "rated_at": resolved.fillna(_when(raw["Last Updated"])),
        }
    )


def deals_frame(tables: Mapping[str, list[dict]]) -> pd.DataFrame:
    """Invoices that are orders (not Cancelled, not Credit Note), with the account they belong to."""
    raw = _frame(
        tables.get("Deals"), ("Account ID", "ERP Customer ID", "Amount", "Invoice Date", "Division", "Status")
    )
    acc = _frame(tables.get("Accounts"), ("Account ID", "ERP Customer ID", "Status"))
    # The survivor of a merge keeps the ERP ID; a merged row holding the same ID must not win.
    merged = _text(acc["Status"]).eq("Merged").fillna(False)
    acc = acc.assign(merged=merged).sort_values("merged", kind="stable")
    acc_erp, acc_id = _text(acc["ERP Customer ID"], upper=True), _text(acc["Account ID"], upper=True)
    keep = acc_erp.notna() & acc_id.notna() & ~acc_erp.duplicated()
    by_erp = dict(zip(acc_erp[keep], acc_id[keep], strict=True))
    erp = _text(raw["ERP Customer ID"], upper=True)
    account = _text(raw["Account ID"], upper=True).fillna(erp.map(by_erp)).fillna("ERP:" + erp)
    status = _text(raw["Status"])
    out = pd.DataFrame(
        {
            "account": _resolve(account, _survivors(tables)),
            "amount": _number(raw["Amount"]),
            "when": _when(raw["Invoice Date"]),
            "division": _text(raw["Division"]),
        }
    )
    return out[~status.isin(NOT_ORDERS).fillna(False)]


def first_responses(interactions: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Inbound inquiries received in [start, end), with the first Outbound touch on the same
    account at or after them (`answered`, NaT if none) and the hours between.

    The rule of hub.responses, vectorised: only inquiries of known time are measured, and one
    whose first answer came at an unknown time (an Outbound row of that day or an earlier day than
    the first timed answer) is left out — it counts in day-level measures only."""
    inter = interactions[interactions["when"].notna() & interactions["account"].notna()]
    inquiries = inter[
        inter["direction"].eq("Inbound").fillna(False)
        & inter["type"].eq("Inquiry").fillna(False)
        & inter["time_known"]
        & _between(inter["when"], start, end)
    ][["when", "account", "division"]]
    replies = inter[inter["direction"].eq("Outbound").fillna(False)]
    if inquiries.empty:
        return pd.DataFrame(
            {
                "when": pd.Series(dtype="datetime64[ns]"),
                "account": pd.Series(dtype="string"),
                "division": pd.Series(dtype="string"),
                "answered": pd.Series(dtype="datetime64[ns]"),
                "hours": pd.Series(dtype=float),
            }
        )
    # merge_asof wants one dtype on both sides and plain object keys sort fastest.
    left = inquiries.assign(account=inquiries["account"].astype(object)).astype({"when": "datetime64[ns]"})
    left = left.assign(day=left["when"].dt.normalize()).sort_values("when")
    timed = replies[replies["time_known"]]
    right = (
        timed.assign(account=timed["account"].astype(object), answered=timed["when"])
        .sort_values("when")[["when", "account", "answered"]]
        .astype({"when": "datetime64[ns]", "answered": "datetime64[ns]"})
    )
    out = pd.merge_asof(left, right, on="when", by="account", direction="forward", allow_exact_matches=True)
    untimed = replies[~replies["time_known"]]
    vague = (
        untimed.assign(
            account=untimed["account"].astype(object),
            day=untimed["when"].astype("datetime64[ns]").dt.normalize(),
        )
        .assign(vague_day=lambda f: f["day"])
        .sort_values("day")[["day", "account", "vague_day"]]
    )
    out = pd.merge_asof(out.sort_values("day"), vague, on="day", by="account", direction="forward")
    answered_vaguely = out["vague_day"].notna() & (
        out["answered"].isna() | (out["vague_day"] < out["answered"].dt.normalize())
    )
    out = out[~answered_vaguely].drop(columns=["day", "vague_day"]).sort_values("when")
    out["hours"] = (out["answered"] - out["when"]).dt.total_seconds() / 3600
    return out.reset_index(drop=True)


def staff_frame(tables: Mapping[str, list[dict]]) -> pd.DataFrame:
    raw = _frame(tables.get("Staff"), ("Email", "Division", "Active"))
    active = _text(raw["Active"]).fillna("Yes").str.casefold().ne("no")
    return pd.DataFrame({"division": _text(raw["Division"]), "active": active & _filled(raw["Email"])})


# -- the KPIs ---------------------------------------------------------------------------------
Values = dict[tuple[str, str], float | None]


def _pct(part: float, whole: float) -> float | None:
    return None if not whole else 100.0 * part / whole


def _by_division(mask: pd.Series, division: pd.Series, divisions: Iterable[str]) -> dict[str, int]:
    """How many rows match `mask`, per division and for "All" (which includes blank divisions)."""
    counts = division[mask].value_counts()
    out = {d: int(counts.get(d, 0)) for d in divisions if d != ALL}
    out[ALL] = int(mask.sum())
    return out


def _pipeline(opps: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, out: Values) -> None:
    division = opps["division"]
    entered = {s: _by_division(_between(opps[s], start, end), division, _EVERYONE) for s in STAGES}
    inquiries, quotes, visits, won = (
        entered["Inquiry"],
        entered["Quote / PFI"],
        entered["Test Drive / Site Visit"],
        entered["Won"],
    )
    out["Motors", INQUIRY_TO_QUOTE] = _pct(quotes["Motors"], inquiries["Motors"])
    out["Motors", QUOTE_TO_PURCHASE] = _pct(won["Motors"], quotes["Motors"])
    for d in (*_SALES, ALL):
        out[d, INQUIRY_TO_WON] = _pct(won[d], inquiries[d])

    quoted = opps["Quote / PFI"].notna()
    won_now = opps["stage"].eq("Won").fillna(False) & _between(opps["Won"], start, end)
    lost_now = opps["stage"].eq("Lost").fillna(False) & _between(opps["Lost"], start, end)
    won_q = _by_division(quoted & won_now, division, _B2B)
    lost_q = _by_division(quoted & lost_now, division, _B2B)

    since = end - pd.Timedelta(days=LOOKBACK_DAYS)
    won_recent = opps[opps["stage"].eq("Won").fillna(False) & _between(opps["Won"], since, end)]
    cycle = (won_recent["Won"] - won_recent["opened"]).dt.total_seconds() / 86_400
    cycle_days = cycle[cycle >= 0].groupby(won_recent["division"]).mean()
    for d in _B2B:
        out[d, LEAD_TO_SITE_VISIT] = _pct(visits[d], inquiries[d])
        out[d, PROPOSAL_WIN_RATE] = _pct(won_q[d], won_q[d] + lost_q[d])
        out[d, SALES_CYCLE] = _value(cycle_days.get(d))


def _service(
    tickets: pd.DataFrame, inter: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, out: Values
) -> None:
    resolved = tickets[_between(tickets["resolved"], start, end)]
    motors = resolved[resolved["division"].eq("Motors").fillna(False)]
    touches = inter["ticket"].value_counts()
    linked = motors["ticket"].map(touches).fillna(0)
    out["Motors", FIRST_CONTACT_RESOLUTION] = _pct(int((linked <= 1).sum()), len(motors))

    flags = resolved[
        resolved["division"].eq("Medical").fillna(False)
        & resolved["category"].eq("Quality Flag").fillna(False)
        & resolved["opened"].notna()
    ]
    days = np.busday_count(
        flags["opened"].to_numpy().astype("datetime64[D]"),
        flags["resolved"].to_numpy().astype("datetime64[D]"),
    )
    days = days[days >= 0]
    out["Medical", QUALITY_FLAG_DAYS] = float(np.median(days)) if len(days) else None

    rated = tickets[tickets["csat"].between(1, 5) & _between(tickets["rated_at"], start, end)]
    good = _by_division(rated["csat"] >= 4, rated["division"], _EVERYONE)
    total = _by_division(pd.Series(True, index=rated.index), rated["division"], _EVERYONE)
    for d in _EVERYONE:
        out[d, CSAT] = _pct(good[d], total[d])


def _responses(
    inter: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    now: pd.Timestamp,
    targets: KpiTargets,
    out: Values,
) -> None:
    limit = targets.response_hours
    found = first_responses(inter, start, end)
    waiting = found["answered"].isna() & ((now - found["when"]).dt.total_seconds() <= limit * 3600)
    found = found[~waiting]
    within = found["hours"] <= limit
    name = answered_within_name(limit)
    answered = found[found["hours"].notna()]
    medians = answered.groupby("division")["hours"].median()
    shares = _by_division(within, found["division"], _EVERYONE)
    totals = _by_division(pd.Series(True, index=found.index), found["division"], _EVERYONE)
    for d in _EVERYONE:
        out[d, FIRST_RESPONSE] = _value(answered["hours"].median() if d == ALL else medians.get(d))
        out[d, name] = _pct(shares[d], totals[d])


def _commerce(deals: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, out: Values) -> None:
    this_week = deals[_between(deals["when"], start, end) & deals["amount"].notna()]
    since = end - pd.Timedelta(days=LOOKBACK_DAYS)
    medical = deals[deals["division"].eq("Medical").fillna(False) & _between(deals["when"], since, end)]
    accounts = medical["account"].nunique()
    out["Medical", ORDER_FREQUENCY] = len(medical) / accounts if accounts else None
    medical_week = this_week[this_week["division"].eq("Medical").fillna(False)]
    out["Medical", ORDER_VOLUME] = _value(medical_week["amount"].mean())

    year = deals[_between(deals["when"], _twelve_months_before(end), end)]
    for d in _B2C:
        spend = this_week[this_week["division"].eq(d).fillna(False)].groupby("account")["amount"].sum()
        out[d, AVERAGE_SPEND] = _value(spend.mean())
        invoices = year[year["division"].eq(d).fillna(False)].groupby("account").size()
        out[d, REPEAT_RATE] = _pct(int((invoices >= 2).sum()), len(invoices))


def _cross_division(inter: pd.DataFrame, deals: pd.DataFrame, end: pd.Timestamp, out: Values) -> None:
    since = _twelve_months_before(end)
    touched = pd.concat(
        [
            inter.loc[_between(inter["when"], since, end), ["account", "division"]],
            deals.loc[_between(deals["when"], since, end), ["account", "division"]],
        ]
    ).dropna()
    per_account = touched.drop_duplicates().groupby("account").size()
    cross = int((per_account >= 2).sum())
    out[ALL, CROSS_DIVISION] = _pct(cross, len(per_account))
    out[ALL, CROSS_DIVISION_COUNT] = float(cross) if len(per_account) else None


def _data_quality(
    tables: Mapping[str, list[dict]], inter: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, out: Values
) -> None:
    """% of key cells filled, pooled over three kinds of row (every checked cell weighs the same):

    * Accounts not merged (the whole tab, it is master data): Industry, Address, Main Phone
      Number, ERP Customer ID. An account is in each division its Divisions cell names.
    * Contacts not merged: Email or Mobile Number (one check), Job Title; in their account's divisions.
    * Interactions dated in the week (this week's logging): Contact ID, Direction, Type.
    """
    acc = _frame(
        tables.get("Accounts"),
        ("Account ID", "Status", "Divisions", "Industry", "Address", "Main Phone Number", "ERP Customer ID"),
    )
    acc = acc[_text(acc["Status"]).ne("Merged").fillna(True)]
    acc_filled = sum(
        _filled(acc[c]).astype(int) for c in ("Industry", "Address", "Main Phone Number", "ERP Customer ID")
    )
    acc_div = _text(acc["Divisions"]).str.split(";").explode().str.strip().dropna()
    acc_ids = _text(acc["Account ID"], upper=True)
    # Contacts take their divisions from their account.
    pairs = pd.DataFrame(
        {"account": acc_ids.reindex(acc_div.index).to_numpy(), "division": acc_div.to_numpy()}
    )

    con = _frame(
        tables.get("Contacts"), ("Associated Account ID", "Status", "Email", "Mobile Number", "Job Title")
    )
    con = con[_text(con["Status"]).ne("Merged").fillna(True)]
    con_filled = (_filled(con["Email"]) | _filled(con["Mobile Number"])).astype(int) + _filled(
        con["Job Title"]
    ).astype(int)
    con_account = _resolve(_text(con["Associated Account ID"], upper=True), _survivors(tables))
    con_div = (
        pd.DataFrame({"account": con_account.to_numpy(), "filled": con_filled.to_numpy()})
        .merge(pairs, on="account", how="inner")
        .groupby("division")["filled"]
        .agg(["sum", "size"])
    )

    week = inter[_between(inter["when"], start, end)]
    int_filled = (
        week["contact"].pipe(_filled).astype(int)
        + week["direction"].notna().astype(int)
        + week["type"].notna().astype(int)
    )
    int_div = int_filled.groupby(week["division"]).agg(["sum", "size"])
    acc_by_div = acc_filled.reindex(acc_div.index).groupby(acc_div.to_numpy()).agg(["sum", "size"])

    for d in _EVERYONE:
        if d == ALL:
            filled = int(acc_filled.sum() + con_filled.sum() + int_filled.sum())
            cells = 4 * len(acc) + 2 * len(con) + 3 * len(week)
        else:
            filled = sum(int(t.loc[d, "sum"]) for t in (acc_by_div, con_div, int_div) if d in t.index)
            weighted = ((4, acc_by_div), (2, con_div), (3, int_div))
            cells = sum(w * int(t.loc[d, "size"]) for w, t in weighted if d in t.index)
        out[d, DATA_QUALITY] = _pct(filled, cells)


def _adoption(
    tables: Mapping[str, list[dict]], inter: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, out: Values
) -> None:
    staff = staff_frame(tables)
    active = _by_division(staff["active"], staff["division"], _EVERYONE)
    logged = _by_division(_between(inter["when"], start, end), inter["division"], _EVERYONE)
    for d in _EVERYONE:
        out[d, ADOPTION] = logged[d] / active[d] if active[d] else None


def _value(x: Any) -> float | None:
    """A float, or None for NaN / missing (pandas' "no data")."""
    if x is None or pd.isna(x):
        return None
    return float(x)


def _target(kind: str | None, targets: KpiTargets) -> tuple[str, float | None, float | None]:
    """(label, low, high): on target when low <= value <= high (None: unbounded)."""
    t = targets
    match kind:
        case "conversion":
            return f"{t.conversion_low:g}–{t.conversion_high:g} %", t.conversion_low, t.conversion_high
        case "resolution":
            return (
                f"{t.resolution_days_low:g}–{t.resolution_days_high:g} business days",
                t.resolution_days_low,
                t.resolution_days_high,
            )
        case "csat":
            return f"{t.csat_pilot:g}–{t.csat_pilot_high:g} %", t.csat_pilot, t.csat_pilot_high
        case "response":
            # "Under 12 hours"; 12 h exactly is within the standard, as for each inquiry.
            return f"< {t.response_hours:g} h", None, t.response_hours
    return "", None, None


def _status(value: float | None, low: float | None, high: float | None, label: str) -> Status:
    if value is None:
        return "no data"
    if not label:
        return "no target"
    if low is not None and value < low:
        return "below target"
    if high is not None and value > high:
        return "above target"
    return "on target"


def compute_kpis(
    tables: Mapping[str, list[dict]],
    week: date,
    now: datetime,
    targets: KpiTargets = KpiTargets(),  # frozen, so one shared default is safe
) -> list[Kpi]:
    """Every KPI for the week starting Monday `week` (any day of that week is taken to mean its
    Monday), per division then "All", in a fixed order. `now` is Lagos wall-clock."""
    monday = monday_of(week)
    start, end = week_window(monday)
    now_ts = pd.Timestamp(_naive_lagos(now))
    inter = interactions_frame(tables)
    deals = deals_frame(tables)

    values: Values = {}
    _pipeline(opportunities_frame(tables), start, end, values)
    _service(tickets_frame(tables), inter, start, end, values)
    _responses(inter, start, end, now_ts, targets, values)
    _commerce(deals, start, end, values)
    _cross_division(inter, deals, end, values)
    _data_quality(tables, inter, start, end, values)
    _adoption(tables, inter, start, end, values)

    definitions = _definitions(targets)
    out: list[Kpi] = []
    for division in _EVERYONE:
        for spec in definitions:
            if division not in spec.divisions:
                continue
            value = values.get((division, spec.name))
            value = None if value is None else round(float(value), 2)
            label, low, high = _target(spec.target, targets)
            out.append(
                Kpi(monday, division, spec.name, value, spec.unit, label, _status(value, low, high, label))
            )
    return out


def tone(kpi: Kpi) -> Literal["good", "bad", "neutral"]:
    """Whether a status is good news: above a conversion target is good, above a time target is not."""
    if kpi.status == "on target":
        return "good"
    if kpi.status not in ("above target", "below target") or kpi.kpi not in HIGHER_IS_BETTER:
        return "neutral"
    return "good" if (kpi.status == "above target") == HIGHER_IS_BETTER[kpi.kpi] else "bad"


def dashboard_rows(kpis: list[Kpi], computed_at: datetime) -> list[dict]:
    """Rows for the Dashboard tab, keyed by its hub_schema column names."""
    return [
        {
            "Week": k.week,
            "Division": k.division,
            "KPI": k.kpi,
            "Value": k.value,
            "Unit": k.unit,
            "Target": k.target,
            "Status": k.status,
            "Computed At": computed_at,
        }
        for k in kpis
    ]
