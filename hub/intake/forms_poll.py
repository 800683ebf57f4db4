"""The no-premium Forms path: queue the responses a Forms-linked workbook gained since the last poll."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from hub.intake.forms_sheet import new_rows
from hub.intake.receive import receive
from hub.intake.validation import IntakeRules
from hub.ports import Queue, StateStore

log = logging.getLogger(__name__)


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
    log.info(
        "forms poll: %d accepted, %d rejected, last response %d",
        report.accepted,
        report.rejected,
        report.last_id,
    )
    return report
