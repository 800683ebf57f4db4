"""Governance jobs: the nightly run, one ERP export into the hub, and the ERP drop folder."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from hub.governance.erp_import import READ_COLUMNS as ERP_COLUMNS
from hub.governance.erp_import import READS as ERP_READS
from hub.governance.erp_import import ImportReport, import_parsed
from hub.governance.erp_limits import DEFAULT_LIMITS, ErpLimits
from hub.governance.erp_parse import ErpFileError, parse_export
from hub.governance.nightly import READ_COLUMNS as GOVERNANCE_COLUMNS
from hub.governance.nightly import READS as GOVERNANCE_READS
from hub.governance.nightly import govern
from hub.governance.rules import GovernanceRules
from hub.ports import (
    NO_LOCK,
    Drive,
    HubStore,
    HubUnavailable,
    JobLock,
)
from hub_schema.erp import KINDS, Mappings

log = logging.getLogger(__name__)


REPORT_SUFFIX = ".report.txt"
# A filed ERP file's name starts with the moment it was imported: "20261123-013000 invoices.csv".
STAMP_FORMAT = "%Y%m%d-%H%M%S"
STAMP_LENGTH = len("20261123-013000")


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
    rules: GovernanceRules,
    timezone: str,
    lock: JobLock = NO_LOCK,
    limits: ErpLimits = DEFAULT_LIMITS,
) -> ImportReport:
    """Parse one ERP export and upsert it into the hub. Raises ErpFileError if the file is unreadable
    or crosses one of `limits`."""
    parsed = parse_export(name, data, kind, mappings, limits)
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
        log.info("ERP folder: no new files")
        return []
    processed, failed = drive.folder(folder_id, "Processed"), drive.folder(folder_id, "Failed")
    order = {k: i for i, k in enumerate(KINDS)}
    files.sort(key=lambda e: (order.get(kind_of(e.name) or "", len(KINDS)), e.name))
    done: list[FolderImport] = []
    for entry in files:
        kind = kind_of(entry.name)
        stamp = clock().strftime(STAMP_FORMAT)
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
    log.info(
        "ERP folder: %d processed, %d failed, %d left",
        *(sum(1 for d in done if d.outcome == o) for o in ("processed", "failed", "left")),
    )
    return done


def failed_files_since(drive: Drive, folder_id: str, moment: str | None) -> list[str]:
    """Names of files filed under Failed/ in the ERP drop folder since `moment` (ISO; None: ever)."""
    failed = next((e for e in drive.children(folder_id) if e.is_folder and e.name == "Failed"), None)
    if failed is None:
        return []
    stamp = datetime.fromisoformat(moment).strftime(STAMP_FORMAT) if moment else ""
    return sorted(
        e.name
        for e in drive.children(failed.id)
        if not e.name.endswith(REPORT_SUFFIX) and e.name[:STAMP_LENGTH] > stamp
    )
