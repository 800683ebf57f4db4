"""The writer: everything queued, written into the hub one batch (one write per table) at a time."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from hub import defaults
from hub.actions.apply import ACTION_COLUMNS, ActionOutcome, apply_actions, is_action, merge_changes, overlay
from hub.intake.reads import read_columns
from hub.intake.recorder import READS, Outcome, record_batch
from hub.matching import MatchRules
from hub.ports import (
    HUB_BROKEN,
    NO_LOCK,
    HubSchemaError,
    HubStore,
    HubUnavailable,
    JobLock,
    Queue,
)
from hub.tables import no_cycle_collection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriterRules:
    batch_size: int = defaults.BATCH_SIZE
    max_attempts: int = defaults.MAX_ATTEMPTS
    visibility_timeout: int = 300  # seconds a received message stays hidden
    timezone: str = defaults.TIMEZONE
    match: MatchRules = field(default_factory=MatchRules)


@dataclass
class DrainReport:
    outcomes: list[Outcome] = field(default_factory=list)
    actions: list[ActionOutcome] = field(default_factory=list)  # one-tap actions from the mails
    poisoned: int = 0
    failed: int = 0  # left queued after an error in processing; retried, then poisoned
    hub_locked: str | None = None  # why the last batch was not written (locked, throttled, unreachable)
    hub_broken: str | None = None  # what is wrong with a hub that cannot be read (corrupt, renamed)
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
    notify: Callable[[list[tuple[dict, Outcome]]], object] | None = None,
) -> DrainReport:
    """Write everything queued into the hub, one batch (one write per table) at a time.

    At-least-once delivery plus the recorder's idempotency (Source Response ID) makes every
    submission land exactly once, whatever crashes or repeats happen in between.
    """
    report = DrainReport()
    started = time.perf_counter()
    tz = ZoneInfo(rules.timezone)
    seen: set[str] = set()
    while received := _take(queue, rules, seen):
        report.batches += 1
        usable = _set_aside_unusable(queue, received, rules, report)
        if not usable:
            continue
        now = clock().astimezone(tz).replace(tzinfo=None)
        try:
            bodies = [m.body for m in usable if m.body is not None]  # usable messages all have one
            with lock.hold("hub"):  # from the read to the write: IDs are allocated from what was read
                result, acted = _write_batch(store, bodies, now, rules, tz)
        except (HubUnavailable, HubSchemaError) as e:
            _hub_refused(queue, usable, e, report)
            break
        if notify is not None:
            notify(_notices(usable, result.outcomes))
        _settle(queue, _finish_actions(queue, usable, acted), result, report)
        report.actions.extend(acted)
    report.seconds = time.perf_counter() - started
    log.info(
        "writer: %d recorded, %d duplicate, %d rejected, %d failed, %d poisoned, %.1fs%s",
        report.count("recorded"),
        report.count("duplicate"),
        report.count("rejected"),
        report.failed,
        report.poisoned,
        report.seconds,
        f"; hub locked: {report.hub_locked}" if report.hub_locked else "",
    )
    return report


def _take(queue: Queue, rules: WriterRules, seen: set[str]) -> list:
    """The next batch; a message that failed earlier in this run (its timeout may be short) is
    released to wait for the next run. Empty when nothing new is queued."""
    received = queue.receive(rules.batch_size, rules.visibility_timeout)
    for msg in (m for m in received if m.id in seen):
        queue.release(msg)
    received = [m for m in received if m.id not in seen]
    seen.update(m.id for m in received)
    return received


def _set_aside_unusable(queue: Queue, received: list, rules: WriterRules, report: DrainReport) -> list:
    """Poison what is not a JSON object or has failed too often; the rest is the batch to write."""
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
    return usable


def _hub_refused(queue: Queue, usable: list, e: Exception, report: DrainReport) -> None:
    """Not the messages' fault: put them back without counting this attempt against them. A broken
    hub (HubBroken) too: counting would poison every good submission by the fifth run, while the
    fix is the admin's (restore or repair the hub)."""
    for msg in usable:
        queue.release(msg)
    if isinstance(e, HUB_BROKEN):
        report.hub_broken = str(e)
        log.error("hub cannot be read: %s; %d message(s) left queued", e, len(usable))
    else:
        report.hub_locked = str(e)
        log.warning("hub not writable (%s); %d message(s) left queued", type(e).__name__, len(usable))


def _notices(usable: list, outcomes: list[Outcome]) -> list[tuple[dict, Outcome]]:
    """(submission, outcome) for each submission of the batch the rules decided on (not failed)."""
    submissions = [m for m in usable if not is_action(m.body or {})]
    return [
        (msg.body, outcome)
        for msg, outcome in zip(submissions, outcomes, strict=True)
        if msg.body is not None and outcome.status != "failed"
    ]


def _settle(queue: Queue, submissions: list, result, report: DrainReport) -> None:
    """Delete each written submission (a failed one stays queued, to be retried), log one line per
    message, and add the batch to the report."""
    failed = 0
    for msg, outcome in zip(submissions, result.outcomes, strict=True):
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
    counts = result.changes.counts()
    for tab, n in counts.items():
        report.written[tab] = report.written.get(tab, 0) + n
    log.debug("batch written: %d submission(s), %d failed, %s", len(submissions), failed, counts)


def _finish_actions(queue: Queue, usable: list, acted: list[ActionOutcome]) -> list:
    """Delete the batch's action messages (applied, duplicate, stale or invalid: each is final, nothing
    to retry) and log one line each; the submissions are left for the caller."""
    actions = [m for m in usable if is_action(m.body or {})]
    for msg, done in zip(actions, acted, strict=True):
        queue.delete(msg)
        log.info("%s", json.dumps({"event": "action", "actionId": done.action_id, "status": done.status}))
    return [m for m in usable if not is_action(m.body or {})]


def _write_batch(store: HubStore, bodies: list[dict], now: datetime, rules: WriterRules, tz: ZoneInfo):
    """Read, record the submissions, apply the actions on top, write once (inside the job lock)."""
    actions = [b for b in bodies if is_action(b)]
    submissions = [b for b in bodies if not is_action(b)]
    columns = dict(read_columns(submissions))
    if actions:
        for tab, names in ACTION_COLUMNS.items():
            columns[tab] = tuple(dict.fromkeys((*columns.get(tab, ()), *names)))
    tables = store.read_tables(READS, fresh=True, columns=columns)
    with no_cycle_collection():  # 100k-interaction hub: recording 1.2 -> 1.0 CPU-s
        result = record_batch(tables, submissions, now, rules.match, tz)
    acted: list[ActionOutcome] = []
    if actions:
        action_changes, acted = apply_actions(overlay(tables, result.changes), actions, now)
        result.changes = merge_changes(result.changes, action_changes)
    store.apply(result.changes)
    return result, acted
