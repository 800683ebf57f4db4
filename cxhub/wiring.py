"""The composition root: hands the adapters (cxhub.adapters) and the rule objects (cxhub.rules), built
from Settings, to the use cases in hub/; one run_<job> per job.

Every job is wired here once: the Azure Functions (functions/*.py), the CLI and the demo call these
functions; tests pass fakes straight to the use cases. No rule lives here. A new timer job is one
`run_<job>(settings)` below, one entry in TIMER_RUNNERS and its name in hub.operations.timers.
The adapter builders and rule objects are re-exported here under their old names (wiring.build_store,
wiring.writer_rules, ...) so callers need one import.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from cxhub import hub_alerts
from cxhub.adapters import (
    auth_mode_name,
    auth_settings,
    build_erp_drop,
    build_forms_source,
    build_graph_client,
    build_job_lock,
    build_mailer,
    build_manager_lookup,
    build_queue,
    build_state,
    build_store,
    ensure_hub,
    graph_tokens,
    mail_through_outlook,
    open_store,
    outbox_path,
    token_cache,
)
from cxhub.pages import action_links
from cxhub.rules import (
    erp_limits,
    erp_mappings,
    followup_rules,
    governance_rules,
    health_thresholds,
    intake_rules,
    match_rules,
    sla_rules,
    writer_rules,
)
from cxhub.settings import Settings
from hub.actions.steward import run_steward_digest as steward_digest
from hub.ports import Queue

log = logging.getLogger(__name__)

# The jobs, and the adapter builders and rule objects re-exported under their old names.
__all__ = [
    "TIMER_RUNNERS",
    "auth_mode_name",
    "auth_settings",
    "build_erp_drop",
    "build_forms_source",
    "build_graph_client",
    "build_job_lock",
    "build_mailer",
    "build_manager_lookup",
    "build_queue",
    "build_state",
    "build_store",
    "clock",
    "clock_at",
    "customer_pages",
    "customer_snapshots",
    "ensure_hub",
    "erp_limits",
    "erp_mappings",
    "followup_rules",
    "governance_rules",
    "graph_tokens",
    "health_status",
    "health_thresholds",
    "import_erp",
    "intake_rules",
    "job_run",
    "mail_through_outlook",
    "match_rules",
    "open_store",
    "outbox_path",
    "receive_submission",
    "run_erp_folder",
    "run_followups",
    "run_forms_poll",
    "run_governance",
    "run_health",
    "run_kpis",
    "run_ops_digest",
    "run_purge",
    "run_sla",
    "run_steward_digest",
    "run_timer",
    "run_writer",
    "sla_rules",
    "submitter_notices",
    "token_cache",
    "writer_rules",
]


def clock() -> datetime:
    return datetime.now(UTC)


def clock_at(now: datetime | None) -> Callable[[], datetime]:
    """The real clock, or a fixed moment (CLI --as-of, tests)."""
    return (lambda: now) if now else clock


def _on_hub(settings: Settings, use_case: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a use case on the configured hub (its first argument); the store is closed afterwards."""
    with open_store(settings) as store:
        return use_case(store, *args, **kwargs)


