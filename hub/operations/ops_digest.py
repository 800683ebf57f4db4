"""The daily operations mail to the admins: poisoned messages, failed ERP files, failed jobs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from hub.operations.hub_alert import hub_problem
from hub.operations.timers import failed_jobs
from hub.ports import (
    Mailer,
    MailMessage,
    Queue,
    StateStore,
)
from hub.text import count

log = logging.getLogger(__name__)


@dataclass
class OpsDigest:
    poison_count: int
    poisoned: list[tuple[str, str]]
    failed_files: list[str]
    failed_jobs: dict[str, str]
    hub_problem: dict[str, str] | None = None

    def is_empty(self) -> bool:
        return not (self.poison_count or self.failed_files or self.failed_jobs or self.hub_problem)


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
    digest = OpsDigest(
        poison_count=queue.poison_count(),
        poisoned=queue.poisoned()[:20],
        failed_files=failed_files(since),
        failed_jobs=failed_jobs(state),
        hub_problem=hub_problem(state),
    )
    if not digest.is_empty() and admins:
        lines = []
        if digest.hub_problem:
            lines.append(
                f"The hub cannot be read (since {digest.hub_problem.get('since')}); nothing is written "
                f"until it is fixed or restored:\n  {digest.hub_problem['problem']}"
            )
        if digest.poison_count:
            lines.append(
                f"{count(digest.poison_count, 'queued submission')} failed every attempt and were set aside "
                "(the poison queue); they are kept, not lost:"
            )
            lines += [f"  - {ident}: {reason}" for ident, reason in digest.poisoned]
            lines.append("Fixed their cause? `cxhub requeue` (or POST /api/ops/requeue) puts them back.")
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
    log.info(
        "ops digest: %d poisoned, %d failed ERP files, %d failed jobs",
        digest.poison_count,
        len(digest.failed_files),
        len(digest.failed_jobs),
    )
    return digest


def _html_escape(text: str) -> str:
    import html

    return html.escape(text)
