"""Draft the CRM Requirements Document from how the hub is really used (SPEC rule 7, seed 004).

The admins' upgrade-trigger mail carries this draft. Every number is computed from the hub's rows;
where the rows cannot show something the draft says so, and it ends with the questions people
still have to answer. Markdown and HTML are both rendered from one Draft structure so the two
attachments can never disagree.

Pure: rows in, text out. No I/O beyond loading the packaged template, no clock (the caller's
`now`, naive Africa/Lagos wall-clock time like every datetime in the hub).
"""

from __future__ import annotations

import calendar
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

import pandas as pd
from markupsafe import Markup, escape

from hub.rendering import environment
from hub_schema.lists import CLOSED_STAGES, CLOSED_TICKET_STATUSES, LISTS
from hub_schema.tabs import TABS


@dataclass(frozen=True)
class HealthEvidence:
    """One Health row, as plain values (None where the check could not measure)."""

    checked_at: datetime
    file_mb: float | None
    open_seconds: float | None
    steward_hours: float | None
    peak_users: int | None
    triggers_met: int | None


# --- the v6 upgrade rule -----------------------------------------------------------------------


@dataclass(frozen=True)
class Trigger:
    label: str
    attr: str  # the HealthEvidence field
    limit: float  # the trigger holds when the value is strictly above (v6: "exceeds", "more than")
    unit: str


TRIGGERS: tuple[Trigger, ...] = (
    Trigger("File size", "file_mb", 100, "MB"),
    Trigger("Time to open and save", "open_seconds", 10, "s"),
    Trigger("Data steward hours per week", "steward_hours", 2, "h"),
    Trigger("Concurrent users (peak)", "peak_users", 25, "users"),
)
TRIGGERS_FOR_UPGRADE = 2  # v6: "when any two of the following are true"

# Below this share of rows a field counts as rarely used.
RARELY_USED = 0.10
# Tabs that hold customer and business data: their unused fields are candidates to drop. The other
# tabs are the hub's own machinery (queues, logs), which a CRM replaces with its own features.
DATA_TABS = (
    "Accounts",
    "Contacts",
    "Interactions",
    "Opportunities",
    "Tickets",
    "Deals",
    "Price List",
    "Staff",
)
MONTHS_SHOWN = 12
WEEKS_SHOWN = 12
ACTIVE_DAYS = 90

# Columns that stay blank until something happens to the row: blank there is not disuse, so they
# are reported apart from the drop candidates.
BLANK_BY_DESIGN: dict[tuple[str, str], str] = {
    ("Accounts", "Merged Into"): "filled only on merged accounts",
    ("Accounts", "Owner Override"): "filled only where a manager overrides the ownership rule",
    ("Contacts", "Merged Into"): "filled only on merged contacts",
    ("Interactions", "Last Reminded"): "filled only once a reminder went out",
    ("Opportunities", "Closed"): "filled only on won or lost opportunities",
    ("Opportunities", "Lost Reason"): "filled only on lost opportunities",
    **{
        ("Opportunities", f"Date Entered {stage}"): "filled only once an opportunity reaches the stage"
        for stage in LISTS["Pipeline Stages"]
    },
    ("Tickets", "Resolved"): "filled only on resolved tickets",
    ("Tickets", "Final Amount"): "filled only once a service bill is final",
    ("Tickets", "Manager Approved"): "filled only when a bill needs approval",
    ("Review Queue", "Decision"): "filled only once a steward decides",
    ("Review Queue", "Decided By"): "filled only once a steward decides",
    ("Review Queue", "Decided At"): "filled only once a steward decides",
    ("Review Queue", "Applied At"): "filled only once a merge is applied",
    ("Rejected", "Raw Payload 2"): "filled only for payloads over 32,767 characters",
    ("Rejected", "Raw Payload 3"): "filled only for payloads over 65,534 characters",
    ("Rejected", "Resolved By"): "filled only once a steward resolves the row",
    ("Audit", "Before"): "filled only for changes of a value",
    ("Audit", "After"): "filled only for changes of a value",
}

# Quoted verbatim from the v6 strategy (seed 002, "Open Questions for Discovery Phase").
V6_OPEN_QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Overall Strategy",
        (
            "Which divisions are officially in-scope for Phase 1 of this project? "
            "(e.g., Motors and Power only?)",
            "What is the single most important outcome management wants to see from this in the "
            "first 3 months?",
            "What is the policy for cross-divisional sales compensation?",
        ),
    ),
    (
        "For the Data & ERP Team",
        (
            "What are the unique identifiers for customers in the ERP? Can we use this as the "
            "`ERP Customer ID`?",
            'Is it possible to export customer records based on "last modified date" to avoid '
            "exporting the entire database each time?",
            "How frequently can we realistically run these exports without impacting system "
            "performance? Daily? Weekly?",
        ),
    ),
    (
        "For Divisional Heads (Motors, Power, Medical, GRAS/Clinic)",
        (
            "What is the biggest customer complaint you hear today that is NOT related to product "
            "price or quality?",
            "What is one piece of information your salespeople/staff constantly have to ask for that "
            "slows them down?",
            'What does a "qualified lead" look like for your division? What is the minimum '
            "information needed?",
        ),
    ),
    (
        "For Sales & Marketing",
        (
            "What is the current process for handing off a lead from marketing (or an inbound call) to "
            "a salesperson?",
            'How is "Account Ownership" currently decided? How are disputes resolved?',
            "What are the most common reasons a customer gives for not buying from us (after they have "
            "received a quote)?",
        ),
    ),
)


# --- the document structure both renderers walk ---------------------------------------------------

BlockKind = Literal["paragraph", "callout", "bullets", "numbered", "table", "subheading"]


@dataclass(frozen=True)
class Block:
    """One piece of a section. Text may hold `code` spans (field names); nothing else is markup."""

    kind: BlockKind
    text: str = ""
    items: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    numeric: tuple[bool, ...] = ()  # per column: right-align (figures)


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Draft:
    title: str
    intro: tuple[Block, ...]
    sections: tuple[Section, ...]


def _p(text: str) -> Block:
    return Block("paragraph", text=text)


def _callout(text: str) -> Block:
    return Block("callout", text=text)


def _bullets(items: Iterable[str]) -> Block:
    return Block("bullets", items=tuple(items))


def _numbered(items: Iterable[str]) -> Block:
    return Block("numbered", items=tuple(items))


def _sub(text: str) -> Block:
    return Block("subheading", text=text)


