"""In-memory fakes of the ports, recording what happened (no mocks of our own functions).

Each fake subclasses the Protocol it stands in for, so mypy checks that its methods keep the
port's signatures (tests/unit/test_fakes.py checks that no port method is left out).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from hub.ports import (
    HubChanges,
    HubLocked,
    HubStore,
    Mailer,
    MailMessage,
    Queue,
    QueuedMessage,
    Row,
    StateStore,
    TabColumns,
)
from hub_schema.tabs import TABS, tab


class FakeHubStore(HubStore):
    def __init__(self) -> None:
        self.tables: dict[str, list[Row]] = {t.name: [] for t in TABS}
        self.writes: list[HubChanges] = []
        self.locked_by: str | None = None
        self.file_bytes = 1_000_000  # what size_bytes() reports
        self.open_seconds = 0.5  # what measure_open() reports

    def size_bytes(self) -> int:
        return self.file_bytes

    def measure_open(self) -> float:
        return self.open_seconds

    def read_tables(
        self, tabs: Iterable[str], *, fresh: bool = False, columns: TabColumns | None = None
    ) -> dict[str, list[Row]]:
        return {name: copy.deepcopy(self.tables[name]) for name in tabs}

    def close(self) -> None:
        pass

    def ensure_exists(self) -> bool:
        return False

    def apply(self, changes: HubChanges) -> None:
        if self.locked_by:
            raise HubLocked(f"open in Excel by {self.locked_by}")
        if changes.is_empty():
            return
        self.writes.append(changes)
        for name, rows in changes.appends.items():
            self.tables[name].extend(tab(name).blank_row() | copy.deepcopy(r) for r in rows)
        for update in changes.updates:
            key = tab(update.tab).key
            assert key is not None, f"{update.tab} has no key column to update rows by"
            row = next(r for r in self.tables[update.tab] if str(r[key]) == update.key)
            row.update(update.values)


class FakeQueue(Queue):
    """Visibility timeouts are ignored: received messages stay hidden until deleted or released."""

    def __init__(self) -> None:
        self.messages: dict[str, dict[str, Any]] = {}
        self.counts: dict[str, int] = {}
        self.hidden: set[str] = set()
        self.poisoned_messages: list[tuple[str, str]] = []  # (message text, reason), oldest first
        self._n = 0

    def put(self, message: dict[str, Any]) -> None:
        self.put_text(json.dumps(message))

    def put_text(self, text: str) -> None:
        self._n += 1
        self.messages[str(self._n)] = {"text": text}
        self.counts[str(self._n)] = 0

    def receive(self, max_messages: int, visibility_timeout: int) -> list[QueuedMessage]:
        out: list[QueuedMessage] = []
        for mid, m in self.messages.items():
            if mid in self.hidden or len(out) >= max_messages:
                continue
            self.counts[mid] += 1
            self.hidden.add(mid)
            try:
                body = json.loads(m["text"])
            except json.JSONDecodeError:
                body = None
            out.append(
                QueuedMessage(mid, body if isinstance(body, dict) else None, m["text"], self.counts[mid])
            )
        return out

    def expire_visibility(self) -> None:
        """As if every visibility timeout passed."""
        self.hidden.clear()

    def delete(self, message: QueuedMessage) -> None:
        self.messages.pop(message.id, None)
        self.hidden.discard(message.id)

    def release(self, message: QueuedMessage) -> None:
        self.counts[message.id] -= 1
        self.hidden.discard(message.id)

    def poison(self, message: QueuedMessage, reason: str) -> None:
        self.poisoned_messages.append((message.text, reason))
        self.delete(message)

    def depth(self) -> int:
        return len(self.messages)

    def poison_count(self) -> int:
        return len(self.poisoned_messages)

    def requeue(self) -> int:
        """Poisoned JSON objects back onto the queue with a fresh count; other text stays."""
        kept, moved = [], 0
        for text, reason in self.poisoned_messages:
            try:
                is_object = isinstance(json.loads(text), dict)
            except json.JSONDecodeError:
                is_object = False
            if is_object:
                self.put_text(text)
                moved += 1
            else:
                kept.append((text, reason))
        self.poisoned_messages = kept
        return moved

    def poisoned(self) -> list[tuple[str, str]]:
        """(submission ID or message text, reason), as the real queues list them for an admin."""
        out = []
        for text, reason in self.poisoned_messages:
            try:
                body = json.loads(text)
            except json.JSONDecodeError:
                body = None
            submission = body.get("submissionId") if isinstance(body, dict) else None
            out.append((str(submission or text), reason))
        return out


class FakeMailer(Mailer):
    """Records every message; `fail_for` addresses raise as a refused recipient would."""

    def __init__(self, fail_for: Iterable[str] = ()) -> None:
        self.sent: list[MailMessage] = []
        self.fail_for = set(fail_for)

    def send(self, message: MailMessage) -> None:
        if self.fail_for & set(message.to):
            raise RuntimeError("recipient refused")
        self.sent.append(message)


class FakeState(StateStore):
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def set(self, key: str, value: str) -> None:
        self.values[key] = value
