"""The composition root: builds adapters from Settings and hands them to the use cases in hub/.

Every job is wired here once: the Azure Functions (functions/*.py), the CLI and the demo call these
functions; tests pass fakes straight to the use cases. No rule lives here. A new timer job is one
`run_<job>(settings)` below, one entry in TIMER_RUNNERS and its name in hub.operations.timers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from cxhub import hub_alerts
from cxhub.pages import action_links
from cxhub.settings import DEFAULT_QUEUE_NAME, Settings
from hub.actions.steward import run_steward_digest as steward_digest
from hub.intake.validation import IntakeRules
from hub.intake.writer import WriterRules
from hub.matching import MatchRules
from hub.ports import Drive, HubStore, JobLock, Mailer, Queue, StateStore

log = logging.getLogger(__name__)


# -- adapters ------------------------------------------------------------------------------------
def clock() -> datetime:
    return datetime.now(UTC)


def clock_at(now: datetime | None) -> Callable[[], datetime]:
    """The real clock, or a fixed moment (CLI --as-of, tests)."""
    return (lambda: now) if now else clock


def build_queue(settings: Settings) -> Queue:
    if settings.storage_backend == "azure":
        from cloud.storage_queue import StorageQueue

        assert settings.storage_connection
        return StorageQueue(settings.storage_connection, DEFAULT_QUEUE_NAME)
    from local.journal_queue import JournalQueue

    return JournalQueue(settings.queue_path)


def build_store(settings: Settings, graph_client=None) -> HubStore:
    if settings.hub_backend == "graph":
        from graph.workbook_store import GraphHubStore

        assert settings.hub_drive_id and settings.hub_item_id
        client = graph_client or build_graph_client(settings)
        return GraphHubStore(client, settings.hub_drive_id, settings.hub_item_id)
    from local.xlsx_store import XlsxHubStore

    return XlsxHubStore(settings.hub_path)


@contextmanager
def open_store(settings: Settings) -> Iterator[HubStore]:
    """The configured hub for one job, closed (its workbook session ended) whatever happens."""
    store = build_store(settings)
    try:
        yield store
    finally:
        store.close()


def ensure_hub(settings: Settings) -> bool:
    """Create a blank local hub when there is none (a Graph hub must exist); True when created."""
    with open_store(settings) as store:
        return store.ensure_exists()


def build_state(settings: Settings) -> StateStore:
    """Small durable values: a blob in Azure, a JSON file next to the hub locally."""
    if settings.storage_backend == "azure":
        from cloud.blob_state import BlobState

        assert settings.storage_connection
        return BlobState(settings.storage_connection)
    from local.state import JsonFileState

    hub = settings.hub_path
    return JsonFileState(settings.state_path or hub.with_name(hub.stem + ".state.json"))


def build_job_lock(settings: Settings) -> JobLock:
    """One hub writer at a time: a blob lease in Azure, a lock file beside the hub locally."""
    if settings.storage_backend == "azure":
        from cloud.blob_lock import BlobJobLock

        assert settings.storage_connection
        return BlobJobLock(settings.storage_connection)
    from local.job_lock import FileJobLock

    return FileJobLock(settings.hub_path.parent)


def auth_settings(settings: Settings):
    from graph.auth import AuthSettings

    return AuthSettings(
        tenant_id=settings.tenant_id or "",
        client_id=settings.client_id or "",
        authority_host=settings.authority_host,
        client_secret=settings.client_secret,
        client_cert_path=settings.client_cert_path,
        use_managed_identity=settings.use_managed_identity,
        managed_identity_client_id=settings.managed_identity_client_id,
        delegated=settings.auth_mode == "delegated",
        token_cache=token_cache(settings),
        ca_bundle=settings.ca_bundle,
    )


def token_cache(settings: Settings):
    from graph.auth import FileTokenCache, StateTokenCache

    if settings.storage_backend == "azure":  # in Azure: a blob, since the function's disk is not kept
        return StateTokenCache(build_state(settings))
    return FileTokenCache(settings.token_cache_path)


def graph_tokens(settings: Settings):
    from graph.auth import token_source

    return token_source(auth_settings(settings))


def build_graph_client(settings: Settings, tokens=None, *, sleep=None, transport=None):
    """The Graph client; tests pass `sleep` (not to wait out Retry-After) or an httpx `transport`."""
    import time

    from graph.client import ClientSettings, GraphClient

    return GraphClient(
        ClientSettings(graph_base_url=settings.graph_base_url, ca_bundle=settings.ca_bundle),
        tokens or graph_tokens(settings),
        sleep or time.sleep,
        transport=transport,
    )


def auth_mode_name(settings: Settings) -> str:
    if settings.use_managed_identity:
        return "managed identity"
    return "delegated" if settings.auth_mode == "delegated" else "app-only"


def build_forms_source(settings: Settings, workbook: str | None = None):
    """Where the no-premium Forms path reads responses from, or None when it is not set up."""
    local_workbook = workbook or settings.forms_workbook
    if local_workbook:
        from local.forms_workbook import LocalFormsWorkbook

        return LocalFormsWorkbook(local_workbook)
    if settings.forms_drive_id and settings.forms_item_id:
        from graph.forms_workbook import GraphFormsWorkbook

        return GraphFormsWorkbook(
            build_graph_client(settings), settings.forms_drive_id, settings.forms_item_id
        )
    return None


def build_erp_drop(settings: Settings) -> tuple[Drive, str] | None:
    """(drive, folder id) of the ERP drop folder, or None when none is set up."""
    if settings.erp_folder:
        from local.folder_drive import FolderDrive

        return FolderDrive(settings.erp_folder), "."
    if settings.erp_drive_id and settings.erp_folder_id:
        from graph.drive import GraphDrive

        return GraphDrive(build_graph_client(settings), settings.erp_drive_id), settings.erp_folder_id
    return None


def mail_through_outlook(settings: Settings) -> bool:
    """Mail goes through Outlook (Graph) when a sender mailbox is set on the graph backend."""
    return settings.hub_backend == "graph" and bool(settings.mail_sender)


def outbox_path(settings: Settings):
    return settings.outbox or settings.hub_path.parent / "outbox"


def build_mailer(settings: Settings) -> Mailer:
    """Outlook through Graph when a sender mailbox is set on the graph backend; else .eml files."""
    sender = settings.mail_sender
    if sender and mail_through_outlook(settings):
        from graph.mail import GraphMailer

        return GraphMailer(build_graph_client(settings), sender, per_minute=settings.mail_per_minute)
    from local.outbox import OutboxMailer

    return OutboxMailer(outbox_path(settings), sender=settings.mail_sender or "cxhub@localhost")


def build_manager_lookup(settings: Settings) -> Callable[[str], str | None]:
    """Manager of a person beyond the Staff tab: Graph /users/{id}/manager on the graph backend."""
    if settings.hub_backend == "graph":
        from graph.directory import GraphDirectory

        return GraphDirectory(build_graph_client(settings)).manager_of
    return lambda email: None


# -- rules, from settings --------------------------------------------------------------------------
def intake_rules(settings: Settings) -> IntakeRules:
    return IntakeRules(timezone=settings.timezone, phone_region=settings.phone_region)


def match_rules(settings: Settings) -> MatchRules:
    return MatchRules(
        strong=settings.fuzzy_strong, review=settings.fuzzy_review, max_block=settings.dup_max_block
    )


def writer_rules(settings: Settings) -> WriterRules:
    return WriterRules(
        batch_size=settings.batch_size,
        max_attempts=settings.max_attempts,
        timezone=settings.timezone,
        match=match_rules(settings),
    )


def governance_rules(settings: Settings):
    from hub.governance.duplicates import DuplicateRules
    from hub.governance.nightly import GovernanceRules

    return GovernanceRules(
        owner_rule=settings.owner_rule,  # type: ignore[arg-type]
        duplicates=DuplicateRules(
            strong=settings.dup_strong, review=settings.dup_review, max_block=settings.dup_max_block
        ),
    )


def import_rules(settings: Settings):
    from hub.governance.erp_import import ImportRules

    return ImportRules(phone_region=settings.phone_region, match=match_rules(settings))


def erp_limits(settings: Settings):
    from hub.governance.erp_limits import ErpLimits

    return ErpLimits(
        max_file_mb=settings.erp_max_file_mb,
        max_unzipped_mb=settings.erp_max_unzipped_mb,
        max_ratio=settings.erp_max_ratio,
        max_rows=settings.erp_max_rows,
        max_columns=settings.erp_max_columns,
        max_cell_chars=settings.erp_max_cell_chars,
        parse_memory_mb=settings.erp_parse_memory_mb,
        parse_seconds=settings.erp_parse_seconds,
    )


def erp_mappings(settings: Settings):
    from hub_schema.erp import load_mappings

    return load_mappings(settings.erp_mappings)


def followup_rules(settings: Settings):
    from hub.followups.plan import FollowUpRules

    return FollowUpRules(
        response_hours=settings.response_hours,
        overrun_share=settings.overrun_percent / 100,
        ticket_open_business_days=settings.ticket_open_days,
        quiet_days=settings.quiet_days,
    )


def health_thresholds(settings: Settings):
    from hub.upgrade.triggers import Thresholds

    return Thresholds(
        file_mb=settings.health_max_mb,
        open_seconds=settings.health_max_open_seconds,
        steward_hours=settings.health_max_steward_hours,
        peak_users=settings.health_max_users,
    )


# -- jobs: each wired once, for the Functions, the CLI and the demo alike ---------------------------
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

    with open_store(settings) as store:
        return run(
            store,
            clock,
            governance_rules(settings),
            settings.timezone,
            as_of,
            lock=build_job_lock(settings),
        )


def import_erp(settings: Settings, name: str, data: bytes, kind: str):
    """One ERP export into the configured hub; raises ErpFileError for an unreadable file."""
    from hub.governance.erp_parse import ErpFileError
    from hub.governance.jobs import import_erp_file
    from hub_schema.erp import KINDS

    if kind not in KINDS:
        raise ErpFileError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    with open_store(settings) as store:
        return import_erp_file(
            store,
            name,
            data,
            kind,
            erp_mappings(settings),
            clock,
            import_rules(settings),
            settings.timezone,
            build_job_lock(settings),
            erp_limits(settings),
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

    with open_store(settings) as store:
        return run(
            store,
            build_mailer(settings),
            build_state(settings),
            clock_at(now),
            followup_rules(settings),
            settings.timezone,
            manager_of=build_manager_lookup(settings),
            admins=settings.admin_emails,
            links=action_links(settings, now),
        )


def run_steward_digest(settings: Settings, now: datetime | None = None):
    mail, state, links = build_mailer(settings), build_state(settings), action_links(settings, now)
    with open_store(settings) as store:
        return steward_digest(
            store, mail, state, clock_at(now), settings.timezone, settings.admin_emails, links
        )


def sla_rules(settings: Settings):
    from hub.followups.sla import SlaRules

    start, end = settings.sla_business_hours
    return SlaRules(
        response_hours=settings.response_hours,
        warn_hours=settings.response_warn_hours,
        business_start=start,
        business_end=end,
        quiet_days=settings.sla_quiet_days,
    )


def run_sla(settings: Settings, now: datetime | None = None):
    """The hourly response-time warnings (SLA_SCHEDULE)."""
    from hub.actions.links import customer_url
    from hub.followups.sla import run_sla as run

    with open_store(settings) as store:
        return run(
            store,
            build_mailer(settings),
            build_state(settings),
            clock_at(now),
            sla_rules(settings),
            settings.timezone,
            settings.admin_emails,
            card_url=lambda account_id: customer_url(settings.public_url, account_id),
        )


def run_kpis(settings: Settings, now: datetime | None = None):
    from hub.kpis.compute import KpiTargets
    from hub.kpis.weekly import run_kpis as run

    with open_store(settings) as store:
        return run(
            store,
            build_mailer(settings),
            build_state(settings),
            clock_at(now),
            settings.timezone,
            settings.admin_emails,
            KpiTargets(response_hours=settings.response_hours),
        )


def run_health(settings: Settings, now: datetime | None = None):
    from hub.upgrade.attachments import upgrade_attachments
    from hub.upgrade.weekly import run_health as run

    with open_store(settings) as store:
        return run(
            store,
            build_mailer(settings),
            build_state(settings),
            clock_at(now),
            health_thresholds(settings),
            settings.timezone,
            settings.admin_emails,
            attachments=upgrade_attachments,
        )


def run_purge(settings: Settings):
    from hub.operations.purge import run_purge as run
    from local.outbox import OutboxMailer

    # Only the local outbox keeps mail to purge; what Outlook sent is Exchange's to keep.
    purge_mail = None if mail_through_outlook(settings) else OutboxMailer(outbox_path(settings)).purge
    with open_store(settings) as store:
        return run(
            store,
            clock,
            settings.timezone,
            settings.retention_days,
            purge_mail,
            build_job_lock(settings),
        )


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
    hub is read again only when it changed."""
    from hub.customers.snapshot import SnapshotCache

    key = (settings.hub_backend, str(settings.hub_path), settings.hub_drive_id, settings.hub_item_id)
    if key not in _SNAPSHOTS:
        store: Any = build_store(settings)  # kept open: a Graph store keeps its download cache
        _SNAPSHOTS[key] = SnapshotCache(store.version, lambda tabs: store.read_tables(tabs))
    return _SNAPSHOTS[key]


def customer_pages(settings: Settings):
    """Search and card handlers (hub.customers.pages) over the cached hub."""
    from zoneinfo import ZoneInfo

    from hub.customers.pages import CustomerPages

    return CustomerPages(
        customer_snapshots(settings).get,
        lambda: clock().astimezone(ZoneInfo(settings.timezone)).date(),
        settings.admin_emails,
        settings.phone_region,
    )
