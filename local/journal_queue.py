"""A durable local queue in one SQLite file (WAL mode, fsync on commit).

Once put() returns, the message survives a crash of the process or the machine. Receiving
hides a message for a visibility timeout, as Azure Storage queues do, so a writer that dies
mid-batch leaves its messages to be delivered again.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.ports import QueuedMessage, message_body

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    enqueued_at REAL NOT NULL,
    visible_at REAL NOT NULL,
    dequeue_count INTEGER NOT NULL DEFAULT 0,
    receipt TEXT
);
CREATE TABLE IF NOT EXISTS poison (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    enqueued_at REAL NOT NULL,
    poisoned_at REAL NOT NULL,
    dequeue_count INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_visible ON messages (visible_at, id);
"""


class JournalQueue:
    def __init__(self, path: Path | str, clock: Callable[[], float] = time.time) -> None:
        """clock: seconds since the epoch; visibility timeouts are measured on it."""
        self.path = Path(path)
        self._clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def put(self, message: dict[str, Any]) -> None:
        now = self._clock()
        with self._lock:
            self._db.execute(
                "INSERT INTO messages (body, enqueued_at, visible_at) VALUES (?, ?, ?)",
                (json.dumps(message, ensure_ascii=False), now, now),
            )

    def receive(self, max_messages: int, visibility_timeout: int) -> list[QueuedMessage]:
        now = self._clock()
        out: list[QueuedMessage] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                rows = self._db.execute(
                    "SELECT id, body, dequeue_count FROM messages WHERE visible_at <= ? ORDER BY id LIMIT ?",
                    (now, max_messages),
                ).fetchall()
                for row_id, text, count in rows:
                    receipt = uuid.uuid4().hex
                    self._db.execute(
                        "UPDATE messages SET visible_at = ?, dequeue_count = ?, receipt = ? WHERE id = ?",
                        (now + visibility_timeout, count + 1, receipt, row_id),
                    )
                    out.append(QueuedMessage(str(row_id), message_body(text), text, count + 1, receipt))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return out

    def delete(self, message: QueuedMessage) -> None:
        with self._lock:
            self._db.execute(
                "DELETE FROM messages WHERE id = ? AND receipt = ?", (int(message.id), message.receipt)
            )

    def release(self, message: QueuedMessage) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE messages SET visible_at = ?, dequeue_count = MAX(dequeue_count - 1, 0) "
                "WHERE id = ? AND receipt = ?",
                (self._clock(), int(message.id), message.receipt),
            )

    def poison(self, message: QueuedMessage, reason: str) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT OR REPLACE INTO poison "
                    "(id, body, enqueued_at, poisoned_at, dequeue_count, reason) "
                    "SELECT id, body, enqueued_at, ?, dequeue_count, ? FROM messages WHERE id = ?",
                    (self._clock(), reason, int(message.id)),
                )
                self._db.execute("DELETE FROM messages WHERE id = ?", (int(message.id),))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def depth(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM messages").fetchone()[0])

    def poison_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM poison").fetchone()[0])

    def requeue(self) -> int:
        """Poisoned JSON messages back onto the queue, attempt count 0, in one transaction: a crash
        leaves each one either poisoned or queued, never both or neither."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                rows = self._db.execute("SELECT id, body FROM poison ORDER BY id").fetchall()
                ids = [i for i, body in rows if message_body(body) is not None]
                now = time.time()
                for row_id in ids:
                    # A new row id: the old one may be reused by nothing, but AUTOINCREMENT keeps
                    # ids rising, so requeued messages go to the back of the queue.
                    self._db.execute(
                        "INSERT INTO messages (body, enqueued_at, visible_at, dequeue_count) "
                        "SELECT body, enqueued_at, ?, 0 FROM poison WHERE id = ?",
                        (now, row_id),
                    )
                    self._db.execute("DELETE FROM poison WHERE id = ?", (row_id,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return len(ids)

    def poisoned(self) -> list[tuple[str, str]]:
        """(message id, reason) of every poisoned message, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT id, body, reason FROM poison ORDER BY id").fetchall()
        return [(str((message_body(body) or {}).get("submissionId") or i), r) for i, body, r in rows]
