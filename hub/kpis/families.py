"""The KPIs by family (pipeline, service, responses, commerce, cross-division, data quality,
adoption): each fills `out[(division, KPI name)]` for one week from the frames.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from hub.kpis.definitions import (
    ADOPTION,
    ALL,
    AVERAGE_SPEND,
    B2B,
    B2C,
    CROSS_DIVISION,
    CROSS_DIVISION_COUNT,
    CSAT,
    DATA_QUALITY,
    EVERYONE,
    FIRST_CONTACT_RESOLUTION,
    FIRST_RESPONSE,
    INQUIRY_TO_QUOTE,
    INQUIRY_TO_WON,
    LEAD_TO_SITE_VISIT,
    LOOKBACK_DAYS,
    ORDER_FREQUENCY,
    ORDER_VOLUME,
    PROPOSAL_WIN_RATE,
    QUALITY_FLAG_DAYS,
    QUOTE_TO_PURCHASE,
    REPEAT_RATE,
    SALES,
    SALES_CYCLE,
    STAGES,
    KpiTargets,
    answered_within_name,
)
from hub.kpis.frames import (
    between,
    columns_frame,
    filled_mask,
    first_responses,
    follow_merges,
    merge_survivors,
    staff_frame,
    text_series,
    twelve_months_before,
)
from hub_schema.columns import ACCOUNT_ID

# (division, KPI name) -> value, filled family by family.
Values = dict[tuple[str, str], float | None]


def percent(part: float, whole: float) -> float | None:
    return None if not whole else 100.0 * part / whole


def by_division(mask: pd.Series, division: pd.Series, divisions: Iterable[str]) -> dict[str, int]:
    """How many rows match `mask`, per division and for "All" (which includes blank divisions)."""
    counts = division[mask].value_counts()
    out = {d: int(counts.get(d, 0)) for d in divisions if d != ALL}
    out[ALL] = int(mask.sum())
    return out


def pipeline_kpis(opps: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, out: Values) -> None:
    division = opps["division"]
    entered = {s: by_division(between(opps[s], start, end), division, EVERYONE) for s in STAGES}
    inquiries, quotes, visits, won = (
        entered["Inquiry"],
        entered["Quote / PFI"],
        entered["Test Drive / Site Visit"],
        entered["Won"],
    )
    out["Motors", INQUIRY_TO_QUOTE] = percent(quotes["Motors"], inquiries["Motors"])
    out["Motors", QUOTE_TO_PURCHASE] = percent(won["Motors"], quotes["Motors"])
    for d in (*SALES, ALL):
        out[d, INQUIRY_TO_WON] = percent(won[d], inquiries[d])

    quoted = opps["Quote / PFI"].notna()
    won_now = opps["stage"].eq("Won").fillna(False) & between(opps["Won"], start, end)
    lost_now = opps["stage"].eq("Lost").fillna(False) & between(opps["Lost"], start, end)
    won_q = by_division(quoted & won_now, division, B2B)
    lost_q = by_division(quoted & lost_now, division, B2B)

    since = end - pd.Timedelta(days=LOOKBACK_DAYS)
    won_recent = opps[opps["stage"].eq("Won").fillna(False) & between(opps["Won"], since, end)]
    cycle = (won_recent["Won"] - won_recent["opened"]).dt.total_seconds() / 86_400
    cycle_days = cycle[cycle >= 0].groupby(won_recent["division"]).mean()
    for d in B2B:
        out[d, LEAD_TO_SITE_VISIT] = percent(visits[d], inquiries[d])
        out[d, PROPOSAL_WIN_RATE] = percent(won_q[d], won_q[d] + lost_q[d])
        out[d, SALES_CYCLE] = as_float(cycle_days.get(d))


def service_kpis(
    tickets: pd.DataFrame,
    inter: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    out: Values,
    ratings: pd.DataFrame,
) -> None:
    """First-contact resolution, quality-flag days, and CSAT over `ratings` (frames.ratings_frame)."""
    resolved = tickets[between(tickets["resolved"], start, end)]
    motors = resolved[resolved["division"].eq("Motors").fillna(False)]
    touches = inter["ticket"].value_counts()
    linked = motors["ticket"].map(touches).fillna(0)
    out["Motors", FIRST_CONTACT_RESOLUTION] = percent(int((linked <= 1).sum()), len(motors))

    flags = resolved[
        resolved["division"].eq("Medical").fillna(False)
        & resolved["category"].eq("Quality Flag").fillna(False)
    ]
    out["Medical", QUALITY_FLAG_DAYS] = median_business_days(flags)

    rated = ratings[between(ratings["rated_at"], start, end)]
    good = by_division(rated["csat"] >= 4, rated["division"], EVERYONE)
    total = by_division(pd.Series(True, index=rated.index), rated["division"], EVERYONE)
    for d in EVERYONE:
        out[d, CSAT] = percent(good[d], total[d])


def median_business_days(resolved: pd.DataFrame) -> float | None:
    """Median business days (Mon-Fri) Opened -> Resolved of tickets: the one meaning of "time to
    resolve", for the quality flags here and every ticket in the pilot report."""
    opened = resolved[resolved["opened"].notna()]
    days = np.busday_count(
        opened["opened"].to_numpy().astype("datetime64[D]"),
        opened["resolved"].to_numpy().astype("datetime64[D]"),
    )
    days = days[days >= 0]
    return float(np.median(days)) if len(days) else None


