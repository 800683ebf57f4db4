"""Use cases that tie the rules to the ports: the writer, the Forms poll, governance, the ERP import."""

from __future__ import annotations

import json
import logging
import re
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from hub.erp_import import READ_COLUMNS as ERP_COLUMNS
from hub.erp_import import READS as ERP_READS
from hub.erp_import import ImportReport, ImportRules, import_parsed
from hub.erp_parse import ErpFileError, parse_export
from hub.followup_mail import digest_mail, reminder_mail
from hub.followups import FollowUpRules, plan_followups
from hub.forms_sheet import new_rows
from hub.governance import READ_COLUMNS as GOVERNANCE_COLUMNS
from hub.governance import READS as GOVERNANCE_READS
from hub.governance import GovernanceRules, govern
from hub.health import (
    Measures,
    Thresholds,
    Trigger,
    evaluate,
    health_row,
    last_full_week,
    peak_concurrent_users,
    steward_hours,
)
from hub.intake import receive
from hub.matching import MatchRules
from hub.ports import (
    Attachment,
    Drive,
    HubChanges,
    HubStore,
    HubUnavailable,
    InlineImage,
    JobLock,
    Mailer,
    MailMessage,
    NoLock,
    Queue,
    RowUpdate,
    StateStore,
)
from hub.recorder import READS, Outcome, read_columns, record_batch
from hub.rendering import environment as render_environment
from hub.retention import purge_rejected
from hub.validation import IntakeRules
from hub.workspace import Table, add_audit
from hub_schema.cells import as_day
from hub_schema.erp import KINDS, Mappings
from hub_schema.tabs import TABS

log = logging.getLogger("cxhub.writer")
REPORT_SUFFIX = ".report.txt"
NO_LOCK = NoLock()
FOLLOWUP_READS = ("Accounts", "Contacts", "Interactions", "Staff", "Tickets")
TIMER_JOBS = (
    "writer",
    "forms_poll",
    "governance",
    "erp_folder_import",
    "followups",
    "kpis",
    "health",
    "purge",
)
MAX_ATTEMPTS_WORDS = "every attempt"
HEALTH_COLUMNS = {"Interactions": ("Interaction ID", "Logged By", "Submitted At", "Date")}


@dataclass(frozen=True)
class WriterRules:
    batch_size: int = 500
    max_attempts: int = 5
    visibility_timeout: int = 300  # seconds a received message stays hidden
    timezone: str = "Africa/Lagos"
    match: MatchRules = field(default_factory=MatchRules)


@dataclass
class DrainReport:
    outcomes: list[Outcome] = field(default_factory=list)
    poisoned: int = 0
    failed: int = 0  # left queued after an error in processing; retried, then poisoned
    hub_locked: str | None = None  # why the last batch was not written (locked, throttled, unreachable)
    batches: int = 0
    seconds: float = 0.0
    written: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def drain(
    queue: Queue,
    store: HubStore,
    clock: Callable[[], datetime],
    rules: WriterRules = WriterRules(),
    lock: JobLock = NO_LOCK,
) -> DrainReport:
    """Write everything queued into the hub, one batch (one write per table) at a time.

    At-least-once delivery plus the recorder's idempotency (Source Response ID) makes every
    submission land exactly once, whatever crashes or repeats happen in between.
    """
    report = DrainReport()
    started = time.perf_counter()
    tz = ZoneInfo(rules.timezone)
    seen: set[str] = set()
    while True:
        received = queue.receive(rules.batch_size, rules.visibility_timeout)
        # A message that failed earlier in this run (its timeout may be short) waits for the next run.
        for msg in (m for m in received if m.id in seen):
            queue.release(msg)
        received = [m for m in received if m.id not in seen]
        if not received:
            break
        seen.update(m.id for m in received)
        report.batches += 1
        usable = []
        for msg in received:
            if msg.body is None:
                queue.poison(msg, "the message is not a JSON object")
                report.poisoned += 1
            elif msg.dequeue_count > rules.max_attempts:
                queue.poison(msg, f"failed {rules.max_attempts} times")
                report.poisoned += 1
            else:
                usable.append(msg)
        if not usable:
            continue
        now = clock().astimezone(tz).replace(tzinfo=None)
        try:
            bodies = [m.body for m in usable if m.body is not None]  # usable messages all have one
            with lock.hold("hub"):  # from the read to the write: IDs are allocated from what was read
                tables = store.read_tables(READS, fresh=True, columns=read_columns(bodies))
                result = record_batch(tables, bodies, now, rules.match, tz)
                store.apply(result.changes)
        except HubUnavailable as e:
            # Not the messages' fault: put them back without counting this attempt against them.
            for msg in usable:
                queue.release(msg)
            report.hub_locked = str(e)
            log.warning("hub not writable (%s); %d message(s) left queued", type(e).__name__, len(usable))
            break
        failed = 0
        for msg, outcome in zip(usable, result.outcomes, strict=True):
            if outcome.status == "failed":
                failed += 1
                log.error(
                    "message %s (%s) failed in the rules (attempt %d): %s",
                    msg.id,
                    outcome.submission_id,
                    msg.dequeue_count,
                    outcome.notes[0],
                )
            else:
                queue.delete(msg)
            # One line per message, keyed by the submission ID that intake logged: the correlation
            # from the Form to the hub row. IDs and outcomes only, never answers (no PII).
            log.info(
                "%s",
                json.dumps(
                    {
                        "event": "writer",
                        "submissionId": outcome.submission_id,
                        "status": outcome.status,
                        "interactionId": outcome.interaction_id,
                        "attempt": msg.dequeue_count,
                    }
                ),
            )
        report.failed += failed
        report.outcomes.extend(result.outcomes)
        for tab, n in result.changes.counts().items():
            report.written[tab] = report.written.get(tab, 0) + n
        log.info("batch written: %d message(s), %d failed, %s", len(usable), failed, result.changes.counts())
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class PollReport:
    accepted: int = 0
    rejected: int = 0
    last_id: int = 0


