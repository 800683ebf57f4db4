"""The Queue port on an Azure Storage queue (and Azurite in tests).

Messages are base64 text, as the Functions queue output binding writes them by default
(host.json extensions.queues.messageEncoding). Poisoned messages go to `<name>-poison`, the
same convention the Functions runtime uses, so admins find them in one place.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.queue import QueueClient, TextBase64DecodePolicy, TextBase64EncodePolicy

from hub.ports import QueuedMessage, message_body

_MAX_PER_CALL = 32  # the service returns at most 32 messages per receive


# Put Message's default time-to-live is 7 days; -1 keeps a message until it is deleted, so a
# poisoned submission (or one waiting out a long hub lock) is never silently dropped.
NEVER_EXPIRE = -1


class StorageQueue:
    def __init__(self, connection_string: str, name: str) -> None:
        def client(queue_name: str) -> QueueClient:
            return QueueClient.from_connection_string(
                connection_string,
                queue_name,
                message_encode_policy=TextBase64EncodePolicy(),
                message_decode_policy=TextBase64DecodePolicy(),
            )

        self.name = name
        self._queue = client(name)
        self._poison = client(f"{name}-poison")
        for q in (self._queue, self._poison):
            with contextlib.suppress(ResourceExistsError):
                q.create_queue()

    def put(self, message: dict[str, Any]) -> None:
        self._queue.send_message(json.dumps(message, ensure_ascii=False), time_to_live=NEVER_EXPIRE)

    def receive(self, max_messages: int, visibility_timeout: int) -> list[QueuedMessage]:
        out: list[QueuedMessage] = []
        while len(out) < max_messages:
            want = min(_MAX_PER_CALL, max_messages - len(out))
            page = list(
                self._queue.receive_messages(
                    messages_per_page=want, max_messages=want, visibility_timeout=visibility_timeout
                )
            )
            if not page:
                break
            for m in page:
                text = m.content if isinstance(m.content, str) else str(m.content)
                out.append(
                    QueuedMessage(m.id, message_body(text), text, m.dequeue_count or 1, m.pop_receipt or "")
                )
        return out

    def delete(self, message: QueuedMessage) -> None:
        # Already gone (received again elsewhere after its timeout): nothing to do.
        with contextlib.suppress(ResourceNotFoundError):
            self._queue.delete_message(message.id, message.receipt)

    def release(self, message: QueuedMessage) -> None:
        # Storage counts every receive; a fresh copy resets the count so that time spent
        # waiting for a locked hub never poisons a good message.
        self._queue.send_message(message.text, time_to_live=NEVER_EXPIRE)
        self.delete(message)

    def poison(self, message: QueuedMessage, reason: str) -> None:
        self._poison.send_message(
            json.dumps(
                {"reason": reason, "dequeueCount": message.dequeue_count, "message": message.text},
                ensure_ascii=False,
            ),
            time_to_live=NEVER_EXPIRE,
        )
        self.delete(message)

    def depth(self) -> int:
        return int(self._queue.get_queue_properties().approximate_message_count or 0)

    def poison_count(self) -> int:
        return int(self._poison.get_queue_properties().approximate_message_count or 0)

    def requeue(self) -> int:
        """Each poisoned message back onto the queue (a new message, so its count starts again),
        then off the poison queue. A crash in between leaves a copy in both: the writer's
        idempotency (Source Response ID) records it once all the same."""
        moved = 0
        while True:
            page = list(self._poison.receive_messages(messages_per_page=_MAX_PER_CALL, visibility_timeout=60))
            if not page:
                return moved
            for m in page:
                record = message_body(m.content) or {}
                inner = str(record.get("message") or "")
                if message_body(inner) is None:
                    continue  # not a JSON object: it would only fail again; it stays (hidden 60 s)
                self._queue.send_message(inner, time_to_live=NEVER_EXPIRE)
                with contextlib.suppress(ResourceNotFoundError):
                    self._poison.delete_message(m.id, m.pop_receipt)
                moved += 1

    def poisoned(self) -> list[tuple[str, str]]:
        """(submission or message id, reason) of the oldest poisoned messages (Storage peeks 32 at most)."""
        out = []
        for peeked in self._poison.peek_messages(max_messages=32):
            record = message_body(peeked.content) or {}
            inner = message_body(str(record.get("message") or "")) or {}
            out.append((str(inner.get("submissionId") or peeked.id), str(record.get("reason") or "unknown")))
        return out
