"""The retention purge: raw payloads of old Rejected rows and kept local mail (NDPA 2023)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hub.operations.retention import purge_rejected
from hub.ports import NO_LOCK, HubChanges, HubStore, JobLock
from hub.tables import Table, add_audit
from hub.text import count

log = logging.getLogger(__name__)


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
                count(len(updates), "Rejected row"),
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
