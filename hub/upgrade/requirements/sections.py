"""Sections 1 to 5 of the requirements draft and its introduction: each reads the Evidence and says
what the hub's rows show, and says so plainly where they show nothing yet.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from hub.text import count
from hub.upgrade.requirements.document import (
    Block,
    Section,
    bullets,
    callout,
    day,
    field_list,
    figure,
    naira,
    paragraph,
    percent,
    stamp,
    subheading,
    table,
)
from hub.upgrade.requirements.evidence import NO_FIELD, Evidence
from hub.upgrade.requirements.rules import (
    ACTIVE_DAYS,
    DATA_TABS,
    RARELY_USED,
    STEWARD_HOURS,
    TRIGGERS,
    TRIGGERS_FOR_UPGRADE,
    WEEKS_SHOWN,
)
from hub_schema.lists import CLOSED_STAGES, CLOSED_TICKET_STATUSES, LISTS
from hub_schema.tabs import TABS


def why_now_section(ev: Evidence) -> Section:
    blocks: list[Block] = []
    latest = ev.latest_check
    if latest is None:
        blocks.append(
            callout(
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
        callout(
            f"{held} of {len(TRIGGERS)} upgrade triggers hold at the latest check "
            f"({stamp(latest.checked_at)}){recorded}. {verdict}"
        )
    )
    blocks.append(
        table(
            ("Trigger", "Threshold", "Latest", "Holds"),
            (
                (
                    r.trigger.label,
                    f"> {figure(r.trigger.limit)} {r.trigger.unit}",
                    f"{figure(r.latest)} {r.trigger.unit}" if r.latest is not None else "not measured",
                    "yes" if r.holds else "no" if r.latest is not None else "unknown",
                )
                for r in ev.readings
            ),
        )
    )
    blocks.append(subheading("Trend"))
    blocks.append(
        table(
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
                    f"{figure(r.first[1])} ({day(r.first[0])})" if r.first else "never measured",
                    f"{figure(r.last[1])} ({day(r.last[0])})" if r.last else "—",
                    f"{r.per_30_days:+,.1f} {r.trigger.unit}" if r.per_30_days is not None else "—",
                    day(r.first_above) if r.first_above else "—",
                    day(r.projected) if r.projected else "—",
                )
                for r in ev.readings
            ),
        )
    )
    blocks.append(
        paragraph(
            "Change per 30 days compares the first and the latest measurement; the crossing date extends "
            "that line and is indicative only (it needs two checks at least a day apart)."
        )
    )
    if ev.health_months:
        blocks.append(paragraph("Highest value measured per month (last 12 months with checks):"))
        blocks.append(
            table(
                ("Month", "Checks", *(f"{t.label} ({t.unit})" for t in TRIGGERS)),
                ev.health_months,
            )
        )
    if ev.steward_weeks:
        weeks = ev.steward_weeks[-WEEKS_SHOWN:]
        above = sum(busiest > STEWARD_HOURS.limit for *_, busiest in weeks)
        blocks.append(
            paragraph(
                f"The Steward Log, kept by the stewards themselves: {figure(ev.steward_average or 0)} h per "
                f"week on average over the last {len(weeks)} week(s) logged; in {above} of them a steward "
                f"worked more than {figure(STEWARD_HOURS.limit)} h (details in section 4)."
            )
        )
    return Section("1. Why now", tuple(blocks))


def volumes_section(ev: Evidence) -> Section:
    blocks: list[Block] = []
    if ev.total_rows == 0:
        blocks.append(paragraph("The hub holds no rows yet: there is no data on volumes or growth."))
    blocks.append(
        table(
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
            paragraph(
                f"Accounts: {ev.accounts_active:,} active and {ev.accounts_merged:,} kept as Merged after "
                f"duplicate merges; {ev.contacts_active:,} active contacts."
            )
        )
    if ev.first_activity:
        blocks.append(
            paragraph(
                f"The earliest dated activity is {day(ev.first_activity)}: volumes cover only the "
                "period since then."
            )
        )
    blocks.append(subheading("Interactions per month"))
    if ev.interactions:
        blocks.append(table(("Month", "Interactions", "New accounts", "New contacts"), ev.months))
    else:
        blocks.append(paragraph("No interactions have been logged yet."))
    blocks.append(subheading("Growth"))
    if ev.growth is not None:
        annual = (1 + ev.growth) ** 4 - 1
        blocks.append(
            paragraph(
                f"{ev.recent_3m:,} interactions in the 3 months to {day(ev.now)} against "
                f"{ev.previous_3m:,} in the 3 months before: {ev.growth:+.1%} "
                f"({annual:+.0%} a year if that pace held)."
            )
        )
    else:
        blocks.append(
            paragraph(
                f"{ev.recent_3m:,} interactions in the 3 months to {day(ev.now)} and none in the 3 months "
                "before, so no growth rate can be computed yet."
            )
        )
    if ev.accounts_growth_per_year is not None:
        blocks.append(
            paragraph(
                f"{ev.new_accounts_3m:,} accounts were created in the last 3 months, "
                f"{ev.accounts_growth_per_year:.0%} a year at that pace "
                "(accounts loaded from the ERP customer export count as created when they were loaded)."
            )
        )
    elif ev.new_accounts_3m:
        blocks.append(
            paragraph(
                f"All {ev.new_accounts_3m:,} accounts were created in the last 3 months, so there is no base "
                "yet for an account growth rate."
            )
        )
    blocks.append(
        paragraph(
            "A pilot's growth mostly reflects its roll-out (more staff, more divisions), not customer "
            "demand: size the CRM on the volumes, and read the growth rate as an upper bound."
        )
    )
    return Section("2. Volumes and growth", tuple(blocks))


def _mix_table(label: str, counts: Sequence[tuple[str, int]], total: int) -> Block:
    return table(
        (label, "Interactions", "Share"), ((value, f"{n:,}", percent(n, total)) for value, n in counts)
    )


def usage_section(ev: Evidence) -> Section:
    blocks: list[Block] = []
    blocks.append(subheading("Channels"))
    if ev.interactions:
        blocks.append(_mix_table("Channel", ev.channels, ev.interactions))
        blocks.append(subheading("Divisions"))
        blocks.append(_mix_table("Division", ev.divisions, ev.interactions))
        blocks.append(
            paragraph(
                f"{ev.cross_division_accounts:,} account(s) were served by more than one division; "
                f"{ev.loggers:,} staff logged at least one interaction, {ev.loggers_recent:,} of them in "
                f"the last {ACTIVE_DAYS} days."
            )
        )
    else:
        blocks.append(paragraph("No interactions have been logged yet: there is no channel or division mix."))
    blocks.append(subheading("B2C share"))
    if ev.accounts_active:
        blocks.append(
            paragraph(
                f"{ev.individuals:,} of {ev.accounts_active:,} active accounts are individuals (B2C): "
                f"{percent(ev.individuals, ev.accounts_active)}. They account for "
                f"{percent(ev.individual_interactions, ev.interactions) if ev.interactions else 'none'} "
                "of interactions."
            )
        )
    else:
        blocks.append(paragraph("No accounts yet: the B2C share cannot be computed."))

    blocks.append(subheading("Fields never or rarely used"))
    blocks.append(
        paragraph(
            "A field counts as filled when it holds a non-blank value. Never used: blank in every row; "
            f"rarely used: filled in fewer than {RARELY_USED:.0%} of rows. A field the Form never asks "
            "for cannot be filled, so never used may also mean never asked."
        )
    )
    if not ev.fill:
        blocks.append(paragraph("No tab holds any rows yet, so no field's use can be judged."))
    else:
        blocks += _field_use_blocks(ev)
    return Section("3. How the data is used", tuple(blocks))


def _field_use_blocks(ev: Evidence) -> list[Block]:
    blocks: list[Block] = []
    data_never = [f"{t}: {field_list(cols)}" for t, cols in ev.never_used.items() if t in DATA_TABS]
    machinery_never = [f"{t}: {field_list(cols)}" for t, cols in ev.never_used.items() if t not in DATA_TABS]
    if data_never:
        blocks.append(paragraph("Never used in the customer data (candidates to drop in the new CRM):"))
        blocks.append(bullets(data_never))
    else:
        blocks.append(paragraph("Every customer-data field in a tab with rows has been used at least once."))
    if ev.rarely_used:
        blocks.append(paragraph("Rarely used:"))
        blocks.append(
            bullets(
                f"{t}: " + ", ".join(f"`{c}` ({share:.1%})" for c, share in cols)
                for t, cols in ev.rarely_used.items()
            )
        )
    if machinery_never:
        blocks.append(paragraph("Never used in the hub's own tabs (replaced by the CRM's own features):"))
        blocks.append(bullets(machinery_never))
    if ev.by_design:
        blocks.append(paragraph("Blank so far by design, not by disuse (keep):"))
        blocks.append(bullets(f"{t}: `{c}`, {why}" for t, c, why in ev.by_design))
    empty = [t.name for t in TABS if t.name not in ev.fill]
    if empty:
        blocks.append(paragraph(f"No rows, so their fields' use cannot be judged: {', '.join(empty)}."))
    for tab_name, columns in ev.fill.items():
        blocks.append(subheading(f"Fields filled: {tab_name} ({count(ev.rows[tab_name], 'row')})"))
        blocks.append(
            table(
                ("Field", "Filled", "Share"),
                ((f"`{c}`", f"{n:,}", f"{share:.1%}") for c, n, share in columns),
            )
        )
    return blocks


def quality_section(ev: Evidence) -> Section:
    blocks: list[Block] = [subheading("Rejected submissions")]
    if ev.rejected:
        blocks.append(
            paragraph(
                f"{ev.rejected:,} submissions were rejected ({ev.rejected - ev.rejected_erp:,} from the "
                f"Form, {ev.rejected_erp:,} ERP file rows); {ev.rejected_resolved:,} marked resolved. "
                "By reason (the field named before the first colon of each error line; one submission "
                "can fail on several fields):"
            )
        )
        blocks.append(
            table(
                ("Reason", "Form", "ERP", "Total"),
                (
                    (f"`{r}`" if r != NO_FIELD else r, f"{f:,}", f"{e:,}", f"{f + e:,}")
                    for r, f, e in ev.reasons
                ),
            )
        )
    else:
        blocks.append(paragraph("No submission has been rejected."))
    blocks.append(subheading("Duplicates found"))
    if ev.review:
        decisions = [*LISTS["Review Decisions"], "Undecided"]
        decisions += sorted({d for _, counts in ev.review for d in counts} - set(decisions))
        frame = pd.DataFrame(dict(ev.review)).T.reindex(columns=decisions).fillna(0)
        blocks.append(
            table(
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
        blocks.append(
            paragraph(f"{ev.review_open:,} possible duplicate(s) still await a steward's decision.")
        )
    else:
        blocks.append(paragraph("The Review Queue is empty: no possible duplicates have been raised."))
    merged = sum(ev.merges.values())
    by_kind = ", ".join(f"{n:,} {kind.lower()}" for kind, n in sorted(ev.merges.items()))
    blocks.append(
        paragraph(
            f"Merges applied (Audit): {merged:,}" + (f" ({by_kind})" if merged else "") + ". Merged records "
            "are kept with Status Merged, never deleted."
        )
    )
    blocks.append(subheading("Steward hours per week"))
    if ev.steward_weeks:
        weeks = ev.steward_weeks[-WEEKS_SHOWN:]
        blocks.append(
            table(
                ("Week", "Hours", "Stewards", "Busiest steward (h)"),
                ((day(w), figure(h), str(s), figure(b)) for w, h, s, b in weeks),
            )
        )
        blocks.append(
            paragraph(
                f"Average {figure(ev.steward_average or 0)} h a week over these {len(weeks)} week(s), "
                f"highest {figure(max(h for _, h, _, _ in weeks))} h; the v6 threshold is "
                f"{figure(STEWARD_HOURS.limit)} h per steward."
            )
        )
    else:
        blocks.append(paragraph("The Steward Log is empty: steward effort has not been recorded."))
    return Section("4. Data quality", tuple(blocks))


def ownership_section(ev: Evidence) -> Section:
    blocks = (
        subheading("Ownership changes"),
        *_owner_changes(ev),
        subheading("Opportunities per stage"),
        *_stages(ev),
        subheading("Tickets per status"),
        *_ticket_statuses(ev),
    )
    return Section("5. Ownership and pipeline", blocks)


def _owner_changes(ev: Evidence) -> list[Block]:
    if not ev.owner_changes:
        return [paragraph("No ownership change has been recorded in the Audit tab.")]
    return [
        table(("Month", "Owner changes"), ((m, f"{n:,}") for m, n in ev.owner_months)),
        paragraph(
            f"{ev.owner_changes:,} owner change(s) on {ev.owner_accounts:,} account(s), all from the "
            f"ERP-invoice rule; {ev.owner_churn:,} account(s) changed owner more than once."
        ),
    ]


def _stages(ev: Evidence) -> list[Block]:
    if not sum(n for _, n, _ in ev.stages):
        return [paragraph("No opportunities yet: the pipeline has not been used.")]
    won = next((n for s, n, _ in ev.stages if s == "Won"), 0)
    lost = next((n for s, n, _ in ev.stages if s == "Lost"), 0)
    open_value = sum(v for s, _, v in ev.stages if s not in CLOSED_STAGES)
    return [
        table(("Stage", "Opportunities", "Value"), ((s, f"{n:,}", naira(v)) for s, n, v in ev.stages)),
        paragraph(
            f"Win rate of closed opportunities: {percent(won, won + lost)} ({won:,} won, {lost:,} lost); "
            f"open pipeline {naira(open_value)}."
        ),
    ]


def _ticket_statuses(ev: Evidence) -> list[Block]:
    if not sum(n for _, n in ev.statuses):
        return [paragraph("No tickets yet: the service desk has not been used.")]
    still_open = sum(n for s, n in ev.statuses if s not in CLOSED_TICKET_STATUSES)
    return [
        table(("Status", "Tickets"), ((s, f"{n:,}") for s, n in ev.statuses)),
        paragraph(f"{still_open:,} ticket(s) not yet resolved; {ev.csat_rated:,} carry a CSAT rating."),
    ]


def intro_blocks(ev: Evidence) -> tuple[Block, ...]:
    blocks = [
        paragraph(
            f"Draft prepared by CX Hub for {ev.company} on {stamp(ev.now)} ({ev.zone}), from the "
            "hub's own rows as they stood then. A person should review it before it goes to vendors."
        )
    ]
    if ev.total_rows == 0 and ev.latest_check is None:
        blocks.append(
            callout(
                "The hub holds no data yet, so this draft carries no usage evidence: the figures below are "
                "empty and the requirements rest on the design alone."
            )
        )
    blocks.append(paragraph("What the data cannot show:"))
    blocks.append(
        bullets(
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