def _mailing(
    settings: Settings, now: datetime | None, use_case: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    """A job that mails from the hub: every such use case takes (hub, mailer, state, clock, ...)."""
    mailer, state = build_mailer(settings), build_state(settings)
    return _on_hub(settings, use_case, mailer, state, clock_at(now), *args, **kwargs)


def receive_submission(settings: Settings, raw: bytes, signature: str | None = None, now=None):
    """One HTTP body through intake (hub.intake.receive): the reply, and the message to queue."""
    from hub.intake.receive import receive

    return receive(
        raw,
        signature=signature,
        secret=settings.intake_secret,
        now=now or clock(),
        rules=intake_rules(settings),
    )


def run_writer(settings: Settings, queue: Queue | None = None, notify: Callable[[list], Any] | None = None):
    """Drain the queue into the hub (hub.intake.writer.drain); whoever filled in a rejected Form is
    told (`submitter_notices`, or `notify` in its place)."""
    from hub.intake.writer import drain

    with open_store(settings) as store:
        report = drain(
            queue or build_queue(settings),
            store,
            clock,
            writer_rules(settings),
            build_job_lock(settings),
            notify or submitter_notices(settings),
        )
    hub_alerts.after_drain(settings, report)  # the admins hear once of a hub that cannot be read
    return report


def submitter_notices(settings: Settings) -> Callable[[list], Any]:
    """What the writer calls after each batch: a rejected submission mailed back to whoever filled
    in the Form (and, with CXHUB_RECEIPTS, a receipt for an accepted one)."""
    from hub.intake.notify import NoticeRules, tell_submitters

    mailer, state = build_mailer(settings), build_state(settings)
    rules = NoticeRules(receipts=settings.receipts)
    return lambda pairs: tell_submitters(pairs, mailer, state, rules)


def run_forms_poll(settings: Settings, workbook: str | None = None):
    """Queue the Forms workbook's new responses; None when no Forms workbook is set up."""
    from hub.intake.forms_poll import poll_forms

    source = build_forms_source(settings, workbook)
    if source is None:
        return None
    return poll_forms(
        source.rows, build_state(settings), build_queue(settings), clock, intake_rules(settings)
    )


def run_governance(settings: Settings, as_of: date | None = None):
    """The nightly governance run (merges, ownership, duplicate candidates)."""
    from hub.governance.jobs import run_governance as run

    rules, lock = governance_rules(settings), build_job_lock(settings)
    return _on_hub(settings, run, clock, rules, settings.timezone, as_of, lock=lock)


def import_erp(settings: Settings, name: str, data: bytes, kind: str):
    """One ERP export into the configured hub; raises ErpFileError for an unreadable file."""
    from hub.governance.erp_parse import ErpFileError
    from hub.governance.jobs import import_erp_file
    from hub_schema.erp import KINDS

    if kind not in KINDS:
        raise ErpFileError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    mappings, rules, limits = erp_mappings(settings), governance_rules(settings), erp_limits(settings)
    lock = build_job_lock(settings)
    return _on_hub(
        settings, import_erp_file, name, data, kind, mappings, clock, rules, settings.timezone, lock, limits
    )


def run_erp_folder(settings: Settings):
    """Import what is in the ERP drop folder; None when no folder is set up."""
    from hub.governance.jobs import import_erp_folder

    drop = build_erp_drop(settings)
    if drop is None:
        return None
    drive, folder_id = drop
    return import_erp_folder(
        drive, folder_id, lambda name, data, kind: import_erp(settings, name, data, kind), clock
    )


def run_followups(settings: Settings, now: datetime | None = None):
    from hub.followups.daily import run_followups as run

    return _mailing(
        settings,
        now,
        run,
        followup_rules(settings),
        settings.timezone,
        manager_of=build_manager_lookup(settings),
        admins=settings.admin_emails,
        links=action_links(settings, now),
        scope=pilot_scope(settings),
    )


def pilot_scope(settings: Settings):
    """The pilot (CXHUB_PILOT) the mails and KPIs are limited to; None when there is none."""
    from hub.pilot import PilotScope

    scope = PilotScope.parse(settings.pilot)
    return None if scope.everything else scope


def run_steward_digest(settings: Settings, now: datetime | None = None):
    links, scope = action_links(settings, now), pilot_scope(settings)
    return _mailing(settings, now, steward_digest, settings.timezone, settings.admin_emails, links, scope)


def run_sla(settings: Settings, now: datetime | None = None):
    """The hourly response-time warnings (SLA_SCHEDULE)."""
    from hub.actions.links import customer_url
    from hub.followups.sla import run_sla as run

    card_url = partial(customer_url, settings.public_url)
    rules, scope = sla_rules(settings), pilot_scope(settings)
    return _mailing(
        settings, now, run, rules, settings.timezone, settings.admin_emails, card_url=card_url, scope=scope
    )


def run_kpis(settings: Settings, now: datetime | None = None):
    from hub.kpis.compute import KpiTargets
    from hub.kpis.weekly import run_kpis as run

    targets = KpiTargets(response_hours=settings.response_hours)
    return _mailing(
        settings, now, run, settings.timezone, settings.admin_emails, targets, pilot_scope(settings)
    )


def run_health(settings: Settings, now: datetime | None = None):
    from hub.upgrade.attachments import upgrade_attachments
    from hub.upgrade.weekly import run_health as run

    thresholds, admins, zone = health_thresholds(settings), settings.admin_emails, settings.timezone
    attachments, scope = partial(upgrade_attachments, zone=zone), pilot_scope(settings)
    return _mailing(settings, now, run, thresholds, zone, admins, attachments=attachments, scope=scope)


def run_purge(settings: Settings):
    from hub.operations.purge import run_purge as run
    from local.outbox import OutboxMailer

    # Only the local outbox keeps mail to purge; what Outlook sent is Exchange's to keep.
    purge_mail = None if mail_through_outlook(settings) else OutboxMailer(outbox_path(settings)).purge
    lock = build_job_lock(settings)
    return _on_hub(settings, run, clock, settings.timezone, settings.retention_days, purge_mail, lock)


def run_ops_digest(settings: Settings):
    from hub.governance.jobs import failed_files_since
    from hub.operations.ops_digest import run_ops_digest as run

    def failed_files(since: str | None) -> list[str]:
        drop = build_erp_drop(settings)
        if drop is None:
            return []
        drive, folder_id = drop
        return failed_files_since(drive, folder_id, since)

    return run(
        build_queue(settings),
        build_state(settings),
        build_mailer(settings),
        clock,
        settings.admin_emails,
        failed_files,
    )


def health_status(settings: Settings) -> tuple[int, dict]:
    """What GET /api/health reports (hub.operations.status)."""
    from hub.operations.status import health_status as status

    with open_store(settings) as store:
        return status(lambda: build_queue(settings), build_state(settings), store)


# -- timers ----------------------------------------------------------------------------------------
def _forms_poll_timer(settings: Settings):
    report = run_forms_poll(settings)
    if report is None:
        log.info("forms poll: no Forms workbook configured (CXHUB_FORMS_DRIVE_ID / CXHUB_FORMS_ITEM_ID)")
    return report


def _erp_folder_timer(settings: Settings):
    done = run_erp_folder(settings)
    if done is None:
        log.warning("no ERP drop folder is set (CXHUB_ERP_DRIVE_ID + CXHUB_ERP_FOLDER_ID); nothing to do")
    return done


# One runner per name in hub.operations.timers.TIMER_JOBS (a test holds the two to each other).
TIMER_RUNNERS: dict[str, Callable[[Settings], Any]] = {
    "writer": lambda settings: hub_alerts.failed_if_broken(run_writer(settings)),
    "forms_poll": _forms_poll_timer,
    "governance": run_governance,
    "erp_folder_import": _erp_folder_timer,
    "followups": run_followups,
    "steward_digest": run_steward_digest,
    "sla": run_sla,
    "kpis": run_kpis,
    "health": run_health,
    "purge": run_purge,
    "ops_digest": run_ops_digest,
}


@contextmanager
def job_run(settings: Settings, name: str) -> Iterator[None]:
    """Record each timer run (when, and whether it failed) for GET /api/health and the ops digest."""
    from hub.operations.timers import record_run

    with record_run(build_state(settings), name, clock), hub_alerts.alert_if_broken(settings):
        yield


def run_timer(name: str, settings: Settings | None = None) -> Any:
    """What a timer function does: run job `name` once with the settings of the environment, and
    record the run. The job's use case logs its one summary line."""
    settings = settings or Settings.from_env()
    with job_run(settings, name):
        return TIMER_RUNNERS[name](settings)


_SNAPSHOTS: dict[tuple, Any] = {}


def customer_snapshots(settings: Settings):
    """The customer pages' cached hub (hub.customers.snapshot), one per hub for the process: a page
    asks the store for the hub's version (file mtime+size locally, the eTag on SharePoint) and the
    hub is read again, in the background, only when it changed. The last snapshot is kept in a
    private file under the temp folder, so a restarted worker answers at once."""
    import hashlib
    import os
    import tempfile
    from pathlib import Path

    from hub.customers.snapshot import SnapshotCache
    from local.pickle_keep import PickleKeep

    key = (settings.hub_backend, str(settings.hub_path), settings.hub_drive_id, settings.hub_item_id)
    if key not in _SNAPSHOTS:
        store: Any = build_store(settings)  # kept open: a Graph store keeps its download cache
        name = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
        folder = Path(tempfile.gettempdir()) / f"cxhub-pages-{getattr(os, 'getuid', lambda: 0)()}"
        _SNAPSHOTS[key] = SnapshotCache(
            store.version,
            lambda columns: store.read_tables(list(columns), columns=columns),
            keep=PickleKeep(folder / f"customers-{name}.pickle"),
        )
    return _SNAPSHOTS[key]


def customer_pages(settings: Settings):
    """Search and card handlers (hub.customers.pages) over the cached hub."""
    from zoneinfo import ZoneInfo

    from cxhub.pages import action_links
    from hub.customers.pages import CustomerPages
    from hub.followups.mail import REMINDER_ACTIONS

    snapshots = customer_snapshots(settings)
    signer: list[Any] = []  # the link signer, made by the first card with an open promise

    def promise_links(interaction_id: str, owner: str) -> dict[str, str]:
        """Done, Snooze, Hand over: the reminder mail's signed links, for the promise's owner."""
        signer[:] = signer or [action_links(settings)]
        return {
            label: signer[0].act(action, interaction_id, owner, "the customer card")
            for action, label in REMINDER_ACTIONS
        }

    return CustomerPages(
        snapshots.get,
        lambda: clock().astimezone(ZoneInfo(settings.timezone)).date(),
        settings.admin_emails,
        settings.phone_region,
        promise_links=promise_links,
        behind=snapshots.behind,
    )


def run_pilot_report(
    settings: Settings, first: date, last: date, out_dir: Path, feedback: Path | None = None
) -> tuple[list[Path], Any]:
    """`cxhub report pilot`: the CRM Requirements Document (Markdown and HTML) and the pilot success
    report (HTML) for `first`..`last`, written into `out_dir`; the files and the report."""
    from zoneinfo import ZoneInfo

    from hub.intake.forms_sheet import answers_of
    from hub.kpis.compute import KpiTargets
    from hub.pilot import PilotScope
    from hub.upgrade.attachments import health_history
    from hub.upgrade.pilot import build_pilot_report, render_pilot_report
    from hub.upgrade.requirements import draft_requirements
    from hub_schema.tabs import TABS

    now = clock().astimezone(ZoneInfo(settings.timezone)).replace(tzinfo=None)
    with open_store(settings) as store:
        tables = store.read_tables([t.name for t in TABS])
    answers = answers_of(feedback.read_bytes()) if feedback is not None else []
    report = build_pilot_report(
        tables,
        first,
        last,
        now,
        PilotScope.parse(settings.pilot),
        KpiTargets(response_hours=settings.response_hours),
        answers,
        quiet_days=settings.quiet_days,
        steward_limit=settings.health_max_steward_hours,
        timezone=settings.timezone,
    )
    markdown, html = draft_requirements(tables, health_history(tables), now, zone=settings.timezone)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "CRM-requirements.md": markdown,
        "CRM-requirements.html": html,
        "pilot-report.html": render_pilot_report(report),
    }
    for name, text in files.items():
        (out_dir / name).write_text(text, encoding="utf-8")
    return [out_dir / name for name in files], report