def poll_forms(
    rows: Callable[[], list[list]],
    state: StateStore,
    queue: Queue,
    clock: Callable[[], datetime],
    rules: IntakeRules,
    key: str = "forms-last-id",
) -> PollReport:
    """Queue the Forms responses newer than the last one processed, through the same intake.

    The watermark moves after each message is queued, so a crash re-queues at most one
    response, and the writer's idempotency (Source Response ID) makes that harmless.
    """
    last = int(state.get(key) or 0)
    report = PollReport(last_id=last)
    for row in new_rows(rows(), last):
        reply = receive(row.body, signature=None, secret=None, now=clock(), rules=rules)
        if reply.message is not None:
            queue.put(reply.message)
        report.accepted += reply.status == 202
        report.rejected += reply.status != 202
        state.set(key, str(row.response_number))
        report.last_id = row.response_number
    return report


@dataclass
class GovernanceReport:
    summary: dict[str, int]
    unmapped_salespeople: dict[str, int]
    skipped_merges: list[str]
    seconds: float


def run_governance(
    store: HubStore,
    clock: Callable[[], datetime],
    rules: GovernanceRules,
    timezone: str,
    as_of: date | None = None,
    lock: JobLock = NO_LOCK,
) -> GovernanceReport:
    """Merges, ownership and duplicate candidates in one read and one write of the hub."""
    started = time.perf_counter()
    now = clock().astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    with lock.hold("hub"):
        tables = store.read_tables(GOVERNANCE_READS, fresh=True, columns=GOVERNANCE_COLUMNS)
        result = govern(tables, now, as_of or now.date(), rules)
        store.apply(result.changes)
    report = GovernanceReport(
        result.summary(),
        dict(result.ownership.unmapped_salespeople),
        list(result.merges.skipped),
        time.perf_counter() - started,
    )
    log.info("governance: %s in %.1fs", report.summary, report.seconds)
    return report


def import_erp_file(
    store: HubStore,
    name: str,
    data: bytes,
    kind: str,
    mappings: Mappings,
    clock: Callable[[], datetime],
    rules: ImportRules,
    timezone: str,
    lock: JobLock = NO_LOCK,
) -> ImportReport:
    """Parse one ERP export and upsert it into the hub. Raises ErpFileError if the file is unreadable."""
    parsed = parse_export(name, data, kind, mappings)
    now = clock().astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    with lock.hold("hub"):
        tables = store.read_tables(ERP_READS, fresh=True, columns=ERP_COLUMNS)
        changes, report = import_parsed(parsed, tables, now, rules)
        store.apply(changes)
    log.info(
        "ERP import %s: %d inserted, %d updated, %d unchanged, %d rejected",
        kind,
        report.inserted,
        report.updated,
        report.unchanged,
        report.rejected,
    )
    return report