_FIGURE = re.compile(r"^[-+]?[₦]?[\d,]+(?:\.\d+)?\s*%?$")


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Block:
    cells = tuple(tuple(str(c) for c in row) for row in rows)
    numeric = tuple(
        any(row[i] not in ("", "—") for row in cells)
        and all(row[i] in ("", "—") or _FIGURE.match(row[i]) for row in cells)
        for i in range(len(headers))
    )
    return Block("table", headers=tuple(headers), rows=cells, numeric=numeric)


# --- reading hub values -------------------------------------------------------------------------


def _filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return not (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if _filled(value) else ""


def _when(value: Any) -> datetime | None:
    """A hub date or datetime as a naive datetime; None for blanks and text that is no date."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip()).replace(tzinfo=None)
        except ValueError:
            return None
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.replace(",", "").replace("₦", "").strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _rows(tables: Mapping[str, list[dict]], name: str) -> list[Mapping[str, Any]]:
    return list(tables.get(name) or [])


# --- formatting ---------------------------------------------------------------------------------


def _n(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def _naira(amount: float) -> str:
    return f"₦{amount:,.0f}"


def _day(value: datetime | date) -> str:
    return value.strftime("%Y-%m-%d")


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def _month_label(month: tuple[int, int], now: datetime) -> str:
    label = f"{calendar.month_abbr[month[1]]} {month[0]}"
    return f"{label} (to date)" if month == (now.year, now.month) else label


def _last_months(now: datetime, count: int = MONTHS_SHOWN) -> list[tuple[int, int]]:
    months, year, month = [], now.year, now.month
    for _ in range(count):
        months.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def _months_before(moment: datetime, months: int) -> datetime:
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _per_month(moments: Iterable[datetime | None]) -> Counter[tuple[int, int]]:
    return Counter((m.year, m.month) for m in moments if m is not None)


def _list_fields(columns: Iterable[str]) -> str:
    return ", ".join(f"`{c}`" for c in columns) or "none"


def _mix(values: Iterable[Any], order: Sequence[str]) -> list[tuple[str, int]]:
    """Counts per value: the list's values in list order, then anything else seen, blanks last."""
    counts = pd.Series([_text(v) or "(blank)" for v in values], dtype="object").value_counts()
    seen = {str(k): int(v) for k, v in counts.items()}
    known = [(value, seen.pop(value, 0)) for value in order]
    blank = seen.pop("(blank)", 0)
    extra = sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))
    return known + extra + ([("(blank)", blank)] if blank else [])


# --- the evidence ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriggerReading:
    trigger: Trigger
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
    steward_weeks: tuple[tuple[date, float, int], ...]  # week, hours, stewards
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
        return sum(h for _, h, _ in weeks) / len(weeks) if weeks else None


def _readings(health: Sequence[HealthEvidence]) -> tuple[TriggerReading, ...]:
    ordered = sorted(health, key=lambda h: h.checked_at)
    latest = ordered[-1] if ordered else None
    out = []
    for trigger in TRIGGERS:
        points = [(h.checked_at, v) for h in ordered if (v := _number(getattr(h, trigger.attr))) is not None]
        value = _number(getattr(latest, trigger.attr)) if latest else None
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
    for month in _last_months(now):
        checks = by_month.get(month)
        if not checks:
            continue
        peaks = []
        for trigger in TRIGGERS:
            values = [v for h in checks if (v := _number(getattr(h, trigger.attr))) is not None]
            peaks.append(_n(max(values)) if values else "—")
        out.append((_month_label(month, now), f"{len(checks):,}", *peaks))
    return tuple(out)


def _fill_rates(tables: Mapping[str, list[dict]]) -> dict[str, tuple[tuple[str, int, float], ...]]:
    out = {}
    for schema in TABS:
        rows = _rows(tables, schema.name)
        if not rows:
            continue
        # Judged on the raw values: a DataFrame would turn blanks into NaT/NaN first.
        columns = list(schema.column_names)
        filled = pd.DataFrame([[_filled(r.get(c)) for c in columns] for r in rows], columns=columns).sum()
        out[schema.name] = tuple((c, int(filled[c]), int(filled[c]) / len(rows)) for c in schema.column_names)
    return out


NO_FIELD = "(no field named)"


def _reason_of(line: str) -> str:
    # Intake writes one "field: message" line per problem; ERP rows carry no field prefix.
    head, colon, _ = line.partition(":")
    return head.strip() if colon and head.strip() else NO_FIELD


def _is_erp(row: Mapping[str, Any]) -> bool:
    return _text(row.get("Source Response ID")).startswith("ERP ")


