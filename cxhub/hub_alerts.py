"""A hub that cannot be read, as wired for every entrypoint: tell the admins once, fail the timer
run, and put the messages poisoned meanwhile back on the queue (cxhub requeue, POST
/api/ops/requeue). Imports stay inside the functions: wiring imports this module."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cxhub.settings import Settings

log = logging.getLogger(__name__)


def after_drain(settings: Settings, report: Any) -> None:
    """After a writer run: only a run that read the hub knows whether it is readable (an empty
    queue reads nothing)."""
    if report.hub_broken or report.outcomes:
        note_hub(settings, report.hub_broken)


def failed_if_broken(report: Any) -> Any:
    """The writer timer fails (App Insights, GET /api/health, the ops digest) while the hub cannot
    be read; nothing was counted against the queued messages."""
    if report.hub_broken:
        from hub.ports import HubBroken

        raise HubBroken(report.hub_broken)
    return report


@contextmanager
def alert_if_broken(settings: Settings) -> Iterator[None]:
    """Any job that meets an unreadable hub tells the admins (once, whichever job is first)."""
    from hub.ports import HUB_BROKEN

    try:
        yield
    except HUB_BROKEN as e:
        note_hub(settings, str(e))
        raise


def note_hub(settings: Settings, problem: str | None) -> None:
    """Remember whether the hub could be read; mail the admins the first time it could not."""
    from cxhub import wiring
    from hub.operations.hub_alert import note_hub_state

    try:
        state, mailer = wiring.build_state(settings), wiring.build_mailer(settings)
        note_hub_state(state, mailer, settings.admin_emails, problem, wiring.clock())
    except Exception:  # telling the admins must never be why a job fails
        log.exception("could not record the hub's state")


def requeue(settings: Settings) -> tuple[int, int]:
    """Poisoned messages back onto the queue: (how many moved, how many stay poisoned)."""
    from cxhub import wiring

    queue = wiring.build_queue(settings)
    moved = queue.requeue()
    left = queue.poison_count()
    log.info("requeue: %d message(s) back on the queue, %d stay poisoned", moved, left)
    return moved, left
