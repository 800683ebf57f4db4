"""The one place that builds adapters from settings. Tests pass fakes to the same services."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from cxhub.settings import DEFAULT_QUEUE_NAME, Settings
from hub.intake.validation import IntakeRules
from hub.intake.writer import WriterRules
from hub.matching import MatchRules
from hub.ports import HubStore, Queue


def clock() -> datetime:
    return datetime.now(UTC)


def build_queue(settings: Settings) -> Queue:
    if settings.queue_backend == "azure":
        from cloud.storage_queue import StorageQueue

        assert settings.storage_connection
        return StorageQueue(settings.storage_connection, DEFAULT_QUEUE_NAME)
    from local.journal_queue import JournalQueue

    return JournalQueue(settings.queue_path)


@contextmanager
def open_store(settings: Settings) -> Iterator[HubStore]:
    """The configured hub for one job, closed (its workbook session ended) whatever happens."""
    store = build_store(settings)
    try:
        yield store
    finally:
        store.close()


def clock_at(now: datetime | None):
    """The real clock, or a fixed moment (CLI --as-of, tests)."""
    return (lambda: now) if now else clock


def build_store(settings: Settings) -> HubStore:
    if settings.backend == "graph":
        from graph.workbook_store import GraphHubStore

        assert settings.hub_drive_id and settings.hub_item_id
        return GraphHubStore(build_graph_client(settings), settings.hub_drive_id, settings.hub_item_id)
    from local.xlsx_store import XlsxHubStore

    return XlsxHubStore(settings.hub_path)


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


def graph_tokens(settings: Settings):
    from graph.auth import token_source

    return token_source(auth_settings(settings))


def build_graph_client(settings: Settings, tokens=None):
    from graph.client import ClientSettings, GraphClient

    return GraphClient(
        ClientSettings(graph_base_url=settings.graph_base_url, ca_bundle=settings.ca_bundle),
        tokens or graph_tokens(settings),
    )


def auth_mode_name(settings: Settings) -> str:
    if settings.use_managed_identity:
        return "managed identity"
    return "delegated" if settings.auth_mode == "delegated" else "app-only"


def intake_rules(settings: Settings) -> IntakeRules:
    return IntakeRules(timezone=settings.timezone, phone_region=settings.phone_region)


def writer_rules(settings: Settings) -> WriterRules:
    return WriterRules(
        batch_size=settings.batch_size,
        max_attempts=settings.max_attempts,
        timezone=settings.timezone,
        match=MatchRules(strong=settings.fuzzy_strong, review=settings.fuzzy_review),
    )


def build_state(settings: Settings):
    """Small durable values: a blob in Azure, a JSON file next to the hub locally."""
    if settings.queue_backend == "azure":
        from cloud.blob_state import BlobState

        assert settings.storage_connection
        return BlobState(settings.storage_connection)
    from local.state import JsonFileState

    hub = settings.hub_path
    return JsonFileState(settings.state_path or hub.with_name(hub.stem + ".state.json"))


def token_cache(settings: Settings):
    from graph.auth import FileTokenCache, StateTokenCache

    if settings.queue_backend == "azure":  # in Azure: a blob, since the function's disk is not kept
        return StateTokenCache(build_state(settings))
    return FileTokenCache(settings.token_cache_path)


def build_forms_source(settings: Settings, workbook: str | None = None):
    """Where the no-premium Forms path reads responses from, or None when it is not set up."""
    if workbook or settings.forms_workbook:
        from local.forms_workbook import LocalFormsWorkbook

        return LocalFormsWorkbook(workbook or settings.forms_workbook)
    if settings.forms_drive_id and settings.forms_item_id:
        from graph.forms_workbook import GraphFormsWorkbook

        return GraphFormsWorkbook(
            build_graph_client(settings), settings.forms_drive_id, settings.forms_item_id
        )
    return None


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

    return ImportRules(
        phone_region=settings.phone_region,
        match=MatchRules(strong=settings.fuzzy_strong, review=settings.fuzzy_review),
    )


def erp_mappings(settings: Settings):
    from hub_schema.erp import load_mappings

    return load_mappings(settings.erp_mappings)


def build_erp_drop(settings: Settings):
    """(drive, folder id) of the ERP drop folder, or None when none is set up."""
    if settings.erp_folder:
        from local.folder_drive import FolderDrive

        return FolderDrive(settings.erp_folder), "."
    if settings.erp_drive_id and settings.erp_folder_id:
        from graph.drive import GraphDrive

        return GraphDrive(build_graph_client(settings), settings.erp_drive_id), settings.erp_folder_id
    return None


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


def report_dict(report) -> dict:
    """An ImportReport as JSON-able data (for the HTTP reply)."""
    return {
        "file": report.file,
        "kind": report.kind,
        "columns": report.profile,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "linked": report.linked,
        "sentToReview": report.sent_to_review,
        "errors": [{"line": e.line, "reason": e.reason} for e in report.errors],
        "warnings": report.warnings,
        "unmappedSalespeople": report.unmapped_salespeople,
    }


def outbox_path(settings: Settings):
    return settings.outbox or settings.hub_path.parent / "outbox"


def build_mailer(settings: Settings):
    """Outlook through Graph when a sender mailbox is set on the graph backend; else .eml files."""
    if settings.backend == "graph" and settings.mail_sender:
        from graph.mail import GraphMailer

        return GraphMailer(
            build_graph_client(settings), settings.mail_sender, per_minute=settings.mail_per_minute
        )
    from local.outbox import OutboxMailer

    return OutboxMailer(outbox_path(settings), sender=settings.mail_sender or "cxhub@localhost")


def build_manager_lookup(settings: Settings):
    """Manager of a person beyond the Staff tab: Graph /users/{id}/manager on the graph backend."""
    if settings.backend == "graph":
        from graph.directory import GraphDirectory

        return GraphDirectory(build_graph_client(settings)).manager_of
    return lambda email: None


def followup_rules(settings: Settings):
    from hub.followups.plan import FollowUpRules

    return FollowUpRules(
        response_hours=settings.response_hours,
        overrun_share=settings.overrun_percent / 100,
        ticket_open_business_days=settings.ticket_open_days,
        quiet_days=settings.quiet_days,
    )


def run_followups(settings: Settings, now=None):
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
        )


def kpi_recipients(settings: Settings):
    """Managers on the Staff tab (Role Manager, active), and the admins."""

    def pick(tables) -> list[str]:
        managers = {
            str(s["Email"]).lower()
            for s in tables.get("Staff", [])
            if s.get("Email") and s.get("Role") == "Manager" and str(s.get("Active") or "Yes") == "Yes"
        }
        return sorted(managers | set(settings.admin_emails))

    return pick


def run_kpis(settings: Settings, now=None):
    from hub.kpis.weekly import run_kpis as run

    with open_store(settings) as store:
        return run(
            store,
            build_mailer(settings),
            build_state(settings),
            clock_at(now),
            settings.timezone,
            kpi_recipients(settings),
        )


def health_thresholds(settings: Settings):
    from hub.upgrade.triggers import Thresholds

    return Thresholds(
        file_mb=settings.health_max_mb,
        open_seconds=settings.health_max_open_seconds,
        steward_hours=settings.health_max_steward_hours,
        peak_users=settings.health_max_users,
    )


def health_attachments(tables, now):
    """The CRM requirements draft (Markdown and HTML) and, when small enough to mail, the exit-ramp
    exports for HubSpot and Dynamics 365 in one zip."""
    import io
    import zipfile

    from hub.ports import Attachment
    from hub.upgrade.export_crm import FORMATS, export_hub
    from hub.upgrade.requirements import HealthEvidence, draft_requirements

    history = [
        HealthEvidence(
            checked_at=r["Checked At"],
            file_mb=r.get("File MB"),
            open_seconds=r.get("Open Seconds"),
            steward_hours=r.get("Steward Hours"),
            peak_users=r.get("Peak Concurrent Users"),
            triggers_met=r.get("Triggers Met"),
        )
        for r in tables.get("Health", [])
        if r.get("Checked At")
    ]
    markdown, html = draft_requirements(tables, history, now)
    out = [
        Attachment("CRM-requirements-draft.md", markdown.encode(), "text/markdown"),
        Attachment("CRM-requirements-draft.html", html.encode(), "text/html"),
    ]
    # Exports of a big hub do not fit in a mail (Graph takes ~3 MB a request): past this many rows
    # the mail says how to run `cxhub export` instead, and the work is not done for nothing.
    rows = sum(
        len(tables.get(t, [])) for t in ("Accounts", "Contacts", "Opportunities", "Tickets", "Interactions")
    )
    if rows > 20_000:
        return out
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for fmt in FORMATS:
            for file in export_hub(tables, fmt):
                archive.writestr(f"{fmt}/{file.name}", file.data)
    if buffer.tell() < 2_000_000:  # with the rest, the mail stays under Graph's request limit
        out.append(Attachment("cxhub-export-hubspot-dynamics.zip", buffer.getvalue(), "application/zip"))
    return out


def run_health(settings: Settings, now=None):
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
            attachments=health_attachments,
        )


@contextmanager
def job_run(settings: Settings, name: str):
    """Record each timer run (when, and whether it failed) for GET /api/health and the ops digest."""
    state = build_state(settings)
    started = clock()
    try:
        yield
    except Exception as e:
        state.set(
            f"last-run:{name}",
            json.dumps({"at": started.isoformat(), "ok": False, "error": type(e).__name__}),
        )
        raise
    state.set(f"last-run:{name}", json.dumps({"at": started.isoformat(), "ok": True}))


def run_purge(settings: Settings):
    from hub.operations.purge import run_purge as run

    with open_store(settings) as store:
        from local.outbox import OutboxMailer

        # Only the local outbox keeps mail to purge; what Outlook sent is Exchange's to keep.
        local_mail = not (settings.backend == "graph" and settings.mail_sender)
        purge_mail = OutboxMailer(outbox_path(settings)).purge if local_mail else None
        return run(
            store,
            clock,
            settings.timezone,
            settings.retention_days,
            purge_mail,
            build_job_lock(settings),
        )


def failed_erp_files(settings: Settings):
    """Names of files filed under Failed/ in the ERP drop folder since a moment (ISO), newest last."""

    def since(moment: str | None) -> list[str]:
        drop = build_erp_drop(settings)
        if drop is None:
            return []
        drive, folder_id = drop
        failed = next((e for e in drive.children(folder_id) if e.is_folder and e.name == "Failed"), None)
        if failed is None:
            return []
        stamp = datetime.fromisoformat(moment).strftime("%Y%m%d-%H%M%S") if moment else ""
        # Filed names start with the import's timestamp ("20261123-013000 invoices.csv").
        return sorted(
            e.name
            for e in drive.children(failed.id)
            if not e.name.endswith(".report.txt") and e.name[:15] > stamp
        )

    return since


def run_ops_digest(settings: Settings):
    from hub.operations.ops_digest import run_ops_digest as run

    return run(
        build_queue(settings),
        build_state(settings),
        build_mailer(settings),
        clock,
        settings.admin_emails,
        failed_erp_files(settings),
    )


def health_status(settings: Settings) -> tuple[int, dict]:
    """What GET /api/health reports: queue depth, poison count, each timer's last run, the last
    Health row. 503 when the queue cannot be reached (nothing can be accepted then)."""
    from hub.operations.timers import TIMER_JOBS

    body: dict = {"status": "ok"}
    code = 200
    try:
        queue = build_queue(settings)
        body["queue"] = {"depth": queue.depth(), "poisoned": queue.poison_count()}
        if body["queue"]["poisoned"]:
            body["status"] = "attention"
    except Exception as e:
        body["queue"] = {"error": type(e).__name__}
        body["status"], code = "down", 503
    state = build_state(settings)
    body["timers"] = {name: json.loads(state.get(f"last-run:{name}") or "null") for name in TIMER_JOBS}
    if any(run and not run.get("ok", True) for run in body["timers"].values()) and body["status"] == "ok":
        body["status"] = "attention"
    store = build_store(settings)
    try:
        rows = store.read_tables(["Health"])["Health"]
        last = rows[-1] if rows else None
        body["lastHealth"] = (
            {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in last.items()} if last else None
        )
    except Exception as e:  # the hub being unreachable is worth saying, not a reason to fail the probe
        body["lastHealth"] = {"error": type(e).__name__}
        body["status"] = "attention" if body["status"] == "ok" else body["status"]
    finally:
        store.close()
    return code, body


def build_job_lock(settings: Settings):
    """One hub writer at a time: a blob lease in Azure, a lock file beside the hub locally."""
    if settings.queue_backend == "azure":
        from cloud.blob_lock import BlobJobLock

        assert settings.storage_connection
        return BlobJobLock(settings.storage_connection)
    from local.job_lock import FileJobLock

    return FileJobLock(settings.hub_path.parent)