@dataclass
class FolderImport:
    name: str
    kind: str | None
    outcome: Literal["processed", "failed", "left"]
    report: str


def kind_of(file_name: str) -> str | None:
    """'customers_2026-11-20.csv' -> customers: the kind is a word in the file's name."""
    words = set(re.split(r"[^a-z]+", file_name.casefold()))
    found = [k for k in KINDS if k in words or k.rstrip("s") in words]
    return found[0] if len(found) == 1 else None


def import_erp_folder(
    drive: Drive,
    folder_id: str,
    import_file: Callable[[str, bytes, str], ImportReport],
    clock: Callable[[], datetime],
) -> list[FolderImport]:
    """Import every file in the ERP drop folder, customers first; move each to Processed/ or
    Failed/ with its report beside it. A hub that cannot be written leaves the rest for next time."""
    files = [e for e in drive.children(folder_id) if not e.is_folder and not e.name.endswith(REPORT_SUFFIX)]
    if not files:
        return []
    processed, failed = drive.folder(folder_id, "Processed"), drive.folder(folder_id, "Failed")
    order = {k: i for i, k in enumerate(KINDS)}
    files.sort(key=lambda e: (order.get(kind_of(e.name) or "", len(KINDS)), e.name))
    done: list[FolderImport] = []
    for entry in files:
        kind = kind_of(entry.name)
        stamp = clock().strftime("%Y%m%d-%H%M%S")
        try:
            if kind is None:
                raise ErpFileError(
                    f"{entry.name}: the file name must say what it holds: customers, invoices or prices"
                )
            report = import_file(entry.name, drive.download(entry.id), kind)
            outcome: Literal["processed", "failed"] = "processed"
            text = report.text()
        except ErpFileError as e:
            outcome, text = "failed", f"ERP import of {entry.name} failed: {e}"
        except HubUnavailable as e:
            done.append(FolderImport(entry.name, kind, "left", f"left for the next run: {e}"))
            break
        target = processed if outcome == "processed" else failed
        drive.upload(target, f"{stamp} {entry.name}{REPORT_SUFFIX}", text.encode())
        drive.move(entry.id, target, f"{stamp} {entry.name}")
        done.append(FolderImport(entry.name, kind, outcome, text))
    return done


@dataclass
class FollowUpReport:
    reminders_sent: int = 0
    digests_sent: int = 0
    already_sent: int = 0  # mails this day's earlier run sent: not sent again
    failed: list[str] = field(default_factory=list)  # recipients whose mail could not be sent


def run_followups(
    store: HubStore,
    mailer: Mailer,
    state: StateStore,
    clock: Callable[[], datetime],
    rules: FollowUpRules,
    timezone: str,
    *,
    manager_of: Callable[[str], str | None] = lambda email: None,
    admins: tuple[str, ...] = (),
) -> FollowUpReport:
    """Mail today's reminders and digests once. What was sent is recorded in the state store right
    after each mail (so a crash or a re-run sends nothing twice) and stamped on the interactions."""
    now = clock().astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    tables = store.read_tables(FOLLOWUP_READS)
    plan = plan_followups(tables, now, rules, manager_of, admins)
    key = f"followups-sent:{plan.today.isoformat()}"
    sent: dict[str, list[str]] = json.loads(state.get(key) or '{"staff": [], "managers": []}')
    report = FollowUpReport()
    names = {
        str(s["Email"]).lower(): str(s.get("Full Name") or s["Email"])
        for s in tables["Staff"]
        if s.get("Email")
    }
    stamps: dict[str, datetime] = {}

    def deliver(kind: str, recipient: str, message: MailMessage) -> bool:
        if recipient in sent[kind]:
            report.already_sent += 1
            return False
        try:
            mailer.send(message)
        except Exception as e:  # one bad address must not stop everyone else's mail
            log.error("follow-up mail to a %s failed: %s", kind, type(e).__name__)
            report.failed.append(recipient)
            return False
        sent[kind].append(recipient)
        state.set(key, json.dumps(sent))
        return True

    for reminder in plan.reminders:
        if deliver("staff", reminder.email, reminder_mail(reminder)):
            report.reminders_sent += 1
            stamps.update({item.interaction_id: now for item in reminder.items})
    for digest in plan.digests:
        if deliver("managers", digest.manager, digest_mail(digest, names, rules, plan.today)):
            report.digests_sent += 1
    if stamps:
        store.apply(
            HubChanges(
                updates=[RowUpdate("Interactions", i, {"Last Reminded": when}) for i, when in stamps.items()]
            )
        )
    log.info(
        "follow-ups: %d reminders, %d digests, %d already sent, %d failed",
        report.reminders_sent,
        report.digests_sent,
        report.already_sent,
        len(report.failed),
    )
    return report


