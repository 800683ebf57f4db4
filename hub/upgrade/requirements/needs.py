"""Sections 6 to 8 of the requirements draft, what the CRM must do: the integrations in place and
needed, the requirements (each citing the figure it rests on), and the open questions (the strategy's
strategy's, quoted, then those the data raises).
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.text import count
from hub.upgrade.requirements import rules
from hub.upgrade.requirements.document import (
    Block,
    Section,
    bullets,
    day,
    field_list,
    figure,
    naira,
    numbered,
    paragraph,
    percent,
    stamp,
    subheading,
    table,
)
from hub.upgrade.requirements.evidence import Evidence
from hub_schema.lists import LISTS


def integrations_section(ev: Evidence) -> Section:
    blocks: list[Block] = [subheading("ERP import (Oracle ERP to the hub, read-only)")]
    if ev.deals or ev.price_items:
        blocks.append(
            paragraph(
                f"The hub holds {ev.deals:,} ERP invoices worth {naira(ev.deals_amount)} "
                f"({ev.invoices_12m:,} dated in the last 12 months, {ev.deals_unlinked:,} not linked to an "
                f"account) and {ev.price_items:,} price-list items. The Audit tab records "
                f"{ev.erp_import_runs:,} import run(s); invoices last imported "
                f"{stamp(ev.deals_last_import) if ev.deals_last_import else 'never'}, the price list "
                f"{stamp(ev.price_last_import) if ev.price_last_import else 'never'}."
            )
        )
    else:
        blocks.append(paragraph("No ERP invoices or price-list items have been imported yet."))
    blocks.append(
        bullets(
            (
                "Must import ERP invoices at least daily ("
                + (
                    f"{ev.invoices_12m:,} in the last 12 months, about "
                    f"{figure(round(ev.invoices_12m / 12))} a month"
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
    blocks.append(subheading("Microsoft Forms intake"))
    blocks.append(
        paragraph(
            f"{ev.via_forms:,} of {ev.interactions:,} interactions arrived through the Microsoft Form "
            f"({percent(ev.via_forms, ev.interactions)}); {ev.rejected - ev.rejected_erp:,} Form submissions "
            "were rejected and kept."
            if ev.interactions
            else "No interaction has arrived through the Microsoft Form yet."
        )
    )
    blocks.append(
        bullets(
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
    blocks.append(subheading("Outlook reminders and digests"))
    blocks.append(
        paragraph(
            f"{ev.with_next_action:,} interactions carry a next action; {ev.actions_open:,} are open, "
            f"{ev.actions_overdue:,} of them overdue on {day(ev.now)}; {ev.reminded:,} interaction(s) "
            "have had a reminder mailed."
        )
    )
    blocks.append(
        bullets(
            (
                "Must mail each person the follow-ups they owe once a day through Outlook (Microsoft 365), "
                f"in {ev.zone} time, and their manager a digest.",
                "Should keep sending from the company's Microsoft 365 tenant rather than a vendor's mail "
                "domain, so reminders are not filtered as bulk mail.",
            )
        )
    )
    return Section("6. Integrations in place and needed", tuple(blocks))


def _requirement_table(prefix: str, requirements: Sequence[tuple[str, str]]) -> Block:
    return table(
        ("ID", "Requirement", "Evidence"),
        ((f"{prefix}-{i}", text, evidence) for i, (text, evidence) in enumerate(requirements, 1)),
    )


def requirements_section(ev: Evidence) -> Section:
    blocks = [
        paragraph("Each requirement cites the figure it rests on; § refers to the sections above."),
        subheading("Functional"),
        _requirement_table("FR", _functional(ev)),
        subheading("Non-functional"),
        _requirement_table("NFR", _non_functional(ev)),
    ]
    return Section("7. Requirements", tuple(blocks))


def _functional(ev: Evidence) -> list[tuple[str, str]]:
    channels = ev.channels_used
    divisions = [d for d, n in ev.divisions if n and d != "(blank)"]
    stages_used = sum(1 for s, n, _ in ev.stages if n and s != "(blank)")
    growth = ev.accounts_growth_per_year
    total_opportunities = sum(n for _, n, _ in ev.stages)
    total_tickets = sum(n for _, n in ev.statuses)
    return [
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
            f"§3: {percent(ev.individuals, ev.accounts_active)} of active accounts are individuals."
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
            f"§5: {count(total_opportunities, 'opportunity', 'opportunities')} "
            f"over {count(stages_used, 'stage')}.",
        ),
        (
            "Must run service tickets with status, quote and final amount, manager approval and CSAT.",
            f"§5: {count(total_tickets, 'ticket')}, {figure(ev.csat_rated)} rated.",
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


def _non_functional(ev: Evidence) -> list[tuple[str, str]]:
    latest = ev.latest_check
    peak = latest.peak_users if latest and latest.peak_users is not None else None
    reading = {r.trigger.attr: r for r in ev.readings}
    opened = reading["open_seconds"].latest
    roles = [r for r, n in ev.roles if n and r != "(blank)"]
    return [
        (
            f"Must support at least {max(peak or 0, int(rules.PEAK_USERS.limit)):,} concurrent users"
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
            f"§2: Staff tab; {ev.loggers_recent:,} staff logged in the last {rules.ACTIVE_DAYS} days.",
        ),
        (
            "Must open a customer record and search in well under "
            f"{figure(rules.OPEN_TIME.limit)} s at {ev.total_rows:,} rows and growing.",
            f"§1: the hub takes {figure(opened)} s to open."
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
            f"Must work in {ev.zone} time, Naira (NGN) amounts and E.164 Nigerian phone numbers.",
            "The hub's own conventions; every row already uses them.",
        ),
        (
            f"Should cut data-steward effort below {figure(rules.STEWARD_HOURS.limit)} h a week.",
            "§4: "
            + (
                f"{figure(ev.steward_average)} h a week on average."
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


def questions_section(ev: Evidence) -> Section:
    blocks: list[Block] = [
        paragraph("From the v6 strategy's Open Questions for Discovery Phase, quoted as written:"),
    ]
    for group, questions in rules.V6_OPEN_QUESTIONS:
        blocks.append(subheading(group))
        blocks.append(numbered(questions))
    raised = [
        *_questions_on_fields(ev),
        *_questions_on_use(ev),
        "Which of the hub's rules (ownership, duplicates, follow-ups, KPIs) must the CRM run natively, and "
        "which may stay as an add-on?",
    ]
    blocks.append(subheading("Raised by the data"))
    blocks.append(numbered(raised))
    return Section("8. Open questions", tuple(blocks))


def _questions_on_fields(ev: Evidence) -> list[str]:
    raised = []
    data_never = {t: cols for t, cols in ev.never_used.items() if t in rules.DATA_TABS}
    if data_never:
        fields = "; ".join(f"{t}: {field_list(cols)}" for t, cols in data_never.items())
        raised.append(
            f"These fields were never filled ({fields}). Drop them in the new CRM, or keep them and ask "
            "for them?"
        )
    if ev.rarely_used:
        count = sum(len(cols) for cols in ev.rarely_used.values())
        raised.append(
            f"{count} field(s) are filled in fewer than {rules.RARELY_USED:.0%} of rows (§3). "
            "Optional in the CRM, or required?"
        )
    return raised


def _questions_on_use(ev: Evidence) -> list[str]:
    raised = []
    silent = [d for d, n in ev.divisions if n == 0 and d in LISTS["Divisions"]]
    if ev.interactions and silent:
        raised.append(
            f"No interactions were logged for {', '.join(silent)}. Are they in scope for the CRM's first "
            "phase?"
        )
    other = next((n for c, n in ev.channels if c == "Other"), 0)
    if other:
        raised.append(
            f"{percent(other, ev.interactions)} of interactions were logged on channel Other. Which channels "
            "are missing from the list?"
        )
    if ev.individuals:
        raised.append(
            f"{percent(ev.individuals, ev.accounts_active)} of accounts are individuals (B2C). Same customer "
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
    return raised
