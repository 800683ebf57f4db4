"""The hub's rows as the pandas frames the KPIs read: the week's window, datetimes as naive
wall-clock in the configured zone (CXHUB_TIMEZONE; an aware value is converted to it), text
stripped (blanks never match), merged accounts followed to their survivors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from hub.kpis.definitions import NOT_ORDERS, STAGES
from hub.responses import TIME_KNOWN
from hub.staff import is_active
from hub_schema.columns import ACCOUNT_ID, CONTACT_ID, TICKET_ID


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


def twelve_months_before(when: pd.Timestamp) -> pd.Timestamp:
    return when - pd.DateOffset(years=1)


def between(values: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    return (values >= start) & (values < end)


# -- rows to frames ---------------------------------------------------------------------------
def columns_frame(rows: Iterable[Mapping[str, Any]] | None, columns: Iterable[str]) -> pd.DataFrame:
    """Only the columns a KPI needs, as object columns (a missing key reads as blank)."""
    rows = list(rows or ())
    return pd.DataFrame(
        {c: pd.Series([r.get(c) for r in rows], dtype=object) for c in columns},
        index=pd.RangeIndex(len(rows)),
    )


def datetime_series(values: pd.Series, zone: ZoneInfo) -> pd.Series:
    """Naive wall-clock datetimes in `zone`; a cell that holds no date or datetime (text, a number)
    becomes NaT."""
    return pd.to_datetime(values.map(lambda value: naive_local(value, zone)), errors="coerce")


def naive_local(value: Any, zone: ZoneInfo) -> Any:
    # Checked cell by cell: pandas refuses a column mixing aware and naive values, and would read
    # a stray number as nanoseconds after 1970 or guess at a text's day order.
    if isinstance(value, datetime):
        return value if value.tzinfo is None else value.astimezone(zone).replace(tzinfo=None)
    return value if isinstance(value, date) else None


def text_series(values: pd.Series, *, upper: bool = False) -> pd.Series:
    """Stripped text; blanks become NA so they never match anything."""
    out = values.astype("string").str.strip()
    out = out.mask(out == "")
    return out.str.upper() if upper else out


def number_series(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def filled_mask(values: pd.Series) -> pd.Series:
    return text_series(values).notna()


def merge_survivors(tables: Mapping[str, list[dict]]) -> dict[str, str]:
    """Merged account ID -> the account it was merged into."""
    acc = columns_frame(tables.get("Accounts"), (ACCOUNT_ID, "Status", "Merged Into"))
    merged = acc[text_series(acc["Status"]).eq("Merged").fillna(False)]
    ids, into = text_series(merged[ACCOUNT_ID], upper=True), text_series(merged["Merged Into"], upper=True)
    keep = ids.notna() & into.notna()
    return dict(zip(ids[keep], into[keep], strict=True))


def follow_merges(ids: pd.Series, survivors: Mapping[str, str]) -> pd.Series:
    # A chain of merges (A into B, later B into C) is followed a few hops; a cycle stops there.
    for _ in range(5):
        if not survivors:
            break
        mapped = ids.map(survivors)
        if not mapped.notna().any():
            break
        ids = mapped.fillna(ids)
    return ids


def interactions_frame(tables: Mapping[str, list[dict]], zone: ZoneInfo) -> pd.DataFrame:
    """Interactions: when, account (merges followed), division, channel, direction, type, ticket."""
    raw = columns_frame(
        tables.get("Interactions"),
        (
            "Date",
            ACCOUNT_ID,
            "Division",
            "Channel",
            "Direction",
            "Type",
            TICKET_ID,
            CONTACT_ID,
            TIME_KNOWN,
        ),
    )
    return pd.DataFrame(
        {
            "when": datetime_series(raw["Date"], zone),
            # Blank (rows from before the column existed) reads as known, as hub.responses does.
            "time_known": text_series(raw[TIME_KNOWN]).ne("No").fillna(True).astype(bool),
            "account": follow_merges(text_series(raw[ACCOUNT_ID], upper=True), merge_survivors(tables)),
            "division": text_series(raw["Division"]),
            "channel": text_series(raw["Channel"]),
            "direction": text_series(raw["Direction"]),
            "type": text_series(raw["Type"]),
            "ticket": text_series(raw[TICKET_ID], upper=True),
            "contact": raw[CONTACT_ID],
        }
    )


def opportunities_frame(tables: Mapping[str, list[dict]], zone: ZoneInfo) -> pd.DataFrame:
    """Opportunities: division, stage, and one column per stage with when it entered that stage.

    Entered Inquiry falls back to Opened; entered Won/Lost fall back to Closed when Stage says so.
    """
    stamps = [f"Date Entered {s}" for s in STAGES]
    raw = columns_frame(tables.get("Opportunities"), ("Division", "Stage", "Opened", "Closed", *stamps))
    stage = text_series(raw["Stage"])
    opened, closed = datetime_series(raw["Opened"], zone), datetime_series(raw["Closed"], zone)
    out = pd.DataFrame({"division": text_series(raw["Division"]), "stage": stage, "opened": opened})
    for name, column in zip(STAGES, stamps, strict=True):
        out[name] = datetime_series(raw[column], zone)
    out["Inquiry"] = out["Inquiry"].fillna(opened)
    for name in ("Won", "Lost"):
        out[name] = out[name].fillna(closed.where(stage.eq(name).fillna(False)))
    out["opened"] = opened.fillna(out["Inquiry"])
    return out


def tickets_frame(tables: Mapping[str, list[dict]], zone: ZoneInfo) -> pd.DataFrame:
    raw = columns_frame(
        tables.get("Tickets"),
        (TICKET_ID, "Division", "Category", "Opened", "Resolved", "CSAT", "Last Updated"),
    )
    resolved = datetime_series(raw["Resolved"], zone)
    return pd.DataFrame(
        {
            "ticket": text_series(raw[TICKET_ID], upper=True),
            "division": text_series(raw["Division"]),
            "category": text_series(raw["Category"]),
            "opened": datetime_series(raw["Opened"], zone),
            "resolved": resolved,
            "csat": number_series(raw["CSAT"]),
            # A rating belongs to the week the service it rates was finished.
            "rated_at": resolved.fillna(datetime_series(raw["Last Updated"], zone)),
        }
    )


def ratings_frame(tables: Mapping[str, list[dict]], zone: ZoneInfo) -> pd.DataFrame:
    """Every CSAT rating once (1 to 5): the ratings on Interactions, dated by the interaction, plus a
    rating typed on a ticket none of whose interactions carries one (dated as the ticket). A rating
    about a ticket is on its interaction and copied to the ticket; it counts once."""
    raw = columns_frame(tables.get("Interactions"), ("Date", "Division", "CSAT", TICKET_ID))
    on_touch = pd.DataFrame(
        {
            "division": text_series(raw["Division"]),
            "csat": number_series(raw["CSAT"]),
            "rated_at": datetime_series(raw["Date"], zone),
            "ticket": text_series(raw[TICKET_ID], upper=True),
        }
    )
    on_touch = on_touch[on_touch["csat"].between(1, 5)]
    tickets = tickets_frame(tables, zone)
    only_on_ticket = tickets[
        tickets["csat"].between(1, 5) & ~tickets["ticket"].isin(on_touch["ticket"].dropna())
    ]
    columns = ["division", "csat", "rated_at"]
    return pd.concat([on_touch[columns], only_on_ticket[columns]], ignore_index=True)


def deals_frame(tables: Mapping[str, list[dict]], zone: ZoneInfo) -> pd.DataFrame:
    """Invoices that are orders (not Cancelled, not Credit Note), with the account they belong to."""
    raw = columns_frame(
        tables.get("Deals"), (ACCOUNT_ID, "ERP Customer ID", "Amount", "Invoice Date", "Division", "Status")
    )
    acc = columns_frame(tables.get("Accounts"), (ACCOUNT_ID, "ERP Customer ID", "Status"))
    # The survivor of a merge keeps the ERP ID; a merged row holding the same ID must not win.
    merged = text_series(acc["Status"]).eq("Merged").fillna(False)
    acc = acc.assign(merged=merged).sort_values("merged", kind="stable")
    acc_erp, acc_id = (
        text_series(acc["ERP Customer ID"], upper=True),
        text_series(acc[ACCOUNT_ID], upper=True),
    )
    keep = acc_erp.notna() & acc_id.notna() & ~acc_erp.duplicated()
    by_erp = dict(zip(acc_erp[keep], acc_id[keep], strict=True))
    erp = text_series(raw["ERP Customer ID"], upper=True)
    account = text_series(raw[ACCOUNT_ID], upper=True).fillna(erp.map(by_erp)).fillna("ERP:" + erp)
    status = text_series(raw["Status"])
    out = pd.DataFrame(
        {
            "account": follow_merges(account, merge_survivors(tables)),
            "amount": number_series(raw["Amount"]),
            "when": datetime_series(raw["Invoice Date"], zone),
            "division": text_series(raw["Division"]),
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
        & between(inter["when"], start, end)
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
    raw = columns_frame(tables.get("Staff"), ("Email", "Division", "Active"))
    active = raw["Active"].map(is_active).astype(bool)
    return pd.DataFrame(
        {"division": text_series(raw["Division"]), "active": active & filled_mask(raw["Email"])}
    )