@dataclass
class HealthReport:
    row: dict
    triggers: list[Trigger]
    mailed: bool = False
    already_mailed_this_week: bool = False


def run_health(
    store: HubStore,
    mailer: Mailer,
    state: StateStore,
    clock: Callable[[], datetime],
    limits: Thresholds,
    timezone: str,
    admins: tuple[str, ...],
    attachments: Callable[[Mapping[str, list[dict]], datetime], list[Attachment]] = lambda tables, now: [],
) -> HealthReport:
    """Measure the four triggers, append a Health row, and mail the admins (at most once a week)
    when two or more hold."""
    now = clock().astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    file_mb = store.size_bytes() / 1e6
    open_seconds = statistics.median(store.measure_open() for _ in range(3))
    tables = store.read_tables(("Steward Log", "Interactions", "Health"), columns=HEALTH_COLUMNS)
    measures = Measures(
        file_mb=file_mb,
        open_seconds=open_seconds,
        steward_hours=steward_hours(tables["Steward Log"], now.date()),
        peak_users=peak_concurrent_users(tables["Interactions"], now.date()),
    )
    triggers = evaluate(measures, tables["Health"], now, limits)
    row = health_row(measures, triggers, now)
    store.apply(HubChanges(appends={"Health": [row]}))
    report = HealthReport(row, triggers)
    met = [t for t in triggers if t.met]
    if len(met) < 2 or not admins:
        return report
    year, week, _ = now.isocalendar()
    key = f"health-mailed:{year}-W{week:02d}"
    if state.get(key):
        report.already_mailed_this_week = True
        return report
    everything = store.read_tables([t.name for t in TABS])
    files = attachments(everything, now)
    exports = ", ".join(a.name for a in files if a.name.endswith(".zip"))
    subject = f"CX Hub: {len(met)} upgrade triggers hold — time to plan the move to a CRM"
    html = (
        render_environment()
        .get_template("health_alert.html.j2")
        .render(subject=subject, met=met, triggers=triggers, exports=exports)
    )
    text = "\n".join(
        [subject, ""]
        + [
            f"- {t.name}: {t.value:.2f} {t.unit} (threshold {t.threshold:g}){' CROSSED' if t.met else ''}"
            for t in triggers
        ]
    )
    mailer.send(MailMessage(to=admins, subject=subject, html=html, text=text, attachments=tuple(files)))
    state.set(key, now.isoformat())
    report.mailed = True
    return report


@dataclass
class KpiReport:
    week: date
    rows_written: int = 0
    already_recorded: bool = False
    mailed_to: list[str] = field(default_factory=list)


def run_kpis(
    store: HubStore,
    mailer: Mailer,
    state: StateStore,
    clock: Callable[[], datetime],
    timezone: str,
    recipients: Callable[[Mapping[str, list[dict]]], list[str]],
) -> KpiReport:
    """Last full week's KPIs: rows on the Dashboard tab (once per week) and the digest to managers."""
    from hub.charts import csat_trend, first_response_histogram, interactions_by_channel, pipeline_funnel
    from hub.kpi_mail import render_kpi_digest
    from hub.kpis import compute_kpis, dashboard_rows

    now = clock().astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    week, _ = last_full_week(now.date())
    tables = store.read_tables([t.name for t in TABS])
    report = KpiReport(week)
    kpis = compute_kpis(tables, week, now)
    recorded = {(as_day(r.get("Week")), r.get("Division"), r.get("KPI")) for r in tables["Dashboard"]}
    rows = [
        r for r in dashboard_rows(kpis, now) if (as_day(r["Week"]), r["Division"], r["KPI"]) not in recorded
    ]
    report.already_recorded = not rows
    if rows:
        store.apply(HubChanges(appends={"Dashboard": rows}))
        report.rows_written = len(rows)
    key = f"kpi-digest-sent:{week.isoformat()}"
    if state.get(key):
        return report
    charts = {
        "funnel": pipeline_funnel(tables, week),
        "response": first_response_histogram(tables, week),
        "csat": csat_trend(tables, week),
        "channels": interactions_by_channel(tables, week),
    }
    cids = {name: f"{name}-{week.isoformat()}@cxhub" for name in charts}
    html, text = render_kpi_digest(kpis, week, cids)
    images = tuple(InlineImage(cids[name], data, name=f"{name}.png") for name, data in charts.items())
    to = tuple(recipients(tables))
    if to:
        mailer.send(
            MailMessage(
                to=to,
                subject=f"CX Hub: weekly KPIs, week of {week:%d %b %Y}",
                html=html,
                text=text,
                images=images,
            )
        )
        report.mailed_to = list(to)
        state.set(key, now.isoformat())
    return report


