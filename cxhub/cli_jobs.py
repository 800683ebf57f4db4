"""cxhub run <job>: one timer job once (governance, the ERP folder, follow-ups, the steward digest,
response warnings, KPIs, upgrade triggers), with its summary printed."""

from __future__ import annotations

import argparse
import dataclasses

from cxhub.cli_common import EXIT_NOT_WRITTEN, EXIT_OK, EXIT_REJECTED, UsageError, mail_where
from cxhub.settings import Settings


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from cxhub import wiring

    if args.outbox:
        settings = dataclasses.replace(settings, outbox=args.outbox)
    if args.job == "followups":
        return _run_followups(settings, _run_time(args.as_of, settings.timezone))
    if args.job == "sla":
        return _run_sla(settings, args.at)
    if args.job == "kpis":
        return _run_kpis(settings, _run_time(args.as_of, settings.timezone))
    if args.job == "steward-digest":
        report = wiring.run_steward_digest(settings, _run_time(args.as_of, settings.timezone))
        print(f"Steward digest: {report.sent} sent, {report.already_sent} already sent today")
        return EXIT_OK if not report.failed else EXIT_NOT_WRITTEN
    if args.job == "health":
        return _run_health(settings, _run_time(args.as_of, settings.timezone))

    if args.job == "erp-folder":
        if args.folder:
            settings = dataclasses.replace(settings, erp_folder=args.folder)
        done = wiring.run_erp_folder(settings)
        if done is None:
            raise UsageError("no ERP drop folder: pass --folder or set CXHUB_ERP_FOLDER")
        for item in done:
            print(f"{item.name}: {item.outcome}\n{item.report}\n")
        if not done:
            print("The ERP drop folder holds no new files.")
        return EXIT_OK if all(i.outcome == "processed" for i in done) else EXIT_REJECTED
    wiring.ensure_hub(settings)
    report = wiring.run_governance(settings, args.as_of)
    print(f"Governance run ({report.seconds:.1f}s):")
    for name, value in report.summary.items():
        print(f"  {name:<34} {value}")
    for name, count in sorted(report.unmapped_salespeople.items()):
        print(f"  ERP salesperson {name!r} ({count} account(s)) is not on the Staff tab: owner left as is")
    for skipped in report.skipped_merges:
        print(f"  merge not applied: {skipped}")
    return EXIT_OK


def _run_time(day, timezone: str):
    """--as-of DAY: the job runs as it would at 07:00 Lagos that day."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(7, 0), tzinfo=ZoneInfo(timezone)) if day else None


def _run_followups(settings: Settings, now) -> int:
    from cxhub import wiring

    wiring.ensure_hub(settings)
    report = wiring.run_followups(settings, now)
    sent = f"{report.reminders_sent} reminder(s) and {report.digests_sent} manager digest(s)"
    print(f"Follow-ups: {sent} sent {mail_where(settings)}.")
    if report.already_sent:
        print(f"  {report.already_sent} mail(s) had already gone out today and were not sent again.")
    for recipient in report.failed:
        print(f"  could not mail {recipient}")
    return EXIT_OK if not report.failed else EXIT_REJECTED


def _run_sla(settings: Settings, at) -> int:
    from zoneinfo import ZoneInfo

    from cxhub import wiring

    wiring.build_store(settings).ensure_exists()
    now = at.replace(tzinfo=ZoneInfo(settings.timezone)) if at else None
    report = wiring.run_sla(settings, now)
    if report.quiet:
        print("Response warnings: outside business hours or on a quiet day; nothing was sent.")
        return EXIT_OK
    print(f"Response warnings: {report.sent} sent {mail_where(settings)}", end="")
    print(f"; {report.already_sent} already sent earlier." if report.already_sent else ".")
    for interaction_id in report.failed:
        print(f"  could not mail the warning about {interaction_id}")
    return EXIT_OK if not report.failed else EXIT_REJECTED


def _run_kpis(settings: Settings, now) -> int:
    from cxhub import wiring

    wiring.ensure_hub(settings)
    report = wiring.run_kpis(settings, now)
    print(f"KPIs for the week of {report.week:%d %b %Y}:")
    if report.already_recorded:
        print("  already on the Dashboard tab; nothing added")
    else:
        print(f"  {report.rows_written} row(s) added to the Dashboard tab")
    if report.mailed_to:
        who = f"{len(report.mailed_to)} manager(s)/admin(s)"
        print(f"  digest with charts mailed to {who} {mail_where(settings)}")
    return EXIT_OK


def _run_health(settings: Settings, now) -> int:
    from cxhub import wiring

    wiring.ensure_hub(settings)
    report = wiring.run_health(settings, now)
    print("Upgrade triggers (v6 thresholds):")
    for t in report.triggers:
        trend = (
            "crossed"
            if t.met
            else "no trend yet"
            if t.weeks_to_threshold is None
            else f"~{t.weeks_to_threshold:g} weeks to go"
        )
        print(f"  {t.name:<26} {t.value:>8.2f} {t.unit:<5} threshold {t.threshold:g}  ({trend})")
    print(f"  {report.row['Triggers Met']} of 4 met; a Health row was added.")
    if report.mailed:
        what = "the evidence and a CRM requirements draft"
        print(f"  Two or more hold: the admins were mailed {what} {mail_where(settings)}.")
    elif report.already_mailed_this_week:
        print("  The admins were already mailed this week.")
    return EXIT_OK
