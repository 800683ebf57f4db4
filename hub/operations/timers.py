"""Every timer job by name, and the record of each one's last run.

The Functions app registers one timer per name here, GET /api/health reports each one's last run and
the ops digest mails the ones whose last run failed: all three read this one tuple.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from hub.ports import StateStore

TIMER_JOBS = (
    "writer",
    "forms_poll",
    "governance",
    "erp_folder_import",
    "followups",
    "steward_digest",
    "sla",
    "kpis",
    "health",
    "purge",
    "ops_digest",
)


def _key(name: str) -> str:
    return f"last-run:{name}"


@contextmanager
def record_run(state: StateStore, name: str, clock: Callable[[], datetime]) -> Iterator[None]:
    """Record when the job `name` ran and whether it failed (the error's type, never its text)."""
    started = clock()
    try:
        yield
    except Exception as e:
        state.set(_key(name), json.dumps({"at": started.isoformat(), "ok": False, "error": type(e).__name__}))
        raise
    state.set(_key(name), json.dumps({"at": started.isoformat(), "ok": True}))


def last_runs(state: StateStore) -> dict[str, dict | None]:
    """Each timer job's last recorded run ({"at", "ok", "error"?}), None for one never run."""
    return {name: json.loads(state.get(_key(name)) or "null") for name in TIMER_JOBS}


def failed_jobs(state: StateStore) -> dict[str, str]:
    """Jobs whose last run failed, with the error's type."""
    return {
        name: str(run.get("error"))
        for name, run in last_runs(state).items()
        if run and not run.get("ok", True)
    }