@dataclass
class PurgeReport:
    rejected_purged: int = 0
    outbox_deleted: int = 0


def run_purge(
    store: HubStore,
    clock: Callable[[], datetime],
    timezone: str,
    days: int,
    purge_mail: Callable[[datetime], int] | None = None,
    lock: JobLock = NO_LOCK,
) -> PurgeReport:
    """Purge raw payloads of Rejected rows older than `days`, and kept mail (purge_mail: the local
    outbox's, given the cutoff; mail sent through Outlook is Exchange's to keep)."""
    now = clock().astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    report = PurgeReport()
    with lock.hold("hub"):
        tables = store.read_tables(["Rejected", "Audit"], fresh=True, columns={"Audit": ("Audit ID",)})
        updates = purge_rejected(tables["Rejected"], now, days)
        if updates:
            audit = Table("Audit", tables["Audit"])
            add_audit(
                audit,
                now,
                "CX Hub retention",
                "Raw payloads purged",
                f"{len(updates)} Rejected row(s)",
                reason=f"older than {days} days (CXHUB_RETENTION_DAYS; NDPA 2023 storage limitation)",
            )
            store.apply(HubChanges(appends={"Audit": audit.new}, updates=updates))
            report.rejected_purged = len(updates)
    if purge_mail is not None:
        report.outbox_deleted = purge_mail(clock() - timedelta(days=days))
    log.info(
        "purge: %d rejected payload(s), %d outbox mail(s)", report.rejected_purged, report.outbox_deleted
    )
    return report


@dataclass
class OpsDigest:
    poison_count: int
    poisoned: list[tuple[str, str]]
    failed_files: list[str]
    failed_jobs: dict[str, str]

    def is_empty(self) -> bool:
        return not (self.poison_count or self.failed_files or self.failed_jobs)


def run_ops_digest(
    queue: Queue,
    state: StateStore,
    mailer: Mailer,
    clock: Callable[[], datetime],
    admins: tuple[str, ...],
    failed_files: Callable[[str | None], list[str]] = lambda since: [],
) -> OpsDigest:
    """Once a day: poisoned messages, ERP files that failed since the last digest, jobs whose last
    run failed. Nothing to say, no mail."""
    now = clock()
    since = state.get("ops-digest:last")
    runs = {name: json.loads(state.get(f"last-run:{name}") or "{}") for name in TIMER_JOBS}
    digest = OpsDigest(
        poison_count=queue.poison_count(),
        poisoned=queue.poisoned()[:20],
        failed_files=failed_files(since),
        failed_jobs={
            name: str(run.get("error")) for name, run in runs.items() if run and not run.get("ok", True)
        },
    )
    if not digest.is_empty() and admins:
        lines = []
        if digest.poison_count:
            lines.append(
                f"{digest.poison_count} queued submission(s) failed every attempt and were set aside "
                "(the poison queue); they are kept, not lost:"
            )
            lines += [f"  - {ident}: {reason}" for ident, reason in digest.poisoned]
        if digest.failed_files:
            lines.append(
                "ERP files that could not be imported (see Failed/ in the ERP folder, with their reports):"
            )
            lines += [f"  - {name}" for name in digest.failed_files]
        if digest.failed_jobs:
            lines.append("Jobs whose last run failed (details in Application Insights):")
            lines += [f"  - {name}: {error}" for name, error in sorted(digest.failed_jobs.items())]
        text = "\n".join(lines)
        html = '<pre style="font-family:Consolas,monospace;font-size:13px;">' + _html_escape(text) + "</pre>"
        mailer.send(MailMessage(to=admins, subject="CX Hub: operations need a look", html=html, text=text))
    state.set("ops-digest:last", now.isoformat())
    return digest


def _html_escape(text: str) -> str:
    import html

    return html.escape(text)