def _gather(
    tables: Mapping[str, list[dict]], health: Sequence[HealthEvidence], now: datetime, company: str
) -> Evidence:
    accounts = _rows(tables, "Accounts")
    contacts = _rows(tables, "Contacts")
    interactions = _rows(tables, "Interactions")
    audit = _rows(tables, "Audit")
    months = _last_months(now)

    # -- volumes
    active_accounts = [a for a in accounts if _text(a.get("Status")) != "Merged"]
    individuals = {
        _text(a.get("Account ID")).upper() for a in active_accounts if a.get("Account Type") == "Individual"
    }
    dates = [_when(i.get("Date")) for i in interactions]
    known_dates = [d for d in dates if d is not None]
    per_month = _per_month(dates)
    new_accounts = _per_month(_when(a.get("Created")) for a in accounts)
    new_contacts = _per_month(_when(c.get("Created")) for c in contacts)
    start_recent, start_previous = _months_before(now, 3), _months_before(now, 6)
    firsts = [d for d in [*known_dates, *(_when(a.get("Created")) for a in accounts)] if d is not None]

    # -- usage
    fill = _fill_rates(tables)
    never: dict[str, tuple[str, ...]] = {}
    rarely: dict[str, tuple[tuple[str, float], ...]] = {}
    by_design: list[tuple[str, str, str]] = []
    for tab_name, columns in fill.items():
        blank = [(c, share) for c, _, share in columns if share < RARELY_USED]
        for c, share in blank:
            if share == 0 and (tab_name, c) in BLANK_BY_DESIGN:
                by_design.append((tab_name, c, BLANK_BY_DESIGN[(tab_name, c)]))
        unused = [c for c, share in blank if share == 0 and (tab_name, c) not in BLANK_BY_DESIGN]
        rare = [(c, share) for c, share in blank if share > 0 and (tab_name, c) not in BLANK_BY_DESIGN]
        if unused:
            never[tab_name] = tuple(unused)
        if rare:
            rarely[tab_name] = tuple(rare)
    divisions_of: dict[str, set[str]] = defaultdict(set)
    for i in interactions:
        if _text(i.get("Division")):
            divisions_of[_text(i.get("Account ID")).upper()].add(_text(i.get("Division")))
    recent_since = now - timedelta(days=ACTIVE_DAYS)
    loggers = {_text(i.get("Logged By")).lower() for i in interactions if _text(i.get("Logged By"))}
    loggers_recent = {
        _text(i.get("Logged By")).lower()
        for i, d in zip(interactions, dates, strict=True)
        if _text(i.get("Logged By")) and d is not None and recent_since < d <= now
    }

    # -- quality
    rejected = _rows(tables, "Rejected")
    reason_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rejected:
        for line in str(row.get("Errors") or "").splitlines():
            if line.strip():
                reason_counts[_reason_of(line)][1 if _is_erp(row) else 0] += 1
    reasons = sorted(reason_counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    review_rows = _rows(tables, "Review Queue")
    review: dict[str, Counter[str]] = defaultdict(Counter)
    for r in review_rows:
        review[_text(r.get("Kind")) or "(blank)"][_text(r.get("Decision")) or "Undecided"] += 1
    merges = Counter(
        _text(a.get("Action"))[len("Merge ") :].capitalize()
        for a in audit
        if _text(a.get("Action")).startswith("Merge ")
    )
    steward = _steward_weeks(_rows(tables, "Steward Log"))

    # -- ownership and pipeline
    owner_rows = [a for a in audit if _text(a.get("Action")) == "Owner changed"]
    owner_per_month = _per_month(_when(a.get("At")) for a in owner_rows)
    owner_by_account = Counter(_text(a.get("Record")).upper() for a in owner_rows)
    opportunities = _rows(tables, "Opportunities")
    stage_values: dict[str, float] = defaultdict(float)
    for o in opportunities:
        stage_values[_text(o.get("Stage")) or "(blank)"] += _number(o.get("Value")) or 0.0
    tickets = _rows(tables, "Tickets")

    # -- integrations
    deals = _rows(tables, "Deals")
    prices = _rows(tables, "Price List")
    year_ago = _months_before(now, 12)
    staff = _rows(tables, "Staff")
    active_staff = [s for s in staff if _text(s.get("Active")) != "No"]
    today = now.date()
    open_actions = [
        i
        for i in interactions
        if _text(i.get("Next Action")) and _text(i.get("Action Status")) in ("", "Open")
    ]

    return Evidence(
        now=now,
        company=company,
        rows={t.name: len(_rows(tables, t.name)) for t in TABS},
        latest_check=max(health, key=lambda h: h.checked_at) if health else None,
        readings=_readings(health),
        health_months=_health_months(health, now),
        accounts_active=len(active_accounts),
        accounts_merged=len(accounts) - len(active_accounts),
        individuals=len(individuals),
        contacts_active=sum(_text(c.get("Status")) != "Merged" for c in contacts),
        interactions=len(interactions),
        first_activity=min(firsts) if firsts else None,
        months=tuple((_month_label(m, now), per_month[m], new_accounts[m], new_contacts[m]) for m in months),
        recent_3m=sum(start_recent < d <= now for d in known_dates),
        previous_3m=sum(start_previous < d <= start_recent for d in known_dates),
        new_accounts_3m=sum(
            start_recent < d <= now for a in accounts if (d := _when(a.get("Created"))) is not None
        ),
        fill=fill,
        never_used=never,
        rarely_used=rarely,
        by_design=tuple(by_design),
        channels=tuple(_mix((i.get("Channel") for i in interactions), LISTS["Channels"])),
        divisions=tuple(_mix((i.get("Division") for i in interactions), LISTS["Divisions"])),
        individual_interactions=sum(_text(i.get("Account ID")).upper() in individuals for i in interactions),
        cross_division_accounts=sum(len(d) > 1 for d in divisions_of.values()),
        loggers=len(loggers),
        loggers_recent=len(loggers_recent),
        rejected=len(rejected),
        rejected_resolved=sum(_text(r.get("Resolved")) == "Yes" for r in rejected),
        rejected_erp=sum(_is_erp(r) for r in rejected),
        reasons=tuple((reason, form, erp) for reason, (form, erp) in reasons),
        review=tuple((kind, dict(review[kind])) for kind in sorted(review)),
        review_open=sum(not _text(r.get("Decision")) for r in review_rows),
        merges=dict(merges),
        steward_weeks=steward,
        owner_months=tuple((_month_label(m, now), owner_per_month[m]) for m in months),
        owner_changes=len(owner_rows),
        owner_accounts=len(owner_by_account),
        owner_churn=sum(n > 1 for n in owner_by_account.values()),
        stages=tuple(
            (stage, n, stage_values.get(stage, 0.0))
            for stage, n in _mix((o.get("Stage") for o in opportunities), LISTS["Pipeline Stages"])
        ),
        statuses=tuple(_mix((t.get("Status") for t in tickets), LISTS["Ticket Statuses"])),
        csat_rated=sum(_number(t.get("CSAT")) is not None for t in tickets),
        deals=len(deals),
        deals_amount=sum(_number(d.get("Amount")) or 0.0 for d in deals),
        deals_unlinked=sum(not _text(d.get("Account ID")) for d in deals),
        invoices_12m=sum(
            year_ago < d <= now for x in deals if (d := _when(x.get("Invoice Date"))) is not None
        ),
        deals_last_import=max((d for x in deals if (d := _when(x.get("Imported At")))), default=None),
        price_items=len(prices),
        price_last_import=max((d for x in prices if (d := _when(x.get("Imported At")))), default=None),
        erp_import_runs=sum(_text(a.get("Action")) == "ERP import" for a in audit),
        accounts_with_erp_id=sum(bool(_text(a.get("ERP Customer ID"))) for a in active_accounts),
        via_forms=sum(bool(_text(i.get("Source Response ID"))) for i in interactions),
        with_next_action=sum(bool(_text(i.get("Next Action"))) for i in interactions),
        actions_open=len(open_actions),
        actions_overdue=sum(
            (due := _when(i.get("Action Due Date"))) is not None and due.date() < today for i in open_actions
        ),
        reminded=sum(_when(i.get("Last Reminded")) is not None for i in interactions),
        staff_active=len(active_staff),
        roles=tuple(_mix((s.get("Role") for s in active_staff), LISTS["Roles"])),
        kpis=len({_text(d.get("KPI")) for d in _rows(tables, "Dashboard") if _text(d.get("KPI"))}),
        audit_rows=len(audit),
    )


def _steward_weeks(log: Sequence[Mapping[str, Any]]) -> tuple[tuple[date, float, int], ...]:
    entries = [
        (when.date(), hours, _text(r.get("Steward")).lower())
        for r in log
        if (when := _when(r.get("Week"))) is not None and (hours := _number(r.get("Hours"))) is not None
    ]
    if not entries:
        return ()
    frame = pd.DataFrame(entries, columns=["week", "hours", "steward"])
    weekly = frame.groupby("week").agg(hours=("hours", "sum"), stewards=("steward", "nunique"))
    return tuple((week, float(row.hours), int(row.stewards)) for week, row in weekly.sort_index().iterrows())


# --- sections -----------------------------------------------------------------------------------


def _why_now(ev: Evidence) -> Section:
    blocks: list[Block] = []
    latest = ev.latest_check
    if latest is None:
        blocks.append(
            _callout(
                "No Health check has been recorded, so the upgrade triggers have not been measured: "
                "there is no data yet to say whether the hub has outgrown Excel."
            )
        )
        return Section("1. Why now", tuple(blocks))
    held = ev.triggers_holding
    verdict = (
        "The v6 rule (begin a formal CRM project when any two hold) is met."
        if held >= TRIGGERS_FOR_UPGRADE
        else "The v6 rule (begin a formal CRM project when any two hold) is not met yet; "
        "this draft is prepared ahead of time."
    )
    recorded = (
        f" (the Health row itself records {latest.triggers_met}, counted against the thresholds "
        "configured at the time)"
        if latest.triggers_met is not None and latest.triggers_met != held
        else ""
    )
    blocks.append(
        _callout(
            f"{held} of {len(TRIGGERS)} upgrade triggers hold at the latest check "
            f"({_stamp(latest.checked_at)}){recorded}. {verdict}"
        )
    )
    blocks.append(
        _table(
            ("Trigger", "Threshold", "Latest", "Holds"),
            (
                (
                    r.trigger.label,
                    f"> {_n(r.trigger.limit)} {r.trigger.unit}",
                    f"{_n(r.latest)} {r.trigger.unit}" if r.latest is not None else "not measured",
                    "yes" if r.holds else "no" if r.latest is not None else "unknown",
                )
                for r in ev.readings
            ),
        )
    )
    blocks.append(_sub("Trend"))
    blocks.append(
        _table(
            (
                "Trigger",
                "First measured",
                "Last measured",
                "Change per 30 days",
                "First above threshold",
                "Straight-line crossing",
            ),
            (
                (
                    r.trigger.label,
                    f"{_n(r.first[1])} ({_day(r.first[0])})" if r.first else "never measured",
                    f"{_n(r.last[1])} ({_day(r.last[0])})" if r.last else "—",
                    f"{r.per_30_days:+,.1f} {r.trigger.unit}" if r.per_30_days is not None else "—",
                    _day(r.first_above) if r.first_above else "—",
                    _day(r.projected) if r.projected else "—",
                )
                for r in ev.readings
            ),
        )
    )
    blocks.append(
        _p(
            "Change per 30 days compares the first and the latest measurement; the crossing date extends "
            "that line and is indicative only (it needs two checks at least a day apart)."
        )
    )
    if ev.health_months:
        blocks.append(_p("Highest value measured per month (last 12 months with checks):"))
        blocks.append(
            _table(
                ("Month", "Checks", *(f"{t.label} ({t.unit})" for t in TRIGGERS)),
                ev.health_months,
            )
        )
    if ev.steward_weeks:
        weeks = ev.steward_weeks[-WEEKS_SHOWN:]
        above = sum(h > TRIGGERS[2].limit for _, h, _ in weeks)
        blocks.append(
            _p(
                f"The Steward Log, kept by the stewards themselves: {_n(ev.steward_average or 0)} h per "
                f"week on average over the last {len(weeks)} week(s) logged, {above} of them above "
                f"{_n(TRIGGERS[2].limit)} h (details in section 4)."
            )
        )
    return Section("1. Why now", tuple(blocks))


def _volumes(ev: Evidence) -> Section:
    blocks: list[Block] = []
    if ev.total_rows == 0:
        blocks.append(_p("The hub holds no rows yet: there is no data on volumes or growth."))
    blocks.append(
        _table(
            ("Tab", "Rows", "Holds"),
            [
                *((t.name, f"{ev.rows[t.name]:,}", t.description) for t in TABS),
                ("Total", f"{ev.total_rows:,}", ""),
            ],
        )
    )
    accounts = ev.accounts_active + ev.accounts_merged
    if accounts:
        blocks.append(
            _p(
                f"Accounts: {ev.accounts_active:,} active and {ev.accounts_merged:,} kept as Merged after "
                f"duplicate merges; {ev.contacts_active:,} active contacts."
            )
        )
    if ev.first_activity:
        blocks.append(
            _p(
                f"The earliest dated activity is {_day(ev.first_activity)}: volumes cover only the "
                "period since then."
            )
        )
    blocks.append(_sub("Interactions per month"))
    if ev.interactions:
        blocks.append(_table(("Month", "Interactions", "New accounts", "New contacts"), ev.months))
    else:
        blocks.append(_p("No interactions have been logged yet."))
    blocks.append(_sub("Growth"))
    if ev.growth is not None:
        annual = (1 + ev.growth) ** 4 - 1
        blocks.append(
            _p(
                f"{ev.recent_3m:,} interactions in the 3 months to {_day(ev.now)} against "
                f"{ev.previous_3m:,} in the 3 months before: {ev.growth:+.1%} "
                f"({annual:+.0%} a year if that pace held)."
            )
        )
    else:
        blocks.append(
            _p(
                f"{ev.recent_3m:,} interactions in the 3 months to {_day(ev.now)} and none in the 3 months "
                "before, so no growth rate can be computed yet."
            )
        )
    if ev.accounts_growth_per_year is not None:
        blocks.append(
            _p(
                f"{ev.new_accounts_3m:,} accounts were created in the last 3 months, "
                f"{ev.accounts_growth_per_year:.0%} a year at that pace "
                "(accounts loaded from the ERP customer export count as created when they were loaded)."
            )
        )
    elif ev.new_accounts_3m:
        blocks.append(
            _p(
                f"All {ev.new_accounts_3m:,} accounts were created in the last 3 months, so there is no base "
                "yet for an account growth rate."
            )
        )
    blocks.append(
        _p(
            "A pilot's growth mostly reflects its roll-out (more staff, more divisions), not customer "
            "demand: size the CRM on the volumes, and read the growth rate as an upper bound."
        )
    )
    return Section("2. Volumes and growth", tuple(blocks))


def _mix_table(label: str, counts: Sequence[tuple[str, int]], total: int) -> Block:
    return _table(
        (label, "Interactions", "Share"), ((value, f"{n:,}", _pct(n, total)) for value, n in counts)
    )


def _usage(ev: Evidence) -> Section:
    blocks: list[Block] = []
    blocks.append(_sub("Channels"))
    if ev.interactions:
        blocks.append(_mix_table("Channel", ev.channels, ev.interactions))
        blocks.append(_sub("Divisions"))
        blocks.append(_mix_table("Division", ev.divisions, ev.interactions))
        blocks.append(
            _p(
                f"{ev.cross_division_accounts:,} account(s) were served by more than one division; "
                f"{ev.loggers:,} staff logged at least one interaction, {ev.loggers_recent:,} of them in "
                f"the last {ACTIVE_DAYS} days."
            )
        )
    else:
        blocks.append(_p("No interactions have been logged yet: there is no channel or division mix."))
    blocks.append(_sub("B2C share"))
    if ev.accounts_active:
        blocks.append(
            _p(
                f"{ev.individuals:,} of {ev.accounts_active:,} active accounts are individuals (B2C): "
                f"{_pct(ev.individuals, ev.accounts_active)}. They account for "
                f"{_pct(ev.individual_interactions, ev.interactions) if ev.interactions else 'none'} "
                "of interactions."
            )
        )
    else:
        blocks.append(_p("No accounts yet: the B2C share cannot be computed."))

    blocks.append(_sub("Fields never or rarely used"))
    blocks.append(
        _p(
            "A field counts as filled when it holds a non-blank value. Never used: blank in every row; "
            f"rarely used: filled in fewer than {RARELY_USED:.0%} of rows. A field the Form never asks "
            "for cannot be filled, so never used may also mean never asked."
        )
    )
    if not ev.fill:
        blocks.append(_p("No tab holds any rows yet, so no field's use can be judged."))
    else:
        data_never = [f"{t}: {_list_fields(cols)}" for t, cols in ev.never_used.items() if t in DATA_TABS]
        machinery_never = [
            f"{t}: {_list_fields(cols)}" for t, cols in ev.never_used.items() if t not in DATA_TABS
        ]
        if data_never:
            blocks.append(_p("Never used in the customer data (candidates to drop in the new CRM):"))
            blocks.append(_bullets(data_never))
        else:
            blocks.append(_p("Every customer-data field in a tab with rows has been used at least once."))
        if ev.rarely_used:
            blocks.append(_p("Rarely used:"))
            blocks.append(
                _bullets(
                    f"{t}: " + ", ".join(f"`{c}` ({share:.1%})" for c, share in cols)
                    for t, cols in ev.rarely_used.items()
                )
            )
        if machinery_never:
            blocks.append(_p("Never used in the hub's own tabs (replaced by the CRM's own features):"))
            blocks.append(_bullets(machinery_never))
        if ev.by_design:
            blocks.append(_p("Blank so far by design, not by disuse (keep):"))
            blocks.append(_bullets(f"{t}: `{c}`, {why}" for t, c, why in ev.by_design))
        empty = [t.name for t in TABS if t.name not in ev.fill]
        if empty:
            blocks.append(_p(f"No rows, so their fields' use cannot be judged: {', '.join(empty)}."))
        for tab_name, columns in ev.fill.items():
            blocks.append(_sub(f"Fields filled: {tab_name} ({ev.rows[tab_name]:,} rows)"))
            blocks.append(
                _table(
                    ("Field", "Filled", "Share"),
                    ((f"`{c}`", f"{n:,}", f"{share:.1%}") for c, n, share in columns),
                )
            )
    return Section("3. How the data is used", tuple(blocks))


def _quality(ev: Evidence) -> Section:
    blocks: list[Block] = [_sub("Rejected submissions")]
    if ev.rejected:
        blocks.append(
            _p(
                f"{ev.rejected:,} submissions were rejected ({ev.rejected - ev.rejected_erp:,} from the "
                f"Form, {ev.rejected_erp:,} ERP file rows); {ev.rejected_resolved:,} marked resolved. "
                "By reason (the field named before the first colon of each error line; one submission "
                "can fail on several fields):"
            )
        )
        blocks.append(
            _table(
                ("Reason", "Form", "ERP", "Total"),
                (
                    (f"`{r}`" if r != NO_FIELD else r, f"{f:,}", f"{e:,}", f"{f + e:,}")
                    for r, f, e in ev.reasons
                ),
            )
        )
    else:
        blocks.append(_p("No submission has been rejected."))
    blocks.append(_sub("Duplicates found"))
    if ev.review:
        decisions = [*LISTS["Review Decisions"], "Undecided"]
        decisions += sorted({d for _, counts in ev.review for d in counts} - set(decisions))
        frame = pd.DataFrame(dict(ev.review)).T.reindex(columns=decisions).fillna(0)
        blocks.append(
            _table(
                ("Kind", *decisions, "Total"),
                (
                    (
                        kind,
                        *(f"{int(frame.at[kind, d]):,}" for d in decisions),
                        f"{int(frame.loc[kind].sum()):,}",
                    )
                    for kind in frame.index
                ),
            )
        )
        blocks.append(_p(f"{ev.review_open:,} possible duplicate(s) still await a steward's decision."))
    else:
        blocks.append(_p("The Review Queue is empty: no possible duplicates have been raised."))
    merged = sum(ev.merges.values())
    by_kind = ", ".join(f"{n:,} {kind.lower()}" for kind, n in sorted(ev.merges.items()))
    blocks.append(
        _p(
            f"Merges applied (Audit): {merged:,}" + (f" ({by_kind})" if merged else "") + ". Merged records "
            "are kept with Status Merged, never deleted."
        )
    )
    blocks.append(_sub("Steward hours per week"))
    if ev.steward_weeks:
        weeks = ev.steward_weeks[-WEEKS_SHOWN:]
        blocks.append(_table(("Week", "Hours", "Stewards"), ((_day(w), _n(h), str(s)) for w, h, s in weeks)))
        blocks.append(
            _p(
                f"Average {_n(ev.steward_average or 0)} h a week over these {len(weeks)} week(s), "
                f"highest {_n(max(h for _, h, _ in weeks))} h; the v6 threshold is "
                f"{_n(TRIGGERS[2].limit)} h."
            )
        )
    else:
        blocks.append(_p("The Steward Log is empty: steward effort has not been recorded."))
    return Section("4. Data quality", tuple(blocks))


def _ownership(ev: Evidence) -> Section:
    blocks: list[Block] = [_sub("Ownership changes")]
    if ev.owner_changes:
        blocks.append(_table(("Month", "Owner changes"), ((m, f"{n:,}") for m, n in ev.owner_months)))
        blocks.append(
            _p(
                f"{ev.owner_changes:,} owner change(s) on {ev.owner_accounts:,} account(s), all from the "
                f"ERP-invoice rule; {ev.owner_churn:,} account(s) changed owner more than once."
            )
        )
    else:
        blocks.append(_p("No ownership change has been recorded in the Audit tab."))
    blocks.append(_sub("Opportunities per stage"))
    total_opportunities = sum(n for _, n, _ in ev.stages)
    if total_opportunities:
        blocks.append(
            _table(("Stage", "Opportunities", "Value"), ((s, f"{n:,}", _naira(v)) for s, n, v in ev.stages))
        )
        won = next((n for s, n, _ in ev.stages if s == "Won"), 0)
        lost = next((n for s, n, _ in ev.stages if s == "Lost"), 0)
        open_value = sum(v for s, _, v in ev.stages if s not in CLOSED_STAGES)
        blocks.append(
            _p(
                f"Win rate of closed opportunities: {_pct(won, won + lost)} ({won:,} won, {lost:,} lost); "
                f"open pipeline {_naira(open_value)}."
            )
        )
    else:
        blocks.append(_p("No opportunities yet: the pipeline has not been used."))
    blocks.append(_sub("Tickets per status"))
    total_tickets = sum(n for _, n in ev.statuses)
    if total_tickets:
        blocks.append(_table(("Status", "Tickets"), ((s, f"{n:,}") for s, n in ev.statuses)))
        still_open = sum(n for s, n in ev.statuses if s not in CLOSED_TICKET_STATUSES)
        blocks.append(
            _p(f"{still_open:,} ticket(s) not yet resolved; {ev.csat_rated:,} carry a CSAT rating.")
        )
    else:
        blocks.append(_p("No tickets yet: the service desk has not been used."))
    return Section("5. Ownership and pipeline", tuple(blocks))


def _integrations(ev: Evidence) -> Section:
    blocks: list[Block] = [_sub("ERP import (Oracle ERP to the hub, read-only)")]
    if ev.deals or ev.price_items:
        blocks.append(
            _p(
                f"The hub holds {ev.deals:,} ERP invoices worth {_naira(ev.deals_amount)} "
                f"({ev.invoices_12m:,} dated in the last 12 months, {ev.deals_unlinked:,} not linked to an "
                f"account) and {ev.price_items:,} price-list items. The Audit tab records "
                f"{ev.erp_import_runs:,} import run(s); invoices last imported "
                f"{_stamp(ev.deals_last_import) if ev.deals_last_import else 'never'}, the price list "
                f"{_stamp(ev.price_last_import) if ev.price_last_import else 'never'}."
            )
        )
    else:
        blocks.append(_p("No ERP invoices or price-list items have been imported yet."))
    blocks.append(
        _bullets(
            (
                "Must import ERP invoices at least daily ("
                + (
                    f"{ev.invoices_12m:,} in the last 12 months, about "
                    f"{_n(round(ev.invoices_12m / 12))} a month"
                    if ev.invoices_12m
                    else "none dated in the last 12 months yet"
                )
                + f") and the price list ({ev.price_items:,} items), upserting by key so a re-import "
                "changes nothing.",
                "Must never write back to the ERP: the ERP stays the source of truth for invoices, stock "
                "and formal quotes.",
                f"Must link ERP customers to CRM accounts by `ERP Customer ID` ({ev.accounts_with_erp_id:,} "
                f"of {ev.accounts_active:,} active accounts carry one today).",
                "Should read the ERP's own export formats (`;` or `,`, ₦ amounts, dd/mm/yyyy dates) "
                "without manual clean-up.",
            )
        )
    )
    blocks.append(_sub("Microsoft Forms intake"))
    blocks.append(
        _p(
            f"{ev.via_forms:,} of {ev.interactions:,} interactions arrived through the Microsoft Form "
            f"({_pct(ev.via_forms, ev.interactions)}); {ev.rejected - ev.rejected_erp:,} Form submissions "
            "were rejected and kept."
            if ev.interactions
            else "No interaction has arrived through the Microsoft Form yet."
        )
    )
    blocks.append(
        _bullets(
            (
                "Must offer phone-friendly capture of an interaction in under a minute, for "
                + (
                    f"the {ev.loggers:,} staff who log today"
                    if ev.loggers
                    else "every customer-facing member of staff"
                )
                + ", either by keeping the Microsoft Form or with its own mobile app.",
                "Must validate at capture (required fields, lists, dates, Nigerian phone numbers) and keep "
                "anything rejected with its raw content.",
                "Must record the same submission once even when it is delivered twice.",
            )
        )
    )
    blocks.append(_sub("Outlook reminders and digests"))
    blocks.append(
        _p(
            f"{ev.with_next_action:,} interactions carry a next action; {ev.actions_open:,} are open, "
            f"{ev.actions_overdue:,} of them overdue on {_day(ev.now)}; {ev.reminded:,} interaction(s) "
            "have had a reminder mailed."
        )
    )
    blocks.append(
        _bullets(
            (
                "Must mail each person the follow-ups they owe once a day through Outlook (Microsoft 365), "
                "in Africa/Lagos time, and their manager a digest.",
                "Should keep sending from the company's Microsoft 365 tenant rather than a vendor's mail "
                "domain, so reminders are not filtered as bulk mail.",
            )
        )
    )
    return Section("6. Integrations in place and needed", tuple(blocks))


def _requirement_table(prefix: str, requirements: Sequence[tuple[str, str]]) -> Block:
    return _table(
        ("ID", "Requirement", "Evidence"),
        ((f"{prefix}-{i}", text, evidence) for i, (text, evidence) in enumerate(requirements, 1)),
    )


def _requirements(ev: Evidence) -> Section:
    channels = ev.channels_used
    divisions = [d for d, n in ev.divisions if n and d != "(blank)"]
    stages_used = sum(1 for s, n, _ in ev.stages if n and s != "(blank)")
    growth = ev.accounts_growth_per_year
    latest = ev.latest_check
    peak = latest.peak_users if latest and latest.peak_users is not None else None
    reading = {r.trigger.attr: r for r in ev.readings}
    opened = reading["open_seconds"].latest
    roles = [r for r, n in ev.roles if n and r != "(blank)"]
    total_opportunities = sum(n for _, n, _ in ev.stages)
    total_tickets = sum(n for _, n in ev.statuses)
    functional = [
        (
            (
                f"Must hold at least {ev.accounts_active:,} accounts, {ev.contacts_active:,} contacts and "
                f"{ev.interactions:,} interactions"
                + (f", growing about {growth:.0%} a year." if growth is not None else ".")
                if ev.accounts_active
                else "Must hold every account and contact the hub migrates (none yet)."
            ),
            f"§2: {ev.accounts_active:,} active accounts, {ev.new_accounts_3m:,} created in the last "
            "3 months.",
        ),
        (
            "Must hold companies and individual (B2C) customers in one customer base.",
            f"§3: {_pct(ev.individuals, ev.accounts_active)} of active accounts are individuals."
            if ev.accounts_active
            else "§3: no accounts yet; both kinds are in the hub's design.",
        ),
        (
            f"Must log interactions on these {len(channels)} channels: {', '.join(channels)}."
            if channels
            else f"Must log interactions on the {len(LISTS['Channels'])} channels the hub offers.",
            f"§3 channel mix of {ev.interactions:,} interactions.",
        ),
        (
            f"Must give the {len(divisions)} division(s) that log ({', '.join(divisions) or 'none yet'}) one "
            "shared view of each customer.",
            f"§3: {ev.cross_division_accounts:,} account(s) served by more than one division.",
        ),
        (
            "Must track next actions with due dates and their status, and remind whoever owes them.",
            f"§6: {ev.with_next_action:,} next actions, {ev.actions_overdue:,} overdue now.",
        ),
        (
            f"Must run a sales pipeline with the stages {', '.join(LISTS['Pipeline Stages'])}, with value, "
            "product, campaign and lost reason.",
            f"§5: {total_opportunities:,} opportunities over {stages_used} stage(s).",
        ),
        (
            "Must run service tickets with status, quote and final amount, manager approval and CSAT.",
            f"§5: {total_tickets:,} tickets, {ev.csat_rated:,} rated.",
        ),
        (
            "Must set account ownership by rule from ERP invoices (largest in 12 months) and record each "
            "change with its basis.",
            f"§5: {ev.owner_changes:,} owner change(s) on {ev.owner_accounts:,} account(s).",
        ),
        (
            "Must flag likely duplicate accounts and contacts for a steward and merge them keeping the "
            "merged record and re-pointing its history.",
            f"§4: {sum(sum(c.values()) for _, c in ev.review):,} possible duplicate(s) raised, "
            f"{sum(ev.merges.values()):,} merges applied.",
        ),
        (
            "Must reject invalid entries with a field-by-field reason and keep them for correction.",
            f"§4: {ev.rejected:,} rejected, top reason "
            + (f"`{ev.reasons[0][0]}` ({sum(ev.reasons[0][1:]):,})." if ev.reasons else "none yet."),
        ),
        (
            "Must keep the Audit trail: who or what changed which record, when, from what to what, and why.",
            f"§2: {ev.rows['Audit']:,} Audit rows.",
        ),
        (
            "Must import ERP invoices daily and the price list on change, read-only.",
            f"§6: {ev.deals:,} invoices, {ev.price_items:,} price-list items, "
            f"{ev.erp_import_runs:,} import runs.",
        ),
        (
            "Should report the weekly KPIs per division that the hub computes today.",
            f"§2: {ev.rows['Dashboard']:,} Dashboard rows over {ev.kpis:,} KPI(s)."
            if ev.kpis
            else "§2: the Dashboard is empty; the KPIs are those of the v4 strategy.",
        ),
    ]
    non_functional = [
        (
            f"Must support at least {max(peak or 0, int(TRIGGERS[3].limit)):,} concurrent users"
            + (f" (peak measured: {peak:,})." if peak is not None else " (peak not measured yet)."),
            "§1: concurrent-users trigger.",
        ),
        (
            (
                f"Must provide named access for {ev.staff_active:,} active staff"
                if ev.staff_active
                else "Must provide named access for every member of staff"
            )
            + " with role-based permissions"
            + (f" ({', '.join(roles)})." if roles else "."),
            f"§2: Staff tab; {ev.loggers_recent:,} staff logged in the last {ACTIVE_DAYS} days.",
        ),
        (
            "Must open a customer record and search in well under "
            f"{_n(TRIGGERS[1].limit)} s at {ev.total_rows:,} rows and growing.",
            f"§1: the hub takes {_n(opened)} s to open."
            if opened is not None
            else "§1: open time not measured.",
        ),
        (
            (
                f"Must migrate all {ev.total_rows:,} hub rows"
                if ev.total_rows
                else "Must migrate the hub's rows"
            )
            + " keeping hub IDs (ACC-…, CON-…, INT-…), merged records and the Audit history.",
            "§2: rows per tab.",
        ),
        (
            "Must work in Africa/Lagos time, Naira (NGN) amounts and E.164 Nigerian phone numbers.",
            "The hub's own conventions; every row already uses them.",
        ),
        (
            f"Should cut data-steward effort below {_n(TRIGGERS[2].limit)} h a week.",
            "§4: "
            + (
                f"{_n(ev.steward_average)} h a week on average."
                if ev.steward_average is not None
                else "steward hours not logged yet."
            ),
        ),
        (
            "Should sign staff in with their existing Microsoft 365 accounts.",
            f"§3: {ev.loggers:,} staff log with their Microsoft 365 email today."
            if ev.loggers
            else "The Form and the reminders already run on Microsoft 365.",
        ),
    ]
    blocks = [
        _p("Each requirement cites the figure it rests on; § refers to the sections above."),
        _sub("Functional"),
        _requirement_table("FR", functional),
        _sub("Non-functional"),
        _requirement_table("NFR", non_functional),
    ]
    return Section("7. Requirements", tuple(blocks))


def _questions(ev: Evidence) -> Section:
    blocks: list[Block] = [
        _p("From the v6 strategy's Open Questions for Discovery Phase, quoted as written:"),
    ]
    for group, questions in V6_OPEN_QUESTIONS:
        blocks.append(_sub(group))
        blocks.append(_numbered(questions))
    raised = []
    data_never = {t: cols for t, cols in ev.never_used.items() if t in DATA_TABS}
    if data_never:
        fields = "; ".join(f"{t}: {_list_fields(cols)}" for t, cols in data_never.items())
        raised.append(
            f"These fields were never filled ({fields}). Drop them in the new CRM, or keep them and ask "
            "for them?"
        )
    if ev.rarely_used:
        count = sum(len(cols) for cols in ev.rarely_used.values())
        raised.append(
            f"{count} field(s) are filled in fewer than {RARELY_USED:.0%} of rows (§3). Optional in the CRM, "
            "or required?"
        )
    silent = [d for d, n in ev.divisions if n == 0 and d in LISTS["Divisions"]]
    if ev.interactions and silent:
        raised.append(
            f"No interactions were logged for {', '.join(silent)}. Are they in scope for the CRM's first "
            "phase?"
        )
    other = next((n for c, n in ev.channels if c == "Other"), 0)
    if other:
        raised.append(
            f"{_pct(other, ev.interactions)} of interactions were logged on channel Other. Which channels "
            "are missing from the list?"
        )
    if ev.individuals:
        raised.append(
            f"{_pct(ev.individuals, ev.accounts_active)} of accounts are individuals (B2C). Same customer "
            "base as companies in the CRM, or a separate consumer module?"
        )
    if ev.review_open:
        raised.append(
            f"{ev.review_open:,} possible duplicate(s) await a decision. Resolve them before migration, "
            "or migrate and resolve in the CRM?"
        )
    unresolved = ev.rejected - ev.rejected_resolved
    if unresolved:
        raised.append(
            f"{unresolved:,} rejected submission(s) are unresolved. Who clears them before migration?"
        )
    if ev.owner_churn:
        raised.append(
            f"{ev.owner_churn:,} account(s) changed owner more than once. Is the largest-invoice rule the "
            "one to configure in the CRM?"
        )
    unmeasured = [r.trigger.label.lower() for r in ev.readings if r.latest is None]
    if unmeasured:
        raised.append(
            f"The latest check did not measure {', '.join(unmeasured)}. How will it be measured before the "
            "decision?"
        )
    raised.append(
        "Which of the hub's rules (ownership, duplicates, follow-ups, KPIs) must the CRM run natively, and "
        "which may stay as an add-on?"
    )
    blocks.append(_sub("Raised by the data"))
    blocks.append(_numbered(raised))
    return Section("8. Open questions", tuple(blocks))


def _intro(ev: Evidence) -> tuple[Block, ...]:
    blocks = [
        _p(
            f"Draft prepared by CX Hub for {ev.company} on {_stamp(ev.now)} (Africa/Lagos), from the "
            "hub's own rows as they stood then. A person should review it before it goes to vendors."
        )
    ]
    if ev.total_rows == 0 and ev.latest_check is None:
        blocks.append(
            _callout(
                "The hub holds no data yet, so this draft carries no usage evidence: the figures below are "
                "empty and the requirements rest on the design alone."
            )
        )
    blocks.append(_p("What the data cannot show:"))
    blocks.append(
        _bullets(
            (
                "Conversations staff never logged: real interaction volumes are higher than the hub's.",
                "Why a field stayed empty: a field the Form does not ask for cannot be filled.",
                "How staff feel about the tool, or the time they spend logging: only steward hours are "
                "recorded.",
                "Anything in the ERP beyond the exported invoices, customers and price list.",
                "Who really has the workbook open at once: Excel does not log it, so concurrent users is "
                "the Health check's proxy (the most staff submitting within any 15 minutes).",
            )
        )
    )
    return tuple(blocks)


def build_draft(
    tables: Mapping[str, list[dict]], health: Sequence[HealthEvidence], now: datetime, company: str
) -> Draft:
    # A check whose time cannot be read cannot be placed on the trend; it is left out, not guessed.
    checks = [replace(h, checked_at=at) for h in health if (at := _when(h.checked_at)) is not None]
    ev = _gather(tables, checks, now, company)
    sections = (
        _why_now(ev),
        _volumes(ev),
        _usage(ev),
        _quality(ev),
        _ownership(ev),
        _integrations(ev),
        _requirements(ev),
        _questions(ev),
    )
    return Draft(f"CRM Requirements Document: {company} (draft)", _intro(ev), sections)


# --- rendering ----------------------------------------------------------------------------------

_CODE = re.compile(r"`([^`\n]+)`")
_MD_SPECIAL = re.compile(r"([\\*_\[\]<>|])")
# Only a marker followed by a space (or nothing) opens a list or heading: "-5%" and "34.0%" are text.
_MD_MARKER = re.compile(r"^([#+\-])(?=\s|$)")
_MD_ORDINAL = re.compile(r"^(\d+)([.)])(?=\s|$)")


def _md(text: str, *, starts_line: bool = False) -> str:
    """Markdown-safe text: data can never turn into markup (or raw HTML); `code` spans are kept.

    starts_line: the text opens a block, where "- ", "# " or "1." would start a list or heading.
    """
    parts = _CODE.split(" ".join(text.split()))
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"`{part}`")
            continue
        escaped = _MD_SPECIAL.sub(r"\\\1", part)
        if i == 0 and starts_line:
            escaped = _MD_ORDINAL.sub(r"\1\\\2", _MD_MARKER.sub(r"\\\1", escaped))
        out.append(escaped)
    return "".join(out)


