"""Issue #13: one-tap actions from the mails through the writer.

A hub with open promises; the writer drains N action messages (Done / Snooze / Hand over, mixed)
beside a burst of Form submissions in one run. Figures: actions applied per writer run, and the
latency they add to the writer (the same submissions drained with and without the actions).
"""

from __future__ import annotations

import shutil
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any


def _hub(path: Path, promises: int) -> None:
    from hub.ports import HubChanges
    from hub_schema.template import build_template
    from local.xlsx_store import XlsxHubStore

    build_template(path)
    rows = [
        {
            "Interaction ID": f"INT-{n:06d}",
            "Date": datetime(2026, 11, 1, 9),
            "Account ID": "ACC-000001",
            "Channel": "Phone",
            "Notes": "bench",
            "Next Action": "Call back",
            "Action Due Date": date(2026, 11, 20),
            "Logged By": "ada@mikano.example",
            "Division": "Motors",
            "Action Status": "Open",
        }
        for n in range(1, promises + 1)
    ]
    XlsxHubStore(path).apply(HubChanges(appends={"Interactions": rows}))


def _drain(path: Path, queue_path: Path, submissions: list[bytes], actions: list[dict]) -> tuple[float, Any]:
    from cxhub.local_intake import call_intake
    from hub.intake.writer import drain
    from local.journal_queue import JournalQueue
    from local.xlsx_store import XlsxHubStore

    queue = JournalQueue(queue_path)
    for raw in submissions:
        call_intake(queue, raw)
    for message in actions:
        queue.put(message)
    started = time.perf_counter()
    report = drain(queue, XlsxHubStore(path), lambda: datetime(2026, 11, 30, 8, tzinfo=UTC))
    return time.perf_counter() - started, report


def bench_actions(emit, quick: bool, workdir: Path) -> None:
    from cxhub.sample_data import generate
    from hub.actions.apply import action_message
    from hub.actions.tokens import action_id, issue, verify

    n = 200 if quick else 1000
    key, now = b"b" * 32, datetime(2026, 11, 30, 6, tzinfo=UTC)
    kinds: list[tuple[str, dict[str, Any]]] = [
        ("done", {}),
        ("snooze", {"days": 3}),
        ("handover", {"to": "tunde@mikano.example"}),
    ]
    actions = []
    for i in range(n):
        action, choice = kinds[i % 3]
        text = issue(action, f"INT-{i + 1:06d}", "ada@mikano.example", key=key, now=now, mail="bench")
        actions.append(
            action_message(
                text, verify(text, key=key, now=now), action_id(text), "ada@mikano.example", choice, now
            )
        )
    subs = generate(100, now - timedelta(days=1), seed=13, bad_share=0.0, repeat_share=0.0).bodies[:100]
    base = workdir / "actions-base.xlsx"
    _hub(base, n)
    alone, with_actions = workdir / "alone.xlsx", workdir / "with.xlsx"
    shutil.copy(base, alone)
    shutil.copy(base, with_actions)
    plain_s, _ = _drain(alone, workdir / "alone.sqlite", subs, [])
    mixed_s, report = _drain(with_actions, workdir / "with.sqlite", subs, actions)
    applied = sum(1 for a in report.actions if a.status == "applied")
    emit(
        "actions_per_writer_run",
        applied,
        "actions",
        queued=n,
        batches=report.batches,
        seconds=round(mixed_s, 2),
        with_submissions=len(subs),
        hub_promises=n,
    )
    emit(
        "actions_added_writer_latency",
        mixed_s - plain_s,
        "s",
        per_action_ms=round(1000 * (mixed_s - plain_s) / n, 3),
        writer_alone_s=round(plain_s, 2),
        writer_with_actions_s=round(mixed_s, 2),
    )
