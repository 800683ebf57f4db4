"""The ports the services talk to. Adapters: local/ (embedded default), cloud/ and graph/."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import hub_schema.tabs

Row = dict[str, Any]
# The columns wanted from each tab, by tab name (a store may return more).
TabColumns = Mapping[str, Sequence[str]]


class HubUnavailable(Exception):
    """The hub cannot be written now (throttled, unreachable); try again on the next run."""


class HubLocked(HubUnavailable):
    """Someone holds the hub open for editing; nothing was written. Try again on the next run."""


class HubBroken(HubUnavailable):
    """The hub cannot be read as hub_schema declares it (a corrupt or cut-short file, a tab or a
    column renamed or deleted). The hub's fault, not the queued messages': nothing is counted
    against them, and an admin must restore or fix the hub (the message says what is wrong)."""


# Declared with the schema (hub_schema imports nothing from hub); the adapters raise it through here.
HubSchemaError = hub_schema.tabs.HubSchemaError

# A hub that cannot be read, however it was found out: catch these together.
HUB_BROKEN: tuple[type[Exception], ...] = (HubBroken, HubSchemaError)


@dataclass(frozen=True)
class RowUpdate:
    tab: str
    key: str  # value of the tab's key column
    values: Row


@dataclass
class HubChanges:
    """Everything one writer run changes: appended rows per tab and cell updates of existing rows."""

    appends: dict[str, list[Row]] = field(default_factory=dict)
    updates: list[RowUpdate] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not any(self.appends.values()) and not self.updates

    def counts(self) -> dict[str, int]:
        out = {tab: len(rows) for tab, rows in self.appends.items() if rows}
        if self.updates:
            out["updated cells in rows"] = len(self.updates)
        return out


class HubStore(Protocol):
    def read_tables(
        self, tabs: Iterable[str], *, fresh: bool = False, columns: TabColumns | None = None
    ) -> dict[str, list[Row]]:
        """Rows of each tab as dicts keyed by hub_schema column names; blank rows skipped.

        fresh: the writer must see its own last write (a remote hub may serve a lagging copy
        otherwise). columns: for some tabs only these columns are needed (a store may return more).
        """
        ...

    def apply(self, changes: HubChanges) -> None:
        """Write all changes, one write per table. Raises HubLocked when the hub is held open."""
        ...

    def close(self) -> None:
        """Release what a run holds (a remote workbook session)."""
        ...

    def ensure_exists(self) -> bool:
        """Make sure the hub is there; True when a blank one was created."""
        ...

    def size_bytes(self) -> int:
        """The hub file's size (an upgrade trigger)."""
        ...

    def measure_open(self) -> float:
        """Seconds to open the hub and read the first of its largest table (an upgrade trigger)."""
        ...


@dataclass(frozen=True)
class QueuedMessage:
    id: str
    body: dict[str, Any] | None  # None when the stored text is not a JSON object
    text: str
    dequeue_count: int
    receipt: str = ""


def message_body(text: str) -> dict[str, Any] | None:
    """A queued message's stored text as its body: a JSON object, or None (what the writer poisons)."""
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


class Queue(Protocol):
    """A durable at-least-once queue. A received message is hidden until deleted or its
    visibility timeout passes, then delivered again."""

    def put(self, message: dict[str, Any]) -> None: ...

    def receive(self, max_messages: int, visibility_timeout: int) -> list[QueuedMessage]: ...

    def delete(self, message: QueuedMessage) -> None: ...

    def release(self, message: QueuedMessage) -> None:
        """Make a received message visible again without counting this attempt against it."""
        ...

    def poison(self, message: QueuedMessage, reason: str) -> None:
        """Move a message that keeps failing aside, kept for an admin, never dropped."""
        ...

    def depth(self) -> int: ...

    def poison_count(self) -> int: ...

    def poisoned(self) -> list[tuple[str, str]]:
        """(id, reason) of poisoned messages, oldest first (a store may return only the first few)."""
        ...

    def requeue(self) -> int:
        """Move every poisoned message back onto the queue with a fresh attempt count (after an
        admin fixed what failed them); returns how many moved. Text that is not a JSON object
        stays poisoned: it would only fail again."""
        ...


@dataclass(frozen=True)
class InlineImage:
    """An image shown in the mail body, referenced there as <img src="cid:{content_id}">."""

    content_id: str
    data: bytes
    name: str = "chart.png"
    mime: str = "image/png"


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class MailMessage:
    to: tuple[str, ...]
    subject: str
    html: str
    cc: tuple[str, ...] = ()
    text: str = ""  # the plain-text alternative, where the transport carries one
    images: tuple[InlineImage, ...] = ()
    attachments: tuple[Attachment, ...] = ()


class Mailer(Protocol):
    def send(self, message: MailMessage) -> None:
        """Send one message (paced to the mailbox's limits). Raises on a definite failure."""
        ...


@dataclass(frozen=True)
class DriveEntry:
    id: str
    name: str
    size: int
    etag: str | None
    is_folder: bool


class Drive(Protocol):
    def entry(self, item_id: str) -> DriveEntry: ...

    def children(self, folder_id: str) -> list[DriveEntry]: ...

    def download(self, item_id: str) -> bytes: ...

    def move(self, item_id: str, folder_id: str, new_name: str | None = None) -> None: ...

    def folder(self, parent_id: str, name: str) -> str:
        """The id of the subfolder `name` of `parent_id`, created when missing."""
        ...

    def upload(self, folder_id: str, name: str, data: bytes) -> str:
        """Put a small file (a report) into a folder, replacing one of the same name."""
        ...


class StateStore(Protocol):
    """Small durable values between runs (e.g. the last Forms response processed)."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...


class JobLock(Protocol):
    """One writer of the hub at a time across jobs and instances: every job that reads the hub,
    allocates IDs and writes back holds it from the read to the write."""

    def hold(self, name: str) -> AbstractContextManager[None]:
        """Held for the `with` block; raises HubUnavailable when another job keeps it too long."""
        ...


class NoLock:
    """For a single process that owns the hub (tests, one-off runs)."""

    @contextmanager
    def hold(self, name: str) -> Iterator[None]:
        yield


NO_LOCK = NoLock()
