"""The job lock on the embedded default: a lock file beside the hub (works across processes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from hub.ports import HubUnavailable


class FileJobLock:
    def __init__(self, folder: Path, timeout: float = 120.0) -> None:
        self.folder = Path(folder)
        self.timeout = timeout

    @contextmanager
    def hold(self, name: str) -> Iterator[None]:
        lock = FileLock(str(self.folder / f".cxhub-{name}.lock"))
        try:
            lock.acquire(timeout=self.timeout)
        except Timeout:
            raise HubUnavailable(
                f"another CX Hub job has been writing the hub for {self.timeout:.0f}s"
            ) from None
        try:
            yield
        finally:
            lock.release()
