"""`cxhub demo`: the whole pipeline on the embedded default, on generated data, in seconds."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tqdm import tqdm

from cxhub import wiring
from cxhub.local_intake import call_intake
from cxhub.sample_data import STAFF, campaign_rows, generate, meeting_burst, staff_rows
from cxhub.sample_erp import write_samples
from cxhub.sample_later import steward_log_rows, ticket_resolutions
from cxhub.settings import Settings
from hub.governance.erp_import import ImportReport
from hub.intake.notify import NoticeReport
from hub.intake.writer import DrainReport
from hub.ports import HubChanges
from hub.text import noun

DEMO_ADMIN = "it.admin@mikano.example"


def run_demo(directory: Path, *, count: int = 300, seed: int = 65, outgrown: bool = False) -> int:
    directory = Path(directory)
    hub_path = directory / "hub.xlsx"
    if directory.exists():
        for old in (
            hub_path,
            directory / "hub.queue.sqlite",
            directory / "hub.queue.sqlite-wal",
            directory / "hub.queue.sqlite-shm",
            directory / "hub.state.json",
        ):
            old.unlink(missing_ok=True)
        shutil.rmtree(directory / "outbox", ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    # The demo never touches a configured hub or mailbox: everything stays in its folder.
    settings = Settings.from_env({"CXHUB_ADMIN_EMAILS": DEMO_ADMIN}, hub=hub_path)
    store = wiring.build_store(settings)
    store.ensure_exists()  # type: ignore[attr-defined]
    now = wiring.clock()
    staff = staff_rows()
    data = generate(count, now, seed)
    if outgrown:
        burst_staff, burst = meeting_burst(now, seed)
        staff += burst_staff
        data.bodies.extend(burst)
        last_monday = (now.astimezone(ZoneInfo(settings.timezone)) - timedelta(days=now.weekday() + 7)).date()
        store.apply(
            HubChanges(
                appends={
                    "Steward Log": [
                        {
                            "Week": last_monday,
                            "Steward": "steward@mikano.example",
                            "Hours": 3.5,
                            "Notes": "demo",
                        }
                    ]
                }
            )
        )
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    store.apply(
        HubChanges(
            appends={"Staff": staff, "Campaigns": campaign_rows(now), "Steward Log": steward_log_rows(today)}
        )
    )
    queue = wiring.build_queue(settings)

    replies = []
    total = DrainReport()
    told: list[NoticeReport] = []
    notices = wiring.submitter_notices(settings)
    with tqdm(total=len(data.bodies), desc="Submitting", unit="sub", leave=False) as bar:
        for i, raw in enumerate(data.bodies, 1):
            replies.append(call_intake(queue, raw, settings=settings))
            bar.update()
            if i % 100 == 0 or i == len(data.bodies):
                bar.set_description("Writing the hub")
                _merge(total, wiring.run_writer(settings, queue, lambda pairs: told.append(notices(pairs))))
                bar.set_description("Submitting")
    # Later, the service desk logs the fixes on the Form, naming each ticket (as staff would).
    written = store.read_tables(["Tickets", "Interactions"])
    fixes = ticket_resolutions(
        written["Tickets"], written["Interactions"], now, seed=seed, timezone=settings.timezone
    )
    replies += [call_intake(queue, raw, settings=settings) for raw in fixes]
    _merge(total, wiring.run_writer(settings, queue, lambda pairs: told.append(notices(pairs))))

    imports = _import_erp_samples(settings, directory, now.date())
    governance = wiring.run_governance(settings)
    followups = wiring.run_followups(settings)
    stewards = wiring.run_steward_digest(settings)
    warnings = wiring.run_sla(settings)
    kpis = wiring.run_kpis(settings)
    health = wiring.run_health(settings)

    shown = ["Accounts", "Contacts", "Interactions", "Opportunities", "Tickets", "Deals"]
    shown += ["Review Queue", "Rejected"]
    tables = store.read_tables(shown)
    statuses = [r.status for r in replies]
    print(f"CX Hub demo: {len(replies)} Form submissions through intake → queue → writer\n")
    print(f"  intake accepted (202)     {statuses.count(202)}")
    print(
        f"  intake rejected (422/400) {statuses.count(422) + statuses.count(400)}  "
        f"({data.expected_bad} generated bad on purpose; a re-delivered bad one is refused again)"
    )
    print(f"  recorded                  {total.count('recorded')}")
    print(f"  repeats recognised        {total.count('duplicate')}  (generated {data.repeats} re-deliveries)")
    print(f"  tickets resolved later    {len(fixes)}  (service staff logged each fix, naming the ticket)")
    print(f"  writer batches            {total.batches}, {total.seconds:.1f}s\n")
    for name in shown:
        print(f"  {name:<14} {len(tables[name]):>5} {noun(len(tables[name]), 'row')}")
    print("\nERP exports (messy on purpose: BOM, ';', Windows-1252, NGN amounts, Oracle dates, bad rows):")
    for report in imports:
        print(
            f"  {report.file:<30} {report.inserted} inserted, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.rejected} rejected"
            + (f", {report.linked} linked to Form accounts" if report.linked else "")
        )
    s = governance.summary
    print(
        f"Governance: {s['owners changed']} owner(s) set from ERP invoices, {s['candidates raised']} "
        f"possible duplicate(s) raised for the steward, {s['merges applied']} merge(s) applied."
    )
    linked = [o for o in total.outcomes if any("near match" in n for n in o.notes)]
    print(
        f"\n  {len(linked)} submission(s) with a misspelt company name were linked to the existing "
        "account and flagged in the Review Queue."
    )
    if tables["Rejected"]:
        first = tables["Rejected"][0]["Errors"].splitlines()[0]
        print(f"  Rejected submissions keep their raw payload; e.g. {first}")
    outbox = wiring.outbox_path(settings)
    print(f"\nMail of the day, as .eml files in {outbox} (open them in any mail program):")
    reminders, digests = followups.reminders_sent, followups.digests_sent
    print(f"  {reminders} follow-up reminder(s) to staff, {digests} manager digest(s)")
    print(f"  {stewards.sent} steward digest(s): possible duplicates (Merge / Not duplicate), rejections")
    print(
        f"  {sum(r.rejections for r in told)} rejected submission(s) mailed back to whoever filled in "
        "the Form (once each; the re-deliveries were not mailed again)"
    )
    if warnings.quiet:
        print("  response warnings: none now (outside business hours, or a quiet day)")
    else:
        print(f"  {warnings.sent} response warning(s): inquiries unanswered for 8 of the 12 hours")
    print(f"  the weekly KPI digest with charts; {kpis.rows_written} KPI rows on the Dashboard tab")
    met = health.row["Triggers Met"]
    print(f"  upgrade triggers: {met} of 4 met ({health.row['Notes']}); a Health row was added")
    if health.mailed:
        print(
            f"  two or more hold, so {DEMO_ADMIN} got the evidence, a CRM requirements draft and the exports"
        )
    elif not outgrown:
        print("  (run 'cxhub demo --outgrown' for a hub past two thresholds and the admin mail it triggers)")
    print(
        f"\nOpen {hub_path} in Excel or LibreOffice: every tab is a table; dropdowns come from the "
        "Lists tab;\noverdue open actions show red on Interactions. Try next:"
    )
    print(f"  cxhub submit my-submissions.json --hub {hub_path}")
    print(f"  cxhub serve --hub {hub_path}     # POST /api/submissions on 127.0.0.1:7071")
    print(
        f"  cxhub serve --hub {hub_path} --as {STAFF[0][0]}\n"
        "      # then open one of their reminders from the outbox and tap Done: the writer (every 2 s)\n"
        "      # marks it Done in the hub, with an Audit row naming them"
    )
    print(f"  cxhub import-erp {directory / 'erp' / 'invoices_export.csv'} --kind invoices --hub {hub_path}")
    print(f"  cxhub run governance --hub {hub_path}   # after marking a Review Queue item 'Merge'")
    return 0


def _import_erp_samples(settings: Settings, directory: Path, today: date) -> list[ImportReport]:
    files = write_samples(directory / "erp", today)
    return [wiring.import_erp(settings, path.name, path.read_bytes(), kind) for kind, path in files.items()]


def _merge(total: DrainReport, part: DrainReport) -> None:
    total.outcomes.extend(part.outcomes)
    total.batches += part.batches
    total.seconds += part.seconds
    total.poisoned += part.poisoned
    total.failed += part.failed
