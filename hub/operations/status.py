"""What GET /api/health reports: queue depth, poison count, each timer's last run, the last Health row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from hub.operations.timers import last_runs
from hub.ports import HubStore, Queue, StateStore


def health_status(
    queue: Callable[[], Queue], state: StateStore, store: HubStore
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body). 503 when the queue cannot be reached (nothing can be accepted then);
    "attention" when messages were poisoned, a timer's last run failed or the hub cannot be read.
    `queue` builds the queue, so that a queue that cannot even be built reports as down too."""
    body: dict[str, Any] = {"status": "ok"}
    code = 200
    try:
        q = queue()
        body["queue"] = {"depth": q.depth(), "poisoned": q.poison_count()}
        if body["queue"]["poisoned"]:
            body["status"] = "attention"
    except Exception as e:
        body["queue"] = {"error": type(e).__name__}
        body["status"], code = "down", 503
    body["timers"] = last_runs(state)
    if any(run and not run.get("ok", True) for run in body["timers"].values()) and body["status"] == "ok":
        body["status"] = "attention"
    try:
        rows = store.read_tables(["Health"])["Health"]
        last = rows[-1] if rows else None
        body["lastHealth"] = (
            {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in last.items()} if last else None
        )
    except Exception as e:  # the hub being unreachable is worth saying, not a reason to fail the probe
        body["lastHealth"] = {"error": type(e).__name__}
        body["status"] = "attention" if body["status"] == "ok" else body["status"]
    return code, body
