"""Use cases that tie the rules to the ports: the writer's drain of the queue into the hub."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.forms_sheet import new_rows
from hub.intake import receive
from hub.matching import MatchRules
from hub.ports import HubStore, HubUnavailable, Queue, StateStore
from hub.recorder import READ_COLUMNS, READS, Outcome, record_batch
from hub.validation import IntakeRules

log = logging.getLogger("cxhub.writer")


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
            tables = store.read_tables(READS, fresh=True, columns=READ_COLUMNS)
            result = record_batch(tables, [m.body for m in usable], now, rules.match, tz)
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
