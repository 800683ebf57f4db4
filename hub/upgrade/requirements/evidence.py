"""The evidence: every number the requirements draft reports, computed once from the hub's rows and
Health checks; the sections only read it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from hub.staff import is_active_staff
from hub.upgrade.requirements.document import figure, month_label
from hub.upgrade.requirements.reading import (
    as_datetime,
    as_number,
    counts_in_list_order,
    is_filled,
    last_months,
    months_before,
    per_month,
    rows_of,
    text_of,
)
from hub.upgrade.requirements.rules import (
    ACTIVE_DAYS,
    BLANK_BY_DESIGN,
    RARELY_USED,
    TRIGGERS,
    WEEKS_SHOWN,
    HealthEvidence,
    UpgradeThreshold,
)
from hub_schema.columns import ACCOUNT_ID
from hub_schema.lists import LISTS
from hub_schema.tabs import TABS


@dataclass(frozen=True)
class TriggerReading:
    trigger: UpgradeThreshold
    latest: float | None
    holds: bool
    first: tuple[datetime, float] | None  # earliest and latest check that measured this trigger
    last: tuple[datetime, float] | None
    per_30_days: float | None
    first_above: datetime | None
    projected: datetime | None  # straight-line crossing date, while still below


@dataclass(frozen=True)
class Evidence:
    """Every number the draft reports, computed once; the sections and requirements only read it."""

    now: datetime
    company: str
    zone: str  # the time zone of `now` and every hub time (CXHUB_TIMEZONE), named in the draft
    rows: dict[str, int]
    # triggers
    latest_check: HealthEvidence | None
    readings: tuple[TriggerReading, ...]
    health_months: tuple[tuple[str, ...], ...]  # month, checks, highest value per trigger
    # volumes
    accounts_active: int
    accounts_merged: int
    individuals: int
    contacts_active: int
    interactions: int
    first_activity: datetime | None
    months: tuple[tuple[str, int, int, int], ...]  # label, interactions, new accounts, new contacts
    recent_3m: int
    previous_3m: int
    new_accounts_3m: int
    # usage
    fill: dict[str, tuple[tuple[str, int, float], ...]]  # tab -> (column, filled, share)
    never_used: dict[str, tuple[str, ...]]
    rarely_used: dict[str, tuple[tuple[str, float], ...]]
    by_design: tuple[tuple[str, str, str], ...]  # tab, column, why blank
    channels: tuple[tuple[str, int], ...]
    divisions: tuple[tuple[str, int], ...]
    individual_interactions: int
    cross_division_accounts: int
    loggers: int
    loggers_recent: int
    # quality
    rejected: int
    rejected_resolved: int
    rejected_erp: int
    reasons: tuple[tuple[str, int, int], ...]  # reason, from the Form, from ERP files
    review: tuple[tuple[str, dict[str, int]], ...]  # kind -> decision -> items
    review_open: int
    merges: dict[str, int]
    steward_weeks: tuple[tuple[date, float, int, float], ...]  # week, hours, stewards, busiest's hours
    # ownership and pipeline
    owner_months: tuple[tuple[str, int], ...]
    owner_changes: int
    owner_accounts: int
    owner_churn: int  # accounts whose owner changed more than once
    stages: tuple[tuple[str, int, float], ...]
    statuses: tuple[tuple[str, int], ...]
    csat_rated: int
    # integrations
    deals: int
    deals_amount: float
    deals_unlinked: int
    invoices_12m: int
    deals_last_import: datetime | None
    price_items: int
    price_last_import: datetime | None
    erp_import_runs: int
    accounts_with_erp_id: int
    via_forms: int
    with_next_action: int
    actions_open: int
    actions_overdue: int
    reminded: int
    staff_active: int
    roles: tuple[tuple[str, int], ...]
    kpis: int
    audit_rows: int

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def triggers_holding(self) -> int:
        return sum(r.holds for r in self.readings)

    @property
    def growth(self) -> float | None:
        """Interactions, last 3 months against the 3 before; None when there is no base."""
        return self.recent_3m / self.previous_3m - 1 if self.previous_3m else None

    @property
    def accounts_growth_per_year(self) -> float | None:
        """New accounts of the last 3 months, times four, over the accounts there were before."""
        base = self.accounts_active + self.accounts_merged - self.new_accounts_3m
        return 4 * self.new_accounts_3m / base if base > 0 else None

    @property
    def channels_used(self) -> list[str]:
        return [c for c, n in self.channels if n and c != "(blank)"]

    @property
    def steward_average(self) -> float | None:
        weeks = self.steward_weeks[-WEEKS_SHOWN:]
        return sum(h for _, h, _, _ in weeks) / len(weeks) if weeks else None


def _readings(health: Sequence[HealthEvidence]) -> tuple[TriggerReading, ...]:
    ordered = sorted(health, key=lambda h: h.checked_at)
    latest = ordered[-1] if ordered else None
    out = []
    for trigger in TRIGGERS:
        points = [
            (h.checked_at, v) for h in ordered if (v := as_number(getattr(h, trigger.attr))) is not None
        ]
        value = as_number(getattr(latest, trigger.attr)) if latest else None
        per_30 = projected = None
        if len(points) >= 2 and (days := (points[-1][0] - points[0][0]).total_seconds() / 86_400) >= 1:
            per_30 = (points[-1][1] - points[0][1]) / days * 30
            if per_30 > 0 and points[-1][1] <= trigger.limit:
                projected = points[-1][0] + timedelta(days=(trigger.limit - points[-1][1]) / per_30 * 30)
        out.append(
            TriggerReading(
                trigger,
                value,
                value is not None and value > trigger.limit,
                points[0] if points else None,
                points[-1] if points else None,
                per_30,
                next((at for at, v in points if v > trigger.limit), None),
                projected,
            )
        )
    return tuple(out)


def _health_months(health: Sequence[HealthEvidence], now: datetime) -> tuple[tuple[str, ...], ...]:
    by_month: dict[tuple[int, int], list[HealthEvidence]] = defaultdict(list)
    for h in health:
        by_month[(h.checked_at.year, h.checked_at.month)].append(h)
    out = []
    for month in last_months(now):
        checks = by_month.get(month)
        if not checks:
            continue
        peaks = []
        for trigger in TRIGGERS:
            values = [v for h in checks if (v := as_number(getattr(h, trigger.attr))) is not None]
            peaks.append(figure(max(values)) if values else "—")
        out.append((month_label(month, now), f"{len(checks):,}", *peaks))
    return tuple(out)


def _fill_rates(tables: Mapping[str, list[dict]]) -> dict[str, tuple[tuple[str, int, float], ...]]:
    out = {}
    for schema in TABS:
        rows = rows_of(tables, schema.name)
        if not rows:
            continue
        # Judged on the raw values: a DataFrame would turn blanks into NaT/NaN first.
        columns = list(schema.column_names)
        filled = pd.DataFrame([[is_filled(r.get(c)) for c in columns] for r in rows], columns=columns).sum()
        out[schema.name] = tuple((c, int(filled[c]), int(filled[c]) / len(rows)) for c in schema.column_names)
    return out


NO_FIELD = "(no field named)"


def _reason_of(line: str) -> str:
    # Intake writes one "field: message" line per problem; ERP rows carry no field prefix.
    head, colon, _ = line.partition(":")
    return head.strip() if colon and head.strip() else NO_FIELD


def _is_erp(row: Mapping[str, Any]) -> bool:
    return text_of(row.get("Source Response ID")).startswith("ERP ")


Tables = Mapping[str, list[dict]]


def gather(
    tables: Tables, health: Sequence[HealthEvidence], now: datetime, company: str, zone: str
) -> Evidence:
    """Every figure of the draft, one group of sections at a time."""
    return Evidence(
        now=now,
        company=company,
        zone=zone,
        rows={t.name: len(rows_of(tables, t.name)) for t in TABS},
        latest_check=max(health, key=lambda h: h.checked_at) if health else None,
        readings=_readings(health),
        health_months=_health_months(health, now),
        **_volume_evidence(tables, now),
        **_usage_evidence(tables, now),
        **_quality_evidence(tables),
        **_pipeline_evidence(tables, now),
        **_integration_evidence(tables, now),
    )


def _volume_evidence(tables: Tables, now: datetime) -> dict[str, Any]:
    accounts = rows_of(tables, "Accounts")
    contacts = rows_of(tables, "Contacts")
    active_accounts = [a for a in accounts if text_of(a.get("Status")) != "Merged"]
    dates = [as_datetime(i.get("Date")) for i in rows_of(tables, "Interactions")]
    known_dates = [d for d in dates if d is not None]
    created = [as_datetime(a.get("Created")) for a in accounts]
    interactions_per_month = per_month(dates)
    new_accounts = per_month(created)
    new_contacts = per_month(as_datetime(c.get("Created")) for c in contacts)
    start_recent, start_previous = months_before(now, 3), months_before(now, 6)
    firsts = [d for d in [*known_dates, *created] if d is not None]
    return {
        "accounts_active": len(active_accounts),
        "accounts_merged": len(accounts) - len(active_accounts),
        "individuals": len(_individuals(active_accounts)),
        "contacts_active": sum(text_of(c.get("Status")) != "Merged" for c in contacts),
        "interactions": len(dates),
        "first_activity": min(firsts) if firsts else None,
        "months": tuple(
            (month_label(m, now), interactions_per_month[m], new_accounts[m], new_contacts[m])
            for m in last_months(now)
        ),
        "recent_3m": sum(start_recent < d <= now for d in known_dates),
        "previous_3m": sum(start_previous < d <= start_recent for d in known_dates),
        "new_accounts_3m": sum(start_recent < d <= now for d in created if d is not None),
    }


def _individuals(active_accounts: Sequence[Mapping[str, Any]]) -> set[str]:
    return {
        text_of(a.get(ACCOUNT_ID)).upper() for a in active_accounts if a.get("Account Type") == "Individual"
    }


def _usage_evidence(tables: Tables, now: datetime) -> dict[str, Any]:
    interactions = rows_of(tables, "Interactions")
    active_accounts = [a for a in rows_of(tables, "Accounts") if text_of(a.get("Status")) != "Merged"]
    individuals = _individuals(active_accounts)
    fill = _fill_rates(tables)
    divisions_of: dict[str, set[str]] = defaultdict(set)
    for i in interactions:
        if text_of(i.get("Division")):
            divisions_of[text_of(i.get(ACCOUNT_ID)).upper()].add(text_of(i.get("Division")))
    return {
        "fill": fill,
        **_field_use(fill),
        "channels": tuple(counts_in_list_order((i.get("Channel") for i in interactions), LISTS["Channels"])),
        "divisions": tuple(
            counts_in_list_order((i.get("Division") for i in interactions), LISTS["Divisions"])
        ),
        "individual_interactions": sum(
            text_of(i.get(ACCOUNT_ID)).upper() in individuals for i in interactions
        ),
        "cross_division_accounts": sum(len(d) > 1 for d in divisions_of.values()),
        **_loggers(interactions, now),
    }


def _field_use(fill: Mapping[str, tuple[tuple[str, int, float], ...]]) -> dict[str, Any]:
    """Fields never or rarely filled, apart from those blank by design."""
    never: dict[str, tuple[str, ...]] = {}
    rarely: dict[str, tuple[tuple[str, float], ...]] = {}
    by_design: list[tuple[str, str, str]] = []
    for tab_name, columns in fill.items():
        blank = [(c, share) for c, _, share in columns if share < RARELY_USED]
        by_design += [
            (tab_name, c, BLANK_BY_DESIGN[(tab_name, c)])
            for c, share in blank
            if share == 0 and (tab_name, c) in BLANK_BY_DESIGN
        ]
        unused = [c for c, share in blank if share == 0 and (tab_name, c) not in BLANK_BY_DESIGN]
        rare = [(c, share) for c, share in blank if share > 0 and (tab_name, c) not in BLANK_BY_DESIGN]
        if unused:
            never[tab_name] = tuple(unused)
        if rare:
            rarely[tab_name] = tuple(rare)
    return {"never_used": never, "rarely_used": rarely, "by_design": tuple(by_design)}


def _loggers(interactions: Sequence[Mapping[str, Any]], now: datetime) -> dict[str, int]:
    recent_since = now - timedelta(days=ACTIVE_DAYS)
    everyone, recent = set(), set()
    for i in interactions:
        who = text_of(i.get("Logged By")).lower()
        if not text_of(i.get("Logged By")):
            continue
        everyone.add(who)
        logged = as_datetime(i.get("Date"))
        if logged is not None and recent_since < logged <= now:
            recent.add(who)
    return {"loggers": len(everyone), "loggers_recent": len(recent)}


def _quality_evidence(tables: Tables) -> dict[str, Any]:
    rejected = rows_of(tables, "Rejected")
    reason_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rejected:
        for line in str(row.get("Errors") or "").splitlines():
            if line.strip():
                reason_counts[_reason_of(line)][1 if _is_erp(row) else 0] += 1
    reasons = sorted(reason_counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    review_rows = rows_of(tables, "Review Queue")
    review: dict[str, Counter[str]] = defaultdict(Counter)
    for r in review_rows:
        review[text_of(r.get("Kind")) or "(blank)"][text_of(r.get("Decision")) or "Undecided"] += 1
    merges = Counter(
        text_of(a.get("Action"))[len("Merge ") :].capitalize()
        for a in rows_of(tables, "Audit")
        if text_of(a.get("Action")).startswith("Merge ")
    )
    return {
        "rejected": len(rejected),
        "rejected_resolved": sum(text_of(r.get("Resolved")) == "Yes" for r in rejected),
        "rejected_erp": sum(_is_erp(r) for r in rejected),
        "reasons": tuple((reason, form, erp) for reason, (form, erp) in reasons),
        "review": tuple((kind, dict(review[kind])) for kind in sorted(review)),
        "review_open": sum(not text_of(r.get("Decision")) for r in review_rows),
        "merges": dict(merges),
        "steward_weeks": _steward_weeks(rows_of(tables, "Steward Log")),
    }


def _pipeline_evidence(tables: Tables, now: datetime) -> dict[str, Any]:
    owner_rows = [a for a in rows_of(tables, "Audit") if text_of(a.get("Action")) == "Owner changed"]
    owner_per_month = per_month(as_datetime(a.get("At")) for a in owner_rows)
    owner_by_account = Counter(text_of(a.get("Record")).upper() for a in owner_rows)
    opportunities = rows_of(tables, "Opportunities")
    stage_values: dict[str, float] = defaultdict(float)
    for o in opportunities:
        stage_values[text_of(o.get("Stage")) or "(blank)"] += as_number(o.get("Value")) or 0.0
    tickets = rows_of(tables, "Tickets")
    return {
        "owner_months": tuple((month_label(m, now), owner_per_month[m]) for m in last_months(now)),
        "owner_changes": len(owner_rows),
        "owner_accounts": len(owner_by_account),
        "owner_churn": sum(n > 1 for n in owner_by_account.values()),
        "stages": tuple(
            (stage, n, stage_values.get(stage, 0.0))
            for stage, n in counts_in_list_order(
                (o.get("Stage") for o in opportunities), LISTS["Pipeline Stages"]
            )
        ),
        "statuses": tuple(counts_in_list_order((t.get("Status") for t in tickets), LISTS["Ticket Statuses"])),
        "csat_rated": sum(as_number(t.get("CSAT")) is not None for t in tickets),
    }


def _latest(rows: Sequence[Mapping[str, Any]], column: str) -> datetime | None:
    return max((d for x in rows if (d := as_datetime(x.get(column)))), default=None)


def _integration_evidence(tables: Tables, now: datetime) -> dict[str, Any]:
    deals = rows_of(tables, "Deals")
    prices = rows_of(tables, "Price List")
    audit = rows_of(tables, "Audit")
    year_ago = months_before(now, 12)
    active_accounts = [a for a in rows_of(tables, "Accounts") if text_of(a.get("Status")) != "Merged"]
    active_staff = [s for s in rows_of(tables, "Staff") if is_active_staff(s)]
    return {
        "deals": len(deals),
        "deals_amount": sum(as_number(d.get("Amount")) or 0.0 for d in deals),
        "deals_unlinked": sum(not text_of(d.get(ACCOUNT_ID)) for d in deals),
        "invoices_12m": sum(
            year_ago < d <= now for x in deals if (d := as_datetime(x.get("Invoice Date"))) is not None
        ),
        "deals_last_import": _latest(deals, "Imported At"),
        "price_items": len(prices),
        "price_last_import": _latest(prices, "Imported At"),
        "erp_import_runs": sum(text_of(a.get("Action")) == "ERP import" for a in audit),
        "accounts_with_erp_id": sum(bool(text_of(a.get("ERP Customer ID"))) for a in active_accounts),
        **_action_evidence(rows_of(tables, "Interactions"), now),
        "staff_active": len(active_staff),
        "roles": tuple(counts_in_list_order((s.get("Role") for s in active_staff), LISTS["Roles"])),
        "kpis": len({text_of(d.get("KPI")) for d in rows_of(tables, "Dashboard") if text_of(d.get("KPI"))}),
        "audit_rows": len(audit),
    }


def _action_evidence(interactions: Sequence[Mapping[str, Any]], now: datetime) -> dict[str, int]:
    today = now.date()
    open_actions = [
        i
        for i in interactions
        if text_of(i.get("Next Action")) and text_of(i.get("Action Status")) in ("", "Open")
    ]
    return {
        "via_forms": sum(bool(text_of(i.get("Source Response ID"))) for i in interactions),
        "with_next_action": sum(bool(text_of(i.get("Next Action"))) for i in interactions),
        "actions_open": len(open_actions),
        "actions_overdue": sum(
            (due := as_datetime(i.get("Action Due Date"))) is not None and due.date() < today
            for i in open_actions
        ),
        "reminded": sum(as_datetime(i.get("Last Reminded")) is not None for i in interactions),
    }


def _steward_weeks(log: Sequence[Mapping[str, Any]]) -> tuple[tuple[date, float, int, float], ...]:
    entries = [
        (when.date(), hours, text_of(r.get("Steward")).lower())
        for r in log
        if (when := as_datetime(r.get("Week"))) is not None
        and (hours := as_number(r.get("Hours"))) is not None
    ]
    if not entries:
        return ()
    frame = pd.DataFrame(entries, columns=["week", "hours", "steward"])
    weekly = frame.groupby("week").agg(hours=("hours", "sum"), stewards=("steward", "nunique"))
    # The trigger is per steward: each steward's own hours against the limit, so the busiest counts.
    busiest = frame.groupby(["week", "steward"])["hours"].sum().groupby(level="week").max()
    return tuple(
        (week, float(row.hours), int(row.stewards), float(busiest[week]))
        for week, row in weekly.sort_index().iterrows()
    )