def response_kpis(
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
    shares = by_division(within, found["division"], EVERYONE)
    totals = by_division(pd.Series(True, index=found.index), found["division"], EVERYONE)
    for d in EVERYONE:
        out[d, FIRST_RESPONSE] = as_float(answered["hours"].median() if d == ALL else medians.get(d))
        out[d, name] = percent(shares[d], totals[d])


def commerce_kpis(deals: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, out: Values) -> None:
    this_week = deals[between(deals["when"], start, end) & deals["amount"].notna()]
    since = end - pd.Timedelta(days=LOOKBACK_DAYS)
    medical = deals[deals["division"].eq("Medical").fillna(False) & between(deals["when"], since, end)]
    accounts = medical["account"].nunique()
    out["Medical", ORDER_FREQUENCY] = len(medical) / accounts if accounts else None
    medical_week = this_week[this_week["division"].eq("Medical").fillna(False)]
    out["Medical", ORDER_VOLUME] = as_float(medical_week["amount"].mean())

    year = deals[between(deals["when"], twelve_months_before(end), end)]
    for d in B2C:
        spend = this_week[this_week["division"].eq(d).fillna(False)].groupby("account")["amount"].sum()
        out[d, AVERAGE_SPEND] = as_float(spend.mean())
        invoices = year[year["division"].eq(d).fillna(False)].groupby("account").size()
        out[d, REPEAT_RATE] = percent(int((invoices >= 2).sum()), len(invoices))


def cross_division_kpis(inter: pd.DataFrame, deals: pd.DataFrame, end: pd.Timestamp, out: Values) -> None:
    since = twelve_months_before(end)
    touched = pd.concat(
        [
            inter.loc[between(inter["when"], since, end), ["account", "division"]],
            deals.loc[between(deals["when"], since, end), ["account", "division"]],
        ]
    ).dropna()
    per_account = touched.drop_duplicates().groupby("account").size()
    cross = int((per_account >= 2).sum())
    out[ALL, CROSS_DIVISION] = percent(cross, len(per_account))
    out[ALL, CROSS_DIVISION_COUNT] = float(cross) if len(per_account) else None


def data_quality_kpis(
    tables: Mapping[str, list[dict]], inter: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, out: Values
) -> None:
    """% of key cells filled, pooled over three kinds of row (every checked cell weighs the same):

    * Accounts not merged (the whole tab, it is master data): Industry, Address, Main Phone
      Number, ERP Customer ID. An account is in each division its Divisions cell names.
    * Contacts not merged: Email or Mobile Number (one check), Job Title; in their account's divisions.
    * Interactions dated in the week (this week's logging): Contact ID, Direction, Type.
    """
    acc = columns_frame(
        tables.get("Accounts"),
        (ACCOUNT_ID, "Status", "Divisions", "Industry", "Address", "Main Phone Number", "ERP Customer ID"),
    )
    acc = acc[text_series(acc["Status"]).ne("Merged").fillna(True)]
    acc_filled = sum(
        filled_mask(acc[c]).astype(int)
        for c in ("Industry", "Address", "Main Phone Number", "ERP Customer ID")
    )
    acc_div = text_series(acc["Divisions"]).str.split(";").explode().str.strip().dropna()
    acc_ids = text_series(acc[ACCOUNT_ID], upper=True)
    # Contacts take their divisions from their account.
    pairs = pd.DataFrame(
        {"account": acc_ids.reindex(acc_div.index).to_numpy(), "division": acc_div.to_numpy()}
    )

    con = columns_frame(
        tables.get("Contacts"), ("Associated Account ID", "Status", "Email", "Mobile Number", "Job Title")
    )
    con = con[text_series(con["Status"]).ne("Merged").fillna(True)]
    con_filled = (filled_mask(con["Email"]) | filled_mask(con["Mobile Number"])).astype(int) + filled_mask(
        con["Job Title"]
    ).astype(int)
    con_account = follow_merges(
        text_series(con["Associated Account ID"], upper=True), merge_survivors(tables)
    )
    con_div = (
        pd.DataFrame({"account": con_account.to_numpy(), "filled": con_filled.to_numpy()})
        .merge(pairs, on="account", how="inner")
        .groupby("division")["filled"]
        .agg(["sum", "size"])
    )

    week = inter[between(inter["when"], start, end)]
    int_filled = (
        week["contact"].pipe(filled_mask).astype(int)
        + week["direction"].notna().astype(int)
        + week["type"].notna().astype(int)
    )
    int_div = int_filled.groupby(week["division"]).agg(["sum", "size"])
    acc_by_div = acc_filled.reindex(acc_div.index).groupby(acc_div.to_numpy()).agg(["sum", "size"])

    for d in EVERYONE:
        if d == ALL:
            filled = int(acc_filled.sum() + con_filled.sum() + int_filled.sum())
            cells = 4 * len(acc) + 2 * len(con) + 3 * len(week)
        else:
            filled = sum(int(t.loc[d, "sum"]) for t in (acc_by_div, con_div, int_div) if d in t.index)
            weighted = ((4, acc_by_div), (2, con_div), (3, int_div))
            cells = sum(w * int(t.loc[d, "size"]) for w, t in weighted if d in t.index)
        out[d, DATA_QUALITY] = percent(filled, cells)


def adoption_kpis(
    tables: Mapping[str, list[dict]], inter: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, out: Values
) -> None:
    staff = staff_frame(tables)
    active = by_division(staff["active"], staff["division"], EVERYONE)
    logged = by_division(between(inter["when"], start, end), inter["division"], EVERYONE)
    for d in EVERYONE:
        out[d, ADOPTION] = logged[d] / active[d] if active[d] else None


def as_float(x: Any) -> float | None:
    """A float, or None for NaN / missing (pandas' "no data")."""
    if x is None or pd.isna(x):
        return None
    return float(x)