def _md_block(block: Block) -> list[str]:
    if block.kind == "subheading":
        return [f"### {_md(block.text)}", ""]
    if block.kind == "callout":
        return [f"> {_md(block.text, starts_line=True)}", ""]
    if block.kind == "bullets":
        return [*(f"- {_md(item, starts_line=True)}" for item in block.items), ""]
    if block.kind == "numbered":
        return [*(f"{i}. {_md(item, starts_line=True)}" for i, item in enumerate(block.items, 1)), ""]
    if block.kind == "table":
        rule = ["---:" if numeric else "---" for numeric in block.numeric]
        lines = ["| " + " | ".join(_md(h) for h in block.headers) + " |", "| " + " | ".join(rule) + " |"]
        lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in block.rows]
        return [*lines, ""]
    return [_md(block.text, starts_line=True), ""]


def render_markdown(draft: Draft) -> str:
    lines = [f"# {_md(draft.title)}", ""]
    for block in draft.intro:
        lines += _md_block(block)
    for section in draft.sections:
        lines += [f"## {_md(section.heading)}", ""]
        for block in section.blocks:
            lines += _md_block(block)
    return "\n".join(lines).rstrip() + "\n"


_CODE_STYLE = "font-family:Consolas,monospace;background:#f1f5f9;padding:0 3px;border-radius:3px"


def _inline_html(text: str) -> Markup:
    """The same inline rule as _md: `code` spans become <code>, everything else is escaped text."""
    parts = _CODE.split(text)
    return Markup("").join(
        Markup('<code style="{}">{}</code>').format(_CODE_STYLE, part) if i % 2 else escape(part)
        for i, part in enumerate(parts)
    )


def _environment():
    env = environment()
    env.filters.setdefault("inline", _inline_html)  # the draft's one piece of inline markup
    return env


def render_html(draft: Draft) -> str:
    return _environment().get_template("requirements_doc.html.j2").render(draft=draft)


def draft_requirements(
    tables: Mapping[str, list[dict]],
    health: list[HealthEvidence],
    now: datetime,
    company: str = "Mikano International",
) -> tuple[str, str]:
    """(markdown, html) of the draft."""
    draft = build_draft(tables, health, now, company)
    return render_markdown(draft), render_html(draft)
